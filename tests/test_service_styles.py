"""The mock's Datasette-style and GitHub-style resources through foreign tables, by options only.

Datasette: a fixed ``_shape=objects`` (the query option), ``__gte``-style
filters, ``_sort`` / ``_sort_desc`` (sort_style direction), ``_next``
cursors, pages capped at 1,000, the count in the body used by count(*).
GitHub: a required ``q`` (a query_param column), pages capped at 100 with a
Link header, the count in ``total_count``. Every result is compared with
the same words in a local table.
"""
import psycopg
import pytest
import requests

DATASETTE = """
    id int OPTIONS (filters 'eq,in,lt,le,gt,ge', sortable 'true'),
    word text OPTIONS (filters 'eq,in,lt,le,gt,ge,like:prefix', sortable 'true') COLLATE "C",
    length int OPTIONS (filters 'eq,in,lt,le,gt,ge', sortable 'true')
""", """path '/datasette/words.json', query '_shape=objects', records_path 'rows',
        total_key 'filtered_table_rows_count', pagination 'cursor', cursor_param '_next',
        cursor_path 'next', limit_param '_size', page_size '5000', fields_param '',
        op_names 'eq=__exact,in=__in,lt=__lt,le=__lte,gt=__gt,ge=__gte,like:prefix=__startswith',
        in_style 'join', repeat_filters 'false', sort_style 'direction', sort_param '_sort',
        direction_param '_sort_desc', null_order 'none'"""
GITHUB = """
    q text OPTIONS (query_param 'q'),
    id int,
    word text COLLATE "C",
    length int OPTIONS (sortable 'true')
""", """path '/github/search/words', records_path 'items', total_key 'total_count',
        pagination 'link', limit_param 'per_page', page_size '1000', fields_param '',
        sort_style 'separate', sort_param 'sort', direction_param 'order', max_sort_keys '1',
        null_order 'none'"""


class Log:
    def __init__(self, url):
        self.url = url + "/_log"

    def clear(self):
        requests.delete(self.url).raise_for_status()

    def entries(self, prefix):
        return [e for e in requests.get(self.url).json()["requests"] if e["path"].startswith(prefix)]


@pytest.fixture
def log(service):
    request_log = Log(service.url)
    request_log.clear()
    return request_log


@pytest.fixture(scope="module")
def tables(cluster, service, words):
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS styles CASCADE")
        conn.execute("DROP SERVER IF EXISTS styles_srv CASCADE")
        conn.execute("CREATE SCHEMA styles")
        conn.execute("CREATE SERVER styles_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % service.url)
        conn.execute('CREATE TABLE styles.local (id int, word text COLLATE "C", length int)')
        with conn.cursor().copy("COPY styles.local FROM STDIN") as copy:
            for number, word in enumerate(words, 1):
                copy.write_row((number, word, len(word)))
        for name, (columns, options) in (("datasette", DATASETTE), ("github", GITHUB)):
            conn.execute("CREATE FOREIGN TABLE styles.%s (%s) SERVER styles_srv OPTIONS (%s)"
                         % (name, columns, options))
    yield
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA styles CASCADE")
        conn.execute("DROP SERVER styles_srv CASCADE")


def same_as_local(db, name, query, local_query=None, params=None):
    remote = db.rows(query.format(table="styles." + name), params)
    assert remote == db.rows((local_query or query).format(table="styles.local"), params)
    return remote


# --- Datasette style -------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "SELECT id, word FROM {table} WHERE id IN (1, 5, 70000) ORDER BY id",
    "SELECT id FROM {table} WHERE id > 100 AND id >= 50 AND id < 130 ORDER BY id",
    "SELECT word FROM {table} WHERE word LIKE 'zo%' ORDER BY word",
    "SELECT word FROM {table} WHERE word >= 'x' AND word < 'y' ORDER BY word DESC",
    "SELECT id, length FROM {table} WHERE length = 20 ORDER BY length DESC, id",
    "SELECT id FROM {table} WHERE word = 'zebra'",
    "SELECT count(*) FROM {table} WHERE length >= 3",
])
def test_datasette_same_as_local(db, tables, query):
    same_as_local(db, "datasette", query)


def test_datasette_reads_capped_pages_to_the_end(db, tables, log, words):
    assert db.value("SELECT count(id) FROM styles.datasette") == len(words)
    entries = log.entries("/datasette")
    assert all(entry["args"]["_shape"] == ["objects"] for entry in entries)
    assert max(entry["rows"] for entry in entries) == 1000  # capped; 5,000 asked for


def test_datasette_count_uses_the_body_count(db, tables, log):
    """Was 105 requests: the count in the body is read in cursor style too."""
    same_as_local(db, "datasette", "SELECT count(*) FROM {table}")
    assert len(log.entries("/datasette")) <= 2


def test_datasette_sorts_by_direction_parameter(db, tables, log):
    same_as_local(db, "datasette", "SELECT word FROM {table} WHERE id < 50 ORDER BY word DESC")
    assert log.entries("/datasette")[-1]["args"]["_sort_desc"] == ["word"]


# --- GitHub style ----------------------------------------------------------------------------

SEARCH = "SELECT q, id, word, length FROM {table} WHERE q = %s ORDER BY id"
LOCAL_SEARCH = ("SELECT %s::text, id, word, length FROM {table} WHERE strpos(word, %s) > 0 "
                "ORDER BY id")


@pytest.mark.parametrize("text", ["zz", "ab", "ing", "'s", "Q", "nothing-matches"])
def test_github_required_parameter_from_equality(db, tables, text):
    remote = db.rows(SEARCH.format(table="styles.github"), [text])
    assert remote == db.rows(LOCAL_SEARCH.format(table="styles.local"), [text, text])


def test_github_pages_capped_at_100_follow_link(db, tables, log):
    rows = db.rows(SEARCH.format(table="styles.github"), ["ab"])
    assert len(rows) > 300
    entries = log.entries("/github")
    assert entries and all(entry["rows"] <= 100 for entry in entries)
    assert all(entry["args"]["q"] == ["ab"] for entry in entries)


def test_github_exactly_one_full_page_ends_at_the_count(db, tables, words):
    """A full first page without a Link header is the end when the count says so."""
    text = "edg"
    assert sum(text in word for word in words) == 100
    db.execute("CREATE FOREIGN TABLE styles.github100 (%s) SERVER styles_srv OPTIONS (%s, "
               "page_size '100')" % (GITHUB[0], GITHUB[1].replace("page_size '1000', ", "")))
    remote = db.rows(SEARCH.format(table="styles.github100"), [text])
    assert remote == db.rows(LOCAL_SEARCH.format(table="styles.local"), [text, text])


def test_github_sort_by_length(db, tables):
    same_as_local(db, "github",
                  "SELECT length FROM {table} WHERE q = 'ab' ORDER BY length DESC",
                  "SELECT length FROM {table} WHERE strpos(word, 'ab') > 0 ORDER BY length DESC")


def test_github_without_the_parameter_is_an_error(db, tables, log):
    with pytest.raises(psycopg.Error) as raised:
        db.rows("SELECT * FROM styles.github WHERE word = 'a'")
    assert raised.value.diag.message_primary.startswith("the table ")
    assert "needs WHERE q = ..." in raised.value.diag.message_primary
    assert log.entries("/github") == []


def test_github_join_to_a_local_list_of_searches(db, tables):
    """A parameterized scan: each outer q becomes the parameter of its own requests."""
    db.execute("CREATE TEMP TABLE searches (q text)")
    db.execute("INSERT INTO searches VALUES ('zz'), ('qu'), ('xy')")
    remote = db.rows("SELECT s.q, g.id FROM searches s JOIN styles.github g ON g.q = s.q "
                     "ORDER BY 1, 2")
    local = db.rows("SELECT s.q, l.id FROM searches s JOIN styles.local l "
                    "ON strpos(l.word, s.q) > 0 ORDER BY 1, 2")
    assert remote == local
