"""Load: many sessions running pushdown queries on the dictionary table at the same time.

    run_load(dsn, sessions=16, seconds=60, queries=None)
        -> {"queries": n, "errors": n, "p50_ms": ..., "p99_ms": ..., "sample_errors": [...]}

One thread per session, each with its own psycopg connection (so its own
backend, its own Python and its own keep-alive connection to the service),
running the queries in turn with fresh random values. It stops by itself:
after ``seconds``, or once ``max_queries`` have been started, and no query
may run longer than ``statement_timeout_ms``. It talks only to the
PostgreSQL at ``dsn``.
"""
import itertools
import random
import threading
import time

import psycopg

# Each query may use %(id)s, %(offset)s, %(prefix)s and %(contains)s.
QUERY_TEMPLATES = [
    "SELECT id, word FROM {table} WHERE id = %(id)s",
    "SELECT id, word FROM {table} WHERE id BETWEEN %(id)s AND %(id)s + 50",
    "SELECT id, word FROM {table} WHERE word LIKE %(prefix)s",
    "SELECT word FROM {table} ORDER BY word LIMIT 10 OFFSET %(offset)s",
    "SELECT id, word FROM {table} LIMIT 5 OFFSET %(offset)s",
    "SELECT count(*) FROM {table} WHERE word ILIKE %(contains)s",
]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
ERROR_SAMPLES = 5


def default_queries(table="dictionary"):
    """The mix of pushdown queries, on ``table``."""
    return [template.format(table=table) for template in QUERY_TEMPLATES]


def query_values(rng):
    return {
        "id": rng.randint(1, 100000),
        "offset": rng.randint(0, 100000),
        "prefix": rng.choice(LETTERS) + rng.choice(LETTERS) + "%",
        "contains": "%" + rng.choice(LETTERS) + rng.choice(LETTERS) + "%",
    }


def run_load(dsn, sessions=16, seconds=60, queries=None, max_queries=1_000_000,
             statement_timeout_ms=30_000, seed=None):
    """Run the load; the number of queries that succeeded and failed, and latency percentiles."""
    queries = queries or default_queries()
    deadline = time.monotonic() + seconds
    started = itertools.count()
    lock = threading.Lock()
    latencies, errors = [], []

    def session(number):
        rng = random.Random(None if seed is None else seed + number)
        try:
            conn = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as error:
            with lock:
                errors.append("connect: %s" % error)
            return
        with conn:
            conn.execute("SET statement_timeout = %d" % statement_timeout_ms)
            mine = []
            for sql in itertools.cycle(rng.sample(queries, len(queries))):
                if time.monotonic() >= deadline or next(started) >= max_queries:
                    break
                began = time.perf_counter()
                try:
                    conn.execute(sql, query_values(rng)).fetchall()
                except psycopg.Error as error:
                    with lock:
                        errors.append("%s: %s" % (sql, error))
                    if conn.closed:
                        break
                    continue
                mine.append((time.perf_counter() - began) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=session, args=(n,), daemon=True) for n in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + statement_timeout_ms / 1000 + 30)
    latencies.sort()
    return {
        "queries": len(latencies),
        "errors": len(errors),
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "sample_errors": errors[:ERROR_SAMPLES],
    }


def percentile(ordered, fraction):
    """The nearest-rank percentile of an ascending list; None when it is empty."""
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 3)
