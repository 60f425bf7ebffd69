"""IMPORT FOREIGN SCHEMA from documents in other services' manners (issue 12).

GitHub's: allOf records, a required ``q`` (a query_param column), the page
size's maximum, the count under total_count. Swagger 2.0, YAML, a NOTICE for
each skipped endpoint with the reason, and a hint when the document is not
found.
"""
import json

import psycopg
import pytest
import requests
import yaml

from fdw import openapi
from fdw.openapi import table_definitions
from stub_http import StubHandler, serve

SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "things", "version": "1"},
    "paths": {
        "/things": {"get": {
            "parameters": [{"name": "limit", "in": "query", "type": "integer", "maximum": 50},
                           {"name": "offset", "in": "query", "type": "integer"},
                           {"name": "color", "in": "query", "type": "string"}],
            "responses": {"200": {"description": "ok", "schema": {
                "type": "object", "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/definitions/Thing"}},
                    "total": {"type": "integer"}}}}}}},
        "/things/{a}/parts/{b}": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/status": {"get": {"responses": {"200": {"description": "ok", "schema": {
            "type": "object", "properties": {"up": {"type": "boolean"}}}}}}},
    },
    "definitions": {"Thing": {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "integer", "format": "int32"}, "color": {"type": "string"}}}},
}


def described(tables):
    return {t.table_name: ({c.column_name: (c.type_name, c.options) for c in t.columns}, t.options)
            for t in tables}


def test_swagger_2_document():
    tables = described(table_definitions(SWAGGER))
    assert sorted(tables) == ["things"]
    columns, options = tables["things"]
    assert columns == {"id": ("integer", {}), "color": ("text", {"filters": "eq"})}
    assert options["pagination"] == "offset" and options["page_size"] == "50"
    assert options["records_path"] == "items"


def test_skipped_endpoints_are_named_with_the_reason(caplog):
    caplog.set_level("INFO", logger="restcorn")
    table_definitions(SWAGGER)
    notices = [record.getMessage() for record in caplog.records]
    assert any("GET /status skipped: its answer holds no list of objects" in n for n in notices)
    assert any("GET /things/{a}/parts/{b} skipped" in n for n in notices)


def test_github_document_allof_required_parameter_and_maximum(service):
    document = requests.get(service.url + "/github/openapi.json").json()
    tables = described(table_definitions(document))
    columns, options = tables["github_search_words"]
    assert columns == {"id": ("bigint", {}), "word": ("text", {}), "length": ("bigint", {}),
                       "q": ("text", {"query_param": "q"})}
    assert options["page_size"] == "100"  # per_page's maximum
    assert options["pagination"] == "page" and options["limit_param"] == "per_page"
    assert options["total_key"] == "total_count"


def test_yaml_document_in_a_file(service, tmp_path, monkeypatch):
    text = requests.get(service.url + "/github/openapi.yaml").text
    assert yaml.safe_load(text) == requests.get(service.url + "/github/openapi.json").json()
    path = tmp_path / "api.yaml"
    path.write_text(text)
    monkeypatch.setattr(openapi, "may_read_server_files", lambda: True)
    tables = openapi.import_schema({"url": service.url, "openapi": str(path)}, {}, None, None)
    assert [table.table_name for table in tables] == ["github_search_words"]


def test_imported_github_table_answers_as_a_local_table(db, service, words):
    db.execute("DROP SERVER IF EXISTS gh_import CASCADE")
    db.execute("DROP SCHEMA IF EXISTS gh CASCADE")
    db.execute("CREATE SCHEMA gh")
    db.execute("CREATE SERVER gh_import FOREIGN DATA WRAPPER restcorn OPTIONS "
               "(wrapper 'fdw.RestFDW', url '%s', openapi '%s/github/openapi.json')"
               % (service.url, service.url))
    db.execute("IMPORT FOREIGN SCHEMA github FROM SERVER gh_import INTO gh")
    rows = db.rows("SELECT q, id, word FROM gh.github_search_words WHERE q = 'zz' ORDER BY id")
    assert rows == [("zz", number, word) for number, word in enumerate(words, 1) if "zz" in word]
    db.execute("DROP SERVER gh_import CASCADE")
    db.execute("DROP SCHEMA gh CASCADE")


class Documents(StubHandler):
    """/swagger.json: SWAGGER; anything else: 404."""

    def do_GET(self):
        found = self.path == "/swagger.json"
        body = json.dumps(SWAGGER if found else {"error": "not found"}).encode()
        self.send_body(200 if found else 404, body)


@pytest.fixture
def documents(db):
    with serve(Documents) as url:
        db.execute("DROP SERVER IF EXISTS docs_srv CASCADE")
        db.execute("DROP SCHEMA IF EXISTS docs CASCADE")
        db.execute("CREATE SCHEMA docs")
        db.execute("CREATE SERVER docs_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
                   "(wrapper 'fdw.RestFDW', url '%s')" % url)
        yield url
        db.execute("DROP SERVER docs_srv CASCADE")
        db.execute("DROP SCHEMA docs CASCADE")


def test_notice_per_skipped_endpoint_through_postgresql(db, documents):
    db.take_notices()
    db.execute("IMPORT FOREIGN SCHEMA x FROM SERVER docs_srv INTO docs "
               "OPTIONS (openapi '%s/swagger.json')" % documents)
    notices = db.take_notices()
    assert any("GET /status skipped" in notice for notice in notices), notices
    assert db.rows("SELECT foreign_table_name FROM information_schema.foreign_tables "
                   "WHERE foreign_table_schema = 'docs'") == [("things",)]


def test_missing_document_hint(db, documents):
    with pytest.raises(psycopg.Error) as raised:
        db.execute("IMPORT FOREIGN SCHEMA x FROM SERVER docs_srv INTO docs")
    assert "HTTP 404" in raised.value.diag.message_primary
    assert "set the openapi option" in raised.value.diag.message_hint


def test_one_of_records_and_a_cursor_without_a_place(caplog):
    caplog.set_level("INFO", logger="restcorn")
    thing = {"type": "object", "properties": {"id": {"type": "integer"}}}
    other = {"type": "object", "properties": {"id": {"type": "integer"}, "kind": {"type": "string"}}}
    answer = {"type": "object", "properties": {"items": {"type": "array", "items": {
        "oneOf": [thing, other]}}}}
    document = {"openapi": "3.0.3", "paths": {
        "/mixed": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": answer}}}}}},
        "/cursored": {"get": {"parameters": [{"name": "cursor", "in": "query"}],
                              "responses": {"200": {"content": {"application/json": {
                                  "schema": answer}}}}}},
    }}
    tables = described(table_definitions(document))
    assert sorted(tables) == ["mixed"]
    assert tables["mixed"][0] == {"id": ("bigint", {}), "kind": ("text", {})}
    assert tables["mixed"][1]["missing_fields"] == "null"
    assert any("GET /cursored skipped: it pages by cursor" in record.getMessage()
               for record in caplog.records)


# --- YAML's other kinds (the review's finding 7) -------------------------------------------------

ODD_YAML = b"""openapi: 3.0.3
paths:
  1:
    get: {responses: {200: {description: ok}}}
  ~:
    get: {responses: {200: {description: ok}}}
  /binary:
    get:
      responses: !!binary aGVsbG8=
  /listed:
    get: [1, 2]
  /numbered:
    get:
      parameters: 5
      responses: {200: {description: ok}}
  /named:
    get:
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: {type: object, properties: {1: {type: integer}}}
  /things:
    get:
      parameters:
        - {name: limit, in: query}
        - {name: offset, in: query}
      responses:
        200:
          description: unquoted, YAML reads it as the number 200
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items:
                      type: object
                      required: [id]
                      properties: {id: {type: integer}, name: {type: string}}
                  total: {type: integer}
"""
ODD_NOTICES = [  # the paths and operations first, then what is read in each operation
    "GET 1 skipped: its path is a number (1), not a string",
    "GET null skipped: its path is null, not a string",
    "GET /listed skipped: its operation is an array, not an object",
    "GET /binary skipped: its responses are binary data (!!binary), not an object",
    "GET /numbered skipped: a part of its description is not of the kind OpenAPI gives it "
    "(TypeError: 'int' object is not iterable)",
    "GET /named skipped: a property's name is a number (1), not a string",
]


def test_yaml_of_other_kinds_is_skipped_with_the_reason(caplog):
    """Finding 7: ``1:`` and ``~:`` paths, ``!!binary`` responses were "Error in python:
    TypeError" or AttributeError; an unquoted ``200:`` was a number, and the endpoint was
    skipped as one without records."""
    caplog.set_level("INFO", logger="restcorn")
    tables = described(table_definitions(yaml.safe_load(ODD_YAML)))
    assert sorted(tables) == ["things"]
    assert tables["things"][1]["records_path"] == "items"
    notices = [record.getMessage() for record in caplog.records]
    assert ["IMPORT FOREIGN SCHEMA: " + notice for notice in ODD_NOTICES] == notices


class OddDocuments(StubHandler):
    """/openapi.yaml: ODD_YAML; /things: two records; anything else: 404."""

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/openapi.yaml":
            self.send_body(200, ODD_YAML, content_type="application/yaml")
        elif path == "/things":
            self.send_body(200, json.dumps({"items": [{"id": 1, "name": "a"},
                                                      {"id": 2, "name": "b"}],
                                            "total": 2}).encode())
        else:
            self.send_body(404, b'{"error": "not found"}')


def test_yaml_of_other_kinds_through_postgresql(db):
    with serve(OddDocuments) as url:
        db.execute("DROP SERVER IF EXISTS odd_srv CASCADE")
        db.execute("DROP SCHEMA IF EXISTS odd CASCADE")
        db.execute("CREATE SCHEMA odd")
        db.execute("CREATE SERVER odd_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
                   "(wrapper 'fdw.RestFDW', url '%s', openapi '%s/openapi.yaml')" % (url, url))
        try:
            db.take_notices()
            db.execute("IMPORT FOREIGN SCHEMA x FROM SERVER odd_srv INTO odd")
            assert db.take_notices("IMPORT FOREIGN SCHEMA: ") == [
                "IMPORT FOREIGN SCHEMA: " + notice for notice in ODD_NOTICES]
            assert db.rows("SELECT id, name FROM odd.things ORDER BY id") == [(1, "a"), (2, "b")]
        finally:
            db.execute("DROP SERVER odd_srv CASCADE")
            db.execute("DROP SCHEMA odd CASCADE")
