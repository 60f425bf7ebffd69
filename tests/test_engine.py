"""The engine against the Multicorn2 contract, through real PostgreSQL.

Each test creates its own server and foreign tables (in its own schema) using
the wrappers of tests/wrappers/engine_test_wrappers.py, which report every call
they get as a NOTICE. A test's connection is a fresh backend.
"""
import datetime
import decimal
import itertools
import re
import time

import psycopg
import pytest

_names = itertools.count()


def make_table(db, columns="id int, name text", wrapper="CallsFDW", table_options="",
               server_options=""):
    """A server and foreign table of a test wrapper; returns the table's name."""
    n = next(_names)
    server, table = "srv_%d" % n, "ft_%d" % n
    options = "wrapper 'engine_test_wrappers.%s'" % wrapper
    if server_options:
        options += ", " + server_options
    db.execute("CREATE SERVER %s FOREIGN DATA WRAPPER restcorn OPTIONS (%s)" % (server, options))
    db.execute("CREATE FOREIGN TABLE %s (%s) SERVER %s %s" % (
        table, columns, server, "OPTIONS (%s)" % table_options if table_options else ""))
    db.take_notices()
    return table


def calls(db, name):
    """The reports of one kind (init, execute, ...) since the last look at that kind."""
    found = [n for n in db.notices if n.startswith(name + " ") or n == name]
    db.notices[:] = [n for n in db.notices if n not in found]
    return [n[len(name) + 1:] for n in found]


def executed_quals(db, sql, table_columns="id int, name text, flag boolean, vc varchar(10)"):
    table = make_table(db, table_columns)
    db.rows(sql.format(t=table))
    (execute,) = calls(db, "execute")
    return re.match(r"\[(.*)\] \[('|\])", execute).group(1)


# --- 1. DDL and the wrapper option ---------------------------------------------------------

def test_create_server_without_wrapper_fails(db):
    with pytest.raises(psycopg.Error, match="The wrapper parameter is mandatory"):
        db.execute("CREATE SERVER nowrapper FOREIGN DATA WRAPPER restcorn")


def test_wrapper_on_a_table_is_refused_with_a_hint(db):
    server = "srv_%d" % next(_names)
    db.execute("CREATE SERVER %s FOREIGN DATA WRAPPER restcorn OPTIONS "
               "(wrapper 'engine_test_wrappers.CallsFDW')" % server)
    with pytest.raises(psycopg.Error) as info:
        db.execute("CREATE FOREIGN TABLE wt (id int) SERVER %s OPTIONS (wrapper 'x.Y')" % server)
    assert info.value.diag.message_primary == "Cannot set the wrapper class on the table"
    assert info.value.diag.message_hint == "Set it on the server"


@pytest.mark.parametrize("wrapper, detail", [
    ("engine_test_wrappers.NoSuchClass", "has no class 'NoSuchClass'"),
])
def test_unimportable_wrapper_fails_at_create_server(db, wrapper, detail):
    with pytest.raises(psycopg.Error) as info:
        db.execute("CREATE SERVER bad FOREIGN DATA WRAPPER restcorn OPTIONS (wrapper '%s')" % wrapper)
    assert info.value.diag.message_primary.startswith("Error in python:")
    assert detail in info.value.diag.message_detail


def test_alter_server_to_a_bad_wrapper_fails(db):
    table = make_table(db)
    server = db.value("SELECT srvname FROM pg_foreign_table JOIN pg_foreign_server s "
                      "ON s.oid = ftserver WHERE ftrelid = %s::regclass", (table,))
    with pytest.raises(psycopg.Error, match="has no class 'Missing'"):
        db.execute("ALTER SERVER %s OPTIONS (SET wrapper 'engine_test_wrappers.Missing')" % server)


# --- Options and instances -----------------------------------------------------------------

def test_options_merge_table_server_and_user_mapping(db):
    # (An option on both the table and the server is an ERROR: test_engine_security.py.)
    table = make_table(db, table_options="a 'table', b 'server', c 'table'",
                       server_options="b 'server', d 'server'")
    server = "srv_%d" % (next(_names) - 1)
    db.execute("CREATE USER MAPPING FOR PUBLIC SERVER %s OPTIONS (c 'public', e 'public')" % server)
    db.rows("SELECT * FROM %s" % table)
    (init,) = calls(db, "init")
    assert "[('a', 'table'), ('b', 'server'), ('c', 'public'), ('d', 'server'), ('e', 'public'), " \
           "('rows', '20')]" not in init  # rows is not set here
    assert init.startswith("[('a', 'table'), ('b', 'server'), ('c', 'public'), ('d', 'server'), "
                           "('e', 'public')]")
    # The current user's own mapping wins over PUBLIC's.
    db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (c 'mine')" % server)
    db.rows("SELECT * FROM %s" % table)
    (init,) = calls(db, "init")
    assert "('c', 'mine')" in init and "('e', 'public')" not in init


def test_columns_reach_the_constructor(db):
    table = make_table(db, "id int OPTIONS (field 'ident'), name varchar(20), price numeric(10,2)")
    db.rows("SELECT * FROM %s" % table)
    (init,) = calls(db, "init")
    assert "('id', 23, -1, 'integer', 'integer', {'field': 'ident'})" in init
    assert "('name', 1043, 24, 'character varying(20)', 'character varying', {})" in init
    assert "'numeric(10,2)', 'numeric'" in init


def test_one_instance_per_backend_rebuilt_after_alter(db, connect):
    table = make_table(db)
    for _ in range(3):
        db.rows("SELECT * FROM %s" % table)
    assert len(calls(db, "init")) == 1
    db.execute("ALTER FOREIGN TABLE %s OPTIONS (ADD rows '3')" % table)
    assert len(db.rows("SELECT * FROM %s" % table)) == 3
    assert len(calls(db, "init")) == 1
    db.execute("ALTER FOREIGN TABLE %s ADD COLUMN extra text" % table)
    db.rows("SELECT * FROM %s" % table)
    (init,) = calls(db, "init")
    assert "'extra'" in init
    other = connect()
    other.rows("SELECT * FROM %s" % table)
    assert len(calls(other, "init")) == 1


# --- Quals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("where, quals", [
    ("id = 42", "id = 42"),
    ("42 < id", "id > 42"),
    ("id <> 3", "id <> 3"),
    ("id <= 3 AND id >= 1", "id <= 3, id >= 1"),
    ("id BETWEEN 10 AND 20", "id >= 10, id <= 20"),
    ("id IN (1, 2, 3)", "id = ANY([1, 2, 3])"),
    ("id = ANY(ARRAY[4, 5])", "id = ANY([4, 5])"),
    ("id NOT IN (1, 2)", "id <> ALL([1, 2])"),
    ("name LIKE '%house%'", "name ~~ %house%"),
    ("name ILIKE 'house%'", "name ~~* house%"),
    ("name NOT LIKE 'a%'", "name !~~ a%"),
    ("name NOT ILIKE 'a%'", "name !~~* a%"),
    ("name IS NULL", "name = None"),
    ("name IS NOT NULL", "name <> None"),
    ("flag", "flag = t"),
    ("flag = true", "flag = t"),
    ("flag IS TRUE", "flag IS t"),
    ("flag IS FALSE", "flag IS f"),
    ("vc = 'x'", "vc = x"),
    ("id = 1 OR id = 2", ""),
    ("lower(name) = 'x'", ""),
    ("id + 1 = 3", ""),
    ("id = length(name)", ""),
    ("id = (random() * 10)::int", ""),
])
def test_quals_reach_execute(db, where, quals):
    assert executed_quals(db, "SELECT * FROM {t} WHERE " + where) == quals


def test_qual_value_types(db):
    table = make_table(db, "i int, b bigint, t text, c char(5), by bytea, n numeric, d date, "
                           "ts timestamp, a int[], f boolean, tz timestamptz",
                       table_options="report_types 'true', rows '0'")
    db.rows("SELECT * FROM %s WHERE i = 1 AND b = 5000000000 AND t = 'x' AND c = 'ab' "
            "AND by = '\\x0102' AND n = 1.5 AND d = '2024-02-03' "
            "AND ts = '2024-02-03 04:05:06.789' AND a = '{1,2}' "
            "AND tz = '2024-01-01 00:00:00+00'" % table)
    (types,) = calls(db, "types")
    assert types == repr([
        ("i", "int", 1), ("b", "int", 5000000000), ("t", "str", "x"), ("c", "str", "ab"),
        ("by", "bytes", b"\x01\x02"), ("n", "Decimal", decimal.Decimal("1.5")),
        ("d", "date", datetime.date(2024, 2, 3)),
        ("ts", "datetime", datetime.datetime(2024, 2, 3, 4, 5, 6, 789000)),
        ("a", "list", [1, 2]),
        ("tz", "datetime", datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)),
    ])


def test_parameters_and_stable_functions_arrive_as_constants(db):
    table = make_table(db, "id int, name text, ts timestamptz", table_options="report_types 'true'")
    db.execute("SET plan_cache_mode = force_generic_plan")
    db.execute("PREPARE byid(int) AS SELECT id FROM %s WHERE id = $1" % table)
    db.take_notices()
    assert db.rows("EXECUTE byid(7)") == [(7,)]
    assert calls(db, "types") == [repr([("id", "int", 7)])]
    # plain EXPLAIN of the generic plan does not know the value yet
    assert "quals=[id = ?]" in db.plan("EXECUTE byid(7)")
    db.rows("SELECT id FROM %s WHERE ts < now()" % table)
    (types,) = calls(db, "types")
    assert types.startswith("[('ts', 'datetime', datetime.datetime(") and "timezone.utc" in types
    db.rows("SELECT id FROM %s WHERE id = (SELECT 3)" % table)
    assert calls(db, "types") == [repr([("id", "int", 3)])]


def test_columns_is_the_set_of_needed_columns(db):
    table = make_table(db, "id int, name text, flag boolean")
    db.rows("SELECT name FROM %s WHERE id = 1" % table)
    assert calls(db, "execute")[0].startswith("[id = 1] ['id', 'name'] ")
    assert db.value("SELECT count(*) FROM %s" % table) == 20
    (execute,) = calls(db, "execute")
    assert execute.startswith("[] [] ")


def test_keywords_only_when_pushed(db):
    table = make_table(db, wrapper="TwoArgFDW")
    assert db.rows("SELECT id FROM %s ORDER BY id DESC LIMIT 2" % table) == [(2,), (1,)]
    assert db.rows("SELECT * FROM %s WHERE id = 1" % table) == [(1, "n1")]


# --- Sort and limit pushdown -------------------------------------------------------------------

def test_accepted_sort_removes_the_sort_node(db):
    table = make_table(db, table_options="sort 'all'")
    sql = "SELECT id FROM %s ORDER BY id DESC" % table
    assert "Sort Key" not in db.plan(sql)
    assert [r[0] for r in db.rows(sql)] == list(range(19, -1, -1))
    (execute,) = calls(db, "execute")
    assert "SortKey(attname='id', attnum=1, is_reversed=True, nulls_first=True, collate=None)" in execute


def test_refused_or_partial_sort_is_done_by_postgres(db):
    refused = make_table(db)
    assert "Sort Key: id" in db.plan("SELECT * FROM %s ORDER BY id" % refused)
    partial = make_table(db, table_options="sort '1'")
    plan = db.plan("SELECT * FROM %s ORDER BY id, name" % partial)
    assert "Incremental Sort" in plan and "Presorted Key: id" in plan


def test_can_sort_only_for_plain_columns(db):
    table = make_table(db, table_options="sort 'all'")
    db.rows("SELECT * FROM %s ORDER BY id + 1" % table)
    assert calls(db, "can_sort") == []


def test_collation_reaches_can_sort(db):
    table = make_table(db, 'id int, name text COLLATE "C"', table_options="sort 'all'")
    db.rows("SELECT * FROM %s ORDER BY name" % table)
    (can_sort,) = calls(db, "can_sort")
    assert "collate='C'" in can_sort


def test_limit_pushdown_without_where(db):
    table = make_table(db, table_options="limit 'true', sort 'all'")
    sql = "SELECT id FROM %s LIMIT 5 OFFSET 2" % table
    assert "Limit" not in db.plan(sql)
    db.take_notices()
    assert [r[0] for r in db.rows(sql)] == [2, 3, 4, 5, 6]
    assert calls(db, "can_limit") == ["5 2"]
    (execute,) = calls(db, "execute")
    assert execute.endswith("None 5 2 []")
    # a pushed ORDER BY keeps the limit pushed
    sql = "SELECT id FROM %s ORDER BY id DESC LIMIT 3" % table
    assert "Limit" not in db.plan(sql) and "Sort Key" not in db.plan(sql)
    assert [r[0] for r in db.rows(sql)] == [19, 18, 17]


@pytest.mark.parametrize("sql", [
    "SELECT id FROM {t} WHERE id > 1 LIMIT 3",
    "SELECT id FROM {t} ORDER BY id, name LIMIT 3",
    "SELECT count(*) FROM {t} LIMIT 3",
    "SELECT DISTINCT id FROM {t} LIMIT 3",
    "SELECT a.id FROM {t} a JOIN {t} b USING (id) LIMIT 3",
    "SELECT id FROM {t} LIMIT (SELECT 3)",
])
def test_limit_is_not_offered(db, sql):
    table = make_table(db, table_options="limit 'true', sort '1'")
    db.rows(sql.format(t=table))
    assert calls(db, "can_limit") == []


def test_refused_limit_keeps_the_limit_node(db):
    table = make_table(db)
    assert "Limit" in db.plan("SELECT id FROM %s LIMIT 5" % table)
    assert len(db.rows("SELECT id FROM %s LIMIT 5 OFFSET 17" % table)) == 3


# --- Estimates, paths, explain ----------------------------------------------------------------

def test_get_rel_size_sets_the_estimates(db):
    table = make_table(db, table_options="rows '1234'")
    assert "(cost=20.00..24680.00 rows=1234 width=20)" in db.plan("SELECT * FROM %s" % table)
    bad = make_table(db, table_options="rel_size 'bad'")
    with pytest.raises(psycopg.Error, match="should return a tuple of length 2"):
        db.plan("SELECT * FROM %s" % bad)


def test_path_keys_give_a_parameterized_nested_loop(db):
    table = make_table(db, table_options="path_keys 'id', rows '1000000'")
    db.execute("CREATE TEMP TABLE local_ids AS SELECT unnest(ARRAY[3, 5, 8]) AS id")
    db.execute("ANALYZE local_ids")
    sql = "SELECT l.id, f.name FROM local_ids l JOIN %s f ON f.id = l.id ORDER BY l.id" % table
    plan = db.plan(sql)
    # PostgreSQL 16 and later print the join clause the other way round.
    assert "Nested Loop" in plan and "quals=[id = ?]" in plan
    assert "Filter: (l.id = id)" in plan or "Filter: (id = l.id)" in plan
    db.take_notices()
    assert db.rows(sql) == [(3, "row 00003"), (5, "row 00005"), (8, "row 00008")]
    executes = calls(db, "execute")
    assert [e.split("]")[0] + "]" for e in executes] == ["[id = 3]", "[id = 5]", "[id = 8]"]


def test_explain_lines_and_end_scan(db):
    table = make_table(db)
    plan = db.plan("(VERBOSE) SELECT * FROM %s WHERE id = 4" % table) if False else \
        "\n".join(r[0] for r in db.rows("EXPLAIN VERBOSE SELECT * FROM %s WHERE id = 4" % table))
    assert "Multicorn: quals=[id = 4]" in plan
    assert "verbose=True" in plan
    assert calls(db, "end_scan") == [""]


# --- Rows back ---------------------------------------------------------------------------------

def values_table(db, columns, expression):
    return make_table(db, columns, wrapper="ValuesFDW",
                      table_options="rows '%s'" % expression.replace("'", "''"))


def test_none_ends_the_scan_and_rows_may_be_sequences(db):
    table = values_table(db, "id int, name text", "iter([{'id': 1}, None, {'id': 2}])")
    assert db.rows("SELECT * FROM %s" % table) == [(1, None)]
    table = values_table(db, "id int, name text", "[(1, 'a'), [2, 'b']]")
    assert db.rows("SELECT name, id FROM %s" % table) == [("a", 1), ("b", 2)]
    table = values_table(db, "id int, name text", "[{'id': 1, 'name': 'x', 'other': 5}]")
    assert db.rows("SELECT * FROM %s" % table) == [(1, "x")]


def test_values_convert_like_multicorn(db):
    table = values_table(
        db, "i int, b bigint, t text, by bytea, n numeric, d date, ts timestamp, "
            "ia int[], ta text[], j jsonb, f boolean, v varchar(3), fl float8",
        "[{'i': 7, 'b': 2**40, 't': 'é', 'by': b'\\x00\\x01', 'n': 1.25, "
        "'d': datetime.date(2024, 2, 3), 'ts': datetime.datetime(2024, 2, 3, 4, 5, 6), "
        "'ia': [1, None, 3], 'ta': ['a \"q\"', 'b,c'], 'j': json.dumps({'k': [1]}), "
        "'f': True, 'v': 'abc   ', 'fl': 2.5}, {'i': '8', 'f': 'no', 'fl': 3}]")
    rows = db.rows("SELECT * FROM %s" % table)
    assert rows[0] == (7, 2 ** 40, "é", b"\x00\x01", pytest.approx(1.25),
                       datetime.date(2024, 2, 3), datetime.datetime(2024, 2, 3, 4, 5, 6),
                       [1, None, 3], ['a "q"', "b,c"], {"k": [1]}, True, "abc", 2.5)
    assert rows[1][0] == 8 and rows[1][10] is False and rows[1][12] == 3.0


@pytest.mark.parametrize("column, expression, message", [
    ("i int", "[{'i': 1.0}]", 'invalid input syntax for type integer: "1.0"'),
    ("i int", "[{'i': 2**40}]", "out of range for type integer"),
    ("j jsonb", "[{'j': {'k': 1}}]", "invalid input syntax for type json"),
    ("t text", "[{'t': 'a\\x00b'}]", 'column "t": value contains a NUL character'),
    ("v varchar(3)", "[{'v': 'longer'}]",
     'column "v": value too long for type character varying(3)'),
    ("t text", "[7]", "rows must be mappings or sequences"),
])
def test_bad_values_are_clear_errors(db, column, expression, message):
    table = values_table(db, column, expression)
    with pytest.raises(psycopg.Error, match=re.escape(message)):
        db.rows("SELECT * FROM %s" % table)
    assert db.value("SELECT 1") == 1


# --- IMPORT FOREIGN SCHEMA ----------------------------------------------------------------------

@pytest.mark.parametrize("restriction, tables", [
    ("", ["alpha", "beta"]),
    ("LIMIT TO (beta)", ["beta"]),
    ("EXCEPT (beta)", ["alpha"]),
])
def test_import_foreign_schema(db, restriction, tables):
    n = next(_names)
    db.execute("CREATE SERVER imp_%d FOREIGN DATA WRAPPER restcorn OPTIONS "
               "(wrapper 'engine_test_wrappers.CallsFDW', url 'x')" % n)
    db.execute("CREATE SCHEMA imported_%d" % n)
    db.execute("IMPORT FOREIGN SCHEMA remote %s FROM SERVER imp_%d INTO imported_%d OPTIONS (k 'v')"
               % (restriction, n, n))
    (report,) = calls(db, "import_schema")
    assert report.startswith("'remote' [('url', 'x')] [('k', 'v')]")
    found = [r[0] for r in db.rows(
        "SELECT relname FROM pg_class WHERE relnamespace = 'imported_%d'::regnamespace "
        "ORDER BY 1" % n)]
    assert found == tables
    if "alpha" in tables:
        assert db.value("SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = "
                        "'imported_%d.alpha'::regclass" % n) == ["path=/alpha"]
        assert db.value("SELECT attfdwoptions FROM pg_attribute WHERE attrelid = "
                        "'imported_%d.alpha'::regclass AND attname = 'name'" % n) == ["field=n"]


# --- Errors -------------------------------------------------------------------------------------

def test_thousand_failing_scans_then_a_good_query(db):
    failing = [
        make_table(db, table_options="fail 'init'"),
        make_table(db, table_options="fail 'get_rel_size'"),
        make_table(db, table_options="fail_at_row '5'"),
    ]
    expected = ["ValueError", "RuntimeError", "KeyError"]
    for i in range(1000):
        table, kind = failing[i % 3], expected[i % 3]
        with pytest.raises(psycopg.Error) as info:
            db.rows("SELECT * FROM %s" % table)
        assert info.value.diag.message_primary == "Error in python: %s" % kind
        assert "as asked" in info.value.diag.message_detail
    good = make_table(db, table_options="rows '4'")
    assert len(db.rows("SELECT * FROM %s" % good)) == 4


def test_log_levels(db):
    warn = make_table(db, wrapper="LogFDW", table_options="level 'WARNING', message 'careful'")
    notices = []
    db.conn.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.message_primary,
                                                         d.message_hint, d.message_detail)))
    assert db.rows("SELECT * FROM %s" % warn) == [(1, "after")]
    assert ("WARNING", "careful", "a hint", "some detail") in notices
    info = make_table(db, wrapper="LogFDW", table_options="level 'INFO', message 'fyi'")
    db.rows("SELECT * FROM %s" % info)
    assert ("NOTICE", "fyi", "a hint", "some detail") in notices
    error = make_table(db, wrapper="LogFDW", table_options="level 'ERROR', message 'it broke'")
    with pytest.raises(psycopg.Error) as raised:
        db.rows("SELECT * FROM %s" % error)
    diag = raised.value.diag
    assert (diag.severity_nonlocalized, diag.message_primary, diag.message_hint,
            diag.message_detail) == ("ERROR", "it broke", "a hint", "some detail")


def test_transaction_hooks(db):
    table = make_table(db, table_options="report_xact 'true'")
    db.execute("BEGIN")
    db.rows("SELECT * FROM %s" % table)
    db.execute("COMMIT")
    assert calls(db, "begin") == ["0"] and calls(db, "pre_commit") == [""]
    db.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
    db.rows("SELECT * FROM %s" % table)
    db.take_notices()
    db.execute("ROLLBACK")
    assert db.take_notices() == ["rollback "]


# --- Streaming and interrupts -------------------------------------------------------------------

def endless_table(db, options=""):
    return make_table(db, "n bigint, label text", wrapper="EndlessFDW", table_options=options)


def test_limit_over_an_endless_generator_returns(db):
    table = endless_table(db)
    assert db.rows("SELECT n FROM %s LIMIT 10" % table) == [(i,) for i in range(10)]
    assert db.rows("SELECT n FROM %s WHERE n %% 2 = 0 LIMIT 3" % table) == [(0,), (2,), (4,)]


def backend_rss_kb(db):
    pid = db.value("SELECT pg_backend_pid()")
    with open("/proc/%d/status" % pid) as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))


def test_a_million_row_scan_keeps_memory_flat(db):
    small = endless_table(db, "count '100000'")
    large = endless_table(db, "count '1000000'")
    assert db.value("SELECT count(label) FROM %s" % small) == 100000
    before = backend_rss_kb(db)
    assert db.value("SELECT count(label) FROM %s" % large) == 1000000
    grown = backend_rss_kb(db) - before
    assert grown < 20 * 1024, "backend grew by %d kB over 1,000,000 rows" % grown


@pytest.mark.parametrize("wrapper, options", [("EndlessFDW", "sleep '30'"), ("BusyFDW", "")])
def test_statement_timeout_stops_a_slow_wrapper(db, wrapper, options):
    table = make_table(db, "n bigint, label text", wrapper=wrapper, table_options=options)
    db.execute("SET statement_timeout = '500ms'")
    started = time.monotonic()
    with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
        db.rows("SELECT * FROM %s" % table)
    assert time.monotonic() - started < 5
    db.execute("RESET statement_timeout")
    assert db.value("SELECT 1") == 1


@pytest.mark.parametrize("wrapper, options", [("EndlessFDW", "sleep '30'"), ("BusyFDW", "")])
def test_cancel_stops_a_slow_wrapper(db, cancel_soon, wrapper, options):
    table = make_table(db, "n bigint, label text", wrapper=wrapper, table_options=options)
    started = time.monotonic()
    with cancel_soon(db), pytest.raises(psycopg.errors.QueryCanceled, match="user request"):
        db.rows("SELECT * FROM %s" % table)
    assert time.monotonic() - started < 5
    assert db.value("SELECT 1") == 1
    # and the same backend's Python still works
    again = make_table(db, table_options="rows '2'")
    assert len(db.rows("SELECT * FROM %s" % again)) == 2


# --- The Python environment ------------------------------------------------------------------

def test_a_missing_venv_is_a_clear_error(connect):
    fresh = connect()  # Python starts at the backend's first use of the engine
    fresh.execute("SET restcorn.venv = '/nonexistent/venv'")
    with pytest.raises(psycopg.Error) as info:
        fresh.execute("CREATE SERVER venv_check FOREIGN DATA WRAPPER restcorn "
                      "OPTIONS (wrapper 'engine_test_wrappers.CallsFDW')")
    assert "restcorn.venv" in info.value.diag.message_detail
    assert "/nonexistent/venv" in info.value.diag.message_detail


def test_whole_row_reference_asks_for_every_column(db):
    table = make_table(db, "id int, name text, flag boolean")
    rows = db.rows("SELECT t FROM %s t LIMIT 1" % table)
    assert rows == [("(0,\"row 00000\",t)",)]
    assert calls(db, "execute")[0].startswith("[] ['flag', 'id', 'name']")
