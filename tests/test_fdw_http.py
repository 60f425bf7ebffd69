"""fdw.http against a stub server answering badly: every failure is an ERROR, never a short result."""
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import pytest  # noqa: E402
from restcorn_engine import ColumnDefinition, MulticornException  # noqa: E402

from fdw import RestFDW  # noqa: E402
from stub_http import StubHandler, serve  # noqa: E402

# path -> (status, body)
ANSWERS = {
    "/html": (200, b"<html>welcome</html>"),
    "/crash": (500, b"Traceback: boom"),
    "/refuse": (400, json.dumps({"error": "unknown parameter", "parameter": "x"}).encode()),
    "/other-key": (200, json.dumps({"data": [{"id": 1}], "total": 1}).encode()),
    "/data": (200, json.dumps({"data": [{"id": 1}, {"id": 2}], "count": 2}).encode()),
    "/too-many": (200, json.dumps({"records": [{"id": i} for i in range(150)], "total": 150}).encode()),
    "/no-total": (200, json.dumps({"records": [{"id": 1, "doc": {"a": [1]}}]}).encode()),
    "/slow": None,
}


class Handler(StubHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        if ANSWERS.get(path) is None:
            threading.Event().wait(2)
            status, body = 200, b"{}"
        elif path == "/no-total" and "offset=" in self.path:  # past the one record: none
            status, body = 200, json.dumps({"records": []}).encode()
        else:
            status, body = ANSWERS[path]
        self.send_body(status, body, content_type=None)


@pytest.fixture(scope="module")
def stub():
    with serve(Handler) as url:
        yield url


COLUMNS = {"id": ColumnDefinition("id", 23, -1, "integer", "integer"),
           "doc": ColumnDefinition("doc", 3802, -1, "jsonb", "jsonb")}


def scan_error(url, path, **options):
    fdw = RestFDW(dict({"url": url, "path": path}, **options), COLUMNS)
    with pytest.raises(MulticornException) as raised:
        list(fdw.execute([], {"id"}))
    return raised.value


def test_not_json(stub):
    error = scan_error(stub, "/html")
    assert error.message == ("%s/html?fields=id&limit=100 answered HTTP 200 OK "
                             "with a body that is not JSON" % stub)
    assert error.detail == "<html>welcome</html>"
    assert "path" in error.hint


def test_server_error(stub):
    error = scan_error(stub, "/crash")
    assert error.message.endswith("answered HTTP 500 Internal Server Error")
    assert error.detail == "Traceback: boom"
    assert "logs" in error.hint


def test_json_error_body_gives_the_detail(stub):
    error = scan_error(stub, "/refuse")
    assert error.detail == "unknown parameter (parameter x)"


def test_missing_records_key(stub):
    error = scan_error(stub, "/other-key")
    assert error.message.endswith('has no list under "records"')
    assert "records_key" in error.hint


def test_other_keys_by_option(stub):
    fdw = RestFDW({"url": stub, "path": "/data", "records_key": "data", "total_key": "count"}, COLUMNS)
    assert list(fdw.execute([], {"id"})) == [{"id": 1}, {"id": 2}]
    assert fdw.get_rel_size([], {"id"}) == (2, 4)


def test_more_records_than_asked(stub):
    error = scan_error(stub, "/too-many")
    assert "returned 150 records when asked for at most 100" in error.message


def test_missing_total_fails_planning_but_not_scans(stub):
    fdw = RestFDW({"url": stub, "path": "/no-total"}, COLUMNS)
    assert list(fdw.execute([], {"id", "doc"})) == [{"id": 1, "doc": '{"a":[1]}'}]
    with pytest.raises(MulticornException) as raised:
        fdw.get_rel_size([], {"id"})
    assert 'has no count under "total"' in raised.value.message


def test_timeout(stub):
    error = scan_error(stub, "/slow", read_timeout="0.2")
    assert error.message.startswith("no answer from %s/slow" % stub)
    assert "read_timeout 0.2 s" in error.message
