"""Faults on demand: ``/_fault/<spec>/<path>`` serves ``/<path>`` with a fault applied.

A foreign table picks its fault through its url option, for example
``url 'http://127.0.0.1:PORT/_fault/status-503-times-2-key-t1'``, so tests
share no state: each spec string has its own request count. Paths without
the prefix are served untouched; faults are off unless asked for.

Specs:

    latency-<ms>         wait <ms> milliseconds (at most a minute), then answer
    status-<code>        answer <code> (400-599) with a JSON error body
    429-retry-after-<s>  answer 429 Too Many Requests with "Retry-After: <s>"
    drop-mid-body        send the headers and half the body, then drop the connection
    truncated-json       a complete 200 answer whose JSON is cut in half
    invalid-utf8         a 200 answer with a byte that is not UTF-8 inside a string
    deep-json            a 200 answer whose records are arrays nested 100000 deep
    wrong-types          ids as strings ("42"), words as objects ({"text": word})
    missing-fields       every other record lacks its last key
    extra-fields         every record carries two keys nobody asked for
    oversized-page       copies of the first ten records added to the page (more than asked for)
    short-page           half the records asked for, with the true total (a silent page size cap)
    drip-<ms>            the body one byte every <ms> milliseconds
    endless-body         a 200 JSON body that never ends (stops after a minute)
    redirect-loop        302 back to the same URL
    pagination-loop      every page holds the first page's records, whatever the offset
    token-<secret>       401 without "Authorization: Bearer <secret>", 403 with another token
                         (the 403 quotes the token it got, as careless services do)
    apikey-<secret>      401 without "X-API-Key: <secret>" or "api_key=<secret>", 403 with
                         another key (quoted); the api_key parameter is removed before serving
    token-sha256-<hex>, apikey-sha256-<hex>
                         the same, for the secret whose SHA-256 is <hex>, so that the URL
                         does not hold the secret itself

Modifiers, at the end and in this order:

    -times-<n>           only the first n requests get the fault; later ones are served normally
    -key-<name>          a name ([A-Za-z0-9_.]) that only keeps request counts apart

``GET /_faults`` returns the requests seen per spec; ``DELETE /_faults`` forgets them.
"""

import hashlib
import json
import re
import threading
import time
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode
from wsgiref.util import request_uri

PREFIX = re.compile(r"^/_fault/(?P<spec>[^/]+)(?P<path>/.*)?$")
MODIFIERS = re.compile(
    r"^(?P<fault>.+?)(?:-times-(?P<times>\d+))?(?:-key-(?P<key>[A-Za-z0-9_.]+))?$")
MAX_WAIT_SECONDS = 60


# --- answers -----------------------------------------------------------------------------------

def json_answer(start_response, status, body, headers=()):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data))), *headers])
    return [data]


def error_answer(start_response, status, message, headers=()):
    return json_answer(start_response, status, {"error": message}, headers)


def served(app, environ):
    """(status, headers, body) of the real service for ``environ``."""
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=list(headers))

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return started["status"], started["headers"], body


def with_length(headers, length):
    return [(k, v) for k, v in headers if k.lower() != "content-length"] + [
        ("Content-Length", str(length))]


def without_param(environ, name):
    """``environ`` with the query parameter ``name`` removed."""
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return dict(environ, QUERY_STRING=urlencode([(k, v) for k, v in pairs if k != name]))


def param(environ, name):
    values = [v for k, v in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
              if k == name]
    return values[0] if values else None


def rewrite_page(app, environ, start_response, change):
    """Serve ``environ``, passing a 200 JSON page's body dict through ``change`` first."""
    status, headers, body = served(app, environ)
    page = json.loads(body) if status.startswith("200") else None
    if isinstance(page, dict) and isinstance(page.get("records"), list):
        change(page)
        body = json.dumps(page).encode()
    start_response(status, with_length(headers, len(body)))
    return [body]


# --- the faults --------------------------------------------------------------------------------

def latency(app, environ, start_response, original, milliseconds):
    time.sleep(min(int(milliseconds), MAX_WAIT_SECONDS * 1000) / 1000)
    return app(environ, start_response)


def status(app, environ, start_response, original, code):
    code = int(code)
    if not 400 <= code <= 599:
        return error_answer(start_response, "400 BAD REQUEST", "status-<code> needs 400-599")
    try:
        reason = HTTPStatus(code).phrase
    except ValueError:
        reason = "Injected Fault"
    return error_answer(start_response, "%d %s" % (code, reason),
                        "injected fault: status %d" % code)


def too_many_requests(app, environ, start_response, original, seconds):
    return error_answer(start_response, "429 TOO MANY REQUESTS", "slow down",
                        [("Retry-After", seconds)])


def drop_mid_body(app, environ, start_response, original):
    status_line, headers, body = served(app, environ)
    start_response(status_line, with_length(headers, len(body)))

    def half_then_drop():
        yield body[:len(body) // 2]
        raise ConnectionAbortedError("injected fault: connection dropped mid-body")
    return half_then_drop()


def truncated_json(app, environ, start_response, original):
    status_line, headers, body = served(app, environ)
    body = body[:len(body) // 2]
    start_response(status_line, with_length(headers, len(body)))
    return [body]


def invalid_utf8(app, environ, start_response, original):
    status_line, headers, body = served(app, environ)
    at = body.find(b':"')
    body = body[:at + 2] + b"\xff\xfe" + body[at + 2:] if at >= 0 else b"\xff" + body
    start_response(status_line, with_length(headers, len(body)))
    return [body]


def deep_json(app, environ, start_response, original):
    body = b'{"records":[' + b"[" * 100000 + b"]" * 100000 + b'],"total":1}'
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def wrong_types(app, environ, start_response, original):
    def change(page):
        for record in page["records"]:
            if "id" in record:
                record["id"] = str(record["id"])
            if "word" in record:
                record["word"] = {"text": record["word"]}
    return rewrite_page(app, environ, start_response, change)


def missing_fields(app, environ, start_response, original):
    def change(page):
        for record in page["records"][1::2]:
            if record:
                del record[list(record)[-1]]
    return rewrite_page(app, environ, start_response, change)


def extra_fields(app, environ, start_response, original):
    def change(page):
        for number, record in enumerate(page["records"]):
            record["extra_note"] = "not asked for %d" % number
            record["extra_doc"] = {"nested": [number, None, True]}
    return rewrite_page(app, environ, start_response, change)


def oversized_page(app, environ, start_response, original):
    def change(page):
        page["records"].extend(dict(record) for record in page["records"][:10])
    return rewrite_page(app, environ, start_response, change)


def short_page(app, environ, start_response, original):
    def change(page):
        del page["records"][(len(page["records"]) + 1) // 2:]
    return rewrite_page(app, environ, start_response, change)


def drip(app, environ, start_response, original, milliseconds):
    status_line, headers, body = served(app, environ)
    start_response(status_line, with_length(headers, len(body)))
    pause = min(int(milliseconds), MAX_WAIT_SECONDS * 1000) / 1000

    def one_byte_at_a_time():
        for at in range(len(body)):
            time.sleep(pause)
            yield body[at:at + 1]
    return one_byte_at_a_time()


def endless_body(app, environ, start_response, original):
    start_response("200 OK", [("Content-Type", "application/json")])
    chunk = b'{"id":1,"word":"again"},' * 4000

    def forever():
        yield b'{"records":['
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        while time.monotonic() < deadline:
            yield chunk
    return forever()


def redirect_loop(app, environ, start_response, original):
    start_response("302 FOUND", [("Location", request_uri(original)), ("Content-Length", "0")])
    return [b""]


def pagination_loop(app, environ, start_response, original):
    asked = param(environ, "offset")

    def change(page):
        if asked is not None:
            page["offset"] = int(asked)  # claims to have honoured it
    return rewrite_page(app, without_param(environ, "offset"), start_response, change)


def is_secret(given, secret):
    """True when ``given`` is the secret: ``secret`` itself, or "sha256-<hex>" of it."""
    if secret.startswith("sha256-"):
        return hashlib.sha256(given.encode()).hexdigest() == secret[len("sha256-"):]
    return given == secret


def token(app, environ, start_response, original, secret):
    given = environ.get("HTTP_AUTHORIZATION")
    if not given:
        return error_answer(start_response, "401 UNAUTHORIZED", "a bearer token is required",
                            [("WWW-Authenticate", "Bearer")])
    if not (given.startswith("Bearer ") and is_secret(given[len("Bearer "):], secret)):
        return error_answer(start_response, "403 FORBIDDEN", "%r is not accepted" % given)
    return app(environ, start_response)


def api_key(app, environ, start_response, original, secret):
    given = environ.get("HTTP_X_API_KEY") or param(environ, "api_key")
    if not given:
        return error_answer(start_response, "401 UNAUTHORIZED",
                            "an API key is required (X-API-Key header or api_key parameter)")
    if not is_secret(given, secret):
        return error_answer(start_response, "403 FORBIDDEN", "API key %r is not accepted" % given)
    return app(without_param(environ, "api_key"), start_response)


FAULTS = [
    (re.compile(r"latency-(\d+)"), latency),
    (re.compile(r"status-(\d{3})"), status),
    (re.compile(r"429-retry-after-(\d+)"), too_many_requests),
    (re.compile(r"drop-mid-body"), drop_mid_body),
    (re.compile(r"truncated-json"), truncated_json),
    (re.compile(r"invalid-utf8"), invalid_utf8),
    (re.compile(r"deep-json"), deep_json),
    (re.compile(r"wrong-types"), wrong_types),
    (re.compile(r"missing-fields"), missing_fields),
    (re.compile(r"extra-fields"), extra_fields),
    (re.compile(r"oversized-page"), oversized_page),
    (re.compile(r"short-page"), short_page),
    (re.compile(r"drip-(\d+)"), drip),
    (re.compile(r"endless-body"), endless_body),
    (re.compile(r"redirect-loop"), redirect_loop),
    (re.compile(r"pagination-loop"), pagination_loop),
    (re.compile(r"token-(.+)"), token),
    (re.compile(r"apikey-(.+)"), api_key),
]


def parse(spec):
    """(fault function, its arguments, times or None) for a spec; ValueError when unknown."""
    modifiers = MODIFIERS.match(spec)
    for pattern, fault in FAULTS:
        match = pattern.fullmatch(modifiers["fault"])
        if match:
            times = modifiers["times"]
            return fault, match.groups(), None if times is None else int(times)
    raise ValueError("unknown fault %r; see GET /openapi.json for the specs" % spec)


# --- the middleware ----------------------------------------------------------------------------

class FaultInjector:
    """WSGI middleware in front of the service: applies faults, counts requests per spec."""

    def __init__(self, app):
        self.app = app
        self.requests = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_faults":
            return self.counts(environ, start_response)
        match = PREFIX.match(path)
        if not match:
            return self.app(environ, start_response)
        spec = match["spec"]
        try:
            fault, arguments, times = parse(spec)
        except ValueError as error:
            return error_answer(start_response, "400 BAD REQUEST", str(error))
        with self.lock:
            seen = self.requests[spec] = self.requests.get(spec, 0) + 1
        inner = dict(environ, PATH_INFO=match["path"] or "/")
        if times is not None and seen > times:
            return self.app(inner, start_response)
        return fault(self.app, inner, start_response, environ, *arguments)

    def counts(self, environ, start_response):
        with self.lock:
            if environ["REQUEST_METHOD"] == "DELETE":
                self.requests.clear()
            counts = dict(self.requests)
        return json_answer(start_response, "200 OK", {"requests": counts})


def openapi_paths():
    """The OpenAPI description of the fault paths (the specs are in this module's docstring)."""
    specs = " ".join(line.strip() for line in __doc__.split("Specs:")[1].split("``GET")[0]
                     .splitlines() if line.strip())
    return {
        "/_fault/{spec}/{path}": {"get": {
            "summary": "Serve /{path} with a fault applied, for testing clients.",
            "description": specs,
            "parameters": [
                {"name": "spec", "in": "path", "required": True, "schema": {"type": "string"},
                 "description": "The fault, e.g. status-503-times-2-key-t1."},
                {"name": "path", "in": "path", "required": True, "schema": {"type": "string"},
                 "description": "The path to serve, e.g. words."},
            ],
            "responses": {"default": {"description": "Whatever the fault makes of the answer."}},
        }},
        "/_faults": {"get": {
            "summary": "Requests seen per fault spec (DELETE forgets them).",
            "responses": {"200": {"description": "{\"requests\": {spec: count}}"}},
        }},
    }
