"""A throwaway HTTP server on loopback for tests that need a misbehaving service."""
import contextlib
import threading
from http.server import ThreadingHTTPServer


@contextlib.contextmanager
def serve(handler_class):
    """Serve ``handler_class`` on a free loopback port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
