"""IMPORT FOREIGN SCHEMA from the mock service's /openapi.json, and the mapping behind it."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import psycopg  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402

from fdw import openapi  # noqa: E402
from fdw.openapi import import_schema, table_definitions  # noqa: E402


@pytest.fixture(scope="module")
def document():
    from mock_service import create_app
    return create_app().test_client().get("/openapi.json").get_json()


def described(tables):
    return {table.table_name: (
        {column.column_name: (column.type_name, column.options) for column in table.columns},
        table.options) for table in tables}


# --- the mapping, without a database --------------------------------------------------------------

def test_one_table_per_collection(document):
    assert [table.table_name for table in table_definitions(document)] == [
        "books", "countries", "events", "repos", "words"]


def test_repos(document):
    columns, options = described(table_definitions(document))["repos"]
    assert options == {"path": "/repos", "records_path": "data.items", "pagination": "cursor",
                       "cursor_path": "meta.next_cursor", "limit_param": "per_page",
                       "page_size": "100", "sort_style": "dot", "filter_style": "prefix_op",
                       "fields_param": ""}
    assert columns["owner"] == ("jsonb", {})
    assert columns["owner_login"] == ("text", {"field": "owner.login", "sortable": "true",
                                               "null_order": "none",
                                               "filters": "eq,ge,gt,in,le,like:star,lt"})
    assert columns["created_at"][0] == "timestamp with time zone"
    assert columns["archived"] == ("boolean", {"filters": "eq"})
    assert "sortable" not in columns["language"][1]  # nullable: NULLs may sort elsewhere


def test_books(document):
    columns, options = described(table_definitions(document))["books"]
    assert options == {"path": "/books", "records_path": "", "pagination": "link",
                       "limit_param": "_limit", "page_size": "200", "sort_style": "separate",
                       "sort_param": "_sort", "direction_param": "_order", "fields_param": ""}
    assert columns["title"] == ("text", {"filters": "ilike:contains=title_like",
                                         "sortable": "true", "null_order": "none"})
    assert columns["id"] == ("bigint", {"filters": "eq,in", "sortable": "true",
                                        "null_order": "none"})
    assert columns["price"][0] == "double precision" and columns["tags"][0] == "jsonb"


def test_countries_get_their_single_record_path(document):
    columns, options = described(table_definitions(document))["countries"]
    assert options == {"path": "/countries/{code}", "collection_path": "/countries",
                       "records_path": "results", "pagination": "page", "total_key": "count",
                       "limit_param": "page_size", "page_size": "100", "sort_param": "sort",
                       "max_sort_keys": "1", "repeat_filters": "false", "fields_param": ""}
    assert columns["code"][1]["filters"] == "in:join"
    assert columns["population"][1]["filters"] == "ge=population_min,le=population_max"
    assert columns["name"][1]["filters"] == "like:prefix"


def test_events_and_words(document):
    tables = described(table_definitions(document))
    columns, options = tables["events"]
    assert options == {"path": "/events", "records_path": "items", "pagination": "next_url",
                       "page_size": "500", "fields_param": ""}
    assert columns["at"] == ("timestamp with time zone", {"filters": "ge,lt"})
    columns, options = tables["words"]
    assert options == {"path": "/words", "records_path": "records", "pagination": "offset",
                       "page_size": "10000", "missing_fields": "null"}
    assert columns["word"][1]["filters"].split(",")[:8] == [
        "eq", "in", "gt", "ge", "lt", "le", "like", "ilike"]


CONVENTIONAL = {
    "openapi": "3.0.3",
    "paths": {
        "/v1/things": {"get": {
            "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}}
                           for n in ("limit", "offset", "size", "size_gte", "size_lt", "color")],
            "responses": {"200": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                    "total": {"type": "integer"}}}}}}}}},
        "/v1/things/{id}": {"get": {"parameters": [{"name": "id", "in": "path"}],
                                    "responses": {"200": {"description": "one"}}}},
        "/v1/pages": {"get": {
            "parameters": [{"name": "page", "in": "query"}, {"name": "per_page", "in": "query"}],
            "responses": {"200": {"content": {"application/json": {"schema": {
                "type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}}}},
        "/status": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"ok": {"type": "boolean"}}}}}}}}},
    },
    "components": {"schemas": {"Thing": {
        "type": "object", "required": ["id", "size"], "properties": {
            "id": {"type": "integer", "format": "int32"}, "size": {"type": "number"},
            "color": {"type": ["string", "null"]}, "seen": {"type": "string", "format": "date"}}}}},
}


def test_conventions_without_extensions():
    tables = described(table_definitions(CONVENTIONAL))
    assert sorted(tables) == ["v1_pages", "v1_things"]
    columns, options = tables["v1_things"]
    assert options == {"path": "/v1/things/{id}", "collection_path": "/v1/things",
                       "records_path": "items", "pagination": "offset", "fields_param": "",
                       "missing_fields": "null"}
    assert columns == {"id": ("integer", {}), "size": ("double precision", {"filters": "eq,ge,lt"}),
                       "color": ("text", {"filters": "eq"}), "seen": ("date", {})}
    assert tables["v1_pages"][1] == {"path": "/v1/pages", "records_path": "", "pagination": "page",
                                     "limit_param": "per_page", "fields_param": "",
                                     "missing_fields": "null", "total_key": ""}  # no count


def test_properties_no_column_can_read_are_left_out_with_a_notice(caplog):
    """A property named with a dot (no field option can name such a key: the column would read
    the path a -> b), one named * (the whole record), "" or as a system column, and names
    longer than PostgreSQL keeps (63 bytes): cut, reading the property by its field option,
    or left out when the cut name is another column's. A filtered nested field whose column
    name is a property's gets another name: owner_login reads the property owner_login."""
    long_name = "p" * 62 + "_alpha"
    record = {"type": "object", "properties": {
        "id": {"type": "integer"}, "a.b": {"type": "string"}, "*": {"type": "string"},
        "a": {"type": "object", "properties": {"b": {"type": "string"}}},
        long_name: {"type": "string"}, "p" * 62 + "_beta": {"type": "string"},
        "é" * 40: {"type": "string"}, "": {"type": "string"}, "xmin": {"type": "string"},
        "owner_login": {"type": "string"},
        "owner": {"type": "object", "properties": {"login": {"type": "string"}}}}}
    owner_filter = {"name": "owner.login", "in": "query", "schema": {"type": "string"},
                    "x-filter": {"field": "owner.login", "op": "eq"}}
    document = {"openapi": "3.0.3", "paths": {"/items": {"get": {
        "parameters": [owner_filter], "responses": {"200": {
        "content": {"application/json": {"schema": {"type": "array", "items": record}}}}}}}}}
    with caplog.at_level("INFO", logger="restcorn"):
        columns, _ = described(table_definitions(document))["items"]
    assert columns == {"id": ("bigint", {}), "a": ("jsonb", {}),
                       long_name[:63]: ("text", {"field": long_name}),
                       "é" * 31: ("text", {"field": "é" * 40}), "owner_login": ("text", {}),
                       "owner": ("jsonb", {}),
                       "owner_login_nested": ("text", {"field": "owner.login",
                                                       "filters": "eq"})}
    assert [record.getMessage() for record in caplog.records] == [
        'IMPORT FOREIGN SCHEMA: GET /items: property "a.b" gets no column: no field option can '
        "name a key holding a dot",
        'IMPORT FOREIGN SCHEMA: GET /items: property "*" gets no column: a field * reads the '
        "whole record",
        'IMPORT FOREIGN SCHEMA: GET /items: property "%s" gets no column: its first 63 bytes, '
        '"%s", name another column' % ("p" * 62 + "_beta", long_name[:63]),
        'IMPORT FOREIGN SCHEMA: GET /items: property "" gets no column: a column needs a name',
        'IMPORT FOREIGN SCHEMA: GET /items: property "xmin" gets no column: PostgreSQL has a '
        "column of that name itself"]


def test_names_postgresql_cannot_store_cost_only_their_column_or_table(caplog):
    """A NUL or a lone surrogate in a property's name costs its column; in a parameter's name
    or a path, its table; a required parameter named as a system column gets another name.
    Each with a NOTICE; the other tables are imported."""
    def endpoint(properties, parameters=()):
        return {"get": {"parameters": list(parameters), "responses": {"200": {"content": {
            "application/json": {"schema": {"type": "array", "items": {
                "type": "object", "properties": properties}}}}}}}}
    string = {"type": "string"}
    document = {"openapi": "3.0.3", "paths": {
        "/items": endpoint({"id": string}),
        "/props": endpoint({"id": string, "a\u0000b": string, "\ud800x": string}),
        "/it\u0000ems": endpoint({"id": string}),
        "/filtered": endpoint({"id": string}, [
            {"name": "na\u0000me", "in": "query", "x-filter": {"field": "id", "op": "eq"}}]),
        "/required": endpoint({"id": string}, [{"name": "xmin", "in": "query",
                                                "required": True}]),
    }}
    with caplog.at_level("INFO", logger="restcorn"):
        tables = described(table_definitions(document))
    assert sorted(tables) == ["items", "props", "required"]
    assert tables["props"][0] == {"id": ("text", {})}
    assert tables["required"][0] == {"id": ("text", {}),
                                     "xmin_param": ("text", {"query_param": "xmin"})}
    notices = [record.getMessage() for record in caplog.records]
    assert 'IMPORT FOREIGN SCHEMA: GET /props: property "a\\u0000b" gets no column: its name ' \
        "holds a character PostgreSQL cannot store (NUL, or a lone UTF-16 surrogate)" in notices
    assert any(notice.startswith('IMPORT FOREIGN SCHEMA: GET "/it\\u0000ems" skipped')
               for notice in notices)
    assert any(notice.startswith("IMPORT FOREIGN SCHEMA: GET /filtered skipped: its ")
               for notice in notices), notices


def test_limit_to_except_and_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(openapi, "may_read_server_files", lambda: True)
    path = tmp_path / "api.json"
    path.write_text(json.dumps(CONVENTIONAL))
    server = {"url": "http://svc", "openapi": str(path)}
    assert [t.table_name for t in import_schema(server, {}, "limit", ["v1_pages", "nope"])] == [
        "v1_pages"]
    assert [t.table_name for t in import_schema(server, {}, "except", ["v1_pages"])] == [
        "v1_things"]
    (things,) = import_schema(server, {"cache_seconds": "30"}, "limit", ["v1_things"])
    assert things.options["cache_seconds"] == "30"


# --- IMPORT FOREIGN SCHEMA through PostgreSQL -----------------------------------------------------

@pytest.fixture(scope="module")
def imported(cluster, service):
    """api.* imported with pushdown, api_plain.* the same with pushdown 'false'."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS api, api_plain, api_some CASCADE")
        conn.execute("DROP SERVER IF EXISTS api_srv CASCADE")
        # The test cluster's default collation is C (ILIKE and text ranges may be sent).
        conn.execute("CREATE SERVER api_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.RestFDW', url '%s', default_collation 'C')"
                     % service.url)
        for schema in ("api", "api_plain", "api_some"):
            conn.execute("CREATE SCHEMA %s" % schema)
        conn.execute("IMPORT FOREIGN SCHEMA service FROM SERVER api_srv INTO api")
        conn.execute("IMPORT FOREIGN SCHEMA service FROM SERVER api_srv INTO api_plain "
                     "OPTIONS (pushdown 'false')")
    yield
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA api, api_plain, api_some CASCADE")
        conn.execute("DROP SERVER api_srv CASCADE")


@pytest.fixture
def log(service):
    url = service.url + "/_log"
    requests.delete(url).raise_for_status()
    return lambda path: [e for e in requests.get(url).json()["requests"] if e["path"] == path]


def tables_in(db, schema):
    return [r[0] for r in db.rows("SELECT foreign_table_name FROM information_schema.foreign_tables"
                                  " WHERE foreign_table_schema = %s ORDER BY 1", (schema,))]


def test_the_tables_are_there(db, imported):
    assert tables_in(db, "api") == [
        "books", "countries", "events", "repos", "words"]


@pytest.mark.parametrize("table, where, path, args", [
    ("repos", "stars >= 2 AND owner_login = 'alice'", "/repos",
     {"stars": ["gte.2"], "owner.login": ["eq.alice"]}),
    ("repos", "name LIKE '%corn%'", "/repos", {"name": ["like.*corn*"]}),
    ("books", "year BETWEEN 1990 AND 1995 AND title ILIKE '%the%'", "/books",
     {"year_gte": ["1990"], "year_lte": ["1995"], "title_like": ["the"]}),
    ("countries", "region = 'Asia' AND population >= 1000000", "/countries",
     {"region": ["Asia"], "population_min": ["1000000"]}),
    ("countries", "code = 'AB'", "/countries/AB", {}),
    ("events", "kind = 'deploy' AND at >= '2021-01-05 00:00:00+00'", "/events",
     {"kind": ["deploy"], "at_gte": ["2021-01-05T00:00:00+00:00"]}),
    ("words", "word LIKE 'house%' AND id > 1000", "/words",
     {"word_like": ["house%"], "id_gt": ["1000"]}),
])
def test_imported_tables_push_down_and_agree(db, imported, log, table, where, path, args):
    db.execute("SET TimeZone = 'UTC'")
    key = "code" if table == "countries" else "id"
    pushed = db.rows("SELECT * FROM api.%s WHERE %s ORDER BY %s" % (table, where, key))
    entries = [e for e in log(path) if e["args"].get("limit") != ["0"]]
    assert entries, "no request to %s" % path
    for name, values in args.items():
        assert entries[0]["args"][name] == values, entries[0]
    plain = db.rows("SELECT * FROM api_plain.%s WHERE %s ORDER BY %s" % (table, where, key))
    assert pushed == plain and pushed


def test_imported_sort_is_pushed(db, imported, log):
    sql = "SELECT id, stars FROM %s.repos ORDER BY stars DESC, id LIMIT 10"
    assert db.rows(sql % "api") == db.rows(sql % "api_plain")
    assert log("/repos")[0]["args"]["order"] == ["stars.desc,id.asc"]


def test_limit_to_and_except(db, imported):
    db.execute("IMPORT FOREIGN SCHEMA service LIMIT TO (books, events) FROM SERVER api_srv "
               "INTO api_some")
    db.execute("IMPORT FOREIGN SCHEMA service EXCEPT (books, events, words) FROM SERVER api_srv "
               "INTO api_some OPTIONS (cache_seconds '5')")
    assert tables_in(db, "api_some") == [
        "books", "countries", "events", "repos"]
    assert db.value("SELECT count(*) FROM api_some.books WHERE id < 5") == 4


def test_import_from_a_file(db, cluster, service, document):
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir="/tmp", delete=False) as file:
        json.dump(document, file)
    os.chmod(file.name, 0o644)
    try:
        db.execute("DROP SCHEMA IF EXISTS api_file CASCADE")
        db.execute("CREATE SCHEMA api_file")
        db.execute("DROP SERVER IF EXISTS api_file_srv CASCADE")
        db.execute("CREATE SERVER api_file_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
                   "(wrapper 'fdw.RestFDW', url '%s', openapi '%s')" % (service.url, file.name))
        db.execute("IMPORT FOREIGN SCHEMA s LIMIT TO (countries) FROM SERVER api_file_srv "
                   "INTO api_file")
        assert db.value("SELECT name FROM api_file.countries WHERE code = 'AA'")
    finally:
        os.unlink(file.name)
        db.execute("DROP SCHEMA api_file CASCADE")
        db.execute("DROP SERVER api_file_srv CASCADE")


def test_import_errors_are_clear(db, imported):
    with pytest.raises(psycopg.Error) as raised:
        db.execute("IMPORT FOREIGN SCHEMA s FROM SERVER api_srv INTO api_some "
                   "OPTIONS (openapi '/nonexistent/openapi.json')")
    assert raised.value.diag.message_primary == (
        "cannot read the OpenAPI document /nonexistent/openapi.json")
    with pytest.raises(psycopg.Error) as raised:
        db.execute("IMPORT FOREIGN SCHEMA s FROM SERVER api_srv INTO api_some "
                   "OPTIONS (page_sise '5')")
    assert 'unknown option "page_sise"' in raised.value.diag.message_primary
