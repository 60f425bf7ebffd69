"""`make demo`: the main job on a throwaway cluster and the mock service.

Installs the dictionary with the scripts in sql/, runs the article's queries
with timings and what each sent over HTTP, shows EXPLAIN with the pushed
request, then keeps the materialized view fresh and queries it by its
trigram index. Everything it starts, it stops.
"""
import os
import socket
import statistics
import subprocess
import time

import psycopg
import requests

from tools.pgcluster import REPO, Cluster
from tools.service import Service

QUERIES = [
    ("The article's query: a page deep in the list",
     "SELECT * FROM dictionary LIMIT 5 OFFSET 9000"),
    ("A word search", "SELECT * FROM dictionary WHERE word LIKE '%house%'"),
    ("Words that start with ...", "SELECT * FROM dictionary WHERE word ILIKE 'house%'"),
    ("One row by key", "SELECT * FROM dictionary WHERE id = 42"),
    ("A key range", "SELECT count(*) FROM dictionary WHERE id BETWEEN 1000 AND 2000"),
    ("Sorted by the service", "SELECT word FROM dictionary ORDER BY word DESC LIMIT 5"),
    ("Counting everything", "SELECT count(*) FROM dictionary"),
]


def port_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def psql(cluster, script, **variables):
    command = ["psql", cluster.dsn(), "-X", "-q", "-v", "ON_ERROR_STOP=1",
               "-f", os.path.join(REPO, "sql", script)]
    for name, value in variables.items():
        command += ["-v", "%s=%s" % (name, value)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def timed(conn, sql, runs=5):
    """(rows, median ms over ``runs`` after one warm-up)."""
    rows = conn.execute(sql).fetchall()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = conn.execute(sql).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return rows, statistics.median(times)


def sent_by_service(service, sql, conn):
    """Rows and bytes the service sent for one run of ``sql``."""
    requests.delete(service.url + "/_log")
    conn.execute(sql).fetchall()
    entries = requests.get(service.url + "/_log").json()["requests"]
    return sum(e["rows"] for e in entries), sum(e["bytes"] for e in entries), len(entries)


def show_rows(rows, limit=5):
    for row in rows[:limit]:
        print("    " + " | ".join(str(v) for v in row))
    if len(rows) > limit:
        print("    ... (%d rows)" % len(rows))


def main():
    port = 9999 if port_free(9999) else 0
    settings = {"restcorn.venv": "'%s'" % os.path.join(REPO, ".venv")}
    print("Starting the mock service and a throwaway PostgreSQL cluster...")
    with Service(port=port) as service, Cluster(settings=settings) as cluster:
        print("  service: %s   cluster: %s" % (service.url, cluster.dsn()))
        psql(cluster, "install.sql", url=service.url)
        psql(cluster, "refresh.sql")
        psql(cluster, "mv_dictionary.sql")
        print("Installed: extension, server dictionary_srv, foreign table dictionary, "
              "mv_dictionary with a trigram index.\n")

        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            for title, sql in QUERIES:
                rows, ms = timed(conn, sql)
                sent_rows, sent_bytes, calls = sent_by_service(service, sql, conn)
                print("-- %s\n%s;" % (title, sql))
                show_rows(rows)
                print("  median %.2f ms; the service sent %d rows, %d bytes in %d request(s)\n"
                      % (ms, sent_rows, sent_bytes, calls))

            sql = "SELECT * FROM dictionary WHERE word LIKE '%house%' ORDER BY word LIMIT 3"
            print("-- EXPLAIN shows the HTTP request the scan makes\nEXPLAIN %s;" % sql)
            for (line,) in conn.execute("EXPLAIN " + sql):
                print("    " + line)

            print("\n-- The materialized view, refreshed and indexed")
            started = time.perf_counter()
            status = conn.execute("SELECT status, rows FROM refresh_materialized_view("
                                  "'mv_dictionary')").fetchone()
            print("SELECT refresh_materialized_view('mv_dictionary');  -> %s, %s rows, %.0f ms"
                  % (status[0], status[1], (time.perf_counter() - started) * 1000))
            sql = "SELECT * FROM mv_dictionary WHERE word LIKE '%house%'"
            rows, ms = timed(conn, sql)
            print("%s;  -> %d rows, median %.2f ms" % (sql, len(rows), ms))
            for (line,) in conn.execute("EXPLAIN " + sql):
                print("    " + line)
            print("\nRefresh log:")
            show_rows(conn.execute("SELECT view_name, concurrent, status, rows, "
                                   "finished_at - started_at FROM mv_refresh_log "
                                   "ORDER BY id").fetchall(), limit=10)
    print("\nDone: the cluster and the service are stopped.")


if __name__ == "__main__":
    main()
