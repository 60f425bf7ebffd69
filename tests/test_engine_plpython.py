"""PL/Python beside the engine: both embed the same Python, and work in one
session in either order (issue: both hosts, same rows; PL/Python beside it).
PL/Python registers its plpy module before it starts Python, so the engine
lets PL/Python start it where the database has plpython3u.
"""
import psycopg
import pytest

from test_engine import calls, make_table


@pytest.fixture(scope="module")
def plpython(cluster):
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS plpython3u")
        except psycopg.Error as exc:
            pytest.skip("PL/Python is not installed here: %s" % exc.diag.message_primary)
        conn.execute("CREATE OR REPLACE FUNCTION py_count(relation text) RETURNS bigint "
                     "LANGUAGE plpython3u AS $$\n"
                     "return plpy.execute('SELECT count(*) AS n FROM %s' % "
                     "plpy.quote_ident(relation))[0]['n']\n$$")
        conn.execute("CREATE OR REPLACE FUNCTION py_version() RETURNS text "
                     "LANGUAGE plpython3u AS $$\nimport sys\nreturn sys.version.split()[0]\n$$")


def plpython_works(conn):
    conn.execute("DO LANGUAGE plpython3u $$ plpy.notice('from plpython') $$")
    assert conn.take_notices("from plpython") == ["from plpython"]
    return conn.value("SELECT py_version()")


def test_plpython_after_restcorn(plpython, db):
    table = make_table(db, table_options="rows '4'")
    assert len(db.rows("SELECT * FROM %s" % table)) == 4
    assert plpython_works(db)
    assert len(db.rows("SELECT * FROM %s" % table)) == 4


def test_restcorn_after_plpython(plpython, db):
    assert plpython_works(db)
    table = make_table(db, table_options="rows '3'")
    assert len(db.rows("SELECT * FROM %s" % table)) == 3
    assert plpython_works(db)


def test_one_python_for_both(plpython, db):
    table = make_table(db, table_options="rows '1'")
    db.rows("SELECT * FROM %s" % table)
    db.execute("DO LANGUAGE plpython3u $$\nimport sys\n"
               "plpy.notice(str('restcorn_engine' in sys.modules))\n$$")
    assert db.take_notices("True") == ["True"]


@pytest.mark.parametrize("first", ["plpython", "restcorn"])
def test_a_plpython_function_queries_a_foreign_table(plpython, db, first):
    table = make_table(db, table_options="rows '7'")
    if first == "restcorn":
        db.rows("SELECT * FROM %s" % table)
    assert db.value("SELECT py_count(%s)", (table,)) == 7
    assert len(calls(db, "execute")) >= 1
    # an ERROR of the wrapper inside PL/Python reaches the caller, and both still work
    failing = make_table(db, table_options="fail_at_row '0'")
    with pytest.raises(psycopg.Error, match="Error in python: KeyError"):
        db.value("SELECT py_count(%s)", (failing,))
    assert db.value("SELECT py_count(%s)", (table,)) == 7
    assert plpython_works(db)
