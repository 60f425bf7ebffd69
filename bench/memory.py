"""A backend's peak memory while it reads one large answer (64 MiB by default).

A small HTTP server in this process serves the answer: records of about one
kilobyte of text each, so that the parsed form is about the size of the
text (records of a few bytes take many times their size once parsed, and
max_response_bytes refuses them before they are built). The foreign table
raises max_response_bytes to three times the answer, so the whole answer is read,
decoded, parsed and returned. The peak is the backend's VmHWM above that of
a fresh backend that read a small answer through the same wrapper.
"""
import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import measure

MIB = 1024 * 1024
TEXT = "x" * 1000
SQL = "SELECT count(*), sum(length(text)) FROM {table}"


def answer(size):
    """(JSON bytes of about ``size`` bytes, its record count)."""
    count = size // (len(TEXT) + 24)
    records = [{"id": number, "text": TEXT} for number in range(1, count + 1)]
    return json.dumps({"records": records}).encode(), count


@contextlib.contextmanager
def serve(body):
    """A loopback server answering ``/big`` with ``body`` and ``/small`` with one record."""
    small = json.dumps({"records": [{"id": 1, "text": TEXT}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            data = body if self.path.startswith("/big") else small
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def big_answer(env, size=64 * MIB):
    """The peak memory of a backend reading one answer of ``size`` bytes, and its ratio to it."""
    body, count = answer(size)
    with serve(body) as url, env.connect() as conn:
        conn.execute("DROP SERVER IF EXISTS big_answer_srv CASCADE")
        conn.execute("CREATE SERVER big_answer_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % url)
        for name in ("big", "small"):
            conn.execute("CREATE FOREIGN TABLE %s_answer (id int, text text) SERVER big_answer_srv "
                         "OPTIONS (path '/%s', pagination 'none', fields_param '', "
                         "max_response_bytes '%d')" % (name, name, 3 * size))
        with env.connect() as fresh:
            rows = measure.run(fresh, SQL.format(table="big_answer"))[1]
            peak = measure.peak_rss_mb(fresh)
        if rows != [(count, count * len(TEXT))]:
            raise RuntimeError("the big answer read %r, not %d records" % (rows, count))
        with env.connect() as fresh:
            measure.run(fresh, SQL.format(table="small_answer"))
            baseline = measure.peak_rss_mb(fresh)
        conn.execute("DROP SERVER big_answer_srv CASCADE")
    answer_mb = len(body) / MIB
    return {"answer_mb": round(answer_mb, 1), "records": count, "peak_rss_mb": round(peak, 1),
            "baseline_rss_mb": round(baseline, 1),
            "ratio": round((peak - baseline) / answer_mb, 2)}
