"""One benchmark run over a started Environment: every number of the report, correctness first.

Each query's answer from every target is compared with the article's
wrapper's answer on every run; a difference stops the benchmark with
Mismatch, because a fast wrong answer is not a result.
"""
import os
import platform
import sys
import time

from tools.load import run_load

from . import measure
from .cases import (BASELINE, CASES, FIRST_ROWS_SQL, FOREIGN_TARGETS, GENERATOR_SQL, NO_IO_SQL,
                    REFRESHES, SCAN_SQL, TARGETS, refresh_sql)
from .environment import MULTICORN_DB, synthetic_table
from .memory import MIB, big_answer
from .rate import run_rate_limit
from .sync import SyncMismatch, run_sync

PROBED_REQUESTS = 3
SYNC_ROUNDS = 3  # at most: each round also refreshes the whole view, tens of seconds at 1M records


class Mismatch(Exception):
    """A target answered a query differently from the article's wrapper."""


def progress(message):
    print(message, file=sys.stderr, flush=True)


def run_all(env, repeat, synthetic_sizes, generator_rows, smoke=False, load_sessions=16,
            load_seconds=60, sync_rows=None, rate_limit=None):
    """The results dict that report.py writes and targets.py judges."""
    started = time.time()
    results = {"meta": meta(env, repeat, smoke)}
    with env.connect() as conn:
        results["no_io_ms"] = measure.timed_runs(conn, NO_IO_SQL, max(repeat, 20))["median_ms"]
    results["queries"] = query_cases(env, repeat)
    results["correctness"] = {"passed": True, "queries": len(CASES), "targets": list(TARGETS),
                              "runs_each": repeat + 1}
    results["refresh"] = refreshes(env, repeat)
    if sync_rows:
        try:
            results["sync"] = run_sync(env, sync_rows, min(repeat, SYNC_ROUNDS), progress=progress)
        except SyncMismatch as error:
            raise Mismatch(str(error)) from None
    results["scale"] = [scale(env, rows, repeat) for rows in synthetic_sizes]
    results["engine"] = engine(env, repeat, generator_rows)
    progress("memory: one %d MiB answer" % (4 if smoke else 64))
    results["big_answer"] = big_answer(env, (4 if smoke else 64) * MIB)
    results["load"] = load(env, load_sessions, load_seconds)
    if rate_limit:  # (sessions, seconds, requests per second)
        results["rate_limit"] = run_rate_limit(env, *rate_limit, progress=progress)
    results["meta"]["seconds"] = round(time.time() - started, 1)
    results["meta"]["load_after"] = round(os.getloadavg()[0], 2)
    return results


def meta(env, repeat, smoke):
    with env.connect() as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
        words = conn.execute("SELECT count(*) FROM dictionary").fetchone()[0]
    return {
        "date": time.strftime("%Y-%m-%d"),
        "smoke": smoke,
        "repeat": repeat,
        "postgresql": server,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "words": words,
        "multicorn2": env.multicorn,
        # The 1-minute load average: how busy the shared machine was around the run.
        "load_before": round(os.getloadavg()[0], 2),
    }


def same_answer(case, rows, expected):
    return rows == expected if case.ordered else sorted(rows) == sorted(expected)


def check(case, target, rows, expected):
    if not same_answer(case, rows, expected):
        missing = [row for row in expected if row not in rows][:5]
        extra = [row for row in rows if row not in expected][:5]
        raise Mismatch("%s: %s returned %d rows, the article's wrapper %d; missing %r, extra %r%s"
                       % (case.name, TARGETS[target][1], len(rows), len(expected), missing, extra,
                          "" if missing or extra else " (same rows, other order)"))


def query_cases(env, repeat):
    """Each case against each target: one persistent connection per target, a warm-up, then runs.

    The article's wrapper's first answer is the reference every other answer
    must equal. Then the service's traffic for one run of each foreign
    target, and the HTTP round trips of our requests timed inside a backend
    of its own (the first PROBED_REQUESTS of them).
    """
    connections = {name: env.connect() for name in TARGETS}
    probe = env.connect()
    found = []
    try:
        for case in CASES:
            progress("query %s" % case.title)
            sql = {name: case.sql.format(table=TARGETS[name][0]) for name in TARGETS}
            _, expected = measure.run(connections[BASELINE], sql[BASELINE])
            timings = {}
            for name, conn in connections.items():
                timings[name] = measure.timed_runs(
                    conn, sql[name], repeat,
                    lambda rows, name=name: check(case, name, rows, expected))
            traffic = {name: measure.traffic(env, connections[name], sql[name])
                       for name in FOREIGN_TARGETS}
            found.append({
                "case": case.name, "title": case.title, "sql": case.sql, "rows": len(expected),
                "targets": timings, "traffic": traffic,
                "round_trips": measure.round_trips(
                    env, probe, traffic["restcorn"]["urls"][:PROBED_REQUESTS]),
            })
    finally:
        for conn in [probe, *connections.values()]:
            conn.close()
    return found


def load(env, sessions, seconds):
    """Many sessions running a mix of pushdown queries at once (tools/load.py)."""
    progress("load: %d sessions for %d s" % (sessions, seconds))
    found = run_load(env.dsn(), sessions=sessions, seconds=seconds, seed=1)
    return dict(found, sessions=sessions, seconds=seconds)


def view_digest(conn, view):
    return conn.execute("SELECT count(*), sum(id), md5(string_agg(id || ':' || word, ',' ORDER BY id))"
                        " FROM %s" % view).fetchone()


def refreshes(env, repeat):
    """REFRESH MATERIALIZED VIEW [CONCURRENTLY] of each view; then every view must hold the same rows."""
    progress("refresh materialized views")
    found = {}
    with env.connect() as conn:
        for refresh in REFRESHES:
            found[refresh.name] = dict(measure.timed_runs(conn, refresh_sql(refresh), repeat),
                                       sql=refresh_sql(refresh), source=refresh.source,
                                       index=refresh.index, concurrently=refresh.concurrently)
        expected = view_digest(conn, REFRESHES[0].view)
        for refresh in REFRESHES:
            digest = view_digest(conn, refresh.view)
            if digest != expected:
                raise Mismatch("%s holds %r after refresh, %s holds %r"
                               % (refresh.view, digest, REFRESHES[0].view, expected))
    return found


def scale(env, rows, repeat):
    """A full scan and a LIMIT 10 of the synthetic resource with ``rows`` rows, and peak RSS."""
    table = synthetic_table(rows)
    scan_sql, first_sql = SCAN_SQL.format(table=table), FIRST_ROWS_SQL.format(table=table)
    expected_scan = [(rows, rows * (rows + 1) // 2)]
    expected_first = [(i, "word-%d" % i) for i in range(1, min(rows, 10) + 1)]
    progress("scale %d rows: peak RSS" % rows)
    with env.connect() as fresh:  # a new backend: its peak is this scan's
        expecting(table, scan_sql, expected_scan)(measure.run(fresh, scan_sql)[1])
        peak = measure.peak_rss_mb(fresh)
    with env.connect() as fresh:  # the same backend state without the scan
        measure.run(fresh, first_sql)
        baseline = measure.peak_rss_mb(fresh)
    progress("scale %d rows: timings" % rows)
    with env.connect() as conn:
        timings = {}
        for name, sql, expected in (("scan", scan_sql, expected_scan),
                                    ("first_rows", first_sql, expected_first)):
            timings[name] = dict(measure.timed_runs(conn, sql, repeat,
                                                    expecting(table, sql, expected)),
                                 sql=sql, traffic=measure.traffic(env, conn, sql))
    scan = timings["scan"]
    return {"rows": rows, "scan": scan, "first_rows": timings["first_rows"],
            "rows_per_second": rows / (scan["median_ms"] / 1000),
            "peak_rss_mb": round(peak, 1), "baseline_rss_mb": round(baseline, 1)}


def engine(env, repeat, rows):
    """Rows per second of a pure-Python generator, through this engine and through Multicorn2."""
    progress("engine: %d generated rows" % rows)
    databases = {"restcorn": "postgres"}
    if env.multicorn:
        databases["multicorn2"] = MULTICORN_DB
    found = {"rows": rows, "sql": GENERATOR_SQL.format(table="generator")}
    expected = rows * (rows - 1) // 2
    for name, dbname in databases.items():
        with env.connect(dbname) as conn:
            timing = measure.timed_runs(conn, found["sql"], repeat,
                                        expecting(name, "sum(a)", expected, first_value=True))
        found[name] = dict(timing, rows_per_second=rows / (timing["median_ms"] / 1000))
    if not env.multicorn:
        found["multicorn2"] = {"skipped": "Multicorn2 not installed"}
    return found


def expecting(where, what, expected, first_value=False):
    """A check for timed_runs: the answer (or its first value) must be ``expected``."""
    def check(rows):
        answer = rows[0][0] if first_value else rows
        if answer != expected:
            raise Mismatch("%s: %s gave %r, expected %r"
                           % (where, what, str(answer)[:200], str(expected)[:200]))
    return check
