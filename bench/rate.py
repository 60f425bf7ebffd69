"""Many sessions sharing one rate_limit (fdw/ratelimit.py): what the service sees, per second.

A small service in this process answers every GET with a few records and
notes when each request arrived; ``sessions`` sessions of the benchmark's
cluster query it as fast as they can for ``seconds`` through a server with
``rate_limit '<rate>/s'``. The numbers: requests in the busiest one-second
window (the limit must hold there), requests per second over the run, and
session errors (there must be none: waiting is not failing).
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg

SQL = "SELECT id, word FROM rate_limited"
RECORDS = [{"id": number, "word": "word-%d" % number} for number in range(1, 4)]
BODY = json.dumps(RECORDS).encode()


def busiest_window(arrivals, width=1.0):
    """The most of the sorted ``arrivals`` (seconds) inside any window [t, t + width)."""
    most, start = 0, 0
    for end, moment in enumerate(arrivals):
        while moment - arrivals[start] >= width:
            start += 1
        most = max(most, end - start + 1)
    return most


def run_rate_limit(env, sessions, seconds, rate, progress=print):
    arrivals, lock = [], threading.Lock()

    class Service(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real service

        def do_GET(self):  # noqa: N802 (the standard library's name)
            with lock:
                arrivals.append(time.monotonic())
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % server.server_address[1]
    progress("rate limit: %d sessions sharing %d/s for %d s" % (sessions, rate, seconds))
    try:
        with env.connect() as conn:
            conn.execute("CREATE SERVER rate_srv FOREIGN DATA WRAPPER restcorn OPTIONS (wrapper "
                         "'fdw.RestFDW', url '%s', rate_limit '%d/s')" % (url, rate))
            conn.execute("CREATE FOREIGN TABLE rate_limited (id int, word text) SERVER rate_srv "
                         "OPTIONS (path '/items', records_path '', pagination 'none', "
                         "fields_param '')")
        expected = [(record["id"], record["word"]) for record in RECORDS]
        counts = {"queries": 0, "errors": 0, "wrong": 0}
        connections = [env.connect() for _ in range(sessions)]
        deadline = time.monotonic() + seconds

        def session(conn):
            while time.monotonic() < deadline:
                try:
                    rows = conn.execute(SQL).fetchall()
                except psycopg.Error:
                    with lock:
                        counts["errors"] += 1
                    continue
                with lock:
                    counts["queries"] += 1
                    counts["wrong"] += rows != expected

        threads = [threading.Thread(target=session, args=(conn,)) for conn in connections]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for conn in connections:
            conn.close()
    finally:
        server.shutdown()
        server.server_close()
    arrivals.sort()
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    return dict(counts, sessions=sessions, seconds=seconds, rate=rate, sql=SQL,
                requests=len(arrivals), busiest_second=busiest_window(arrivals),
                per_second=round(len(arrivals) / span, 2) if span else 0.0)
