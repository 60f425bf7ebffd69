"""The words served as a Datasette-style and a GitHub-style API: other services' conventions.

    GET /datasette/words.json   Datasette's table JSON
    GET /github/search/words    GitHub's search endpoints

Records: {"id": line number, "word": the line, "length": its characters}.

Datasette style. ``_shape=objects`` is required (the records as objects,
under "rows"); filters ``{col}__exact``, ``__gt``, ``__gte``, ``__lt``,
``__lte`` (numbers for id and length, code point order for word), ``__in``
(a comma list) and ``word__startswith``; each may be given once, all must
hold. ``_sort={col}`` or ``_sort_desc={col}`` sorts by one column, ties in
id order (only one of the two). ``_size`` (default 100) is capped at 1000
records. The answer: {"rows", "filtered_table_rows_count", "next"}: next is
the token to send as ``_next`` for the following page, null on the last.

GitHub style. ``q`` is required (422 without it): the records whose word
contains it (case-sensitive). ``per_page`` (default 30) is capped at 100,
``page`` counts from 1; ``sort=length`` with ``order=asc|desc`` (default
desc), ties in id order. The answer: {"total_count", "incomplete_results":
false, "items"}, and a Link header with rel="next" while pages remain.
Its OpenAPI description (at /github/openapi.json and, the same in YAML, at
/github/openapi.yaml) declares the records with allOf, q as a required
parameter and per_page's maximum.
"""

import json

from flask import Blueprint, Response, current_app, g, request

from .common import ParameterError, encode_json
from .pagination import link_header, url_with

DATASETTE_PARAMS = ("_shape", "_sort", "_sort_desc", "_size", "_next")
DATASETTE_OPS = ("exact", "gt", "gte", "lt", "lte", "in")
DATASETTE_DEFAULT_SIZE = 100
DATASETTE_MAX_SIZE = 1000
GITHUB_DEFAULT_PER_PAGE = 30
GITHUB_MAX_PER_PAGE = 100
COLUMNS = ("id", "word", "length")


def records():
    store = current_app.extensions.get("convention_words")
    if store is None:
        words = current_app.extensions["word_list"].words
        store = [{"id": number, "word": word, "length": len(word)}
                 for number, word in enumerate(words, 1)]
        current_app.extensions["convention_words"] = store
    return store


def error(status, message):
    return Response(encode_json({"ok": False, "error": message, "status": status}), status=status,
                    mimetype="application/json")


def operand(column, name, text):
    if column == "word":
        return text
    try:
        return int(text)
    except ValueError:
        raise ParameterError(name, f"{name}: {text!r} is not an integer") from None


def whole(name, text, default, cap=None, minimum=1):
    if text is None:
        return default
    try:
        number = int(text)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise ParameterError(name, f"{name} must be an integer, at least {minimum}")
    return number if cap is None else min(number, cap)


TESTS = {
    "exact": lambda value, operand: value == operand,
    "gt": lambda value, operand: value > operand,
    "gte": lambda value, operand: value >= operand,
    "lt": lambda value, operand: value < operand,
    "lte": lambda value, operand: value <= operand,
    "in": lambda value, operands: value in operands,
    "startswith": lambda value, operand: value.startswith(operand),
}


def datasette_tests(args):
    tests = []
    for name in args:
        if name in DATASETTE_PARAMS:
            continue
        column, _, op = name.partition("__")
        known = column in COLUMNS and (op in DATASETTE_OPS or (column, op) == ("word", "startswith"))
        if not known or len(args.getlist(name)) > 1:
            raise ParameterError(name, f"unknown or repeated parameter {name!r}")
        text = args[name]
        value = ([operand(column, name, item) for item in text.split(",")] if op == "in"
                 else operand(column, name, text))
        tests.append((column, TESTS[op], value))
    return tests


def datasette():
    args = request.args
    g.rows = 0
    try:
        if args.get("_shape") != "objects":
            raise ParameterError("_shape", "this service answers only _shape=objects")
        tests = datasette_tests(args)
        if "_sort" in args and "_sort_desc" in args:
            raise ParameterError("_sort", "_sort and _sort_desc cannot both be given")
        sort = args.get("_sort") or args.get("_sort_desc")
        if sort is not None and sort not in COLUMNS:
            raise ParameterError("_sort", f"cannot sort by {sort!r}")
        size = whole("_size", args.get("_size"), DATASETTE_DEFAULT_SIZE, DATASETTE_MAX_SIZE)
        start = whole("_next", args.get("_next"), 0, minimum=0)
    except ParameterError as failure:
        return error(400, failure.message)
    matching = [record for record in records()
                if all(test(record[column], value) for column, test, value in tests)]
    if sort is not None:
        matching.sort(key=lambda record: record["id"])
        matching.sort(key=lambda record: record[sort], reverse="_sort_desc" in args)
    page = matching[start:start + size]
    following = start + len(page)
    g.rows = len(page)
    body = {"ok": True, "rows": page, "filtered_table_rows_count": len(matching),
            "next": str(following) if following < len(matching) else None}
    return Response(encode_json(body), mimetype="application/json")


def github():
    args = request.args
    g.rows = 0
    try:
        unknown = [name for name in args if name not in ("q", "per_page", "page", "sort", "order")]
        if unknown:
            raise ParameterError(unknown[0], f"unknown parameter {unknown[0]!r}")
        if not args.get("q"):
            return error(422, "Validation Failed: the q parameter is required")
        per_page = whole("per_page", args.get("per_page"), GITHUB_DEFAULT_PER_PAGE,
                         GITHUB_MAX_PER_PAGE)
        number = whole("page", args.get("page"), 1)
        if args.get("sort", "length") != "length" or args.get("order", "desc") not in ("asc", "desc"):
            raise ParameterError("sort", "sort must be length, order asc or desc")
    except ParameterError as failure:
        return error(400, failure.message)
    matching = [record for record in records() if args["q"] in record["word"]]
    if "sort" in args:
        matching.sort(key=lambda record: record["length"], reverse=args.get("order") != "asc")
    page = matching[(number - 1) * per_page:number * per_page]
    headers = []
    if number * per_page < len(matching):
        base = request.host_url.rstrip("/") + request.path
        headers.append(("Link", link_header([(url_with(base, args, {"page": str(number + 1)}),
                                              "next")])))
    g.rows = len(page)
    body = {"total_count": len(matching), "incomplete_results": False, "items": page}
    return Response(encode_json(body), headers=headers, mimetype="application/json")


def github_openapi():
    """An OpenAPI 3.0 description in GitHub's manner: allOf records, a required q, a capped page."""
    base = {"type": "object", "properties": {"id": {"type": "integer"},
                                             "word": {"type": "string"}}, "required": ["id", "word"]}
    item = {"allOf": [{"$ref": "#/components/schemas/word-base"},
                      {"type": "object", "properties": {"length": {"type": "integer"}}}]}
    parameters = [
        {"name": "q", "in": "query", "required": True, "description": "Text the word contains.",
         "schema": {"type": "string"}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "default": 30,
                                                       "maximum": GITHUB_MAX_PER_PAGE}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}},
    ]
    answer = {"type": "object", "required": ["total_count", "incomplete_results", "items"],
              "properties": {"total_count": {"type": "integer"},
                             "incomplete_results": {"type": "boolean"},
                             "items": {"type": "array",
                                       "items": {"$ref": "#/components/schemas/word-item"}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Words, GitHub style", "version": "1.0"},
        "paths": {"/github/search/words": {"get": {
            "operationId": "search/words", "parameters": parameters,
            "responses": {"200": {"description": "Matching words.",
                                  "content": {"application/json": {"schema": answer}}}}}}},
        "components": {"schemas": {"word-base": base, "word-item": item}},
    }


def github_openapi_json():
    return Response(json.dumps(github_openapi(), indent=1), mimetype="application/json")


def github_openapi_yaml():
    """The same document in YAML (JSON is YAML; this one is written in YAML's block style)."""
    return Response(to_yaml(github_openapi()), mimetype="application/yaml")


def to_yaml(value, indent=""):
    """Block-style YAML of JSON-like ``value`` (strings quoted as JSON strings, valid YAML)."""
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{indent}{json.dumps(key)}:")
                lines.append(to_yaml(item, indent + "  "))
            else:
                lines.append(f"{indent}{json.dumps(key)}: {json.dumps(item)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested = to_yaml(item, indent + "  ")
                lines.append(f"{indent}- {nested.lstrip()}")
            else:
                lines.append(f"{indent}- {json.dumps(item)}")
    return "\n".join(lines)


ROUTES = (("/datasette/words.json", "datasette_words", datasette),
          ("/github/search/words", "github_search_words", github),
          ("/github/openapi.json", "github_openapi_json", github_openapi_json),
          ("/github/openapi.yaml", "github_openapi_yaml", github_openapi_yaml))


def register(bp: Blueprint) -> set[str]:
    """Add the routes to bp; the endpoint names of the two record routes, for the request log."""
    for rule, endpoint, handler in ROUTES:
        bp.add_url_rule(rule, endpoint, handler, methods=["GET"])
    return {f"{bp.name}.datasette_words", f"{bp.name}.github_search_words"}
