"""The HTTP layer: routes, JSON bodies, error responses and the request log."""

import time
import zlib

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from . import faults, resources, synthetic
from .openapi import build_openapi
from .query import ParameterError, parse_words_query
from .request_log import RequestLog
from .resources import tables
from .words import WordList

bp = Blueprint("api", __name__)

LOGGED_ENDPOINTS = {"api.all_words", "api.words", "api.synthetic_rows"}
LOGGED_ENDPOINTS |= resources.register(bp)  # /repos, /books, /countries, /events
LOGGED_ENDPOINTS |= tables.register(bp)  # /tables/<name>: records a client loads


def word_list() -> WordList:
    return current_app.extensions["word_list"]


def request_log() -> RequestLog:
    return current_app.extensions["request_log"]


def json_bytes(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="application/json")


def error_response(status: int, message: str, parameter: str | None = None) -> Response:
    body = {"error": message}
    if parameter is not None:
        body["parameter"] = parameter
    response = jsonify(body)
    response.status_code = status
    return response


@bp.before_request
def start_clock():
    g.started = time.perf_counter()
    g.rows = 0


@bp.after_request
def log_request(response: Response) -> Response:
    if current_app.config["REQUEST_LOG"] and request.endpoint in LOGGED_ENDPOINTS:
        request_log().append({
            "path": request.path,
            "query": request.query_string.decode("utf-8", errors="replace"),
            "args": {name: request.args.getlist(name) for name in request.args},
            "status": response.status_code,
            "rows": g.rows,
            "bytes": response.content_length if response.content_length is not None
            else len(response.get_data()),
            "ms": round((time.perf_counter() - g.started) * 1000, 3),
        })
    return response


@bp.get("/")
def all_words():
    """Every word in id order, in the shape of the original article's service."""
    words = word_list()
    g.rows = len(words)
    return json_bytes(words.all_records_json())


@bp.get("/words")
def words():
    try:
        query = parse_words_query(
            request.args, current_app.config["MAX_PAGE_SIZE"], current_app.config["DEFAULT_PAGE_SIZE"])
    except ParameterError as error:
        return error_response(400, error.message, error.parameter)
    words = word_list()
    matching = words.select(query)
    page = matching[query.offset:query.offset + query.limit]
    g.rows = len(page)
    body = b"".join([
        b'{"records":[',
        words.records_json(page, query.fields),
        b'],"total":%d,"limit":%d,"offset":%d}' % (len(matching), query.limit, query.offset),
    ])
    # An ETag, so that clients can revalidate with If-None-Match (a 304 has no body).
    # A checksum is enough to tell answers apart, and costs next to nothing.
    response = json_bytes(body)
    response.set_etag("%08x-%x" % (zlib.crc32(body), len(body)))
    if "If-None-Match" in request.headers:
        response = response.make_conditional(request)
    return response


@bp.get("/synthetic/<int:rows>")
def synthetic_rows(rows: int):
    """Generated records for scale benchmarks (see synthetic.py)."""
    try:
        body, g.rows = synthetic.page(rows, request.args, current_app.config["MAX_PAGE_SIZE"],
                                      current_app.config["DEFAULT_PAGE_SIZE"])
    except ParameterError as error:
        return error_response(400, error.message, error.parameter)
    return json_bytes(body)


@bp.get("/health")
def health():
    return jsonify({"status": "ok", "words": len(word_list())})


@bp.get("/openapi.json")
def openapi():
    document = build_openapi(current_app.config["MAX_PAGE_SIZE"], current_app.config["DEFAULT_PAGE_SIZE"])
    document["paths"].update(faults.openapi_paths())
    resources.extend_openapi(document)
    return jsonify(document)


@bp.get("/_log")
def get_log():
    return jsonify({"requests": request_log().entries()})


@bp.delete("/_log")
def clear_log():
    request_log().clear()
    return Response(status=204)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    if error.code == 404:
        message = f"not found: {request.path}"
    else:
        message = f"{error.name.lower()}: {request.method} {request.path}"
    response = error_response(error.code or 500, message)
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
