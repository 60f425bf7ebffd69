"""Options for real services' conventions (issue 12), against the mock's /tables and a stub.

A count in a header (X-Total-Count), offset paging without any count, counts
used by every paging style that has one, fixed per-table query parameters,
a sort parameter per direction, and a URL-length budget for IN lists; every
result compared with the same rows in a local table.
"""
import json
from urllib.parse import parse_qsl, urlsplit

import psycopg
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fdw.options import parse_table
from fdw.pushdown import order_params
from stub_http import StubHandler, serve

ROWS = 250
RECORDS = [{"id": i, "t": "w%03d" % (i * 7 % ROWS)} for i in range(1, ROWS + 1)]


class Log:
    def __init__(self, url):
        self.url = url + "/_log"

    def clear(self):
        requests.delete(self.url).raise_for_status()

    def entries(self):
        return [e for e in requests.get(self.url).json()["requests"]
                if e["path"].startswith("/tables/conv")]


@pytest.fixture
def log(service):
    request_log = Log(service.url)
    request_log.clear()
    return request_log


TABLES = {
    # name: (paging segment, options)
    "offset_nototal": ("offset-nototal", "total_key ''"),
    "link_header": ("link", "records_path '', pagination 'page', limit_param 'limit', "
                            "total_header 'X-Total-Count'"),
    "cursor_counted": ("cursor-cap40", "pagination 'cursor', total_key 'total', page_size '100'"),
}


@pytest.fixture(scope="module")
def tables(cluster, service):
    body = {"columns": {"id": "integer", "t": "text"}, "records": RECORDS}
    answer = requests.put(service.url + "/tables/conv", data=json.dumps(body))
    assert answer.status_code == 201, answer.text
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS conv CASCADE")
        conn.execute("DROP SERVER IF EXISTS conv_srv CASCADE")
        conn.execute("CREATE SCHEMA conv")
        conn.execute("CREATE SERVER conv_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % service.url)
        conn.execute("CREATE TABLE conv.local (id int, t text COLLATE \"C\")")
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO conv.local VALUES (%s, %s)",
                               [(r["id"], r["t"]) for r in RECORDS])
        for name, (paging, options) in TABLES.items():
            conn.execute(
                "CREATE FOREIGN TABLE conv.%s (id int OPTIONS (filters 'eq,in,lt,ge', "
                "sortable 'true'), t text OPTIONS (filters 'eq,in', sortable 'true') COLLATE \"C\")"
                " SERVER conv_srv OPTIONS (path '/tables/conv/suffix/%s', fields_param '', %s)"
                % (name, paging, options))
    yield
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA conv CASCADE")
        conn.execute("DROP SERVER conv_srv CASCADE")


def same_as_local(db, name, query):
    remote = db.rows(query.format(table="conv." + name))
    assert remote == db.rows(query.format(table="conv.local"))
    return remote


# --- offset paging with no count at all ------------------------------------------------------

@pytest.mark.parametrize("query", [
    "SELECT id, t FROM {table} ORDER BY id LIMIT 7 OFFSET 120",
    "SELECT count(*) FROM {table}",
    "SELECT id FROM {table} WHERE id >= 200 ORDER BY id",
    "SELECT id FROM {table} ORDER BY id OFFSET 245",
])
def test_offset_paging_without_a_count(db, tables, query):
    same_as_local(db, "offset_nototal", query)


def test_offset_without_a_count_plans_without_a_request(db, tables, log):
    db.rows("EXPLAIN SELECT * FROM conv.offset_nototal WHERE id < 10")
    assert log.entries() == []


# --- a count in a header, used by every paging style that has one ----------------------------

@pytest.mark.engine_facts
def test_count_from_x_total_count_reads_no_pages(db, tables, log):
    """Planning's count (and the scan's, unless it reuses planning's): one record each."""
    assert same_as_local(db, "link_header", "SELECT count(*) FROM {table}") == [(ROWS,)]
    entries = log.entries()
    assert 1 <= len(entries) <= 2 and all(e["args"] == {"limit": ["1"]} for e in entries)


def test_header_count_plans_the_scan(db, tables):
    plan = db.rows("EXPLAIN SELECT * FROM conv.link_header WHERE id < 10")[0][0]
    assert "rows=9 " in plan


@pytest.mark.engine_facts
def test_body_count_in_cursor_style_reads_no_pages(db, tables, log):
    assert same_as_local(db, "cursor_counted", "SELECT count(*) FROM {table}") == [(ROWS,)]
    entries = log.entries()
    assert 1 <= len(entries) <= 2 and all(e["args"] == {"limit": ["1"]} for e in entries)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_style_reads_every_row(db, tables, name):
    same_as_local(db, name, "SELECT id, t FROM {table} ORDER BY id")
    same_as_local(db, name, "SELECT t FROM {table} WHERE id IN (3, 90, 250) ORDER BY t")


# --- a URL-length budget for IN lists --------------------------------------------------------

def test_long_in_list_is_left_to_postgresql(db, tables, log):
    """3,000 values would make a URL past json-server's 16 KB: the list is not sent, no ERROR."""
    values = ", ".join(str(i) for i in range(1, 3001))
    query = "SELECT id FROM {table} WHERE id IN (%s) AND id >= 17 ORDER BY id" % values
    assert len(same_as_local(db, "offset_nototal", query)) == ROWS - 16
    entries = log.entries()
    assert entries and all(len(entry["query"]) < 8000 for entry in entries)
    assert all("id" not in entry["args"] and entry["args"]["id_gte"] == ["17"] for entry in entries)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.integers(-5, 5000), max_size=1500))
def test_in_lists_of_any_length_are_exact(db, tables, values):
    query = "SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id"
    remote = db.rows(query.format(table="conv.offset_nototal"), [values])
    assert remote == db.rows(query.format(table="conv.local"), [values])


def test_short_in_list_is_still_sent(db, tables, log):
    same_as_local(db, "offset_nototal", "SELECT id FROM {table} WHERE id IN (4, 5) ORDER BY id")
    assert log.entries()[-1]["args"]["id"] == ["4", "5"]


# --- fixed query parameters ------------------------------------------------------------------

class Recording(StubHandler):
    """{"records": [...], "total": n} for any GET; the request targets kept in ``seen``."""

    seen = []

    def do_GET(self):
        Recording.seen.append(self.path)
        args = dict(parse_qsl(urlsplit(self.path).query))
        records = [] if args.get("limit") == "0" or args.get("offset") else [{"id": 1, "t": "a"}]
        body = json.dumps({"records": records, "total": 1}).encode()
        self.send_body(200, body)


@pytest.fixture(scope="module")
def stub():
    with serve(Recording) as url:
        yield url


def test_query_option_is_sent_with_every_request(db, stub):
    db.execute("DROP SERVER IF EXISTS fixed_srv CASCADE")
    db.execute("CREATE SERVER fixed_srv FOREIGN DATA WRAPPER restcorn "
               "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % stub)
    db.execute("CREATE FOREIGN TABLE fixed (id int OPTIONS (filters 'eq'), t text) SERVER fixed_srv "
               "OPTIONS (path '/things/{id}', collection_path '/things', "
               "query '_shape=objects&q=a%26b')")
    Recording.seen.clear()
    assert db.rows("SELECT id, t FROM fixed") == [(1, "a")]
    assert db.rows("SELECT count(*) FROM fixed") == [(1,)]
    assert db.rows("SELECT t FROM fixed WHERE id = 1") == [("a",)]
    assert Recording.seen and all("_shape=objects&q=a%26b" in path for path in Recording.seen)
    assert any(path.startswith("/things/1?") for path in Recording.seen)
    db.execute("DROP SERVER fixed_srv CASCADE")


@pytest.mark.parametrize("query, message", [
    ("limit=5", 'option "query" sets the parameter "limit", which the wrapper sends itself'),
    ("id=3", 'option "query" sets the parameter "id"'),
    ("a b", 'option "query" must be name=value pairs'),
])
def test_query_option_refuses_what_the_wrapper_sends(db, stub, query, message):
    db.execute("DROP SERVER IF EXISTS fixed_srv CASCADE")
    db.execute("CREATE SERVER fixed_srv FOREIGN DATA WRAPPER restcorn "
               "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % stub)
    db.execute("CREATE FOREIGN TABLE fixed_bad (id int OPTIONS (filters 'eq')) SERVER fixed_srv "
               "OPTIONS (query '%s')" % query)
    with pytest.raises(psycopg.Error) as raised:
        db.rows("SELECT * FROM fixed_bad")
    assert raised.value.diag.message_primary.startswith(message)
    db.execute("DROP SERVER fixed_srv CASCADE")


# --- a sort parameter per direction ----------------------------------------------------------

class Column:
    def __init__(self, base_type_name):
        self.base_type_name, self.options = base_type_name, {}


class SortKey:
    def __init__(self, attname, is_reversed):
        self.attname, self.is_reversed = attname, is_reversed
        self.nulls_first, self.collate = is_reversed, None


def test_direction_sort_style_names_one_column():
    config = parse_table({"url": "http://x", "sort_style": "direction", "sort_param": "_sort",
                          "direction_param": "_sort_desc"}, {"id": Column("integer")})
    assert config.sort.max_keys == 1
    assert order_params([SortKey("id", False)], config.columns, config.sort) == [("_sort", "id")]
    assert order_params([SortKey("id", True)], config.columns, config.sort) == [
        ("_sort_desc", "id")]
