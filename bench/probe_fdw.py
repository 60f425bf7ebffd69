"""ProbeFDW: HTTP round trips timed from inside a backend, for ``--profile``.

The service's log tells its own time per request; the client's wall time
holds everything. This probe measures what lies between, where the wrapper
runs: one GET through the wrappers' own keep-alive connections (transport.py), and
the same GET through the standard library's http.client, so the cost of the
HTTP client itself shows.

    SELECT client, median_ms, min_ms FROM probe WHERE url = 'http://...';
"""
import http.client
import statistics
import time
from urllib.parse import urlsplit

from fdw import transport
from fdw.multicorn_compat import ForeignDataWrapper

WARM_UP = 5


class ProbeFDW(ForeignDataWrapper):
    """Rows (url, client, median_ms, min_ms); the option ``runs`` says how many GETs each (50)."""

    def __init__(self, options, columns):
        super(ProbeFDW, self).__init__(options, columns)
        self.runs = int(options.get("runs", "50"))

    def execute(self, quals, columns, **kwargs):
        urls = [qual.value for qual in quals if qual.field_name == "url" and qual.operator == "="]
        for url in urls:
            for client, get in (("wrapper", pool_get(url)),
                                ("http.client", http_client_get(url))):
                for _ in range(WARM_UP):
                    get()
                ms = []
                for _ in range(self.runs):
                    started = time.perf_counter()
                    get()
                    ms.append((time.perf_counter() - started) * 1000)
                yield {"url": url, "client": client, "median_ms": statistics.median(ms),
                       "min_ms": min(ms)}


def pool_get(url):
    """One GET through transport.get, the wrappers' keep-alive connections with sliced waits."""
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")

    def get():
        response = transport.get(parts.scheme, parts.hostname, parts.port, target, {}, 10, 10)
        try:
            return b"".join(response.stream(256 * 1024))
        finally:
            response.release()
    return get


def http_client_get(url):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port)
    target = parts.path + ("?" + parts.query if parts.query else "")

    def get():
        connection.request("GET", target)
        return connection.getresponse().read()
    return get
