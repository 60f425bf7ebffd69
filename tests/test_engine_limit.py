"""LIMIT/OFFSET pushdown through the engine: offered to the wrapper only when
no filter on the scan is left to PostgreSQL, with exact int8 values.

A pushed LIMIT replaces PostgreSQL's Limit node, so pushing it past a filter
that PostgreSQL applies afterwards loses rows (issue: exact answers, cases 1
and 2). The filter may come from a view, a subquery in FROM, a CTE, a JOIN ...
ON, a UNION ALL branch, EXISTS or LATERAL, not only a top-level WHERE.
"""
import re

import psycopg
import pytest

from test_engine import calls, make_table

HOUSE = re.compile("house$")


# --- the dictionary: the queries, real wrapper, real service --------------------------

@pytest.fixture(scope="module")
def dictionary(cluster, service):
    """dictionary (the real wrapper), a local copy with the same rows in the same order, a view."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS lim CASCADE")
        conn.execute("DROP SERVER IF EXISTS lim_srv CASCADE")
        conn.execute("CREATE SCHEMA lim")
        conn.execute("CREATE SERVER lim_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
                     "(wrapper 'fdw.DictionaryFDW', url '%s')" % service.url)
        conn.execute('CREATE FOREIGN TABLE lim.dictionary (id int, word varchar COLLATE "C") '
                     "SERVER lim_srv")
        conn.execute("CREATE VIEW lim.house_words AS SELECT * FROM lim.dictionary "
                     "WHERE word ~ 'house$'")
    return "lim.dictionary"


def house_words(words):
    return [(i + 1, w) for i, w in enumerate(words) if HOUSE.search(w)]


def test_limit_through_a_view_with_a_filter(db, dictionary):
    """The issue's first case: no rows came back, the service got limit=3 and no filter."""
    assert db.rows("SELECT word FROM lim.house_words LIMIT 3") == [
        ("Westinghouse",), ("Wodehouse",), ("bathhouse",)]


@pytest.mark.parametrize("sql", [
    "SELECT * FROM lim.house_words LIMIT 3 OFFSET 2",
    "SELECT * FROM (SELECT * FROM lim.dictionary WHERE word ~ 'house$') s LIMIT 3 OFFSET 2",
    "WITH h AS (SELECT * FROM lim.dictionary WHERE word ~ 'house$') SELECT * FROM h LIMIT 3 OFFSET 2",
    "WITH h AS MATERIALIZED (SELECT * FROM lim.dictionary WHERE word ~ 'house$') "
    "SELECT * FROM h LIMIT 3 OFFSET 2",
    "SELECT d.* FROM lim.dictionary d JOIN (SELECT 1 AS one) o ON d.word ~ 'house$' LIMIT 3 OFFSET 2",
    "SELECT d.* FROM (SELECT 1 AS one) o LEFT JOIN lim.dictionary d ON d.word ~ 'house$' "
    "LIMIT 3 OFFSET 2",
    "SELECT * FROM (SELECT * FROM lim.dictionary WHERE word ~ 'house$' UNION ALL "
    "SELECT * FROM lim.dictionary WHERE word ~ 'houses$') u LIMIT 3 OFFSET 2",
])
def test_limit_past_a_filter_in_any_form(db, dictionary, words, sql):
    assert db.rows(sql) == house_words(words)[2:5]


def test_limit_inside_exists_and_lateral(db, dictionary, words):
    assert db.value("SELECT EXISTS (SELECT 1 FROM lim.house_words LIMIT 1)") is True
    assert db.value("SELECT EXISTS (SELECT 1 FROM lim.dictionary WHERE word ~ 'qqqq$' LIMIT 1)") \
        is False
    rows = db.rows("SELECT s.suffix, w.word FROM (VALUES ('house$'), ('ship$')) s(suffix), "
                   "LATERAL (SELECT word FROM lim.dictionary d WHERE d.word ~ s.suffix LIMIT 2) w")
    expected = [(suffix, w) for suffix in ("house$", "ship$")
                for w in [w for w in words if re.search(suffix, w)][:2]]
    assert rows == expected


# --- what the wrapper is offered (the test wrapper reports each call) -------------------------

@pytest.mark.parametrize("sql", [
    "SELECT id FROM {t} WHERE id % 2 = 1 LIMIT 3",
    "SELECT id FROM {v} LIMIT 3",
    "SELECT id FROM (SELECT * FROM {t} WHERE id % 2 = 1) s LIMIT 3",
    "WITH o AS (SELECT * FROM {t} WHERE id % 2 = 1) SELECT id FROM o LIMIT 3",
    "WITH o AS MATERIALIZED (SELECT * FROM {t} WHERE id % 2 = 1) SELECT id FROM o LIMIT 3",
    "SELECT t.id FROM {t} t JOIN (SELECT 1 AS one) o ON t.id % 2 = o.one LIMIT 3",
    "SELECT id FROM (SELECT id FROM {t} WHERE id % 2 = 1 UNION ALL "
    "SELECT id FROM {t} WHERE id < 0) u LIMIT 3",
])
def test_limit_is_not_offered_past_a_filter(db, sql):
    table = make_table(db, table_options="limit 'true', rows '10'")
    db.execute("CREATE VIEW odd_%s AS SELECT * FROM %s WHERE id %% 2 = 1" % (table, table))
    assert db.rows(sql.format(t=table, v="odd_" + table)) == [(1,), (3,), (5,)]
    assert calls(db, "can_limit") == []


def test_limit_is_offered_through_a_view_without_a_filter(db):
    table = make_table(db, table_options="limit 'true', rows '10'")
    db.execute("CREATE VIEW all_%s AS SELECT * FROM %s" % (table, table))
    assert db.rows("SELECT id FROM all_%s LIMIT 3 OFFSET 1" % table) == [(1,), (2,), (3,)]
    assert calls(db, "can_limit") == ["3 1"]
    # a pseudoconstant filter gates the whole scan: still pushable
    assert db.rows("SELECT id FROM %s WHERE now() > '2000-01-01' LIMIT 2" % table) == [(0,), (1,)]
    assert calls(db, "can_limit") == ["2 None"]


@pytest.mark.parametrize("limit", [4294967297, 4294967296, 2 ** 63 - 1])
def test_limits_beyond_32_bits_are_exact(db, limit):
    """Over 10 rows, LIMIT 4294967297 gave 1 row and 4294967296 none."""
    table = make_table(db, table_options="limit 'true', rows '10'")
    assert len(db.rows("SELECT id FROM %s LIMIT %d" % (table, limit))) == 10
    assert calls(db, "can_limit") == ["%d None" % limit]
    (execute,) = calls(db, "execute")
    assert execute.endswith("None %d None []" % limit)
    assert db.rows("SELECT id FROM %s LIMIT 2 OFFSET %d" % (table, limit)) == []
    assert calls(db, "can_limit") == ["2 %d" % limit]


def test_limit_null_and_all_are_no_limit(db):
    table = make_table(db, table_options="limit 'true', rows '10'")
    assert len(db.rows("SELECT id FROM %s LIMIT NULL OFFSET 7" % table)) == 3
    assert calls(db, "can_limit") == ["None 7"]
    assert len(db.rows("SELECT id FROM %s LIMIT ALL OFFSET 8" % table)) == 2
    assert calls(db, "can_limit") == ["None 8"]
    assert len(db.rows("SELECT id FROM %s LIMIT ALL" % table)) == 10
    assert calls(db, "can_limit") == []  # nothing to limit


@pytest.mark.parametrize("sql, message", [
    ("SELECT id FROM {t} LIMIT -1", "LIMIT must not be negative"),
    ("SELECT * FROM (SELECT id FROM {t} LIMIT -1) s", "LIMIT must not be negative"),
    ("SELECT id FROM {t} OFFSET -1", "OFFSET must not be negative"),
    ("SELECT * FROM (SELECT id FROM {t} LIMIT 2 OFFSET -5) s", "OFFSET must not be negative"),
])
def test_negative_limit_or_offset_is_postgres_error(db, sql, message):
    table = make_table(db, table_options="limit 'true', rows '10'")
    with pytest.raises(psycopg.Error, match=message):
        db.rows(sql.format(t=table))
    assert calls(db, "can_limit") == []


# --- the same rows under the Multicorn2 stand-in (the wrapper declines LIMIT there) ----------

@pytest.mark.parametrize("behaviour", ["off", "on"])
def test_the_dictionary_gives_the_same_rows_under_both_hosts(db, dictionary, words, behaviour):
    db.execute("SET restcorn.multicorn2_behaviour = %s" % behaviour)
    assert db.rows("SELECT word FROM lim.house_words LIMIT 3") == [
        ("Westinghouse",), ("Wodehouse",), ("bathhouse",)]
    assert db.rows("SELECT * FROM lim.dictionary LIMIT 4294967297 OFFSET %d" % (len(words) - 2)) \
        == [(len(words) - 1, words[-2]), (len(words), words[-1])]
    assert len(db.rows("SELECT * FROM lim.dictionary LIMIT 4294967296 OFFSET %d"
                       % (len(words) - 5))) == 5
