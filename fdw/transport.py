"""The backend's keep-alive HTTP connections (the standard library's http.client), whose sockets
wait in slices: deadlines, stalls and cancels.

A socket operation has one timeout of its own, so a service sending a
byte a second, or endless ``100 Continue`` lines, would never time out, and a
host that does not deliver cancels into Python (Multicorn2) could not stop a
wait. Here every connection's socket is wrapped so that each wait for the
service is cut into slices of at most interrupts.SLICE seconds, and between
slices:

* a pending cancel or statement_timeout ends the wait (interrupts.check);
* past the request's deadline (``request_timeout``, set by ``deadline``) the
  operation fails with a socket timeout, which http.py reports as such;
* with no byte for the operation's own timeout (``read_timeout``), likewise.

``get`` sends one GET and gives a Response whose body is read in chunks,
decompressed (gzip, deflate) as it arrives. ``send`` sends one and leaves its
answer to be read later (``Pending.response``): a paged scan asks for the
next page before it uses the current one, so that the service works while
the backend does. A connection is in the pool only while idle: one whose
answer has not been read to its end is closed, never reused, so no answer
can be read by the wrong request. Nothing is kept between requests
but the connections: no cookies, no redirects followed, no retries (retry.py
decides). Failures are TransportError subclasses, each holding its cause.
"""
import contextlib
import http.client
import io
import select
import socket
import time
import zlib

from . import interrupts

MAX_CONNECTIONS = 16  # kept alive at once, one per (scheme, host, port)
DECODED_CHUNK = 256 * 1024  # the most bytes one decompression step gives
USER_AGENT = "restcorn"  # sent unless the headers option names one (some services require one)

_connections = {}  # (scheme, host, port) -> an idle HTTPConnection, oldest first
_deadline = None  # time.monotonic() by which the current request must be done, or None


class TransportError(Exception):
    """A request that failed below HTTP; ``reason`` is the exception that caused it."""

    def __init__(self, reason):
        super().__init__(str(reason) or type(reason).__name__)
        self.reason = reason


class ConnectError(TransportError):
    """No connection could be made (refused, unknown host, TLS handshake failed)."""


class ConnectTimeout(TransportError):
    """No connection within the connect timeout."""


class ReadTimeout(TransportError):
    """No byte from the service within the read timeout (or the request's deadline)."""


class ConnectionBroken(TransportError):
    """The connection closed or broke, or the service's answer is not HTTP."""


class ContentDecodingError(TransportError):
    """The body is not valid data of its Content-Encoding."""


@contextlib.contextmanager
def deadline(seconds):
    """Within the block, every socket wait ends ``seconds`` from now at the latest.

    Blocks may nest: the outer deadline holds again after the inner block.
    """
    global _deadline
    outer = _deadline
    _deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline = outer


def expired():
    """True when the current request's deadline has passed."""
    return _deadline is not None and time.monotonic() >= _deadline


class SlicedSocket:
    """A connected socket (plain or TLS) whose waits are cut into slices; see the module."""

    def __init__(self, sock):
        self._sock = sock
        self._timeout = sock.gettimeout()  # the timeout asked for, per operation

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


class SlicedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        self.sock = SlicedSocket(self.sock)


class SlicedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        super().connect()  # the TLS handshake too, certificate and host name verified
        self.sock = SlicedSocket(self.sock)


CONNECTION_CLASSES = {"http": SlicedHTTPConnection, "https": SlicedHTTPSConnection}


def dropped(connection):
    """True when an idle kept-alive connection was closed by the service (or has stray bytes)."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock._sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def take(scheme, host, port):
    """The idle connection to (scheme, host, port), or a new unconnected one."""
    connection = _connections.pop((scheme, host, port), None)
    if connection is not None and not dropped(connection):
        return connection
    if connection is not None:
        connection.close()
    return CONNECTION_CLASSES[scheme](host, port)


def give_back(key, connection):
    """Keeps ``connection`` for the next request to ``key``, closing the oldest past the limit.

    One idle connection per key: one kept before (opened while this one was
    busy) is closed.
    """
    kept = _connections.pop(key, None)
    if kept is not None and kept is not connection:
        kept.close()
    _connections[key] = connection
    while len(_connections) > MAX_CONNECTIONS:
        oldest = next(iter(_connections))
        _connections.pop(oldest).close()


def get(scheme, host, port, target, headers, connect_timeout, read_timeout):
    """Sends GET ``target`` (path and query) to (scheme, host, port); the Response's head is read.

    ``headers``: a dict; a User-Agent is added when it has none.
    Timeouts in seconds. A kept-alive connection is reused. TransportError
    (ConnectError, ConnectTimeout, ReadTimeout, ConnectionBroken) when no
    answer's head arrives. The caller must call the Response's ``release``.
    """
    return send(scheme, host, port, target, headers, connect_timeout, read_timeout).response()


def send(scheme, host, port, target, headers, connect_timeout, read_timeout):
    """Sends GET ``target`` as ``get`` does, without waiting for the answer: a Pending.

    TransportError (ConnectError, ConnectTimeout, ConnectionBroken) when the
    request cannot be sent. The caller must call the Pending's ``response``
    (and then the Response's ``release``) or its ``close``.
    """
    key = (scheme, host, port)
    connection = take(scheme, host, port)
    sent = False
    try:
        if connection.sock is None:
            connection.timeout = connect_timeout
            try:
                connection.connect()
            except socket.timeout as error:
                raise ConnectTimeout(error) from None
            except OSError as error:
                raise ConnectError(error) from None
        connection.sock.settimeout(read_timeout)
        if not any(name.lower() == "user-agent" for name in headers):
            headers = dict(headers, **{"User-Agent": USER_AGENT})
        try:
            connection.request("GET", target, headers=headers)
        except socket.timeout as error:
            raise ReadTimeout(error) from None
        except (http.client.HTTPException, OSError) as error:
            raise ConnectionBroken(error) from None
        sent = True
    finally:
        if not sent:  # whatever stopped it, a cancel too: the connection's state is unknown
            connection.close()
    return Pending(key, connection)


class Pending:
    """A request sent on a connection of its own, whose answer has not been read yet."""

    def __init__(self, key, connection):
        self._key = key
        self._connection = connection

    def response(self):
        """The Response once its head has arrived; TransportError (ReadTimeout, ConnectionBroken)
        when it does not. Call once."""
        answered = False
        try:
            try:
                response = self._connection.getresponse()
            except socket.timeout as error:
                raise ReadTimeout(error) from None
            except (http.client.HTTPException, OSError) as error:
                raise ConnectionBroken(error) from None
            answered = True
        finally:
            if not answered:  # a cancel too: the connection's state is unknown
                self._connection.close()
        return Response(self._key, self._connection, response)

    def close(self):
        """Drops the request: its connection is closed and its answer never read."""
        self._connection.close()


class Response:
    """An answer whose head has arrived: ``status``, ``reason``, ``headers``; the body by ``stream``."""

    def __init__(self, key, connection, response):
        self._key = key
        self._connection = connection
        self._response = response
        self._released = False
        self.status = response.status
        self.reason = response.reason
        self.headers = Headers(response.headers.items())

    def stream(self, size):
        """The body in chunks of at most about ``size`` bytes, decompressed.

        TransportError when the body cannot be read to its end
        (ReadTimeout, ConnectionBroken, ContentDecodingError).
        """
        decoders = [decoder_for(name.strip().lower()) for name in
                    reversed(self.headers.get("Content-Encoding", "").split(","))]
        chunks = self._raw(size)
        for decoder in decoders:
            if decoder is not None:
                chunks = decompressed(chunks, decoder)
        yield from chunks

    def _raw(self, size):
        while True:
            try:
                chunk = self._response.read(size)
            except socket.timeout as error:
                raise ReadTimeout(error) from None
            except (http.client.HTTPException, OSError) as error:
                raise ConnectionBroken(error) from None
            if not chunk:
                # http.client ends a read that falls short of Content-Length quietly
                missing = self._response.length
                if missing:
                    raise ConnectionBroken(http.client.IncompleteRead(b"", missing))
                return
            yield chunk

    def release(self):
        """Keeps the connection for the next request when the body was read to its end, else closes it.

        Only the first call does anything: the connection may serve another
        request by the time of a second.
        """
        if self._released:
            return
        self._released = True
        response = self._response
        if response.length == 0 and not response.isclosed():
            response.read()  # nothing to read (204, 304): no wait
        if response.isclosed() and not response.will_close:
            give_back(self._key, self._connection)
        else:
            self._connection.close()


class Headers(dict):
    """Response headers by case-insensitive name; a repeated header's values joined by ", "."""

    def __init__(self, items):
        super().__init__()
        self._names = {}
        for name, value in items:
            lower = name.lower()
            if lower in self._names:
                dict.__setitem__(self, self._names[lower], self[self._names[lower]] + ", " + value)
            else:
                self._names[lower] = name
                dict.__setitem__(self, name, value)

    def get(self, name, default=None):
        original = self._names.get(name.lower())
        return default if original is None else dict.get(self, original)

    def __getitem__(self, name):
        original = self._names.get(name.lower())
        if original is None:
            raise KeyError(name)
        return dict.__getitem__(self, original)

    def __contains__(self, name):
        return isinstance(name, str) and name.lower() in self._names


def decoder_for(encoding):
    """A zlib decompressor for a Content-Encoding; None for identity and unknown ones (left as is)."""
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return DeflateDecoder()
    return None


class DeflateDecoder:
    """``deflate``: zlib data as RFC 9110 says, or raw deflate as some services send."""

    def __init__(self):
        self._decoder = None
        self.unconsumed_tail = b""

    def decompress(self, data, max_length):
        if self._decoder is None:
            zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._decoder = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        out = self._decoder.decompress(data, max_length)
        self.unconsumed_tail = self._decoder.unconsumed_tail
        return out

    def flush(self):
        return self._decoder.flush() if self._decoder is not None else b""


def decompressed(chunks, decoder):
    """``chunks`` decompressed, at most DECODED_CHUNK bytes at a time (a small body cannot
    make a huge one at once); ContentDecodingError when they are not valid data."""
    try:
        for chunk in chunks:
            while chunk:
                out = decoder.decompress(chunk, DECODED_CHUNK)
                chunk = decoder.unconsumed_tail
                if out:
                    yield out
        rest = decoder.flush()
        if rest:
            yield rest
    except zlib.error as error:
        raise ContentDecodingError(error) from None
