"""Exact answers (issue 9, cases 3-9): a foreign table returns the rows a local table would.

Each test holds a failing input from the issue and the right answer, through
real PostgreSQL, the engine, real HTTP and the mock service (or a stub
server where the mock lacks the shape). Pure functions get hypothesis
properties covering the whole kind.
"""
import contextlib
import fnmatch
import json
import math
import operator
import os
import re
import struct
import sys
from datetime import date, datetime
from decimal import Decimal
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import psycopg  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402
import requests  # noqa: E402
from stub_http import StubHandler, serve  # noqa: E402

REPOS_COLUMNS = """
    id bigint OPTIONS (filters 'eq,in,lt,le,gt,ge', sortable 'true'),
    name text OPTIONS (filters 'eq,in', sortable 'true') COLLATE "C",
    language text OPTIONS (filters 'eq,in', sortable 'true') COLLATE "C",
    stars int OPTIONS (filters 'eq,in,lt,le,gt,ge', sortable 'true')
"""
REPOS_OPTIONS = """path '/repos', records_path 'data.items', pagination 'cursor',
    cursor_path 'meta.next_cursor', limit_param 'per_page', page_size '100',
    filter_style 'prefix_op', sort_style 'dot', fields_param ''"""


@pytest.fixture(scope="module")
def exact(cluster, service):
    """Schema ``exact``: foreign tables over the mock service, and ``exact.local_repos``."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS exact CASCADE")
        conn.execute("DROP SERVER IF EXISTS exact_srv CASCADE")
        conn.execute("DROP SERVER IF EXISTS exact_dict_srv CASCADE")
        conn.execute("CREATE SCHEMA exact")
        conn.execute("CREATE SERVER exact_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % service.url)
        # The mock documents its NULL placement: as if larger than any value.
        conn.execute("CREATE FOREIGN TABLE exact.repos (%s) SERVER exact_srv "
                     "OPTIONS (%s, null_order 'larger')" % (REPOS_COLUMNS, REPOS_OPTIONS))
        conn.execute("CREATE FOREIGN TABLE exact.repos_unknown_nulls (%s) SERVER exact_srv "
                     "OPTIONS (%s)" % (REPOS_COLUMNS, REPOS_OPTIONS))
        conn.execute("CREATE TABLE exact.local_repos AS SELECT * FROM exact.repos")
        conn.execute("CREATE SERVER exact_dict_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.DictionaryFDW', url '%s')" % service.url)
        conn.execute('CREATE FOREIGN TABLE exact.dictionary (id int, word varchar COLLATE "C") '
                     "SERVER exact_dict_srv")
        # The database's default collation is not C here; these tables say it is (case 6).
        conn.execute("CREATE FOREIGN TABLE exact.dictionary_c_default (id int, word varchar) "
                     "SERVER exact_dict_srv OPTIONS (default_collation 'C')")
        conn.execute("CREATE FOREIGN TABLE exact.dictionary_plain (id int, word varchar) "
                     "SERVER exact_dict_srv")
        conn.execute("CREATE TABLE exact.local_words AS SELECT id, word FROM exact.dictionary")
    yield service
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA exact CASCADE")
        conn.execute("DROP SERVER exact_srv CASCADE")
        conn.execute("DROP SERVER exact_dict_srv CASCADE")


@contextlib.contextmanager
def stub_schema(cluster, handler, schema):
    """Serve ``handler`` (a stub_http.StubHandler) and make ``schema`` with a server at its URL.

    The server is ``<schema>_srv``, a RestFDW server whose url is the stub's.
    Yields (conn, url): an autocommit connection to ``cluster`` to create the
    schema's tables with, and the stub's base URL. The schema and the server
    are dropped (CASCADE) after the block.
    """
    with serve(handler) as url, psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS %s CASCADE" % schema)
        conn.execute("DROP SERVER IF EXISTS %s_srv CASCADE" % schema)
        conn.execute("CREATE SCHEMA %s" % schema)
        conn.execute("CREATE SERVER %s_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % (schema, url))
        yield conn, url
        conn.execute("DROP SCHEMA %s CASCADE" % schema)
        conn.execute("DROP SERVER %s_srv CASCADE" % schema)


class RequestLog:
    def __init__(self, url):
        self.url = url + "/_log"

    def clear(self):
        requests.delete(self.url).raise_for_status()

    def args(self, path):
        return [entry["args"] for entry in requests.get(self.url).json()["requests"]
                if entry["path"] == path]


@pytest.fixture
def log(service):
    request_log = RequestLog(service.url)
    request_log.clear()
    return request_log


# --- case 3: NULL ordering ------------------------------------------------------------------------

def test_nulls_first_ascending_is_sorted_by_postgresql(db, exact, log):
    """Issue 9 case 3: the mock puts NULLs last ascending, so NULLS FIRST is not pushed."""
    rows = db.rows("SELECT id, language FROM exact.repos ORDER BY language NULLS FIRST LIMIT 3")
    assert [language for _, language in rows] == [None, None, None]
    assert rows == db.rows("SELECT id, language FROM exact.local_repos "
                           "ORDER BY language NULLS FIRST LIMIT 3")
    assert all("order" not in args for args in log.args("/repos"))


@pytest.mark.parametrize("order", ["language", "language DESC", "language NULLS LAST",
                                   "language DESC NULLS FIRST", "stars DESC, id"])
def test_sorts_matching_the_declared_null_order_are_pushed(db, exact, log, order):
    sql = "SELECT id, language, stars FROM exact.%s ORDER BY " + order + ", id LIMIT 20"
    assert db.rows(sql % "repos") == db.rows(sql % "local_repos")
    assert any("order" in args for args in log.args("/repos"))


@pytest.mark.parametrize("order", ["language DESC NULLS LAST", "stars NULLS FIRST"])
def test_sorts_against_the_declared_null_order_are_not_pushed(db, exact, log, order):
    sql = "SELECT id, language, stars FROM exact.%s ORDER BY " + order + ", id LIMIT 20"
    assert db.rows(sql % "repos") == db.rows(sql % "local_repos")
    assert all("order" not in args for args in log.args("/repos"))


def test_unknown_null_order_pushes_no_sort(db, exact, log):
    sql = "SELECT id, language FROM exact.%s ORDER BY language DESC, id LIMIT 5"
    assert db.rows(sql % "repos_unknown_nulls") == db.rows(sql % "local_repos")
    assert all("order" not in args for args in log.args("/repos"))


# --- can_limit ------------------------------------------------------------------------------------

def dictionary_wrapper():
    from restcorn_engine import ColumnDefinition

    from fdw import DictionaryFDW
    return DictionaryFDW({}, {"id": ColumnDefinition("id", 23, -1, "integer", "integer"),
                              "word": ColumnDefinition("word", 1043, -1, "character varying",
                                                       "character varying")})


def test_limit_is_declined_under_multicorn2_behaviour(monkeypatch):
    """Multicorn2 offers LIMIT past filters in views and subqueries: the wrapper must decline."""
    from fdw import rest
    fdw = dictionary_wrapper()
    assert fdw.can_limit(3, None)
    assert fdw.can_limit(2 ** 64, 2 ** 40)  # the engine passes exact ints of any size
    monkeypatch.setattr(rest, "multicorn2_behaviour", lambda: True)
    assert not fdw.can_limit(3, None)


def test_a_limit_beyond_32_bits_is_pushed_whole(db, exact, words):
    rows = db.rows("SELECT id FROM exact.dictionary OFFSET %d LIMIT 4294967297" % (len(words) - 4))
    assert rows == [(number,) for number in range(len(words) - 3, len(words) + 1)]


# --- case 4: numbers ------------------------------------------------------------------------------

# The records' exact JSON text: numbers a binary float cannot hold.
AMOUNTS_JSON = ('[{"id": 1, "amount": 12345678901234567.89}, '
                '{"id": 2, "amount": 0.1000000000000000055511151231257827}, '
                '{"id": 3, "amount": 1.5}, {"id": 4, "amount": 100}]')
BAD_NUMBERS = {"int": '{"n": 1.5}', "float8": '{"x": 1e400}', "int2": '{"s": 40000}',
               "float4": '{"r": 1e39}'}
SEEN = []  # the query of every request to the stub


class NumbersHandler(StubHandler):
    """/exact compares numbers as decimals, /binary as binary floats (as many services do)."""

    def do_GET(self):
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query)
        SEEN.append(query)
        if parts.path.startswith("/bad/"):
            body = '{"records": [%s]}' % BAD_NUMBERS[parts.path[5:]]
        else:
            number = Decimal if parts.path == "/exact" else float
            records = json.loads(AMOUNTS_JSON, parse_float=Decimal)
            tests = {"amount": operator.eq, "amount_gt": operator.gt, "amount_gte": operator.ge,
                     "amount_lt": operator.lt, "amount_lte": operator.le}
            for name, value in query:
                if name in tests:
                    records = [r for r in records
                               if tests[name](number(r["amount"]), number(value))]
            text = json.dumps([{"id": r["id"], "amount": str(r["amount"])} for r in records])
            body = '{"records": %s}' % re.sub(r'"amount": "([^"]*)"', r'"amount": \1', text)
        self.send_body(200, body.encode())


@pytest.fixture(scope="module")
def numbers(cluster):
    """Schema ``num`` over the numbers stub: exact and binary-float services, bad values."""
    with stub_schema(cluster, NumbersHandler, "num") as (conn, url):
        common = "pagination 'none', fields_param ''"
        for path in ("exact", "binary"):
            conn.execute("CREATE FOREIGN TABLE num.%s (id int, amount numeric OPTIONS "
                         "(filters 'eq,in,lt,le,gt,ge'), doc jsonb OPTIONS (field '*')) "
                         "SERVER num_srv OPTIONS (path '/%s', %s)" % (path, path, common))
        conn.execute("CREATE FOREIGN TABLE num.as_float (id int, amount float8 OPTIONS "
                     "(filters 'eq,lt,le,gt,ge')) SERVER num_srv OPTIONS (path '/exact', %s)"
                     % common)
        for kind, column in (("int", "n int"), ("float8", "x float8"), ("int2", "s int2"),
                             ("float4", "r real")):
            conn.execute("CREATE FOREIGN TABLE num.bad_%s (%s) SERVER num_srv "
                         "OPTIONS (path '/bad/%s', %s)" % (kind, column, kind, common))
        yield url


def test_json_numbers_keep_their_exact_decimal_text(db, numbers):
    """Issue 9 case 4: 12345678901234567.89 came back as 12345678901234568."""
    rows = db.rows("SELECT id, amount, doc->>'amount' FROM num.exact ORDER BY id")
    assert rows == [(1, Decimal("12345678901234567.89"), "12345678901234567.89"),
                    (2, Decimal("0.1000000000000000055511151231257827"),
                     "0.1000000000000000055511151231257827"),
                    (3, Decimal("1.5"), "1.5"), (4, Decimal(100), "100")]


def test_a_numeric_qual_is_sent_as_its_exact_text(db, numbers):
    """Issue 9 case 4: the value was sent as 1.2345678901234568e+16 and matched nothing."""
    SEEN.clear()
    rows = db.rows("SELECT id FROM num.exact WHERE amount = 12345678901234567.89")
    assert rows == [(1,)]
    assert ("amount", "12345678901234567.89") in SEEN[-1]


@pytest.mark.parametrize("where, ids", [
    ("amount > 0.1", [1, 2, 3, 4]),
    ("amount >= 0.1000000000000000055511151231257827", [1, 2, 3, 4]),
    ("amount < 0.1000000000000000055511151231257828", [2]), ("amount > 100", [1]),
    ("amount < 100", [2, 3]), ("amount <= 1.5", [2, 3]),
    ("amount > 12345678901234567.88", [1]), ("amount < 12345678901234567.9", [1, 2, 3, 4]),
])
@pytest.mark.parametrize("service", ["exact", "binary"])
def test_number_ranges_never_drop_rows(db, numbers, service, where, ids):
    """A service comparing in binary floats must not drop rows that PostgreSQL keeps."""
    rows = db.rows("SELECT id FROM num.%s WHERE %s ORDER BY id" % (service, where))
    assert [row[0] for row in rows] == ids


@pytest.mark.parametrize("where, ids", [
    ("amount > 0.1", [1, 3, 4]),                   # float8 0.1000...055 is 0.1: not greater
    ("amount >= 0.1", [1, 2, 3, 4]), ("amount = 0.1", [2]), ("amount <= 1.5", [2, 3]),
    ("amount > 12345678901234567", []), ("amount >= 12345678901234567", [1]),
    ("amount = 12345678901234568", [1]),
])
def test_float_columns_compare_the_rounded_value(db, numbers, where, ids):
    rows = db.rows("SELECT id FROM num.as_float WHERE %s ORDER BY id" % where)
    assert [row[0] for row in rows] == ids


@pytest.mark.parametrize("kind, column, value, type_name", [
    ("int", "n", "1.5", "integer"), ("float8", "x", "1E+400", "double precision"),
    ("int2", "s", "40000", "smallint"), ("float4", "r", "1E+39", "real"),
])
def test_numbers_that_do_not_fit_are_errors(db, numbers, kind, column, value, type_name):
    with pytest.raises(psycopg.Error) as raised:
        db.rows("SELECT * FROM num.bad_%s" % kind)
    message = raised.value.diag.message_primary
    assert message.startswith('column "%s": value %s from ' % (column, value))
    assert message.endswith("is out of range for %s" % type_name) or "is not an integer" in message


# --- numbers: the whole kind, as a property -------------------------------------------------------

COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}
SQL_OPERATORS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def column_config(type_name, filters="eq,in,lt,le,gt,ge"):
    from restcorn_engine import ColumnDefinition

    from fdw.options import parse_table
    definition = ColumnDefinition("c", 0, -1, type_name, type_name, {"filters": filters})
    return parse_table({"url": "http://svc"}, {"c": definition}).columns["c"]


def host(multicorn2):
    """Within it, the wrappers see a host with Multicorn2's behaviour (or the engine's)."""
    from fdw import values
    return mock.patch.object(values, "multicorn2_behaviour", lambda: multicorn2)


def service_accepts(pair, row_value):
    """Whether a service comparing exactly, and one comparing binary floats, keeps the row."""
    sent_operator, text = pair
    test = COMPARE[sent_operator]
    return (test(row_value, Decimal(text)), test(float(row_value), float(text)))


decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-10 ** 20,
                       max_value=10 ** 20, places=None).filter(lambda d: abs(d.adjusted()) < 25)
near_decimals = st.builds(lambda d, digits: Decimal(d).scaleb(-digits),
                          st.integers(-10 ** 18, 10 ** 18), st.integers(0, 20))


@settings(max_examples=400, deadline=None)
@given(constant=st.one_of(decimals, near_decimals), row=st.one_of(decimals, near_decimals),
       sql=st.sampled_from(sorted(SQL_OPERATORS)),
       filters=st.sampled_from(["lt,le,gt,ge", "lt,gt", "le,ge"]),
       multicorn2=st.booleans())
def test_numeric_ranges_are_never_narrower(constant, row, sql, filters, multicorn2):
    from fdw import values
    operator_name = SQL_OPERATORS[sql]
    given_value = float(constant) if multicorn2 else constant  # Multicorn2's lossy numeric
    with host(multicorn2):
        pair = values.range_pair(column_config("numeric", filters), operator_name, given_value,
                                 frozenset(filters.split(",")))
    if pair is not None and COMPARE[operator_name](row, constant):
        assert service_accepts(pair, row) == (True, True)


@settings(max_examples=400, deadline=None)
@given(constant=st.one_of(decimals, near_decimals), row=st.integers(-2 ** 63, 2 ** 63 - 1),
       sql=st.sampled_from(sorted(SQL_OPERATORS)),
       filters=st.sampled_from(["lt,le,gt,ge", "lt,gt", "le,ge"]), multicorn2=st.booleans())
def test_integer_ranges_are_never_narrower(constant, row, sql, filters, multicorn2):
    from fdw import values
    operator_name = SQL_OPERATORS[sql]
    given_value = float(constant) if multicorn2 else constant
    with host(multicorn2):
        pair = values.range_pair(column_config("bigint", filters), operator_name, given_value,
                                 frozenset(filters.split(",")))
    if pair is not None and COMPARE[operator_name](row, constant):
        assert service_accepts(pair, Decimal(row)) == (True, True)


@settings(max_examples=400, deadline=None)
@given(constant=st.floats(allow_nan=False, allow_infinity=False),
       row=st.one_of(decimals, near_decimals),
       sql=st.sampled_from(sorted(SQL_OPERATORS)), digits=st.integers(1, 17),
       type_name=st.sampled_from(["double precision", "real"]), multicorn2=st.booleans())
def test_float_ranges_are_never_narrower(constant, row, sql, digits, type_name, multicorn2):
    """PostgreSQL compares the row's value rounded to the column's type; a service the decimal."""
    from fdw import values
    operator_name = SQL_OPERATORS[sql]
    if type_name == "real":
        try:
            stored = struct.unpack("f", struct.pack("f", float(row)))[0]
        except OverflowError:
            return  # PostgreSQL refuses the row (out of range for real)
    else:
        stored = float(row)
    # Multicorn2 gives float8 constants as text cut by extra_float_digits.
    given_value = format(constant, ".%dg" % digits) if multicorn2 else constant
    with host(multicorn2):
        pair = values.range_pair(column_config(type_name), operator_name, given_value,
                                 frozenset(["lt", "le", "gt", "ge"]))
    if pair is not None and COMPARE[operator_name](stored, constant) and math.isfinite(stored):
        assert service_accepts(pair, row) == (True, True)


@pytest.mark.parametrize("operator_name, value, expected", [
    ("lt", Decimal("41.5"), ("le", "41")), ("le", Decimal("41.5"), ("le", "41")),
    ("gt", Decimal("41.5"), ("ge", "42")), ("ge", Decimal("41.5"), ("ge", "42")),
    ("lt", 42, ("lt", "42")), ("gt", Decimal(2 ** 60), ("ge", str(2 ** 60 + 1))),
])
def test_integer_columns_compared_with_fractions(operator_name, value, expected):
    from fdw import values
    pair = values.range_pair(column_config("integer"), operator_name, value,
                             frozenset(["lt", "le", "gt", "ge"]))
    assert pair == expected


def test_numbers_are_sent_as_plain_decimals():
    from fdw import values
    assert values.equality_text(column_config("numeric"), Decimal("1E-7")) == "0.0000001"
    assert values.equality_text(column_config("numeric"), Decimal("12345678901234567.89")) \
        == "12345678901234567.89"
    assert values.equality_text(column_config("numeric"), 0.1) is None  # Multicorn2's lossy float
    assert values.equality_text(column_config("double precision"), 0.1) is None
    assert values.equality_text(column_config("integer"), Decimal("41.5")) is None
    assert values.equality_text(column_config("bigint"), "5000000000") == "5000000000"


# --- case 5: dates and times in requests ----------------------------------------------------------

TIMES = [{"id": 1, "ts": "2021-01-01T00:00:00", "at": "2021-01-01T00:00:00+00:00",
          "day": "2021-01-01"},
         {"id": 2, "ts": "2021-01-01T00:00:00.5", "at": "2021-01-01T00:00:00.5+00:00",
          "day": "2021-01-02"},
         {"id": 3, "ts": "2021-01-01T00:00:00.000001", "at": "2021-01-01T01:00:00+00:00",
          "day": "2021-01-03"}]
TIME_SEEN = []


class TimesHandler(StubHandler):
    """Compares ts as naive timestamps, at as instants, day as dates; refuses anything not ISO 8601.

    A repeated equality parameter is a list of values, any of which may match.
    """

    def do_GET(self):
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query)
        TIME_SEEN.append(query)
        tests = {"": operator.eq, "_gt": operator.gt, "_gte": operator.ge, "_lt": operator.lt,
                 "_lte": operator.le}
        readers = {"ts": datetime.fromisoformat, "at": datetime.fromisoformat,
                   "day": date.fromisoformat}
        records, status, equal = list(TIMES), 200, {}  # equal: field -> values, any may match
        for name, value in query:
            field, _, suffix = name.partition("_")
            if field in readers:
                try:
                    bound = readers[field](value)
                except ValueError:
                    status = 400
                    break
                if not suffix:
                    equal.setdefault(field, []).append(bound)
                    continue
                records = [r for r in records
                           if tests["_" + suffix](readers[field](r[field]), bound)]
        for field, allowed in equal.items():
            records = [r for r in records if readers[field](r[field]) in allowed]
        data = json.dumps({"records": records} if status == 200 else {"error": "bad time"}).encode()
        self.send_body(status, data)


@pytest.fixture(scope="module")
def times(cluster):
    with stub_schema(cluster, TimesHandler, "tim") as (conn, url):
        filters = "filters 'eq,in,lt,le,gt,ge'"
        conn.execute("CREATE FOREIGN TABLE tim.times (id int, ts timestamp OPTIONS (%s), "
                     "at timestamptz OPTIONS (%s), day date OPTIONS (%s)) SERVER tim_srv "
                     "OPTIONS (pagination 'none', fields_param '')" % (filters, filters, filters))
        conn.execute("CREATE TABLE tim.local_times AS SELECT * FROM tim.times")
        yield url


TIME_QUERIES = [
    "ts = '2021-01-01 00:00:00.5'", "ts > '2021-01-01 00:00:00'",
    "ts <= '2021-01-01 00:00:00.000001'",
    "at >= '2021-01-01 00:00:00.5+00'", "at < '2021-01-01 01:00:00+00'",
    "at = '2021-01-01 01:30:00+00:30'", "day >= '2021-01-02'",
    "day IN ('2021-01-01', '2021-01-03')",
    "ts = '2021-01-01 00:00:00'",
    # across types: the answer depends on the session's TimeZone, so nothing is sent
    "day = '2021-01-02'::timestamptz", "day < '2021-01-02 12:00'::timestamp",
    "ts = '2021-01-01 00:00:00.5+00'::timestamptz", "at >= '2021-01-01'::date",
    "ts >= '2021-01-01'::date",
]


@pytest.mark.parametrize("setting", [
    "DateStyle = 'ISO, MDY'", "DateStyle = 'German'", "DateStyle = 'SQL, DMY'",
    "DateStyle = 'Postgres, MDY'", "TimeZone = 'Asia/Kolkata'", "IntervalStyle = 'sql_standard'",
])
@pytest.mark.parametrize("where", TIME_QUERIES)
def test_time_quals_whatever_the_session_settings(db, times, setting, where):
    """Issue 9 case 5: under DateStyle German the value went out as 01.01.2021 ...: HTTP 400."""
    db.execute("SET " + setting)
    sql = "SELECT id FROM tim.%s WHERE " + where + " ORDER BY id"
    TIME_SEEN.clear()
    assert db.rows(sql % "times") == db.rows(sql % "local_times")
    for query in TIME_SEEN:
        for name, value in query:
            if name.partition("_")[0] in ("ts", "at", "day"):
                assert re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d{6})?([+-]\d\d:\d\d)?)?",
                                    value), value


def test_microseconds_reach_the_service(db, times):
    """Issue 9 case 5: ts = '...00:00:00.5' was sent as ...00:00:00 and returned the wrong row."""
    TIME_SEEN.clear()
    assert db.rows("SELECT id FROM tim.times WHERE ts = '2021-01-01 00:00:00.5'") == [(2,)]
    assert ("ts", "2021-01-01T00:00:00.500000") in TIME_SEEN[-1]


def test_lossy_timestamps_are_widened():
    """Under Multicorn2 a timestamp lost its microseconds: equality is not sent, ranges widen."""
    from fdw import values
    column = column_config("timestamp without time zone")
    moment = datetime(2021, 1, 1, 0, 0, 0)
    everything = frozenset(["eq", "lt", "le", "gt", "ge"])
    with host(True):
        assert values.equality_text(column, moment) is None
        assert values.range_pair(column, "gt", moment, everything) == ("ge", "2020-12-31T23:59:59")
        assert values.range_pair(column, "lt", moment, everything) == ("le", "2021-01-01T00:00:01")
        assert values.range_pair(column_config("timestamp with time zone"), "ge",
                                 "01.01.2021 00:00:00 UTC", everything) is None
        assert values.range_pair(column_config("timestamp with time zone"), "ge",
                                 "2021-01-01 00:00:00.5+00", everything) == \
            ("ge", "2021-01-01T00:00:00.500000+00:00")
    with host(False):
        assert values.equality_text(column, moment) == "2021-01-01T00:00:00"


# --- case 6: collations ---------------------------------------------------------------------------

def test_an_explicit_collation_is_not_taken_for_code_point_order(db, exact, log):
    """Issue 9 case 6: with default_collation 'C' this was pushed in code point order: 3 rows."""
    sql = "SELECT id, word FROM exact.%s WHERE word >= 'zy' COLLATE \"en-x-icu\" ORDER BY id"
    rows = db.rows(sql % "dictionary_c_default")
    assert rows == db.rows(sql % "local_words")
    assert len(rows) == 7
    assert all("word_gte" not in args for args in log.args("/words"))


def test_a_column_declared_collate_c_gets_its_ranges_pushed(db, exact, log):
    """Issue 9 case 6: a column declared COLLATE "C" never got its text ranges pushed."""
    sql = "SELECT id, word FROM exact.%s WHERE word >= 'zy' ORDER BY id"
    assert db.rows(sql % "dictionary") == db.rows(
        "SELECT id, word FROM exact.local_words WHERE word >= 'zy' COLLATE \"C\" ORDER BY id")
    sent = [args.get("word_gte") for args in log.args("/words")]
    assert sent and all(value == ["zy"] for value in sent)  # the planner's count and the scan


@pytest.mark.parametrize("table, pushed", [("dictionary", False), ("dictionary_c_default", True),
                                           ("dictionary_plain", False)])
def test_text_ranges_follow_the_qual_collation(db, exact, log, table, pushed):
    sql = "SELECT id FROM exact.%s WHERE word < 'Ab' COLLATE \"default\" ORDER BY id"
    local = db.rows("SELECT id FROM exact.local_words WHERE word < 'Ab' ORDER BY id")
    assert db.rows(sql % table) == local
    assert any("word_lt" in args for args in log.args("/words")) == pushed


@pytest.mark.parametrize("stand_in", [False, True])
def test_equality_under_a_nondeterministic_collation_is_not_pushed(db, exact, log, stand_in):
    """A case-insensitive collation makes 'HOUSE' equal 'house': an exact match on the service
    would drop it. Under the engine the qual names the collation; under Multicorn2 the
    column's collation option does."""
    if not db.value("SELECT count(*) FROM pg_collation WHERE collprovider = 'i'"):
        pytest.skip("this PostgreSQL is built without ICU")
    db.execute("DROP COLLATION IF EXISTS exact.ci")
    db.execute("CREATE COLLATION exact.ci (provider = icu, locale = 'und-u-ks-level2', "
               "deterministic = false)")
    db.execute("CREATE FOREIGN TABLE exact.dictionary_ci (id int, word varchar "
               "OPTIONS (collation 'ci') COLLATE exact.ci) SERVER exact_dict_srv")
    try:
        if stand_in:
            db.execute("SET restcorn.multicorn2_behaviour = on")
        for where in ("word = 'HOUSE'", "word IN ('HOUSE', 'BOAT')"):
            sql = "SELECT id FROM exact.%s WHERE " + where + " ORDER BY id"
            local = db.rows("SELECT id FROM exact.local_words WHERE "
                            + where.replace("word", "word COLLATE exact.ci", 1) + " ORDER BY id")
            assert local and db.rows(sql % "dictionary_ci") == local
        assert all("word" not in args for args in log.args("/words"))
    finally:
        db.execute("RESET restcorn.multicorn2_behaviour")
        db.execute("DROP FOREIGN TABLE exact.dictionary_ci")
        db.execute("DROP COLLATION exact.ci")


def test_sorts_follow_the_collation(db, exact, log):
    sql = "SELECT word FROM exact.%s ORDER BY word COLLATE \"en-x-icu\" DESC, id LIMIT 5"
    assert db.rows(sql % "dictionary_c_default") == db.rows(sql % "local_words")
    assert all("order" not in args for args in log.args("/words"))
    # default_collation 'C' declares the database default to be C: the sort is pushed.
    sql = "SELECT word FROM exact.%s ORDER BY word DESC, id LIMIT 5"
    assert db.rows(sql % "dictionary_c_default") == db.rows(
        sql.replace("word DESC", 'word COLLATE "C" DESC') % "local_words")
    assert any(args.get("order") == ["-word,id"] for args in log.args("/words"))


def test_a_declared_column_collation_serves_hosts_without_qual_collations():
    """Under Multicorn2 quals carry no collation: the column option collation says it."""
    from restcorn_engine import ColumnDefinition, Qual

    from fdw.options import parse_table
    from fdw.pushdown import filter_params
    definitions = {"word": ColumnDefinition("word", 0, -1, "character varying",
                                            "character varying",
                                            {"filters": "eq,lt,ge", "collation": "C"}),
                   "other": ColumnDefinition("other", 0, -1, "text", "text",
                                             {"filters": "eq,lt,ge"})}
    table = parse_table({"url": "http://svc"}, definitions)
    quals = [Qual("word", ">=", "zy"), Qual("other", ">=", "zy")]
    assert not hasattr(quals[0], "collation")
    assert filter_params(quals, table.columns) == [("word_gte", "zy")]
    icu = Qual("word", ">=", "zy")
    icu.collation = "en-x-icu"
    assert filter_params([icu], table.columns) == []
    icu_eq = Qual("word", "=", "zy")
    icu_eq.collation = "und-x-icu"
    assert filter_params([icu_eq], table.columns) == []


# --- case 7: the end of the data is never guessed; case 8: 204 No Content -------------------------

PAGED = [{"id": number} for number in range(1, 46)]
CAP = 7


class PagingHandler(StubHandler):
    """45 records behind services that page in ways that are easy to misread."""

    def do_GET(self):
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        path = parts.path
        headers, status = {}, 200
        asked = int(query.get("limit", query.get("per_page", query.get("_limit", "10"))))
        limit = asked if path == "/link-json-server" else min(asked, CAP)
        if path == "/offset-capped":
            start = int(query.get("offset", "0"))
            body = {"records": PAGED[start:start + limit], "total": len(PAGED)}
        elif path == "/page-capped":  # pages of at most CAP records, numbered on that size
            number = int(query["page"])
            body = {"records": PAGED[(number - 1) * limit:number * limit]}
        elif path == "/page-default":  # takes no page size: pages of 10
            number = int(query["page"])
            body = {"records": PAGED[(number - 1) * 10:number * 10]}
        elif path == "/has-more":  # Stripe-style: no cursor in the answer
            start = int(query.get("starting_after", "0"))
            body = {"data": PAGED[start:start + 10], "has_more": start + 10 < len(PAGED)}
        elif path == "/link-json-server":  # Link only when _page is in the request
            if "_page" in query:
                number = int(query["_page"])
                body = PAGED[(number - 1) * limit:number * limit]
                if number * limit < len(PAGED):
                    headers["Link"] = '<%s?_page=%d&_limit=%d>; rel="next"' % (
                        path, number + 1, limit)
            else:
                body = PAGED[:limit]
        elif path == "/page-cycle":  # pages 1, 2, 1, 2, ...
            number = int(query["page"])
            body = {"records": PAGED[0:10] if number % 2 else PAGED[10:20]}
        elif path == "/offset-cycle":  # offsets past 20 start again
            start = int(query.get("offset", "0")) % 20
            body = {"records": PAGED[start:start + min(int(query["limit"]), 10)],
                    "total": len(PAGED)}
        elif path == "/no-content":
            body, status = None, 204
        else:
            body, status = {"error": "no such path"}, 404
        data = b"" if body is None else json.dumps(body).encode()
        self.send_body(status, data, content_type=None, headers=headers)


PAGING_TABLES = {
    "offset_capped": "path '/offset-capped', page_size '100'",
    "page_capped": "path '/page-capped', pagination 'page', limit_param 'per_page', page_size '20'",
    "page_default": "path '/page-default', pagination 'page', limit_param ''",
    "has_more": "path '/has-more', pagination 'cursor', records_path 'data', "
                "cursor_param 'starting_after', cursor_path 'next_cursor', limit_param ''",
    "json_server_link": "path '/link-json-server', pagination 'link', records_path '', "
                        "limit_param '_limit', page_size '10'",
    "json_server_link_page": "path '/link-json-server', pagination 'link', records_path '', "
                             "limit_param '_limit', page_size '10', page_param '_page'",
    "json_server_page": "path '/link-json-server', pagination 'page', records_path '', "
                        "page_param '_page', limit_param '_limit', page_size '10'",
    "page_cycle": "path '/page-cycle', pagination 'page', limit_param ''",
    "offset_cycle": "path '/offset-cycle', page_size '10'",
    "no_content": "path '/no-content'",
    "no_content_page": "path '/no-content', pagination 'page'",
}


@pytest.fixture(scope="module")
def paging(cluster):
    with stub_schema(cluster, PagingHandler, "paging") as (conn, url):
        for name, options in PAGING_TABLES.items():
            conn.execute("CREATE FOREIGN TABLE paging.%s (id int) SERVER paging_srv "
                         "OPTIONS (%s, fields_param '')" % (name, options))
        yield url


def paging_error(db, sql):
    with pytest.raises(psycopg.Error) as raised:
        db.rows(sql)
    return raised.value.diag


@pytest.mark.parametrize("table", ["offset_capped", "page_capped",
                                   "page_default", "json_server_page"])
def test_a_short_page_does_not_end_the_scan(db, paging, table):
    """Issue 9 case 7: a service capping its page size (or with its own) stopped the scan early."""
    assert db.rows("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM paging.%s"
                   % table) == [(45, 45, 1, 45)]


def test_a_short_page_then_a_limit(db, paging):
    assert db.rows("SELECT id FROM paging.offset_capped OFFSET 5 LIMIT 10") == [
        (number,) for number in range(6, 16)]


def test_a_cursor_key_missing_is_an_error(db, paging):
    """Issue 9 case 7: a Stripe-style has_more list gave its first page as the whole result."""
    diag = paging_error(db, "SELECT id FROM paging.has_more")
    assert 'has records but nothing under "next_cursor"' in diag.message_primary
    assert "cursor_path" in diag.message_hint


def test_a_full_page_without_a_link_header_is_checked_by_page_number(db, paging):
    """Issue 9 case 7: json-server sends Link only with _page: 10 of 104,334 rows came back.

    A full page without a Link header asks for the next page by page_param:
    with json-server's _page every row comes back (Link takes over again);
    with a page parameter the service ignores, the same page comes back and
    the scan stops with an ERROR, never a short result.
    """
    assert [row[0] for row in db.rows("SELECT id FROM paging.json_server_link_page")] == \
        [record["id"] for record in PAGED]
    diag = paging_error(db, "SELECT id FROM paging.json_server_link")
    assert "its paging is in a loop" in diag.message_primary


@pytest.mark.parametrize("table, sql", [
    ("page_cycle", "SELECT id FROM paging.page_cycle LIMIT 40"),
    ("offset_cycle", "SELECT id FROM paging.offset_cycle WHERE id > 0"),
])
def test_any_repeated_page_is_an_error(db, paging, table, sql):
    """Issue 9 case 7: pages cycling 1, 2, 1, 2 gave 40 rows of which 20 were distinct."""
    diag = paging_error(db, sql)
    assert "returned the same records as page 1: its paging is in a loop" in diag.message_primary


@pytest.mark.parametrize("table", ["no_content", "no_content_page"])
def test_no_content_is_an_empty_result(db, paging, table):
    """Issue 9 case 8: 204 No Content was an ERROR; it is no rows."""
    assert db.rows("SELECT id FROM paging.%s" % table) == []
    assert db.rows("SELECT count(*) FROM paging.%s" % table) == [(0,)]


# --- case 9: LIKE as a regular expression or a glob -----------------------------------------------

NAMES = ["aa", "baab", "a{2}", "xa{2}y", "x$y", "ax$yb", "C++", "C++ primer", "C", "(paren)",
         "star*", "*", "Aa", "AA", "new\nline", "tab\tbed", "back\\slash", "dot.dot", "q?", "[x]",
         "p%q", "u_v", "😀x", "é", "É"]


class JsonServerHandler(StubHandler):
    """json-server's filters: name_like is a case-insensitive, unanchored regular expression
    (JavaScript's RegExp(value, 'i').test), name_glob a glob (fnmatch); a bad regex is HTTP 500."""

    def do_GET(self):
        parts = urlsplit(self.path)
        records, status = [{"id": n, "name": name} for n, name in enumerate(NAMES, 1)], 200
        try:
            for key, value in parse_qsl(parts.query):
                if key == "name_like":
                    records = [r for r in records if re.search(value, r["name"], re.IGNORECASE)]
                elif key == "name_glob":
                    records = [r for r in records if fnmatch.fnmatchcase(r["name"], value)]
        except re.error:
            records, status = {"error": "bad regular expression"}, 500
        self.send_body(status, json.dumps(records).encode(), content_type=None)


@pytest.fixture(scope="module")
def json_server(cluster):
    with stub_schema(cluster, JsonServerHandler, "jsrv") as (conn, url):
        for name, filters in (("regex", "like:regex,ilike:regex=name_like"),
                              ("glob", "like:glob")):
            conn.execute("CREATE FOREIGN TABLE jsrv.%s (id int, name text OPTIONS (filters '%s')) "
                         "SERVER jsrv_srv OPTIONS (path '/names', records_path '', "
                         "pagination 'none', fields_param '')" % (name, filters))
        conn.execute("CREATE TABLE jsrv.local AS SELECT * FROM jsrv.glob")
        yield url


@pytest.mark.parametrize("table", ["regex", "glob"])
@pytest.mark.parametrize("where", [
    "name LIKE '%a{2}%'", "name LIKE '%x$y%'", "name LIKE 'C++%'", "name LIKE '%(%'",
    "name LIKE '%*%'", "name LIKE 'a_'", "name LIKE '_x'", "name LIKE '%\\\\%'",
    "name LIKE 'p\\%q'", "name LIKE '%.%'", "name LIKE '%?'", "name LIKE '[x]'",
    "name LIKE 'new_line'", "name ILIKE 'aa'", "name ILIKE '%É%'", "name LIKE '%'",
])
def test_like_sent_as_a_regex_or_a_glob(db, json_server, table, where):
    """Issue 9 case 9: '%a{2}%' and '%x$y%' lost rows; 'C++%', '%(%', '%*%' were HTTP 500."""
    sql = "SELECT id FROM jsrv.{} WHERE " + where + " ORDER BY id"
    assert db.rows(sql.replace("{}", table)) == db.rows(sql.replace("{}", "local"))


like_text = st.text(alphabet=st.sampled_from(list("ab%_\\.*+?()[]{}^$|/-\n") + ["é", "É", "😀"]),
                    max_size=8)


def like_matches(pattern, value):
    """PostgreSQL's LIKE, as a model: % any run, _ one character, backslash escapes."""
    from fdw import like
    pieces = like.parse(pattern)
    regex = "".join(".*" if piece is like.ANY_RUN else "." if piece is like.ANY_CHAR
                    else re.escape(piece) for piece in pieces)
    return re.fullmatch(regex, value, re.DOTALL) is not None


@settings(max_examples=500, deadline=None)
@given(pattern=like_text, value=like_text)
def test_every_like_match_matches_the_regex_sent(pattern, value):
    from fdw import like
    pieces = like.parse(pattern)
    if pieces is None:
        return  # a pattern ending in a backslash is PostgreSQL's ERROR, never sent
    regex = like.regex_pattern(pieces)
    if regex is None:
        return  # nothing sent: every value passes
    compiled = re.compile(regex)
    # JavaScript reads a character outside the BMP as two code units: model it with surrogates.
    utf16 = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    if like_matches(pattern, value):
        assert compiled.search(value) and re.search(regex, value, re.IGNORECASE)
        assert re.search(regex, utf16) and glob_matches(pieces, value)


def glob_matches(pieces, value):
    from fdw import like
    return fnmatch.fnmatchcase(value, like.glob_pattern(pieces))


@settings(max_examples=500, deadline=None)
@given(pattern=like_text, value=like_text)
def test_the_glob_sent_is_the_like_itself(pattern, value):
    from fdw import like
    pieces = like.parse(pattern)
    if pieces is None or like.glob_pattern(pieces) is None:
        return
    assert glob_matches(pieces, value) == like_matches(pattern, value)



# --- under the engine's Multicorn2 stand-in -------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "SELECT row_to_json(r)::text FROM exact.%s r WHERE id < 4 ORDER BY id",
    "SELECT r::text FROM exact.%s r WHERE stars > 1000 ORDER BY id",
    "SELECT count(*) FROM exact.%s WHERE language = 'Go'",
    "SELECT id, language FROM exact.%s ORDER BY language DESC, id LIMIT 5",
])
def test_the_same_rows_under_multicorn2_behaviour(db, exact, sql):
    """Multicorn2 leaves whole-row references out of columns and offers LIMIT past filters."""
    db.rows("SELECT id FROM exact.repos WHERE id = 1")  # loads the engine and its settings
    if db.value("SELECT current_setting('restcorn.multicorn2_behaviour', true)") is None:
        pytest.skip("the engine has no Multicorn2 stand-in")
    local = db.rows(sql % "local_repos")
    db.execute("SET restcorn.multicorn2_behaviour = on")
    try:
        assert db.rows(sql % "repos") == local
    finally:
        db.execute("RESET restcorn.multicorn2_behaviour")


# --- quals only on types compared as sent; ILIKE only under C / POSIX; json text ------------------

TYPED_ROWS = [
    {"id": 1, "ci": "Alice", "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ch": "ab",
     "nm": "n" * 70, "js": {"a": "é"}},
    {"id": 2, "ci": "alice", "u": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "ch": "ab ",
     "nm": "x", "js": {"b": ["ü", 1]}},
    {"id": 3, "ci": "ALICE", "u": "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "ch": "ab  ",
     "nm": "n" * 70 + "z", "js": "日本"},
    {"id": 4, "ci": "bob", "u": "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ch": "abc",
     "nm": "y", "js": None},
]
FOLD_ROWS = [{"id": number, "c": text} for number, text in
             enumerate(["istanbul", "Ispanak", "İstanbul", "ıx", "Straße", "STRASSE"], 1)]
ALL_FILTERS = "filters 'eq,in,lt,le,gt,ge,like,ilike'"


@pytest.fixture(scope="module")
def typed(cluster, service):
    """Schema ``typed``: citext, uuid, char(80), name and json columns over /tables, and ILIKE."""
    for name, columns, rows in (
            ("typed", {"id": "integer", "ci": "text", "u": "text", "ch": "text", "nm": "text",
                       "js": "json"}, TYPED_ROWS),
            ("fold", {"id": "integer", "c": "text"}, FOLD_ROWS)):
        answer = requests.put("%s/tables/%s" % (service.url, name),
                              data=json.dumps({"columns": columns, "records": rows}).encode())
        assert answer.status_code == 201, answer.text
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS citext")
        conn.execute("DROP SCHEMA IF EXISTS typed CASCADE")
        conn.execute("DROP SERVER IF EXISTS typed_srv CASCADE")
        conn.execute("CREATE SCHEMA typed")
        conn.execute("CREATE SERVER typed_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % service.url)
        conn.execute(
            "CREATE FOREIGN TABLE typed.t (id int, ci citext OPTIONS (%(f)s), u uuid OPTIONS (%(f)s), "
            "ch char(80) OPTIONS (%(f)s), nm name OPTIONS (%(f)s), js json) SERVER typed_srv "
            "OPTIONS (path '/tables/typed/suffix/offset', fields_param '')" % {"f": ALL_FILTERS})
        conn.execute("CREATE TABLE typed.local_t AS SELECT * FROM typed.t")
        fold_columns = (
            "id int, c_c text OPTIONS (field 'c', %(f)s) COLLATE \"C\", "
            "c_posix text OPTIONS (field 'c', %(f)s, collation 'POSIX') COLLATE \"POSIX\", "
            "c_utf8 text OPTIONS (field 'c', %(f)s) COLLATE \"C.utf8\", "
            "c_default text OPTIONS (field 'c', %(f)s)" % {"f": ALL_FILTERS})
        conn.execute("CREATE FOREIGN TABLE typed.fold (%s) SERVER typed_srv OPTIONS "
                     "(path '/tables/fold/suffix/offset', fields_param '')" % fold_columns)
        conn.execute("CREATE TABLE typed.local_fold AS SELECT * FROM typed.fold")
    yield service
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA typed CASCADE")
        conn.execute("DROP SERVER typed_srv CASCADE")


def filters_sent(log, path):
    """The filter parameters the requests to ``path`` (a count, then the pages) all carried."""
    sent = [{name: values for name, values in args.items() if name not in ("limit", "offset")}
            for args in log.args(path)]
    assert sent and all(args == sent[0] for args in sent), sent
    return sent[0]


@pytest.mark.parametrize("where", [
    "ci = 'alice'", "ci IN ('ALICE', 'bob')", "ci LIKE 'al%'", "ci >= 'ALICE'",
    "u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "u IN ('{b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}')",
    "ch = 'ab'", "ch <= 'ab'", "ch IN ('ab', 'abc ')", "ch LIKE 'ab %'",
    "nm = '%s'" % ("n" * 70), "nm >= '%s'" % ("n" * 64),
])
def test_types_not_compared_as_sent_push_no_filter(db, typed, log, where):
    """Review finding 1: citext, uuid, char(n) and name quals were sent as string tests.

    ``ci = 'alice'`` missed Alice, ``u = ...`` the upper-case and braced
    spellings, ``ch = 'ab'`` the blank-padded rows and ``nm`` a constant cut
    to 63 bytes. PostgreSQL evaluates them now: the same rows as a local table.
    """
    sql = "SELECT id FROM typed.{t} WHERE " + where + " ORDER BY id"
    expected = db.rows(sql.replace("{t}", "local_t"))
    assert expected
    assert db.rows(sql.replace("{t}", "t")) == expected
    assert filters_sent(log, "/tables/typed/suffix/offset") == {}


def test_types_not_compared_as_sent_under_multicorn2_behaviour(db, typed):
    db.rows("SELECT id FROM typed.t WHERE id = 1")  # loads the engine and its settings
    if db.value("SELECT current_setting('restcorn.multicorn2_behaviour', true)") is None:
        pytest.skip("the engine has no Multicorn2 stand-in")
    sql = ("SELECT id FROM typed.%s WHERE ci = 'alice' OR u = 'a0eebc99-9c0b-4ef8-bb6d-"
           "6bb9bd380a11' OR ch = 'ab' ORDER BY id")
    local = db.rows(sql % "local_t")
    db.execute("SET restcorn.multicorn2_behaviour = on")
    try:
        assert db.rows(sql % "t") == local == [(1,), (2,), (3,)]
    finally:
        db.execute("RESET restcorn.multicorn2_behaviour")


NOT_SENT_TYPES = ["citext", "uuid", "character", "bpchar", "name", "bytea", "inet", "cidr",
                  "macaddr", "json", "jsonb", "text[]", "integer[]", "money", "interval",
                  "time without time zone", "time with time zone", "xml", "tsvector", "mood",
                  "my_text_domain"]
SENT_OPERATORS = ["=", "<", "<=", ">", ">=", "~~", "~~*"]


@settings(max_examples=300, deadline=None)
@given(type_name=st.sampled_from(NOT_SENT_TYPES), operator_name=st.sampled_from(SENT_OPERATORS),
       text=st.text(max_size=8), as_list=st.booleans(), multicorn2=st.booleans())
def test_quals_on_types_not_compared_as_sent_are_never_pushed(type_name, operator_name, text,
                                                              as_list, multicorn2):
    """The whole kind: no operator on any type outside values.COMPARED_AS_SENT becomes a filter."""
    from restcorn_engine import Qual

    from fdw.pushdown import filter_params
    column = column_config(type_name, "eq,in,lt,le,gt,ge,like,ilike")
    qual = Qual("c", ("=", True), [text, text + "x"]) if as_list else Qual("c", operator_name, text)
    qual.collation = "C"
    with host(multicorn2):
        assert filter_params([qual], {"c": column}, "C") == []


@pytest.mark.parametrize("type_name", ["text", "character varying", "varchar"])
def test_text_and_varchar_quals_are_still_pushed(type_name):
    from restcorn_engine import Qual

    from fdw.pushdown import filter_params
    qual = Qual("c", "=", "ab")
    qual.collation = "default"
    assert filter_params([qual], {"c": column_config(type_name)}) == [("c", "ab")]


@pytest.mark.parametrize("column, pushed", [("c_c", True), ("c_posix", True), ("c_utf8", False),
                                            ("c_default", False)])
@pytest.mark.parametrize("pattern", ["i%", "I%", "_stanbul", "%SS%", "%ß%", "ı%"])
def test_ilike_is_pushed_only_under_ascii_folding_collations(db, typed, log, column, pushed,
                                                             pattern):
    """Review finding 2: under C.utf8 ``c ILIKE 'i%'`` missed İstanbul (lower('İ') is 'i' there).

    Only under C and POSIX does lower() fold just the ASCII letters, which the
    service's folding (one character to at most one other) covers; under the
    database default (default_collation not said) or any other collation
    PostgreSQL evaluates the ILIKE.
    """
    sql = "SELECT id FROM typed.{t} WHERE " + column + " ILIKE '" + pattern + "' ORDER BY id"
    assert db.rows(sql.replace("{t}", "fold")) == db.rows(sql.replace("{t}", "local_fold"))
    sent = filters_sent(log, "/tables/fold/suffix/offset")
    assert sent == ({"c_ilike": [pattern]} if pushed else {})


def test_ilike_under_c_utf8_finds_the_dotted_capital_i(db, typed):
    assert db.rows("SELECT c_utf8 FROM typed.fold WHERE c_utf8 ILIKE 'i%' ORDER BY id") == [
        ("istanbul",), ("Ispanak",), ("İstanbul",)]


def test_ilike_in_a_c_utf8_database_finds_the_dotted_capital_i(cluster, typed):
    """Review finding 2 as found: a database with LOCALE 'C.utf8', no COLLATE, no options.

    ``c ILIKE 'i%'`` gave {istanbul, Ispanak}: the service's folding keeps İ,
    PostgreSQL's lower() there makes it i. The qual's collation is the
    database default, which no option declares C: PostgreSQL evaluates it.
    """
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS exact_c_utf8")
        conn.execute("CREATE DATABASE exact_c_utf8 LOCALE 'C.utf8' TEMPLATE template0")
    try:
        with psycopg.connect(cluster.dsn("exact_c_utf8"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION restcorn")
            conn.execute("CREATE SERVER s FOREIGN DATA WRAPPER restcorn "
                         "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % typed.url)
            conn.execute("CREATE FOREIGN TABLE fold (id int, c text OPTIONS "
                         "(filters 'eq,in,like,ilike')) SERVER s "
                         "OPTIONS (path '/tables/fold/suffix/offset', fields_param '')")
            conn.execute("CREATE TABLE local_fold AS SELECT * FROM fold")
            sql = "SELECT c FROM %s WHERE c ILIKE 'i%%' ORDER BY id"
            expected = [("istanbul",), ("Ispanak",), ("İstanbul",)]
            assert conn.execute(sql % "local_fold").fetchall() == expected
            assert conn.execute(sql % "fold").fetchall() == expected
    finally:
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            conn.execute("DROP DATABASE exact_c_utf8 WITH (FORCE)")


@pytest.mark.parametrize("column", ["c_c", "c_utf8", "c_default"])
def test_ilike_under_multicorn2_behaviour(db, typed, log, column):
    """Without qual collations only the column's collation option can say C: c_posix's does."""
    db.rows("SELECT id FROM typed.fold WHERE id = 1")  # loads the engine and its settings
    if db.value("SELECT current_setting('restcorn.multicorn2_behaviour', true)") is None:
        pytest.skip("the engine has no Multicorn2 stand-in")
    sql = "SELECT id FROM typed.%s WHERE " + column + " ILIKE 'i%%' ORDER BY id"
    local = db.rows(sql % "local_fold")
    log.clear()
    db.execute("SET restcorn.multicorn2_behaviour = on")
    try:
        assert db.rows(sql % "fold") == local
    finally:
        db.execute("RESET restcorn.multicorn2_behaviour")
    assert filters_sent(log, "/tables/fold/suffix/offset") == {}


@pytest.mark.parametrize("collation, option, default_collation, pushed", [
    ("C", "", "", True), ("POSIX", "", "", True), ("c", "", "", True),
    ("C.utf8", "", "", False), ("en-x-icu", "", "C", False), ("und-x-icu", "", "", False),
    ("pg_c_utf8", "", "", False), ("ucs_basic", "", "", False), ("en_US.utf8", "", "", False),
    ("default", "", "", False), ("default", "", "C", True), ("default", "", "C.utf8", False),
    (None, "C", "", True), (None, "POSIX", "", True),
    (None, "", "C", False), (None, "C.utf8", "", False), (None, "default", "C", True),
    (None, "default", "", False),
])
def test_ilike_collation_rule(collation, option, default_collation, pushed):
    """A qual's collation (None here: a host giving none, as Multicorn2) decides an ILIKE."""
    from restcorn_engine import ColumnDefinition, Qual

    from fdw.options import parse_table
    from fdw.pushdown import filter_params
    options = {"filters": "ilike"} if not option else {"filters": "ilike", "collation": option}
    definition = ColumnDefinition("c", 0, -1, "text", "text", options)
    table = parse_table({"url": "http://svc", "default_collation": default_collation},
                        {"c": definition})
    qual = Qual("c", "~~*", "i%")
    if collation is not None:
        qual.collation = collation
    sent = filter_params([qual], table.columns, table.default_collation)
    assert sent == ([("c_ilike", "i%")] if pushed else [])


def test_json_text_keeps_non_ascii_characters(db, typed):
    """Review finding 3: ``{"a":"é"}`` came back as ``{"a": "\\u00e9"}``; LIKE '%é%' found none."""
    assert db.rows("SELECT id FROM typed.t WHERE js::text LIKE '%é%'") == [(1,)]
    assert db.rows("SELECT js::text FROM typed.t ORDER BY id") == [
        ('{"a":"é"}',), ('{"b":["ü",1]}',), ('"日本"',), (None,)]
    assert db.rows("SELECT id, js::text FROM typed.t ORDER BY id") == \
        db.rows("SELECT id, js::text FROM typed.local_t ORDER BY id")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(value=JSON_VALUES)
def test_json_text_is_the_value_in_utf8(value):
    """The whole kind: the text reads back as the value, has a UTF-8 form and escapes no letter."""
    from fdw.types import to_json_text
    if value is None:
        return
    text = to_json_text(value)
    text.encode("utf-8")  # no lone surrogate left unescaped
    assert json.loads(text, parse_float=Decimal) == value
    if not re.search(r"[\ud800-\udfff]", json.dumps(value, ensure_ascii=False, default=str)):
        # Only control characters are escaped (\\ is an escaped backslash, not an escape).
        assert "\\u" not in re.sub(r"\\u00[01][0-9a-f]", "", text.replace("\\\\", ""))
