"""The engine's stand-in for Multicorn2 3.2 (restcorn.multicorn2_behaviour):
the facts of section 12 of the Multicorn2 contract, so that the wrappers'
tests can run under both hosts (issue: both hosts, same rows).

Each test sets the stand-in on its own backend and shows one behaviour, next
to the engine's own where the two differ.
"""
import datetime

import psycopg
import pytest

from test_engine import calls, make_table


@pytest.fixture
def standin(db):
    db.execute("SET restcorn.multicorn2_behaviour = on")
    return db


def test_the_setting_reaches_the_wrappers(db):
    table = make_table(db, table_options="report_behaviour 'true', rows '1'")
    db.rows("SELECT * FROM %s" % table)
    assert calls(db, "behaviour") == ["False"]
    db.execute("SET restcorn.multicorn2_behaviour = on")
    db.rows("SELECT * FROM %s" % table)
    assert calls(db, "behaviour") == ["True"]


def test_whole_row_reference_gets_no_columns(standin):
    table = make_table(standin, "id int, name text")
    assert standin.rows("SELECT t FROM %s t LIMIT 1" % table) == [("(,)",)]
    assert calls(standin, "execute")[0].startswith("[] [] ")
    standin.value("SELECT count(*) FROM %s" % table)
    assert calls(standin, "execute")[0].startswith("[] [] ")


def test_every_key_naming_a_column_is_converted(db):
    rows = "[{'id': 1, 'j': {'k': 1}, 'n': 'x'}]"
    table = make_table(db, "id int, j jsonb, n int", wrapper="ValuesFDW",
                       table_options="rows '%s'" % rows.replace("'", "''"))
    assert db.rows("SELECT id FROM %s" % table) == [(1,)]
    db.execute("SET restcorn.multicorn2_behaviour = on")
    with pytest.raises(psycopg.Error, match="invalid input syntax for type (json|integer)"):
        db.rows("SELECT id FROM %s" % table)


def test_text_columns_sort_without_collation(standin):
    table = make_table(standin, 'id int, t text COLLATE "C", v varchar COLLATE "C"',
                       table_options="sort 'all'")
    standin.rows("SELECT * FROM %s ORDER BY t" % table)
    assert "collate=None" in calls(standin, "can_sort")[0]
    standin.rows("SELECT * FROM %s ORDER BY v" % table)
    assert "collate='C'" in calls(standin, "can_sort")[0]
    # An explicit COLLATE is a relabelled column: Multicorn2 names it.
    standin.rows('SELECT * FROM %s ORDER BY t COLLATE "POSIX"' % table)
    assert "collate='POSIX'" in calls(standin, "can_sort")[0]


def test_limit_is_offered_past_a_filter_below_the_top_level(standin):
    """Multicorn2's hazard, reproduced: the wrapper must decline LIMIT under it."""
    table = make_table(standin, table_options="limit 'true', rows '10'")
    standin.execute("CREATE VIEW odd_%s AS SELECT * FROM %s WHERE id %% 2 = 1" % (table, table))
    assert standin.rows("SELECT id FROM odd_%s LIMIT 3" % table) == [(1,)]
    assert calls(standin, "can_limit") == ["3 None"]
    standin.rows("SELECT id FROM %s WHERE id %% 2 = 1 LIMIT 3" % table)
    assert calls(standin, "can_limit") == []


def test_limits_are_read_as_32_bit_ints(standin):
    table = make_table(standin, table_options="limit 'true', rows '10'")
    assert standin.rows("SELECT id FROM %s LIMIT 4294967297" % table) == [(0,)]
    assert calls(standin, "can_limit") == ["1 None"]
    assert standin.rows("SELECT id FROM %s LIMIT 4294967296" % table) == []


def test_qual_values_as_multicorn2_gives_them(standin):
    table = make_table(standin, "n numeric, ts timestamp, tz timestamptz, b bigint, f float8, t text",
                       table_options="report_types 'true', report_collations 'true', rows '0'")
    standin.execute("SET DateStyle = 'German'")
    standin.rows("SELECT * FROM %s WHERE n = 12345678901234567.89 AND ts = '2021-01-01 00:00:00.5' "
                 "AND tz = '2021-01-01 00:00:00+00' AND b = 5000000000 AND f = 0.1 AND t = 'x'"
                 % table)
    assert calls(standin, "types") == [repr([
        ("n", "float", 1.2345678901234568e+16),
        ("ts", "datetime", datetime.datetime(2021, 1, 1)),
        ("tz", "str", "01.01.2021 00:00:00 UTC"),
        ("b", "str", "5000000000"),
        ("f", "str", "0.1"),
        ("t", "str", "x"),
    ])]
    assert calls(standin, "collations") == [repr([(c, "absent") for c in
                                                  ("n", "ts", "tz", "b", "f", "t")])]


def test_waits_are_not_interrupted(standin, cancel_soon):
    """A cancel reaches PostgreSQL only after the wrapper returns: the sleep completes."""
    sleeper = make_table(standin, "n int", wrapper="SleepFDW", table_options="sleep '2'")
    counter = make_table(standin, "n int", wrapper="SleepFDW", table_options="report 'true'")
    before = standin.value("SELECT n FROM %s" % counter)
    with cancel_soon(standin), pytest.raises(psycopg.errors.QueryCanceled):
        standin.rows("SELECT * FROM %s" % sleeper)
    assert standin.value("SELECT n FROM %s" % counter) == before + 1


def test_the_engine_interrupts_waits(db, cancel_soon):
    sleeper = make_table(db, "n int", wrapper="SleepFDW", table_options="sleep '30'")
    counter = make_table(db, "n int", wrapper="SleepFDW", table_options="report 'true'")
    before = db.value("SELECT n FROM %s" % counter)
    with cancel_soon(db), pytest.raises(psycopg.errors.QueryCanceled):
        db.rows("SELECT * FROM %s" % sleeper)
    assert db.value("SELECT n FROM %s" % counter) == before


def test_python_exceptions_have_multicorn2s_shape(db):
    table = make_table(db, table_options="fail_at_row '0'")
    with pytest.raises(psycopg.Error) as engine:
        db.rows("SELECT * FROM %s" % table)
    db.execute("SET restcorn.multicorn2_behaviour = on")
    with pytest.raises(psycopg.Error) as standin:
        db.rows("SELECT * FROM %s" % table)
    assert engine.value.diag.sqlstate == "HV000"
    assert standin.value.diag.sqlstate == "XX000"
    for error in (engine.value, standin.value):
        assert error.diag.message_primary == "Error in python: KeyError"
        assert "failing in execute at row 0 as asked" in error.diag.message_detail


def test_parameters_show_as_zero_in_plain_explain(standin):
    table = make_table(standin)
    standin.execute("SET plan_cache_mode = force_generic_plan")
    standin.execute("PREPARE byid(int) AS SELECT id FROM %s WHERE id = $1" % table)
    assert "quals=[id = 0]" in standin.plan("EXECUTE byid(7)")
