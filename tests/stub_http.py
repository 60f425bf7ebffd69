"""A throwaway HTTP server on loopback for tests that need a misbehaving service.

``StubHandler`` is the base of each stub's request handler (it answers with
``send_body`` and logs nothing); ``serve`` runs one on a free port.
"""
import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubHandler(BaseHTTPRequestHandler):
    """A request handler that writes no request log; subclasses define ``do_GET``."""

    def send_body(self, status, body, content_type="application/json", headers=None):
        """Send a whole answer: the status line, headers, then ``body``.

        ``status``: the HTTP status code. ``body``: bytes, sent as they are and
        counted in Content-Length. ``content_type``: the Content-Type header, or
        None to send none. ``headers``: more headers, a dict of name -> value,
        sent after Content-Type and before Content-Length.
        """
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Nothing: a stub's requests and errors stay out of the test output."""


@contextlib.contextmanager
def serve(handler_class, host="127.0.0.1", port=0, **attributes):
    """Serve ``handler_class`` on ``host`` (a loopback address) and ``port`` (0: a free one).

    Each keyword in ``attributes`` is set on the server, where a handler reads
    it as ``self.server.<name>``. Yields the base URL, ``http://host:port``;
    the server is shut down when the block ends.
    """
    server = ThreadingHTTPServer((host, port), handler_class)
    for name, value in attributes.items():
        setattr(server, name, value)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "http://%s:%d" % (host, server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
