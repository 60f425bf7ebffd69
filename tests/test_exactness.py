"""Exact answers (issue 9, cases 3-9): a foreign table returns the rows a local table would.

Each test holds a failing input from the issue and the right answer, through
real PostgreSQL, the engine, real HTTP and the mock service (or a stub
server where the mock lacks the shape). Pure functions get hypothesis
properties covering the whole kind.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import psycopg  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402

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
    yield service
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA exact CASCADE")
        conn.execute("DROP SERVER exact_srv CASCADE")
        conn.execute("DROP SERVER exact_dict_srv CASCADE")


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


# --- can_limit --------------------------------------------------------------------------------------

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
