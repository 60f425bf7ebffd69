"""One benchmark run over a started Environment: every number of the report, correctness first.

Each query's answer from every target is compared with the article's
wrapper's answer on every run; a difference stops the benchmark with
Mismatch, because a fast wrong answer is not a result.
"""
import os
import platform
import statistics
import sys
import time

from tools.load import run_load

from . import measure
from .cases import (BASELINE, CASES, CASES_BY_NAME, COUNT_SQL, FIRST_ROWS_SQL,
                    GENERATOR_SQL, HTTP_TARGETS, IN_IDS, NO_IO_SQL, REFRESHES, SCAN_SQL, TARGETS,
                    refresh_sql, target_sql)
from .environment import MULTICORN_DB, synthetic_table
from .memory import MIB, big_answer
from .peers import BareClient, floor_url
from .rate import run_rate_limit
from .sync import SyncMismatch, run_sync

PROBED_REQUESTS = 3
FLOOR = "floor"  # the pseudo-target of the query rounds: SELECT 1 plus one bare GET
FLOOR_WARM_UP = 5  # bare GETs before the floor's timed ones
COLD_TARGETS = ("restcorn", "plpython_pushed", "mv_gin")  # the last: PostgreSQL on its own
COLD_WARM_RUNS = 3  # queries after the first in each new backend, for its warm time
SYNC_ROUNDS = 3  # at most: each round also refreshes the whole view, tens of seconds at 1M records


class Mismatch(Exception):
    """A target answered a query differently from the article's wrapper."""


def progress(message):
    print(message, file=sys.stderr, flush=True)


def run_all(env, repeat, synthetic_sizes, generator_rows, smoke=False, load_sessions=16,
            load_seconds=60, sync_rows=None, rate_limit=None, scan_targets=(), count_rows=None):
    """The results dict that report.py writes and targets.py judges.

    ``scan_targets``: the sizes of ``synthetic_sizes`` whose full scans the
    targets judge; ``count_rows``: the size (one of ``synthetic_sizes``) of
    the count(*) row, or None for none.
    """
    started = time.time()
    results = {"meta": meta(env, repeat, smoke)}
    fresh = FreshIds()
    with env.connect() as conn:
        results["no_io_ms"] = measure.timed_runs(conn, NO_IO_SQL, max(repeat, 20))["median_ms"]
    results["queries"] = query_cases(env, repeat, fresh)
    results["correctness"] = {"passed": True, "queries": len(CASES), "targets": list(TARGETS),
                              "runs_each": repeat + 1}
    results["cold_start"] = cold_start(env, repeat, fresh)
    results["words_scan"] = words_scan(env, repeat)
    results["refresh"] = refreshes(env, repeat)
    if sync_rows:
        try:
            results["sync"] = run_sync(env, sync_rows, min(repeat, SYNC_ROUNDS), progress=progress)
        except SyncMismatch as error:
            raise Mismatch(str(error)) from None
    results["scale"] = [scale(env, rows, repeat, rows in scan_targets) for rows in synthetic_sizes]
    if count_rows:
        results["count_at_scale"] = count_at_scale(env, count_rows, repeat)
    results["engine"] = engine(env, repeat, generator_rows)
    progress("memory: one %d MiB answer" % (4 if smoke else 64))
    results["big_answer"] = big_answer(env, (4 if smoke else 64) * MIB)
    results["load"] = load(env, load_sessions, load_seconds)
    if rate_limit:  # (sessions, seconds, requests per second)
        results["rate_limit"] = run_rate_limit(env, *rate_limit, progress=progress)
    results["meta"]["seconds"] = round(time.time() - started, 1)
    results["meta"]["load_after"] = round(os.getloadavg()[0], 2)
    return results


class FreshIds:
    """Word ids no statement of the run has asked for before: ``next_id()`` gives one each call.

    They start above every id the fixed cases name (42, IN_IDS below 50000,
    1000 to 2000, 9001 to 9005) and skip IN_IDS above it.
    """

    def __init__(self, first=50001):
        self.last = first - 1

    def next_id(self):
        self.last += 1
        while self.last in IN_IDS:
            self.last += 1
        return self.last


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
                       % (case.name, TARGETS[target].label, len(rows), len(expected), missing, extra,
                          "" if missing or extra else " (same rows, other order)"))


def rotated(names, number):
    """``names`` starting at the ``number``-th (modulo): each run its own order, fair to all."""
    shift = number % len(names)
    return list(names[shift:]) + list(names[:shift])


def query_cases(env, repeat, fresh):
    """Each case against each target and the floor, interleaved: one persistent connection each.

    Per case: a warm-up round of every target; the service's traffic for one
    run of each target that asks it; then ``repeat`` timed rounds, each
    running every target and the floor once (right after an untimed run of
    the same), in an order that turns each round. In every round each answer must equal the article's wrapper's
    (for a fresh case, all targets of a round ask for the same new id).
    Last, the HTTP round trips of our requests timed inside a backend of its
    own (the first PROBED_REQUESTS of them).
    """
    connections = {name: env.connect(TARGETS[name].dbname) for name in TARGETS}
    probe, floor = env.connect(), env.connect()
    found = []
    try:
        for case in CASES:
            with BareClient(env.service.url) as client:
                found.append(query_case(env, case, repeat, fresh, connections, probe, floor,
                                        client))
    finally:
        for conn in [probe, floor, *connections.values()]:
            conn.close()
    return found


def query_case(env, case, repeat, fresh, connections, probe, floor, client):
    progress("query %s" % case.title)
    url = None  # the floor's GET, known once the traffic is

    def one_round(names):
        """{target: seconds} of one run of each of ``names``; every answer checked.

        Each timed run follows an untimed run of the same target (for a fresh
        case with another new id), so that no target pays for the machine
        waking its processes from idle: after 70 ms idle a bare GET of the
        service takes about 2 ms here against 0.45 ms back to back, more
        than a whole pushed-down query.
        """
        value = fresh.next_id() if case.fresh else None
        seconds, answers = {}, {}
        for name in names:
            if name == FLOOR:
                floor_times(floor, client, url)
                seconds[name] = floor_times(floor, client, url)
            else:
                measure.run(connections[name],
                            target_sql(case, name, fresh.next_id() if case.fresh else None))
                seconds[name], answers[name] = measure.run(connections[name],
                                                           target_sql(case, name, value))
        for name, rows in answers.items():
            check(case, name, rows, answers[BASELINE])
        return seconds, answers[BASELINE]

    _, expected = one_round(list(TARGETS))  # the warm-up
    value = fresh.next_id() if case.fresh else None
    traffic = {name: measure.traffic(env, connections[name], target_sql(case, name, value))
               for name in HTTP_TARGETS}
    url = floor_url(traffic["restcorn"]["urls"], len(expected))
    for _ in range(FLOOR_WARM_UP):
        floor_times(floor, client, url)
    seconds = {name: [] for name in TARGETS}
    floor_parts = {"select_1": [], "get": []}
    for number in range(repeat):
        timings, _ = one_round(rotated([*TARGETS, FLOOR], number))
        select_1, get = timings.pop(FLOOR)
        floor_parts["select_1"].append(select_1)
        floor_parts["get"].append(get)
        for name, elapsed in timings.items():
            seconds[name].append(elapsed)
    timings = {name: measure.summary(seconds[name]) for name in TARGETS}
    floor_seconds = [a + b for a, b in zip(floor_parts["select_1"], floor_parts["get"])]
    return {
        "case": case.name, "title": case.title, "sql": case.sql, "rows": len(expected),
        "targets": timings, "traffic": traffic,
        "floor": dict(measure.summary(floor_seconds), url=url,
                      select_1_ms=measure.summary(floor_parts["select_1"])["median_ms"],
                      get_ms=measure.summary(floor_parts["get"])["median_ms"]),
        "round_trips": measure.round_trips(
            env, probe, traffic["restcorn"]["urls"][:PROBED_REQUESTS]),
    }


def floor_times(conn, client, url):
    """(seconds of a SELECT 1 round trip on ``conn``, of a bare GET of ``url``; 0 if None)."""
    select_1 = measure.run(conn, "SELECT 1")[0]
    get = 0.0
    if url:
        started = time.perf_counter()
        client.get(url)
        get = time.perf_counter() - started
    return select_1, get


def cold_start(env, repeat, fresh):
    """The first query of a new backend, ``WHERE id = <new id>``, against the same query warm.

    Per round and target of COLD_TARGETS (in turn): a new connection (the
    connecting itself is not timed), the first query, then COLD_WARM_RUNS
    more, each with an id not asked for before; the warm time is their
    median. Every answer is checked against the view of the article's
    wrapper (mv_article_dictionary). For ours, the service's request log
    tells how many requests the first query made.
    """
    progress("cold start: the first query in a new backend")
    case = CASES_BY_NAME["id_new"]
    cold = {name: [] for name in COLD_TARGETS}
    warm = {name: [] for name in COLD_TARGETS}
    first_requests = []
    with env.connect() as reference:
        def query(conn, name):
            value = fresh.next_id()
            elapsed, rows = measure.run(conn, target_sql(case, name, value))
            check(case, name, rows, measure.run(
                reference, "SELECT * FROM mv_article_dictionary WHERE id = %d" % value)[1])
            return elapsed

        for number in range(repeat):
            for name in rotated(COLD_TARGETS, number):
                with env.connect(TARGETS[name].dbname) as conn:
                    if name == "restcorn":
                        env.clear_log()
                    cold[name].append(query(conn, name))
                    if name == "restcorn":
                        first_requests.append(len(env.log()))
                    warm[name].append(statistics.median(
                        [query(conn, name) for _ in range(COLD_WARM_RUNS)]))
    found = {"sql": case.sql, "first_requests": max(first_requests)}
    for name in COLD_TARGETS:
        first, later = measure.summary(cold[name]), measure.summary(warm[name])
        found[name] = {"cold": first, "warm": later,
                       "difference_ms": first["median_ms"] - later["median_ms"]}
    return found


def words_scan(env, repeat):
    """A full scan of the word list (count and sum, so nothing is pushed) through both wrappers.

    Interleaved rounds on one connection each; both answers must be equal
    on every run, and the count must be the word list's.
    """
    progress("full scan of the word list")
    names = ("article", "restcorn")
    sql = {name: SCAN_SQL.format(table=TARGETS[name].table) for name in names}
    with env.connect() as conn:
        expected = measure.run(conn, "SELECT count(*) FROM mv_article_dictionary")[1][0][0]
    connections = {name: env.connect() for name in names}
    seconds = {name: [] for name in names}
    try:
        for number in range(repeat + 1):
            answers = {}
            for name in rotated(names, number):
                elapsed, answers[name] = measure.run(connections[name], sql[name])
                if number:
                    seconds[name].append(elapsed)
            if answers["restcorn"] != answers["article"] or answers["article"][0][0] != expected:
                raise Mismatch("the word list's full scan: ours gave %r, the article's wrapper %r, "
                               "the article's view holds %d words"
                               % (answers["restcorn"], answers["article"], expected))
        traffic = {name: measure.traffic(env, connections[name], sql[name]) for name in names}
    finally:
        for conn in connections.values():
            conn.close()
    found = {"sql": SCAN_SQL, "rows": expected, "traffic": traffic}
    for name in names:
        found[name] = measure.summary(seconds[name])
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


def scale(env, rows, repeat, targeted=False):
    """A full scan and a LIMIT 10 of the synthetic resource with ``rows`` rows, and peak RSS.

    ``targeted``: whether the targets judge this size's scan (kept in the result).
    """
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
    return {"rows": rows, "targeted": targeted, "scan": scan, "first_rows": timings["first_rows"],
            "rows_per_second": rows / (scan["median_ms"] / 1000),
            "peak_rss_mb": round(peak, 1), "baseline_rss_mb": round(baseline, 1)}


def count_at_scale(env, rows, repeat):
    """count(*) of the synthetic resource with ``rows`` rows against one request's time.

    The request is a bare GET (bench/peers.py's BareClient, kept alive) of
    ``/synthetic/<rows>?limit=0``, the one request whose answer holds the
    count; count and GET alternate, after a warm-up of each. Both must say
    ``rows``.
    """
    progress("count(*) of %d rows" % rows)
    sql = COUNT_SQL.format(table=synthetic_table(rows))
    path = "/synthetic/%d?limit=0" % rows
    check_count = expecting(synthetic_table(rows), sql, [(rows,)])
    seconds = {"count": [], "request": []}
    with env.connect() as conn, BareClient(env.service.url) as client:
        check_count(measure.run(conn, sql)[1])
        for _ in range(FLOOR_WARM_UP):
            if client.total(path) != rows:
                raise Mismatch("GET %s: total %r, expected %d" % (path, client.total(path), rows))
        traffic = measure.traffic(env, conn, sql)
        for number in range(repeat):
            for name in rotated(("count", "request"), number):
                if name == "count":
                    elapsed, answer = measure.run(conn, sql)
                    check_count(answer)
                else:
                    started = time.perf_counter()
                    client.get(path)
                    elapsed = time.perf_counter() - started
                seconds[name].append(elapsed)
    return {"rows": rows, "sql": sql, "url": path, "traffic": traffic,
            "count": measure.summary(seconds["count"]),
            "request": measure.summary(seconds["request"])}


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
