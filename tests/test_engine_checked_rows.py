"""The engine's check of rows as it converts them (restcorn_engine.CheckedRows).

RestFDW lets the engine check the values of the columns whose check is a
value's type (and an integer's range), instead of passing over each page
itself; at the first value that does not fit, the engine calls the wrapper
back, which checks the page and raises the ERROR it always did. So a query
must give the same rows, or the same ERROR, as the wrapper checking every
page itself (SelfCheckingRestFDW, as under Multicorn2), but one: the wrapper
checks a whole page before PostgreSQL converts any of its rows, the engine
row by row, so a value PostgreSQL refuses (a NUL, a varchar too long) in a
row before the first misfit gives its own ERROR first, and a query that stops
before the misfit (a LIMIT, an EXISTS, a cursor fetched part way) gets its
rows, as from a local table. A stub service sends
generated pages, good and bad, to both.
"""
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fdw.types import json_text
from stub_http import StubHandler, serve

COLUMNS = "i2 smallint, i4 integer, i8 bigint, t text, v varchar(6), n numeric, f float8, b boolean"
NAMES = [column.split()[0] for column in COLUMNS.split(", ")]
PAGE_SIZE = 3


class Pages(StubHandler):
    """GET /items?limit=&offset=: the server's ``records`` (JSON texts), a page at a time."""

    def do_GET(self):
        query = parse_qs(urlsplit(self.path).query)
        records = self.server.records
        start = int(query.get("offset", ["0"])[0])
        count = int(query.get("limit", [str(len(records))])[0])
        page = records[start:start + count]
        body = '{"total":%d,"records":[%s]}' % (len(records), ",".join(page))
        self.send_body(200, body.encode("utf-8"))


SERVED = []  # the JSON texts of the records the stub serves (serve_records)


@pytest.fixture(scope="module")
def stub():
    with serve(Pages, records=SERVED) as url:
        yield url


@pytest.fixture(scope="module")
def tables(cluster, stub):
    """Foreign tables over the stub, in pairs: RestFDW (the engine checks) and
    SelfCheckingRestFDW (the wrapper checks), with the same options."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        for name, wrapper in (("engine", "fdw.RestFDW"),
                              ("wrapper", "engine_test_wrappers.SelfCheckingRestFDW")):
            conn.execute("DROP SERVER IF EXISTS checked_%s CASCADE" % name)
            conn.execute("CREATE SERVER checked_%s FOREIGN DATA WRAPPER restcorn OPTIONS "
                         "(wrapper '%s', url '%s')" % (name, wrapper, stub))
            for table, options in (("", ""), ("_nulls", ", missing_fields 'null'")):
                conn.execute("CREATE FOREIGN TABLE checked_%s%s (%s, w text OPTIONS "
                             "(null_order 'none')) SERVER checked_%s OPTIONS (path '/items', "
                             "records_path 'records', page_size '%d'%s)"
                             % (name, table, COLUMNS, name, PAGE_SIZE, options))
    yield
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        for name in ("engine", "wrapper"):
            conn.execute("DROP SERVER checked_%s CASCADE" % name)


def outcome(conn, sql):
    """The rows of ``sql``, or its ERROR as (SQLSTATE, message, detail, hint)."""
    try:
        return conn.execute(sql).fetchall()
    except psycopg.Error as error:
        diag = error.diag
        return (diag.sqlstate, diag.message_primary, diag.message_detail, diag.message_hint)


MISSING = object()  # a record without the key
VALUES = st.one_of(
    st.none(), st.booleans(),
    st.integers(-2 ** 70, 2 ** 70), st.sampled_from([2 ** 15, -2 ** 15 - 1, 2 ** 31, -2 ** 31 - 1,
                                                      2 ** 63, -2 ** 63 - 1, 2 ** 15 - 1, -2 ** 63]),
    st.integers(-40000, 40000),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.text(max_size=8), st.sampled_from(["7", "1.5", "true", "é"]),
    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.sampled_from("ab"), st.integers(0, 3)),
    st.just(MISSING))
GOOD = {"i2": st.integers(-2 ** 15, 2 ** 15 - 1), "i4": st.integers(-2 ** 31, 2 ** 31 - 1),
        "i8": st.integers(-2 ** 63, 2 ** 63 - 1), "t": st.text(max_size=8) | st.integers(),
        "v": st.text(max_size=6), "n": st.decimals(allow_nan=False, allow_infinity=False, places=3),
        "f": st.integers(-10, 10), "b": st.booleans(), "w": st.text(max_size=4)}


@st.composite
def records(draw):
    """Mostly good records, each value sometimes replaced by any value; now and then a record
    that is no object."""
    found = []
    for _ in range(draw(st.integers(0, 3 * PAGE_SIZE + 1))):
        if draw(st.integers(0, 30)) == 0:
            found.append(draw(st.sampled_from(["[1]", "7", "null", '"x"'])))
            continue
        record = {}
        for name in NAMES + ["w"]:
            value = draw(VALUES) if draw(st.integers(0, 12)) == 0 else draw(GOOD[name])
            if value is not MISSING:
                record[name] = value
        found.append(json_text(record, compact=True))
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(records(), st.sampled_from(["", "_nulls"]), st.sampled_from([
    "SELECT * FROM {table}", "SELECT i4, t FROM {table}", "SELECT count(*) FROM {table} WHERE b",
    "SELECT i8 FROM {table} LIMIT 4", "SELECT v, f FROM {table}"]))
def test_the_engine_checks_rows_as_the_wrapper_does(db, stub, tables, records, table, sql):
    serve_records(records)
    engine = outcome(db.conn, sql.format(table="checked_engine" + table))
    wrapper = outcome(db.conn, sql.format(table="checked_wrapper" + table))
    if engine != wrapper:
        # The wrapper checks a page before PostgreSQL reads any of its rows; the engine, row
        # by row: a row it cannot convert (a NUL, a varchar too long) may come first, and a
        # LIMIT may end the scan before the misfit, as it would with a local table.
        assert isinstance(wrapper, tuple) and wrapper[0] == "HV000", (engine, wrapper)
        assert (isinstance(engine, tuple) and engine[0].startswith("22")) or \
            (isinstance(engine, list) and "LIMIT" in sql), (engine, wrapper)


def serve_records(texts):
    """Make the stub serve ``texts`` (JSON texts of records)."""
    SERVED[:] = texts


def test_a_misfit_on_a_later_page_is_the_error_of_that_page(db, stub, tables):
    good = [json_text({"i2": 1, "i4": n, "i8": 3, "t": "x", "v": "y", "n": Decimal("1.5"),
                       "f": 2, "b": True, "w": "z"}, compact=True) for n in range(7)]
    bad = json.loads(good[5])
    bad["i4"] = "5"
    serve_records(good[:5] + [json.dumps(bad)] + good[6:])
    found = outcome(db.conn, "SELECT i4 FROM checked_engine")
    assert found == outcome(db.conn, "SELECT i4 FROM checked_wrapper")
    assert found[1] == 'column "i4": value "5" from %s/items?fields=i4&limit=3&offset=3 is not ' \
        "an integer" % stub


@pytest.mark.parametrize("case, message", [
    ("unknown column", 'the wrapper\'s CheckedRows has a check of "zzz", which is no column'),
    ("not a tuple", "the wrapper's CheckedRows has a check of column \"a\" that is not a 3-tuple"),
    ("not a type", "the wrapper's CheckedRows has more than 16 types, or a type that is no type"),
    ("bad bits", "the wrapper's CheckedRows has bits for column \"a\" that are not from 2 to 64"),
    ("not a dict", "the wrapper's CheckedRows has checks that are not a dict"),
    ("silent misfit", 'a row of "bad_checks" does not fit the checks its wrapper asked for'),
])
def test_checks_the_engine_cannot_apply_are_errors(db, case, message):
    db.execute("DROP SERVER IF EXISTS bad_checks CASCADE")
    db.execute("CREATE SERVER bad_checks FOREIGN DATA WRAPPER restcorn "
               "OPTIONS (wrapper 'engine_test_wrappers.BadChecksFDW')")
    db.execute("CREATE FOREIGN TABLE bad_checks (a int) SERVER bad_checks OPTIONS (case '%s')"
               % case)
    try:
        with pytest.raises(psycopg.Error) as raised:
            db.rows("SELECT a FROM bad_checks")
        assert raised.value.diag.message_primary.startswith(message)
    finally:
        db.execute("DROP SERVER bad_checks CASCADE")


@pytest.mark.parametrize("stand_in, returned", [(False, "CheckedRows"), (True, "map")])
def test_rest_fdw_has_the_engine_check_its_rows_but_under_the_stand_in(db, stub, stand_in,
                                                                         returned):
    serve_records(['{"i4":1}'])
    db.execute("DROP SERVER IF EXISTS reports_checked CASCADE")
    db.execute("CREATE SERVER reports_checked FOREIGN DATA WRAPPER restcorn OPTIONS "
               "(wrapper 'engine_test_wrappers.ReportsCheckedRowsFDW', url '%s')" % stub)
    db.execute("CREATE FOREIGN TABLE reports_checked (i4 int) SERVER reports_checked "
               "OPTIONS (path '/items', records_path 'records')")
    try:
        if stand_in:
            db.execute("SET restcorn.multicorn2_behaviour = on")
        assert db.rows("SELECT i4 FROM reports_checked") == [(1,)]
        assert db.take_notices("execute returned") == ["execute returned %r" % returned]
    finally:
        db.execute("RESET restcorn.multicorn2_behaviour")
        db.execute("DROP SERVER reports_checked CASCADE")


@pytest.mark.parametrize("stand_in", [False, True])
def test_a_column_named_with_a_dot_reads_the_path(db, stub, stand_in):
    """A column "a.b" without a field option reads the path a -> b, as its check does; the
    records are never handed to PostgreSQL as they are (it would read a key "a.b": NULL)."""
    serve_records(['{"a":{"b":5},"i":1}', '{"a":{"b":6},"a.b":7,"i":2}'])
    db.execute("DROP SERVER IF EXISTS dotted CASCADE")
    db.execute("CREATE SERVER dotted FOREIGN DATA WRAPPER restcorn OPTIONS "
               "(wrapper 'fdw.RestFDW', url '%s')" % stub)
    db.execute('CREATE FOREIGN TABLE dotted ("a.b" int, i int) SERVER dotted '
               "OPTIONS (path '/items', records_path 'records')")
    try:
        if stand_in:
            db.execute("SET restcorn.multicorn2_behaviour = on")
        assert db.rows('SELECT "a.b", i FROM dotted') == [(5, 1), (6, 2)]
        assert db.rows('SELECT "a.b" FROM dotted') == [(5,), (6,)]
    finally:
        db.execute("RESET restcorn.multicorn2_behaviour")
        db.execute("DROP SERVER dotted CASCADE")


@pytest.mark.parametrize("bad", ["null", '"x"', "[1,2]", "5", "true"])
@pytest.mark.parametrize("sql", ["SELECT count(*) FROM {t}",
                                 "SELECT count(*) FROM {t}, (VALUES (1), (2)) v",
                                 "SELECT q FROM {t}_q WHERE q = 'z'"])
def test_records_that_are_not_objects_are_an_error_when_no_value_is_read(db, stub, bad, sql):
    """A query that reads no value of the records (count(*); only a query_param column) still
    gets the ERROR for a record that is not an object, under both hosts: a null record ended
    the scan silently, others were counted, or failed in Python."""
    serve_records(['{"id":1}', bad, '{"id":3}', '{"id":4}'])
    db.execute("DROP SERVER IF EXISTS not_objects CASCADE")
    db.execute("CREATE SERVER not_objects FOREIGN DATA WRAPPER restcorn OPTIONS "
               "(wrapper 'fdw.RestFDW', url '%s')" % stub)
    db.execute("CREATE FOREIGN TABLE not_objects (id int) SERVER not_objects "
               "OPTIONS (path '/items', records_path 'records', pagination 'none')")
    db.execute("CREATE FOREIGN TABLE not_objects_q (id int, q text OPTIONS (query_param 'q')) "
               "SERVER not_objects OPTIONS (path '/items', records_path 'records', "
               "pagination 'none')")
    try:
        for stand_in in (False, True):
            db.execute("SET restcorn.multicorn2_behaviour = %s" % ("on" if stand_in else "off"))
            with pytest.raises(psycopg.Error) as raised:
                db.rows(sql.format(t="not_objects"))
            assert raised.value.diag.message_primary.startswith(
                "record 2 from %s/items" % stub), (stand_in, raised.value.diag.message_primary)
            assert raised.value.diag.message_primary.endswith("not a JSON object")
    finally:
        db.execute("RESET restcorn.multicorn2_behaviour")
        db.execute("DROP SERVER not_objects CASCADE")


NUMBER_TEXT = st.from_regex(r"\A-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?\Z")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(NUMBER_TEXT, NUMBER_TEXT, st.booleans())
def test_a_json_number_reads_as_jsonb_gives_it(db, stub, numbers_table, first, second,
                                               stand_in):
    """A JSON number in a text column reads as jsonb's ->> gives it (PostgreSQL's numeric text:
    0.0000001, not 1E-7; 1000 for 1e3), but a negative zero keeps its sign (as json's ->>
    does; a float column reads it as -0); in a json column as jsonb holds it, in a numeric
    one as its exact value; under both hosts."""
    record = '{"t":%s,"js":{"x":%s,"y":[%s]},"n":%s}' % (first, second, first, first)
    serve_records([record])
    db.execute("SET restcorn.multicorn2_behaviour = %s" % ("on" if stand_in else "off"))
    try:
        found = db.rows("SELECT t, js::jsonb, n FROM numbers_as_text")
    finally:
        db.execute("RESET restcorn.multicorn2_behaviour")
    expected = db.rows("SELECT r->>'t', r->'js', (r->>'n')::numeric FROM (SELECT %s::jsonb) "
                       "AS local(r)", (record,))
    number = Decimal(first)
    if number.is_zero() and number.is_signed() and any(c in first for c in ".eE"):
        # a negative zero with a fraction or exponent (a JSON integer -0 is Python's 0)
        expected = [("-" + expected[0][0],) + expected[0][1:]]
    assert found == expected


@pytest.fixture(scope="module")
def numbers_table(cluster, stub):
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SERVER IF EXISTS numbers_as_text CASCADE")
        conn.execute("CREATE SERVER numbers_as_text FOREIGN DATA WRAPPER restcorn OPTIONS "
                     "(wrapper 'fdw.RestFDW', url '%s')" % stub)
        conn.execute("CREATE FOREIGN TABLE numbers_as_text (t text, js json, n numeric) "
                     "SERVER numbers_as_text OPTIONS (path '/items', records_path 'records', "
                     "pagination 'none')")
    yield
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SERVER numbers_as_text CASCADE")


class Raw(StubHandler):
    """GET: the server's ``raw`` bytes, as they are."""

    def do_GET(self):
        self.send_body(200, self.server.raw)


@pytest.mark.parametrize("raw, message", [
    ('{"items":[{"id":1,"n":"é"}]}'.encode("utf-16"), "with a body that is not valid UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "with a body that is not valid UTF-8"),
    (b'{"items": [1, \x00]}', "with a body that is not JSON"),
])
def test_a_body_holding_a_nul_gets_its_own_error(db, raw, message):
    """The DETAIL quotes the body: a NUL in it, which PostgreSQL's messages cannot hold, is
    written \\x00 (it replaced the ERROR with 'invalid byte sequence for encoding')."""
    with serve(Raw, raw=raw) as url:
        db.execute("DROP SERVER IF EXISTS raw_body CASCADE")
        db.execute("CREATE SERVER raw_body FOREIGN DATA WRAPPER restcorn OPTIONS "
                   "(wrapper 'fdw.RestFDW', url '%s')" % url)
        db.execute("CREATE FOREIGN TABLE raw_body (id int) SERVER raw_body OPTIONS "
                   "(records_path 'items', pagination 'none', use_remote_estimate 'false')")
        try:
            with pytest.raises(psycopg.Error) as raised:
                db.rows("SELECT * FROM raw_body")
            assert message in raised.value.diag.message_primary
            assert "\\x00" in raised.value.diag.message_detail
        finally:
            db.execute("DROP SERVER raw_body CASCADE")


def test_checked_columns_are_found_by_name_in_any_database_encoding(cluster, stub):
    """A column named "é" in a LATIN1 database: the checks' keys are matched as Python strings
    (a byte comparison of the UTF-8 key with the LATIN1 name found no column)."""
    serve_records(['{"\\u00e9":1}', '{"\\u00e9":2}'])
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS latin1_checks")
        conn.execute("CREATE DATABASE latin1_checks ENCODING 'LATIN1' TEMPLATE template0 "
                     "LC_COLLATE 'C' LC_CTYPE 'C'")
    try:
        dsn = cluster.dsn("latin1_checks")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION restcorn")
            conn.execute("CREATE SERVER s FOREIGN DATA WRAPPER restcorn OPTIONS "
                         "(wrapper 'fdw.RestFDW', url '%s')" % stub)
            conn.execute('CREATE FOREIGN TABLE t ("é" int) SERVER s OPTIONS '
                         "(path '/items', records_path 'records', pagination 'none')")
            assert conn.execute('SELECT "é" FROM t').fetchall() == [(1,), (2,)]
    finally:
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            conn.execute("DROP DATABASE latin1_checks")
