"""IMPORT FOREIGN SCHEMA from an OpenAPI document in YAML served over HTTP (issue 12).

The mock service's GitHub-style document, in YAML, imported through
PostgreSQL and queried; a stub serves documents that must be refused with a
clear ERROR: not JSON nor YAML, not UTF-8, aliases that expand past the bound
or make the document recursive. Errors show the URL without its secrets.
"""
import json

import psycopg
import pytest
import requests

from fdw import openapi
from fdw.errors import FdwError
from stub_http import StubHandler, serve

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    "%s: &%s [%s]\n" % (chr(98 + level), chr(98 + level), ", ".join(["*" + chr(97 + level)] * 10))
    for level in range(8))  # 10 ** 9 nodes once expanded
DOCUMENTS = {
    "/garbage.yaml": b"paths: [1, 2\n  - {",
    "/latin1.yaml": "paths: {}\ninfo: caf\xe9\n".encode("latin-1"),
    "/bomb.yaml": BOMB.encode(),
    "/recursive.yaml": b"paths: &p\n  /x: *p\n",
    "/aliases.yaml": None,  # made from the mock's document, aliases added (see yaml_with_aliases)
}


class Documents(StubHandler):
    """Serves DOCUMENTS by path (query ignored); anything else: 404."""

    def do_GET(self):
        path = self.path.split("?")[0]
        body = DOCUMENTS.get(path)
        status = 200 if body is not None else 404
        body = body if body is not None else json.dumps({"error": "not found"}).encode()
        self.send_body(status, body, content_type="application/yaml")


@pytest.fixture(scope="module")
def stub():
    with serve(Documents) as url:
        yield url


def yaml_with_aliases(text):
    """The mock's YAML document with a mapping under an anchor and an alias to it."""
    return text.rstrip("\n") + '\n"x-copies":\n  "first": &first\n    "a": 1\n  "again": *first\n'


def test_yaml_document_over_http(service):
    url = service.url + "/github/openapi.yaml"
    assert not requests.get(url).text.lstrip().startswith("{")  # YAML, not JSON
    tables = openapi.import_schema({"url": service.url, "openapi": url}, {}, None, None)
    from_json = openapi.import_schema(
        {"url": service.url, "openapi": service.url + "/github/openapi.json"}, {}, None, None)
    assert [table.table_name for table in tables] == ["github_search_words"]
    assert [(t.table_name, t.options, [(c.column_name, c.type_name, c.options) for c in t.columns])
            for t in tables] == \
        [(t.table_name, t.options, [(c.column_name, c.type_name, c.options) for c in t.columns])
         for t in from_json]


def test_yaml_aliases_within_the_bound_are_read(service, stub):
    DOCUMENTS["/aliases.yaml"] = yaml_with_aliases(
        requests.get(service.url + "/github/openapi.yaml").text).encode()
    document = openapi.load(stub + "/aliases.yaml", {"url": stub})
    assert document["x-copies"] == {"first": {"a": 1}, "again": {"a": 1}}


@pytest.mark.parametrize("path, says", [
    ("/garbage.yaml", "cannot be read: it is neither JSON nor YAML ("),
    ("/bomb.yaml", "cannot be read: its YAML aliases expand it to more than 5000000 nodes"),
    ("/recursive.yaml", "cannot be read: a YAML alias makes it recursive"),
    ("/latin1.yaml", "with a body that is not valid UTF-8"),
])
def test_unreadable_documents_are_errors(stub, path, says):
    with pytest.raises(FdwError) as raised:
        openapi.load(stub + path + "?api_key=s3cret", {"url": stub, "api_key": "s3cret"})
    message = raised.value.message
    assert says in message
    assert "s3cret" not in message and "s3cret" not in str(raised.value.detail)
    assert stub + path in message


def test_import_yaml_over_http_through_postgresql(db, service, words):
    db.execute("DROP SERVER IF EXISTS gh_yaml CASCADE")
    db.execute("DROP SCHEMA IF EXISTS gh_yaml CASCADE")
    db.execute("CREATE SCHEMA gh_yaml")
    db.execute("CREATE SERVER gh_yaml FOREIGN DATA WRAPPER restcorn OPTIONS "
               "(wrapper 'fdw.RestFDW', url '%s', openapi '%s/github/openapi.yaml')"
               % (service.url, service.url))
    try:
        db.execute("IMPORT FOREIGN SCHEMA github FROM SERVER gh_yaml INTO gh_yaml")
        rows = db.rows("SELECT q, id, word FROM gh_yaml.github_search_words WHERE q = 'zz' "
                       "ORDER BY id")
        assert rows == [("zz", number, word) for number, word in enumerate(words, 1)
                        if "zz" in word]
    finally:
        db.execute("DROP SERVER gh_yaml CASCADE")
        db.execute("DROP SCHEMA gh_yaml CASCADE")


def test_unreadable_yaml_through_postgresql(db, stub):
    db.execute("DROP SERVER IF EXISTS bad_yaml CASCADE")
    db.execute("DROP SCHEMA IF EXISTS bad_yaml CASCADE")
    db.execute("CREATE SCHEMA bad_yaml")
    db.execute("CREATE SERVER bad_yaml FOREIGN DATA WRAPPER restcorn OPTIONS "
               "(wrapper 'fdw.RestFDW', url '%s')" % stub)
    try:
        with pytest.raises(psycopg.Error) as raised:
            db.execute("IMPORT FOREIGN SCHEMA x FROM SERVER bad_yaml INTO bad_yaml "
                       "OPTIONS (openapi '%s/bomb.yaml')" % stub)
        assert "YAML aliases expand it" in raised.value.diag.message_primary
        assert raised.value.diag.message_hint
    finally:
        db.execute("DROP SERVER bad_yaml CASCADE")
        db.execute("DROP SCHEMA bad_yaml CASCADE")
