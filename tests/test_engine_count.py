"""count(*) pushdown in the engine: SELECT count(*) FROM t with nothing to filter asks a wrapper
that can count (can_count / count_rows) for the number, one call instead of a row per record."""
import psycopg
import pytest

from test_engine import calls, make_table


def test_count_star_is_one_call(db):
    table = make_table(db, wrapper="CountFDW", table_options="rows '5000000'")
    assert db.value("SELECT count(*) FROM %s" % table) == 5_000_000
    assert calls(db, "can_count") == [""] and calls(db, "count_rows") == [""]
    assert calls(db, "execute") == []


@pytest.mark.parametrize("query, expected", [
    ("SELECT count(*) FROM {t}", 7),
    ("SELECT count(*) + 1 FROM {t}", 8),
    ("SELECT count(*) AS n FROM {t} ORDER BY 1 LIMIT 1", 7),
    ("SELECT (SELECT count(*) FROM {t}) - 7", 0),
    ("SELECT n FROM (SELECT count(*) AS n FROM {t}) s", 7),
    ("SELECT count(*) * 2 - count(*) FROM {t}", 7),
])
def test_count_star_shapes(db, query, expected):
    table = make_table(db, wrapper="CountFDW", table_options="rows '7'")
    assert db.value(query.format(t=table)) == expected
    assert calls(db, "count_rows") == [""] and calls(db, "execute") == []


@pytest.mark.parametrize("query", [
    "SELECT count(*) FROM {t} WHERE id > 2",
    "SELECT count(*) FROM {t} WHERE now() IS NULL",  # a gate: no row, count(*) is 0
    "SELECT count(*) FROM {t} HAVING count(*) > 100",
    "SELECT count(*) FROM {t} GROUP BY id",
    "SELECT count(id) FROM {t}",
    "SELECT count(DISTINCT id) FROM {t}",
    "SELECT count(*) FILTER (WHERE id > 2) FROM {t}",
    "SELECT count(*), max(id) FROM {t}",
    "SELECT count(*) OVER () FROM {t}",
    "SELECT count(*) FROM {t} a, {t} b",
    "SELECT count(*) FROM {t} GROUP BY GROUPING SETS ((), (id))",
])
def test_other_queries_count_rows_in_postgresql(db, query):
    table = make_table(db, wrapper="CountFDW", table_options="rows '7', count '1000'")
    rows = db.rows(query.format(t=table))
    assert calls(db, "count_rows") == []
    assert 1000 not in [value for row in rows for value in row]


def test_wrapper_that_declines_or_cannot_count(db):
    declines = make_table(db, wrapper="CountFDW", table_options="rows '7', can_count 'false'")
    assert db.value("SELECT count(*) FROM %s" % declines) == 7
    assert calls(db, "count_rows") == [] and len(calls(db, "execute")) == 1
    plain = make_table(db, table_options="rows '7'")
    assert db.value("SELECT count(*) FROM %s" % plain) == 7


def test_not_offered_under_the_multicorn2_stand_in(db):
    table = make_table(db, wrapper="CountFDW", table_options="rows '7', count '1000'")
    db.execute("SET restcorn.multicorn2_behaviour = on")
    assert db.value("SELECT count(*) FROM %s" % table) == 7
    assert calls(db, "can_count") == [] and calls(db, "count_rows") == []


@pytest.mark.parametrize("count", ["-1", "'7'", "None", "2 ** 63", "True"])
def test_a_count_that_is_not_one_is_an_error(db, count):
    table = make_table(db, wrapper="CountFDW", table_options="count '%s'" % count.replace("'", "''"))
    with pytest.raises(psycopg.Error, match="count_rows\\(\\) of the wrapper of \"%s\" returned "
                                            "no row count" % table):
        db.value("SELECT count(*) FROM %s" % table)


def test_explain_shows_the_count_scan(db):
    table = make_table(db, wrapper="CountFDW", table_options="rows '7'")
    plan = db.plan("SELECT count(*) FROM %s" % table)
    assert "Aggregate" not in plan and "Foreign Scan" in plan
    verbose = db.plan("VERBOSE SELECT count(*) FROM %s" % table)
    assert "Output: (count(*))" in verbose


def test_count_in_a_prepared_statement_and_a_rescan(db):
    table = make_table(db, wrapper="CountFDW", table_options="rows '3'")
    db.execute("PREPARE c AS SELECT count(*) FROM %s" % table)
    for _ in range(7):  # past the generic plan's switch
        assert db.value("EXECUTE c") == 3
    rows = db.rows("SELECT g, (SELECT count(*) FROM %s) FROM generate_series(1, 3) g" % table)
    assert rows == [(1, 3), (2, 3), (3, 3)]
