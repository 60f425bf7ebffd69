"""Resources shaped unlike the dictionary, each with its own pagination style and filter syntax.

    /repos      nested records, operator-prefixed filters, cursor in the body    repos.py
    /books      a bare JSON array, json-server parameters, Link header           books.py
    /countries  page numbers in the body; /countries/<code> for one record       countries.py
    /events     the next page's URL in the body                                  events.py
    /changing/<name>  records the caller changes (POST /_changes/<name>)         changing.py
    /datasette/words.json, /github/search/words  the words in Datasette's and
                GitHub's conventions                                         conventions.py

The data is generated from fixed seeds, the same on every run, once per app
(on its first request). Each module declares ROUTES (rule, endpoint,
handler), PARAMETERS, build(), openapi_paths() and openapi_schemas(); a
handler takes (data, request args, request host URL, path values) and
returns a common.Page, or raises ParameterError (400) or NotFound (404).
api.py adds the routes to its blueprint with register(), which also puts
them under its request log, and extends /openapi.json with extend_openapi().
"""

import threading

from flask import Blueprint, Flask, Response, current_app, g, request

from . import books, changing, conventions, countries, events, repos, words_openapi
from .common import NotFound, ParameterError, encode_json

RESOURCES = {"repos": repos, "books": books, "countries": countries, "events": events}

_building = threading.Lock()


def data(app: Flask, name: str):
    """The generated records of one resource, built once per app."""
    store = app.extensions.get("resources")
    if store is None:
        with _building:
            store = app.extensions.get("resources")
            if store is None:
                store = {resource: module.build() for resource, module in RESOURCES.items()}
                app.extensions["resources"] = store
    return store[name]


def error_response(status: int, message: str, parameter: str | None = None) -> Response:
    body = {"error": message}
    if parameter is not None:
        body["parameter"] = parameter
    return Response(encode_json(body), status=status, mimetype="application/json")


def view(name: str, handler):
    def serve(**path_values):
        try:
            page = handler(data(current_app, name), request.args, request.host_url, **path_values)
        except ParameterError as error:
            return error_response(400, error.message, error.parameter)
        except NotFound as error:
            return error_response(404, str(error))
        g.rows = page.rows
        return Response(encode_json(page.body), headers=list(page.headers), mimetype="application/json")
    return serve


def register(bp: Blueprint) -> set[str]:
    """Add every resource's routes to bp; the endpoint names, for the request log."""
    endpoints = set()
    for name, module in RESOURCES.items():
        for rule, endpoint, handler in module.ROUTES:
            bp.add_url_rule(rule, endpoint, view(name, handler), methods=["GET"])
            endpoints.add(f"{bp.name}.{endpoint}")
    endpoints |= changing.register(bp)  # /changing/<name>, changed by POST /_changes/<name>
    endpoints |= conventions.register(bp)  # /datasette/..., /github/...
    return endpoints


def extend_openapi(document: dict) -> dict:
    """Add the resources' paths and schemas to the OpenAPI document, and x-* extensions to /words."""
    for module in RESOURCES.values():
        document["paths"].update(module.openapi_paths())
        document["components"]["schemas"].update(module.openapi_schemas())
    if "/words" in document["paths"]:
        words_openapi.annotate(document["paths"]["/words"]["get"])
    return document
