"""Wall time of statements as a client sees it, the service's traffic, and a backend's peak RSS.

A statement's time is ``perf_counter`` around execute + fetchall on a
persistent connection: planning, the wrapper, HTTP and sending the rows all
count, as in psql's \\timing that the article used.
"""
import statistics
import time


def run(conn, sql):
    """(seconds, rows) of one execution."""
    started = time.perf_counter()
    cursor = conn.execute(sql)
    rows = cursor.fetchall() if cursor.description else []
    return time.perf_counter() - started, rows


def timed_runs(conn, sql, repeat, check=None):
    """The summary of ``repeat`` runs after one warm-up, back to back on ``conn``.

    ``check(rows)`` sees every run's answer, the warm-up's included, outside
    the timed part.
    """
    seconds = []
    for number in range(repeat + 1):
        elapsed, rows = run(conn, sql)
        if check:
            check(rows)
        if number:
            seconds.append(elapsed)
    return summary(seconds)


def summary(seconds):
    """Median, min and max in ms, and every run, of a list of durations in seconds."""
    ms = [s * 1000 for s in seconds]
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms),
            "runs_ms": [round(m, 3) for m in ms]}


def traffic(env, conn, sql):
    """What the service did for one execution of ``sql``: requests, rows, bytes, its own ms.

    Reads the service's request log around the statement, so it holds every
    request the statement made, planning's included.
    """
    env.clear_log()
    run(conn, sql)
    entries = env.log()
    return {
        "requests": len(entries),
        "rows": sum(entry["rows"] for entry in entries),
        "bytes": sum(entry["bytes"] for entry in entries),
        "service_ms": round(sum(entry["ms"] for entry in entries), 3),
        "urls": [entry["path"] + ("?" + entry["query"] if entry["query"] else "")
                 for entry in entries],
    }


def round_trips(env, conn, urls):
    """Median HTTP round trip (ms) of each of ``urls`` (paths) from inside a backend, per client.

    ``{"wrapper": [ms, ...], "http.client": [ms, ...]}``: wrapper is what
    the wrappers use; http.client is the standard library's bare client.
    """
    found = {}
    for url in urls:
        for client, median, _ in conn.execute(
                "SELECT client, median_ms, min_ms FROM probe WHERE url = %s",
                (env.service.url + url,)):
            found.setdefault(client, []).append(median)
    return found


def peak_rss_mb(conn):
    """The backend's peak resident set size so far (VmHWM), in MB.

    The backend reads its own /proc entry, so this works whichever OS user
    the server runs as.
    """
    status = conn.execute("SELECT pg_read_file('/proc/self/status')").fetchone()[0]
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in the backend's /proc/self/status")
