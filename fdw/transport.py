"""The backend's connection pool, whose sockets wait in slices: deadlines, stalls and cancels.

urllib3 gives each socket operation one timeout, so a service sending a
byte a second, or endless ``100 Continue`` lines, never times out, and a
host that does not deliver cancels into Python (Multicorn2) cannot stop a
wait. Here every connection's socket is wrapped so that each wait for the
service is cut into slices of at most interrupts.SLICE seconds, and between
slices:

* a pending cancel or statement_timeout ends the wait (interrupts.check);
* past the request's deadline (``request_timeout``, set by ``deadline``) the
  operation fails with a socket timeout, which http.py reports as such;
* with no byte for the operation's own timeout (``read_timeout``), likewise.

The pool keeps no cookies, follows no redirects and retries nothing itself.
"""
import contextlib
import io
import socket
import time

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from . import interrupts

_pool = None
_deadline = None  # time.monotonic() by which the current request must be done, or None


@contextlib.contextmanager
def deadline(seconds):
    """Within the block, every socket wait ends ``seconds`` from now at the latest."""
    global _deadline
    _deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline = None


def expired():
    """True when the current request's deadline has passed."""
    return _deadline is not None and time.monotonic() >= _deadline


class SlicedSocket:
    """A connected socket (plain or TLS) whose waits are cut into slices; see the module."""

    def __init__(self, sock):
        self._sock = sock
        self._timeout = sock.gettimeout()  # the timeout urllib3 asks for, per operation

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def settimeout(self, value):
        self._timeout = value

    def gettimeout(self):
        return self._timeout

    def makefile(self, mode="r", buffering=None, **_):
        """A buffered reader whose reads come through this object (http.client asks for "rb")."""
        self._sock._io_refs += 1
        return io.BufferedReader(socket.SocketIO(self, "rb"))

    def recv_into(self, buffer, nbytes=0, flags=0):
        return self._wait(lambda: self._sock.recv_into(buffer, nbytes, flags))

    def recv(self, size, flags=0):
        return self._wait(lambda: self._sock.recv(size, flags))

    def sendall(self, data, flags=0):
        # A request is small: sent with the whole per-operation timeout, never cut
        # (a send cut by a timeout cannot be resumed).
        interrupts.check()
        self._sock.settimeout(self._timeout)
        return self._sock.sendall(data, flags)

    def send(self, data, flags=0):
        self._sock.settimeout(self._timeout)
        return self._sock.send(data, flags)

    def _wait(self, operation):
        started = time.monotonic()
        while True:
            interrupts.check()
            now = time.monotonic()
            left = [interrupts.SLICE]
            if self._timeout is not None:
                left.append(started + self._timeout - now)
            if _deadline is not None:
                left.append(_deadline - now)
            wait = min(left)
            if wait <= 0:
                raise socket.timeout("timed out")
            self._sock.settimeout(wait)
            try:
                return operation()
            except socket.timeout:
                continue


class SlicedHTTPConnection(HTTPConnection):
    def connect(self):
        super().connect()
        self.sock = SlicedSocket(self.sock)


class SlicedHTTPSConnection(HTTPSConnection):
    def connect(self):
        super().connect()
        self.sock = SlicedSocket(self.sock)


class SlicedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = SlicedHTTPConnection


class SlicedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = SlicedHTTPSConnection


def pool():
    """The backend's connection pool, created on first use and reused (keep-alive).

    One connection per (scheme, host, port), for at most 16 of them.
    """
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(num_pools=16, maxsize=1, retries=False)
        _pool.pool_classes_by_scheme = {"http": SlicedHTTPConnectionPool,
                                        "https": SlicedHTTPSConnectionPool}
    return _pool
