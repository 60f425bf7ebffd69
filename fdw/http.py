"""Talking to the service: one keep-alive connection pool per backend, lazy paging, clear errors.

Requests go through the standard library's http.client (transport.py), with
less work per request than urllib3 or ``requests`` (which import in tens of
milliseconds and re-parse every URL): most pushed-down queries are one
round trip, so that work is much of their time.

Connections come from transport.py, whose sockets wait in slices: each
request ends within ``request_timeout`` (a total deadline, whatever the
service sends), a wait without a byte ends after ``read_timeout``, and a
query cancel or statement_timeout ends a wait under any host. Parsing is
one C call that a cancel cannot cut, so it is bounded instead: an answer
whose parsed form would exceed ``max_response_bytes`` (parsed_size) is
refused before parsing; at the default that is under half a second of work.

Every failure is an FdwError naming the URL (secrets in it redacted), the HTTP status
when there is one, what the service said, and a HINT. A scan never ends
early with a short result that looks complete: no connection, a timeout, a
non-2xx status, a redirect, a body cut short, too large, not UTF-8 or not
JSON, larger than ``max_response_bytes`` raw or (estimated) once parsed, a
record that does not fit its columns, a page that repeats an earlier
one, more pages than ``max_pages``: each is an ERROR.

Failures that may pass (429, 502, 503, 504, a refused or broken connection)
are tried again within the ``retries`` and ``retry_max_seconds`` budget
(retry.py). Nothing here catches BaseException: a query cancel
(a KeyboardInterrupt) always gets through, and the response is closed on the
way out.

With ``cache_seconds`` answers are kept (cache.py) and, once expired,
revalidated with their ETag. Every request, byte and cache hit is counted
for the table (stats.py).

A paged scan may send a request ahead of its use (send_ahead) and read its
answer later (get_answer's ``sent``): the answer is then handled as any
other, retries and errors included.
"""
import json
import re
import sys
from collections import namedtuple

from . import cache, interrupts, stats, transport
from .auth import mask
from .errors import FdwError, excerpt
from .multicorn_compat import preloading
from .records import find, keys_of, records_in
from .retry import RETRY_STATUSES, Retryable, retry_after_seconds, with_retries
from .types import JsonNumber, json_text
from .urls import allowed, origin, parse, redact, request_url, show_origin

# A decoded answer: the JSON body, the response headers, the URL it answers, and the
# memory the parsed body takes (parsed_size's estimate, which the cache's budget counts).
Answer = namedtuple("Answer", ["body", "headers", "url", "size"])
NOT_MODIFIED = "not modified"  # what get_once returns for a 304 to If-None-Match
NO_CONTENT = "no content"  # the body of a 204 No Content answer: no records, a count of 0
MAX_COUNT = 2 ** 63 - 1  # the largest count of records: PostgreSQL's bigint, as count(*) returns

SERVICE_HINT = "Check the url option and that the service is running."
READ_CHUNK = 256 * 1024
ERROR_BODY_BYTES = 64 * 1024  # enough of an error answer to quote from


def show(table, url):
    """A request URL as error messages show it: secrets masked, cut if very long."""
    return excerpt(redact(url, table.credentials.secret_params))


def get_json(table, url):
    """The decoded JSON body of GET ``url``, retried while that may help; else FdwError."""
    return get_answer(table, url).body


def get_answer(table, url, missing_ok=False, sent=None, on_read=None):
    """The Answer to GET ``url``, retried while that may help; else FdwError.

    ``missing_ok``: a 404 gives None (the one record asked for does not
    exist). With ``cache_seconds`` a fresh cached answer is served without a
    request, and an expired one with an ETag is revalidated (If-None-Match).
    ``sent``: the Sent of send_ahead for this ``url``, whose answer is the
    first attempt's (its failure is handled as any attempt's). ``on_read``:
    called with the response headers once the answer's body is read, before
    it is parsed (the connection is free again by then).
    """
    counters = stats.counters(table.stats_name)
    if not table.cache_seconds:
        def attempt():
            nonlocal sent
            first, sent = sent, None
            return get_once(table, url, counters, missing_ok, sent=first, on_read=on_read)
        return with_retries(attempt, table.retries, table.retry_max_seconds)
    key = cache.key(url, table.headers)
    entry = cache.get(key)
    if entry is not None and entry.fresh():
        counters.cache_hits += 1
        return entry.answer
    etag = entry.etag if entry is not None else None
    answer = with_retries(lambda: get_once(table, url, counters, missing_ok, etag),
                          table.retries, table.retry_max_seconds)
    if answer is NOT_MODIFIED:
        counters.cache_hits += 1
        return cache.renew(key, table.cache_seconds).answer
    if answer is not None:
        cache.put(key, answer, table.cache_seconds)
    return answer


def get_once(table, url, counters, missing_ok=False, etag=None, sent=None, on_read=None,
             decode=None):
    """One GET of ``url``: an Answer, None (404, ``missing_ok``), NOT_MODIFIED (304 to ``etag``).

    ``sent``: the request was sent ahead (send_ahead); its answer is read.
    ``on_read``: see get_answer (called when the attempt reads a body).
    ``decode``: what makes the Answer's body and size of a response
    (default decode_answer: the parsed JSON). Else FdwError (Retryable when a
    retry may help).
    """
    decode = decode or decode_answer
    with transport.deadline(table.request_timeout):
        pending = sent.take() if sent is not None else send(table, url, counters, etag)
        try:
            response = pending.response()
        except transport.TransportError as error:
            raise transport_error(table, url, error) from None
        try:
            if response.status == 304 and etag is not None:
                return NOT_MODIFIED
            if response.status == 404 and missing_ok:
                return None
            if response.status == 204:
                return Answer(NO_CONTENT, response.headers, url, 0)
            body, size = decode(table, url, response, counters, on_read)
            return Answer(body, response.headers, url, size)
        finally:
            response.release()


def send(table, url, counters, etag=None):
    """GET ``url`` sent (its turn under ``rate_limit`` taken, counted): a transport.Pending.

    FdwError (Retryable when a retry may help) when it cannot be sent.
    """
    target = destination(table, url)
    headers = table.headers if etag is None else dict(table.headers, **{"If-None-Match": etag})
    if table.rate_limit:
        from . import ratelimit  # here: only tables with rate_limit need it (and tempfile)

        ratelimit.take_turn(origin(table.url), table.rate_limit, table.retry_max_seconds)
    counters.requests += 1
    try:
        return transport.send(target.scheme, target.host, target.port, target.target,
                              headers, table.connect_timeout, table.read_timeout)
    except transport.TransportError as error:
        raise transport_error(table, url, error) from None


class Sent:
    """A GET sent ahead of its use (send_ahead): the request's transport.Pending, or its failure."""

    def __init__(self, url, pending=None, failure=None):
        self.url = url
        self._pending = pending
        self._failure = failure

    def take(self):
        """The transport.Pending to read the answer from; the failure to send it is raised here."""
        pending, failure = self._pending, self._failure
        self._pending = self._failure = None
        if failure is not None:
            raise failure
        return pending

    def close(self):
        """Drops the request: its connection is closed and its answer never read."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.close()


def send_ahead(table, url):
    """GET ``url`` sent now, its answer to be read later by get_answer(..., sent=): a Sent.

    For paging: the service prepares the next page while the backend uses
    this one. The request counts now (stats, its ``rate_limit`` turn), and
    ``request_timeout`` holds for the sending now and again for the reading
    later. A failure to send (a refused URL, no connection) is kept in the
    Sent and raised when its answer is read, as get_answer would have raised
    it then; a cancel (interrupts.Interrupted) is raised at once. The caller
    must read the answer or call the Sent's ``close``.
    """
    counters = stats.counters(table.stats_name)
    try:
        with transport.deadline(table.request_timeout):
            return Sent(url, pending=send(table, url, counters))
    except interrupts.Interrupted:
        raise
    except FdwError as failure:
        return Sent(url, failure=failure)


def destination(table, url):
    """The urls.Target a request for ``url`` connects to; FdwError when it may not go there.

    The same parse decides the check and the connection. Every request stays
    on the url option's scheme, host and port (which ``allowed_hosts``, when
    set, must list), so credentials go nowhere else.
    """
    try:
        target = parse(url)
    except ValueError as error:
        raise FdwError("the URL %s is refused: it %s" % (show(table, url), error),
                       hint="URLs with a backslash, user@ credentials, spaces or control "
                            "characters are never requested.") from None
    where = target[:3]
    if table.allowed_hosts and not allowed(where, table.allowed_hosts):
        raise FdwError("%s is not on a host that allowed_hosts lists" % show(table, url),
                       hint="Add %s to the server's allowed_hosts option, or fix the url option."
                            % show_origin(where))
    if where != origin(table.url):
        raise FdwError("%s is not on the scheme, host and port of the url option"
                       % show(table, url),
                       hint="Requests (and credentials) go only to the url option's "
                            "scheme, host and port.")
    return target


def get_text(table, url):
    """The body of GET ``url`` as text, retried while that may help; else FdwError.

    For documents that may be other than JSON (an OpenAPI document in YAML):
    the same rules as get_answer's (statuses, redirects refused, secrets
    masked, at most ``max_response_bytes``, and the same parsed-size check
    before the caller parses it as JSON), then UTF-8 text, not parsed. A
    document too large either way is a TooLarge.
    """
    counters = stats.counters(table.stats_name)
    return with_retries(lambda: get_once(table, url, counters, decode=decode_text),
                        table.retries, table.retry_max_seconds).body


def decode_text(table, url, response, counters, on_read=None):
    """(the body as text, parsed_size's estimate of it as JSON); FdwError as for read_answer, or
    when it is not UTF-8; TooLarge when the estimate is more than max_response_bytes.

    Every document is estimated as JSON, whatever it turns out to be: JSON
    is tried first on each (YAML gets its own bound where it is read).
    """
    body = read_answer(table, url, response, counters)
    estimate = check_parsed_size(table, url, body)
    return utf8_text(table, url, response, body, "A document must be UTF-8"), estimate


def read_answer(table, url, response, counters):
    """The body of a response (bytes), read to its end, the response released; FdwError for a
    redirect, an error status (Retryable when a retry may help), or a body larger than
    max_response_bytes."""
    status = status_line(response)
    if 300 <= response.status < 400:
        location = response.headers.get("Location", "")
        raise FdwError("%s answered %s, a redirect to %s" % (show(table, url), status,
                                                            show(table, location) or "nowhere"),
                       hint="Redirects are not followed, so that credentials never go to another "
                            "address: set the url option to the address the service moved to.")
    if response.status >= 400:
        message = "%s answered %s" % (show(table, url), status)
        hint = status_hint(response.status)
        # masked before error_detail cuts it, so no part of a secret survives the cut
        detail = error_detail(mask(read_error_text(response), table.credentials.secrets))
        if response.status in RETRY_STATUSES:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if retry_after is not None and table.rate_limit:
                from . import ratelimit

                ratelimit.hold(origin(table.url), table.rate_limit, retry_after,
                               table.retry_max_seconds)  # for every backend
            raise Retryable(message, hint=hint, detail=detail, retry_after=retry_after)
        raise FdwError(message, hint=hint, detail=detail)
    body = read_body(table, url, response)
    counters.bytes += len(body)
    response.release()
    return body


def status_line(response):
    """``HTTP 200 OK``: a response's status as messages show it."""
    return ("HTTP %d %s" % (response.status, response.reason or "")).strip()


def utf8_text(table, url, response, body, rule):
    """``body`` (bytes) decoded as UTF-8; FdwError naming the byte when it is not, with ``rule``."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FdwError("%s answered %s with a body that is not valid UTF-8 (byte %d of %d)"
                       % (show(table, url), status_line(response), error.start + 1, len(body)),
                       hint=rule + ": the service sent another encoding, or garbage.",
                       detail=bytes_around(table, body, error.start, error.end)) from None


def bytes_around(table, body, start, end):
    """The bytes of ``body`` around ``start``:``end`` (the bytes that are not UTF-8, written
    ``\\xff``): 40 on each side, as text, with the table's secrets masked in every echoed
    form, each side apart (all four edges count as cuts: auth.mask)."""
    secrets = table.credentials.secrets
    before = mask(bytes(body[max(0, start - 40):start]).decode("utf-8", "backslashreplace"),
                  secrets)
    after = mask(bytes(body[end:end + 40]).decode("utf-8", "backslashreplace"), secrets)
    return before + "".join("\\x%02x" % byte for byte in body[start:end]) + after


def decode_answer(table, url, response, counters, on_read=None):
    """(decoded JSON body, its estimated memory) of a response; FdwError for a redirect, error,
    bad body, or one larger than max_response_bytes raw or once parsed.

    Once the body is read the response is released (its connection is free
    again) and ``on_read`` (when given) is called with the headers.
    """
    body = read_answer(table, url, response, counters)
    if on_read is not None:
        on_read(response.headers)
    status = status_line(response)
    estimate = check_parsed_size(table, url, body)
    if len(body) >= FAST_DECODE_BYTES:
        try:
            return fast_decoder().decode(body), estimate
        except (ValueError, RecursionError, ArithmeticError):  # DecodeError is a ValueError
            pass  # json (below) decodes what it can, and words every refusal as before
    text = utf8_text(table, url, response, body, "JSON must be UTF-8")
    body = None  # the text replaces the bytes: only one of them is held while parsing
    try:
        return parse_json(text), estimate
    except RecursionError:
        raise FdwError("%s answered %s with JSON nested too deeply to read"
                       % (show(table, url), status),
                       hint="Check the url and path options: they must name the JSON endpoint.",
                       detail=quoted(table, text[:ERROR_BODY_BYTES])) from None
    except ArithmeticError:  # Decimal("1e1000000000000000000"): past Decimal's exponents
        raise FdwError("%s answered %s with a number too large to read"
                       % (show(table, url), status),
                       hint="A number's exponent must be less than 10^18.",
                       detail=quoted(table, text[:ERROR_BODY_BYTES])) from None
    except NotText as error:
        raise FdwError("%s answered %s with %s, which is not text PostgreSQL can store"
                       % (show(table, url), status, error),
                       hint="The service must send valid Unicode (UTF-16 surrogates in pairs).",
                       ) from None
    except ValueError as error:
        if not isinstance(error, json.JSONDecodeError):  # int("1" * 5000): too many digits
            raise FdwError("%s answered %s with a number too long to read (more than %d digits)"
                           % (show(table, url), status, sys.get_int_max_str_digits()),
                           hint="Such numbers are refused: reading them takes time that grows "
                                "with the square of their length.",
                           detail=quoted(table, text[:ERROR_BODY_BYTES])) from None
        cut_short = error.pos >= len(text.rstrip())
        why = (" (it is empty)" if not text.strip()
               else " (it ends in the middle)" if cut_short else "")
        raise FdwError("%s answered %s with a body that is not JSON%s"
                       % (show(table, url), status, why),
                       hint="Check the url and path options: they must name the JSON endpoint.",
                       detail=quoted(table, text[-300:] if cut_short else text[:ERROR_BODY_BYTES])
                       ) from None


def check_parsed_size(table, url, body):
    """parsed_size(``body``), the JSON bytes of the answer to ``url``; TooLarge when it is more
    than max_response_bytes: parsing is one C call a cancel cannot cut, so it is never started."""
    # without a cache the estimate only needs to be within the limit, not close (parsed_size)
    estimate = parsed_size(body, None if table.cache_seconds else table.max_response_bytes)
    if estimate > table.max_response_bytes:
        raise too_large(table, url, "would take about %d bytes once parsed" % estimate)
    return estimate


class NotText(ValueError):
    """A JSON string that is no Unicode text: a lone UTF-16 surrogate (``"\\ud800"``)."""


SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def quoted(table, text):
    """A service's ``text`` for a DETAIL: secrets masked first, then cut (errors.excerpt)."""
    return excerpt(mask(text, table.credentials.secrets))


# Answers of at least this many bytes are decoded by msgspec (fast_decoder), smaller ones by
# json: msgspec's import takes about 40 ms, once per backend, more than json takes to decode
# hundreds of small answers.
FAST_DECODE_BYTES = 64 * 1024
_fast_decoder = None


def fast_decoder():
    """A msgspec decoder: JSON bytes -> the value json.loads(text, parse_float=JsonNumber) gives,
    in about 60% of its time (no text copy; C throughout). Imported at first use.

    It refuses everything json refuses (bytes that are not UTF-8, a BOM,
    integers past 4,300 digits, nesting past the recursion limit) and more:
    NaN and Infinity, and lone UTF-16 surrogates, which json reads (then
    NotText refuses). What it refuses goes to json, so every value and every
    error is json's; tests/test_json_decoding.py compares the two.
    """
    global _fast_decoder
    if _fast_decoder is None:
        import msgspec.json

        _fast_decoder = msgspec.json.Decoder(float_hook=JsonNumber)
    return _fast_decoder


if preloading():  # at server start, once for every backend (restcorn.preload)
    fast_decoder()


def parse_json(text):
    """A JSON text decoded; numbers with a fraction or exponent as JsonNumber (exact Decimals).

    ValueError (or RecursionError) when it is not JSON; NotText when a string
    in it holds a lone surrogate, which no PostgreSQL text can hold (checked
    only when the text has a surrogate escape at all).
    """
    value = json.loads(text, parse_float=JsonNumber)
    if SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
        except UnicodeEncodeError as error:
            raise NotText("a lone surrogate %s in a string"
                          % ascii(error.object[error.start:error.end])) from None
    return value


def read_body(table, url, response):
    """The whole body (a bytearray), read in chunks: one larger than max_response_bytes is never held.

    The limit applies to the decompressed bytes. A body that does not
    decompress is an FdwError saying so (not retried: it is not the network).
    """
    limit = table.max_response_bytes
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(table, url, "declares %s bytes" % declared)
    body = bytearray()  # grown in place: no second copy, as joining chunks would make
    try:
        for chunk in response.stream(READ_CHUNK):
            if len(body) + len(chunk) > limit:
                raise too_large(table, url, "sent more than %d bytes" % limit)
            body += chunk
    except transport.ContentDecodingError as error:
        raise FdwError("the answer of %s is not valid %s data (Content-Encoding)"
                       % (show(table, url), response.headers.get("Content-Encoding", "compressed")),
                       hint="The service sent a corrupt compressed body; check the service.",
                       detail=transport_detail(error)) from None
    except transport.TransportError as error:
        raise transport_error(table, url, error, while_reading=True) from None
    return body


# What parsing a JSON text takes beyond its own characters, in CPython 3.11 on
# 64 bits, as tracemalloc counts it at its peak (tests/test_parsed_size.py
# compares them): per value, its object and its slot in a list or dict (an int
# 28 bytes, a Decimal 104 and a slot 8 or 9, a str 49 plus its characters); per
# key, its string (one for all the records that share it) and its entries in
# the dict and in json's memo of keys, where a table that grows holds its old
# and new entries at once (distinct keys measured at up to 144 bytes each); per
# object or array, the container (a dict of up to 5 keys 184).
VALUE_BYTES = 128
KEY_BYTES = 160
CONTAINER_BYTES = 200
# Escapes of a character past U+FFFF (a high surrogate; maybe), and of one past U+00FF.
ESCAPED_WIDE_4 = re.compile(rb"\\u[dD][89abAB]")
ESCAPED_WIDE_2 = re.compile(rb"\\u(?:0[1-9a-fA-F]|[1-9a-fA-F])")
# For bytes.translate: every byte below a UTF-8 lead byte of a character past
# U+00FF (0xC4), and below one of a character past U+FFFF (0xF0), deleted.
BELOW_WIDE_2 = bytes(range(0xC4))
BELOW_WIDE_4 = bytes(range(0xF0))
# For bytes.translate: every byte but the four parsed_size counts, deleted.
NOT_COUNTED = bytes(sorted(set(range(256)) - set(b",:[{")))


def parsed_size(body, bound=None):
    """An upper estimate, in bytes, of the memory parsing ``body`` (JSON bytes) takes.

    The parsed value and the decoder's working memory at its peak (json's
    key memo, tables while they grow), not the text parsed. Counted from the
    bytes alone, before parsing, so that an answer too large once parsed is
    refused before it is built: every value but the first follows a ``,`` or
    opens a container's contents, every key is followed by a ``:``, each
    ``{`` or ``[`` is a container (those inside strings count too, which only
    makes the estimate larger).

    With ``bound``, any estimate up to ``bound`` will do (it is not kept):
    a body short enough that ANY_JSON_PER_BYTE bytes per byte stay within it
    is not read at all, and the text's width is not looked for when the
    widest (WIDEST_TEXT) would fit. Each pass over a large page costs about
    a tenth of parsing it.
    """
    if bound is not None and len(body) * ANY_JSON_PER_BYTE <= bound:
        return len(body) * ANY_JSON_PER_BYTE
    counted = body.translate(None, NOT_COUNTED)  # one pass in C, then counts over far fewer bytes
    containers = counted.count(b"{") + counted.count(b"[")
    values = counted.count(b",") + containers + 1
    structure = VALUE_BYTES * values + KEY_BYTES * counted.count(b":") + \
        CONTAINER_BYTES * containers
    if bound is not None and len(body) * WIDEST_TEXT + structure <= bound:
        return len(body) * WIDEST_TEXT + structure
    return len(body) * text_bytes_per_byte(body) + structure


# The most memory any JSON text takes per byte once parsed, with room: an
# empty object or array (``[{},{},...]``, 24 bytes per byte), a Decimal
# (``[1.5,...]``, 28), nesting at the recursion limit (44) are the most
# measured (tests/test_parsed_size.py checks every shape against it).
ANY_JSON_PER_BYTE = 160
WIDEST_TEXT = 5  # what text_bytes_per_byte gives at most


def text_bytes_per_byte(body):
    """The most memory per byte of ``body`` (JSON bytes) its parsed strings may take.

    Python stores a string at 1, 2 or 4 bytes per character, by its widest
    character (PEP 393): 4 when the body holds a character past U+FFFF (a
    UTF-8 lead byte from 0xF0, or an escaped surrogate ``\\uD800``-``\\uDBFF``),
    2 for one past U+00FF (lead bytes 0xC4-0xEF, or ``\\u0100`` and up), else 1.
    One more for any non-ASCII text: a conversion to PostgreSQL's UTF-8 keeps
    a UTF-8 copy with the string. A character takes at least one byte of the
    body, so this bounds every string's size.
    """
    escaped = b"\\u" in body
    if body.isascii() and not escaped:
        return 1
    # bytes.translate is one pass in C; a regular expression over the whole
    # body was most of a large scan's time
    lead_bytes = body.translate(None, BELOW_WIDE_2)
    if lead_bytes.translate(None, BELOW_WIDE_4) or (escaped and ESCAPED_WIDE_4.search(body)):
        return WIDEST_TEXT
    if lead_bytes or (escaped and ESCAPED_WIDE_2.search(body)):
        return 3
    return 2


def read_error_text(response):
    """The start of an error answer's body, for the message; '' when even that cannot be read."""
    chunks, size = [], 0
    try:
        for chunk in response.stream(READ_CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            if size >= ERROR_BODY_BYTES:
                break
    except transport.TransportError:
        pass
    return b"".join(chunks)[:ERROR_BODY_BYTES].decode("utf-8", errors="replace")


class TooLarge(FdwError):
    """An answer larger than max_response_bytes allows: raw, or (estimated) once parsed."""


def too_large(table, url, what):
    """The TooLarge for the answer of ``url``, which ``what`` ("sent more than N bytes")."""
    return TooLarge("the answer of %s %s, more than max_response_bytes (%d) allows"
                    % (show(table, url), what, table.max_response_bytes),
                    hint="Lower page_size so that each page is smaller, "
                         "or raise max_response_bytes.")


def transport_error(table, url, error, while_reading=False):
    """The FdwError for a transport.TransportError: a timeout, or a connection that failed or broke."""
    detail = transport_detail(error)
    if transport.expired():
        return FdwError("no complete answer from %s within request_timeout (%g s)"
                        % (show(table, url), table.request_timeout),
                        hint="The service is too slow or sends its answer too slowly: "
                             "raise the request_timeout option, or ask for smaller pages.",
                        detail=detail)
    if isinstance(error, transport.ReadTimeout):
        return FdwError("no answer from %s within the time allowed (read_timeout %g s)"
                        % (show(table, url), table.read_timeout),
                        hint="Check that the service is running, or raise the read_timeout option.",
                        detail=detail)
    if isinstance(error, transport.ConnectTimeout):
        return Retryable("could not connect to %s within connect_timeout %g s"
                         % (show(table, url), table.connect_timeout),
                         hint=SERVICE_HINT, detail=detail)
    if while_reading:
        return Retryable("the connection to %s broke before the whole answer arrived"
                         % show(table, url),
                         hint="The service or the network dropped the connection: try again, "
                              "or raise the retries option.",
                         detail=detail)
    if isinstance(error, (transport.ConnectError, transport.ConnectionBroken)):
        return Retryable("could not reach %s" % show(table, url), hint=SERVICE_HINT, detail=detail)
    return FdwError("could not send a request to %s" % show(table, url),
                    hint=SERVICE_HINT, detail=detail)


def transport_detail(error):
    """The root cause of a transport error ("[Errno 111] Connection refused"), not its wrapping."""
    cause = getattr(error, "reason", error)
    return excerpt(str(cause) or type(cause).__name__)


def status_hint(status_code):
    if status_code in (401, 403):
        return ("The service refused the credentials: check the token or api_key option "
                "of your user mapping (CREATE / ALTER USER MAPPING).")
    if status_code == 429:
        return ("The service limits the request rate: try later, "
                "or raise the retries and retry_max_seconds options.")
    if status_code >= 500:
        return "The service failed; check its logs."
    return ("Check the url and path options, and that each column's field and filters "
            "options match what the service accepts.")


def error_detail(text):
    """The service's own error message when its JSON has one, else an excerpt of the body."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        detail = str(body["error"])
        if body.get("parameter"):
            detail += " (parameter %s)" % body["parameter"]
        return excerpt(detail)
    return excerpt(text)


def records_of(table, body, url, single=False):
    """The record list of a response body (records.records_in; none for 204), or FdwError."""
    if body is NO_CONTENT:
        return []
    records = records_in(body, keys_of(table.records_path), single)
    if records is None:
        where = 'under "%s"' % table.records_path if table.records_path else "as the whole answer"
        raise FdwError("the answer of %s has no list %s" % (show(table, url), where),
                       hint="Set the records_path option (or records_key) to the dotted path of "
                            "the records, '' when the answer is the list itself.",
                       detail=excerpt(json_text(body)))
    if single and len(records) == 1 and is_error_object(table, records[0]):
        raise FdwError("the answer of %s is an error message, not a record" % show(table, url),
                       hint="The service answered 200 with an error: check the url and path "
                            "options and the service's logs.",
                       detail=error_detail(mask(json_text(records[0]), table.credentials.secrets)))
    return records


ERROR_KEYS = ("error", "errors")


def is_error_object(table, record):
    """True for an object with an "error" (or "errors") key and none of the columns' fields.

    With ``missing_fields 'null'`` such an answer to a one-record request
    would otherwise become a row of NULLs, which PostgreSQL's re-check of the
    path's equality then drops: an empty result instead of an ERROR.
    """
    if not isinstance(record, dict) or not any(key in record for key in ERROR_KEYS):
        return False
    fields = {column.field.split(".")[0] for column in table.columns.values()}
    return not fields.intersection(record)


def check_page(table, url, records, start, count, total):
    """FdwError when a page cannot be the next part of the result: too long, or not the total's.

    ``start`` (the offset of the page) is None when the style has no offsets,
    ``count`` (the most records asked for) None when unknown. A page shorter
    than asked for is fine (the service may cap its page size); an empty one
    before the total it reports is not.
    """
    if count is not None and len(records) > count:
        raise FdwError("%s returned %d records when asked for at most %d"
                       % (show(table, url), len(records), count),
                       hint="The service must honour the limit and offset parameters.")
    if start is not None and records and is_count(total) and start + len(records) > total:
        raise FdwError("%s returned records %d to %d, past the total of %d it reports"
                       % (show(table, url), start + 1, start + len(records), total),
                       hint="The service must honour the offset parameter.")
    if start is not None and not records and count and is_count(total) and start < total:
        raise FdwError("%s returned no records at offset %d, and reports %d in total"
                       % (show(table, url), start, total),
                       hint="The service's total is only an estimate, or records went away "
                            "during the scan: this wrapper cannot page through it safely.")


def fetch_total(table, params, base=None):
    """The number of records the service reports for ``params`` (asking for none), at ``base``."""
    url = request_url(table, params, base)
    body = get_json(table, url)
    if body is NO_CONTENT:
        return 0
    records_of(table, body, url)
    total = find(body, keys_of(table.total_key))
    if not is_count(total):
        raise FdwError("the answer of %s has no count under \"%s\""
                       % (show(table, url), table.total_key),
                       hint="Set the total_key option to the key that holds the number of matches.",
                       detail=excerpt(json_text(body)))
    return total


def is_count(value):
    """True for a count of records: a whole number (no bool) from 0 to MAX_COUNT."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT
