"""``--profile CASE``: run one case N times and print where its time goes.

First the client's wall time and, from the service's request log, the
requests made per run, the rows and bytes sent and the service's own time.
Then what lies between, measured inside a backend: a statement that does no
I/O (PostgreSQL and the engine alone), and each request's HTTP round trip
(bench/probe_fdw.py) through the wrappers' client and through http.client.
EXPLAIN ANALYZE VERBOSE last splits planning (where the wrapper asks the
service for a count) from execution and shows the pushed request.
"""
import statistics

from . import measure
from .cases import CASES_BY_NAME, FIRST_ROWS_SQL, FOREIGN_TARGETS, NO_IO_SQL, REFRESHES_BY_NAME, \
    SCAN_SQL, TARGETS, refresh_sql, target_sql
from .environment import Environment, synthetic_table
from .units import format_bytes

SCALE_CASES = {"scan": SCAN_SQL, "first_rows": FIRST_ROWS_SQL}
PROBED_REQUESTS = 3
# The id of a fresh case: new at the first run only, as the runs repeat one statement.
FRESH_ID = 50001


def names():
    """Every CASE --profile accepts."""
    return list(CASES_BY_NAME) + list(REFRESHES_BY_NAME) + list(SCALE_CASES)


def statements(name, rows):
    """label -> SQL of what to profile for the case ``name``."""
    if name in CASES_BY_NAME:
        return {target: target_sql(CASES_BY_NAME[name], target, FRESH_ID)
                for target in FOREIGN_TARGETS}
    if name in REFRESHES_BY_NAME:
        refresh = REFRESHES_BY_NAME[name]
        source = TARGETS[refresh.source].table
        # The scan alone (both columns converted, nothing sent to the client) next to
        # the refresh: the difference is writing the view and building its indexes.
        return {"scan of %s" % source: "SELECT count(id), count(word) FROM %s" % source,
                name: refresh_sql(refresh)}
    return {name: SCALE_CASES[name].format(table=synthetic_table(rows))}


def profile(name, runs, rows):
    environment = Environment(synthetic_sizes=[rows] if name in SCALE_CASES else [],
                              generator_rows=10, views=name in REFRESHES_BY_NAME, peers=False)
    with environment as env:
        with env.connect() as conn:
            no_io = measure.timed_runs(conn, NO_IO_SQL, 20)["median_ms"]
        for label, sql in statements(name, rows).items():
            with env.connect() as conn:
                measure.run(conn, sql)  # warm-up: Python loaded, keep-alive open, counts cached
                env.clear_log()
                totals = [measure.run(conn, sql)[0] * 1000 for _ in range(runs)]
                log = env.log()
                explain = None
                if sql.startswith("SELECT"):
                    explain = [row[0] for row in conn.execute("EXPLAIN (ANALYZE, VERBOSE) " + sql)]
            last_run = log[len(log) - len(log) // runs:]
            print("== %s: %s" % (label, sql))
            wall_time(totals, log, runs)
            requests(last_run)
            breakdown(env, statistics.median(totals), last_run, no_io)
            if explain:
                print("   EXPLAIN (ANALYZE, VERBOSE):")
                for line in explain:
                    print("     " + line)
            print()


def wall_time(totals, log, runs):
    total = statistics.median(totals)
    service = sum(entry["ms"] for entry in log) / runs
    print("   %d runs; wall time median %.2f ms (min %.2f, max %.2f)"
          % (runs, total, min(totals), max(totals)))
    print("   per run: the service %.2f ms (%.0f%% of the median) over %g request(s), "
          "sending %g rows, %s"
          % (service, 100 * service / total, len(log) / runs,
             sum(entry["rows"] for entry in log) / runs,
             format_bytes(sum(entry["bytes"] for entry in log) / runs)))


def requests(last_run):
    if not last_run:
        return
    print("   requests of the last run (the service's ms, rows):")
    for entry in last_run[:12]:
        print("     %7.2f ms %7d rows  %s?%s" % (entry["ms"], entry["rows"], entry["path"],
                                                 entry["query"]))
    if len(last_run) > 12:
        print("     ... %d more" % (len(last_run) - 12))


def breakdown(env, total, last_run, no_io):
    """The run's time split into: no-I/O floor, HTTP round trips, and what remains."""
    print("   inside the backend (medians):")
    print("     PostgreSQL + engine with no I/O (%s): %.2f ms" % (NO_IO_SQL, no_io))
    urls = [entry["path"] + ("?" + entry["query"] if entry["query"] else "")
            for entry in last_run[:PROBED_REQUESTS]]
    if not urls:
        return
    with env.connect() as conn:
        trips = measure.round_trips(env, conn, urls)
    for number, url in enumerate(urls):
        print("     round trip GET %s: %.2f ms via the wrapper's pool, %.2f ms via http.client"
              % (url[:70], trips["wrapper"][number], trips["http.client"][number]))
    if len(last_run) > PROBED_REQUESTS:
        print("     (only the first %d of %d requests probed)" % (PROBED_REQUESTS, len(last_run)))
        return
    spent = sum(trips["wrapper"])
    print("     %.2f ms = %.2f no-I/O floor + %.2f HTTP round trips (as fdw/http.py makes them) "
          "+ %.2f the rest (JSON decoding, rows, planning, waiting for a CPU)"
          % (total, no_io, spent, total - no_io - spent))
    print("     with http.client the round trips would take %.2f ms: about %.2f ms in all"
          % (sum(trips["http.client"]), total - spent + sum(trips["http.client"])))
