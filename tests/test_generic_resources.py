"""fdw.RestFDW over the mock's four other resources, configured by options only, end to end.

Each resource has a table that pushes down and one with pushdown 'false'.
Every pushed filter is checked in the service's request log, every result
against the same query on the pushdown-off table, and every pagination
style walks the whole resource.
"""
import psycopg
import pytest
import requests

RESOURCES = {
    "repos": ("""
        id bigint OPTIONS (filters 'eq,in,lt,le,gt,ge', sortable 'true'),
        name text OPTIONS (filters 'eq,in,lt,le,gt,ge,like:star', sortable 'true') COLLATE "C",
        owner_login text OPTIONS (field 'owner.login', filters 'eq,in,like:star') COLLATE "C",
        language text OPTIONS (filters 'eq,in'),
        stars int OPTIONS (filters 'eq,in,lt,le,gt,ge', sortable 'true'),
        topics jsonb,
        created_at timestamptz OPTIONS (filters 'ge,lt'),
        archived boolean OPTIONS (filters 'eq'),
        doc jsonb OPTIONS (field '*')
    """, """path '/repos', records_path 'data.items', pagination 'cursor',
            cursor_path 'meta.next_cursor', limit_param 'per_page', page_size '100',
            filter_style 'prefix_op', sort_style 'dot', fields_param '', null_order 'larger'"""),
    "books": ("""
        id int OPTIONS (filters 'eq,in', sortable 'true'),
        title text OPTIONS (filters 'ilike:contains=title_like', sortable 'true') COLLATE "C",
        author text OPTIONS (filters 'eq,in'),
        year int OPTIONS (filters 'lt,le,gt,ge', sortable 'true'),
        isbn text,
        price numeric,
        tags text[]
    """, """path '/books', records_path '', pagination 'link', limit_param '_limit',
            page_size '200', sort_style 'separate', sort_param '_sort', direction_param '_order',
            fields_param '', null_order 'larger'"""),
    "countries": ("""
        code text OPTIONS (filters 'in:join') COLLATE "C",
        name text OPTIONS (filters 'like:prefix=name_startswith', sortable 'true') COLLATE "C",
        region text OPTIONS (filters 'eq'),
        population bigint OPTIONS (filters 'ge=population_min,le=population_max', sortable 'true'),
        area_km2 double precision,
        languages text[],
        capital_name text OPTIONS (field 'capital.name'),
        capital jsonb
    """, """path '/countries/{code}', collection_path '/countries', records_path 'results',
            pagination 'page', limit_param 'page_size', page_size '100', total_key 'count',
            sort_param 'sort', max_sort_keys '1', repeat_filters 'false', fields_param '',
            null_order 'larger'"""),
    "events": ("""
        id int,
        kind text OPTIONS (filters 'eq,in'),
        at timestamptz OPTIONS (filters 'ge,lt'),
        payload jsonb,
        severity text OPTIONS (field 'payload.severity')
    """, """path '/events', records_path 'items', pagination 'next_url', next_path 'next',
            page_size '500', fields_param '', sort_param '', missing_fields 'null'"""),
}
SIZES = {"repos": 1500, "books": 1000, "countries": 200, "events": 3000}


@pytest.fixture(scope="module")
def tables(cluster, service):
    """gen.<resource> (pushdown) and gen.<resource>_nopush for each resource."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS gen CASCADE")
        conn.execute("DROP SERVER IF EXISTS gen_srv CASCADE")
        conn.execute("CREATE SCHEMA gen")
        conn.execute("CREATE SERVER gen_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % service.url)
        for name, (columns, options) in RESOURCES.items():
            conn.execute("CREATE FOREIGN TABLE gen.%s (%s) SERVER gen_srv OPTIONS (%s)"
                         % (name, columns, options))
            conn.execute("CREATE FOREIGN TABLE gen.%s_nopush (%s) SERVER gen_srv "
                         "OPTIONS (%s, pushdown 'false')" % (name, columns, options))
    yield
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA gen CASCADE")
        conn.execute("DROP SERVER gen_srv CASCADE")


class Log:
    def __init__(self, url):
        self.url = url + "/_log"

    def clear(self):
        requests.delete(self.url).raise_for_status()

    def entries(self, path=None):
        """The requests for records (planning's count requests, page_size=1, left out)."""
        found = requests.get(self.url).json()["requests"]
        return [e for e in found if (path is None or e["path"] == path)
                and e["args"].get("page_size") != ["1"]]


@pytest.fixture
def log(service):
    request_log = Log(service.url)
    request_log.clear()
    return request_log


def same_as_without_pushdown(db, resource, where, columns="*", order="id"):
    sql = "SELECT {} FROM gen.{} WHERE {} ORDER BY {}"
    pushed = db.rows(sql.format(columns, resource, where, order))
    plain = db.rows(sql.format(columns, resource + "_nopush", where, order))
    assert pushed == plain
    return pushed


# --- every pagination style walks every record ---------------------------------------------------

@pytest.mark.parametrize("resource", sorted(SIZES))
def test_each_pagination_style_walks_all_records(db, tables, log, resource):
    key = "code" if resource == "countries" else "id"
    rows = db.rows("SELECT %s FROM gen.%s_nopush" % (key, resource))
    assert len(rows) == len(set(rows)) == SIZES[resource]
    entries = log.entries("/" + resource)
    assert all(entry["status"] == 200 for entry in entries)
    assert sum(entry["rows"] for entry in entries) == SIZES[resource]


def test_cursor_pages_follow_the_cursor(db, tables, log):
    db.rows("SELECT id FROM gen.repos_nopush")
    entries = log.entries("/repos")
    assert len(entries) == 15
    assert "cursor" not in entries[0]["args"]
    assert all(entry["args"]["per_page"] == ["100"] and "cursor" in entry["args"]
               for entry in entries[1:])


def test_link_header_pages_stay_on_the_service(db, tables, log):
    db.rows("SELECT id FROM gen.books_nopush")
    assert [entry["args"].get("_page") for entry in log.entries("/books")] == [
        None, ["2"], ["3"], ["4"], ["5"]]


def test_page_numbers_stop_at_the_count(db, tables, log):
    db.rows("SELECT code FROM gen.countries_nopush")
    assert [entry["args"]["page"] for entry in log.entries("/countries")] == [["1"], ["2"]]


def test_next_urls_in_the_body(db, tables, log):
    db.rows("SELECT id FROM gen.events_nopush")
    entries = log.entries("/events")
    assert len(entries) == 6
    assert [entry["args"].get("after") for entry in entries[:2]] == [None, ["500"]]


@pytest.mark.parametrize("resource", ["repos", "books", "countries", "events"])
def test_paging_is_lazy(db, tables, log, resource):
    assert len(db.rows("SELECT * FROM gen.%s_nopush LIMIT 3" % resource)) == 3
    assert len(log.entries("/" + resource)) == 1


def test_next_page_only_when_needed(db, tables, log):
    """The first page (100 records) and the second; the third is sent ahead while the second
    is read (fdw/pagination.py), and dropped unread when the LIMIT ends the scan."""
    assert len(db.rows("SELECT * FROM gen.repos_nopush LIMIT 50")) == 50
    assert len(log.entries("/repos")) == 1
    assert len(db.rows("SELECT * FROM gen.repos_nopush LIMIT 150")) == 150
    assert len(log.entries("/repos")) in (3, 4)


# --- repos: operator-prefixed filters, nested fields, cursor --------------------------------------

@pytest.mark.parametrize("where, args", [
    ("id = 42", {"id": ["eq.42"]}),
    ("id IN (5, 3, 1000)", {"id": ["in.(5,3,1000)"]}),
    ("stars BETWEEN 100 AND 400", {"stars": ["gte.100", "lte.400"]}),
    ("stars > 1000 AND id < 700", {"stars": ["gt.1000"], "id": ["lt.700"]}),
    ("owner_login = 'alice'", {"owner.login": ["eq.alice"]}),
    ("owner_login IN ('bob', 'carol')", {"owner.login": ["in.(bob,carol)"]}),
    ("name LIKE '%corn%'", {"name": ["like.*corn*"]}),
    ("name LIKE 'unicorn-%'", {"name": ["like.unicorn-*"]}),
    ("name LIKE '%c_rn%'", {"name": ["like.*c*rn*"]}),
    ("language IN ('Go', 'Rust')", {"language": ["in.(Go,Rust)"]}),
    ("archived = true", {"archived": ["eq.true"]}),
    ("archived = false AND stars >= 50", {"stars": ["gte.50"]}),  # PostgreSQL makes it NOT archived
    ("created_at >= '2020-01-01' AND created_at < '2020-03-01'",
     {"created_at": ["gte.2020-01-01T00:00:00+00:00", "lt.2020-03-01T00:00:00+00:00"]}),
    ("name IN ('a,b', 'x\"y', 'unicorn-tiz')", {"name": ['in.("a,b","x\\"y",unicorn-tiz)']}),
])
def test_repos_filters(db, tables, log, where, args):
    db.execute("SET TimeZone = 'UTC'")
    same_as_without_pushdown(db, "repos", where)
    first = log.entries("/repos")[0]["args"]
    for name, values in args.items():
        assert sorted(first[name]) == sorted(values), first


def test_repos_nested_and_whole_record_columns(db, tables):
    rows = db.rows("SELECT owner_login, doc FROM gen.repos WHERE id = 7")
    login, doc = rows[0]
    assert doc["id"] == 7 and doc["owner"]["login"] == login
    assert db.rows("SELECT doc FROM gen.repos WHERE id <= 3 ORDER BY id") == db.rows(
        "SELECT doc FROM gen.repos_nopush WHERE id <= 3 ORDER BY id")


def test_repos_sort_is_pushed_and_exact(db, tables, log):
    sql = "SELECT id, stars FROM gen.%s ORDER BY stars DESC, id LIMIT 20"
    assert db.rows(sql % "repos") == db.rows(sql % "repos_nopush")
    assert log.entries("/repos")[0]["args"]["order"] == ["stars.desc,id.asc"]
    plan = db.plan(sql % "repos")
    assert "Sort" not in plan.split("Foreign Scan")[0]


# --- books: a bare array, suffixed filters, separate sort parameters, Link header -----------------

@pytest.mark.parametrize("where, args", [
    ("id IN (3, 9, 27)", {"id": ["3", "9", "27"]}),
    ("year >= 1990 AND year < 2000", {"year_gte": ["1990"], "year_lt": ["2000"]}),
    ("year BETWEEN 1900 AND 1905", {"year_gte": ["1900"], "year_lte": ["1905"]}),
    ("title ILIKE '%the%'", {"title_like": ["the"]}),
    ("title ILIKE 'the%of%'", {"title_like": ["the"]}),
    ("title ILIKE '%AGAIN'", {"title_like": ["AGAIN"]}),
    ("title LIKE '%The%'", {}),  # case-sensitive: the service only compares lower-cased
])
@pytest.mark.engine_facts
def test_books_filters(db, tables, log, where, args):
    same_as_without_pushdown(db, "books", where)
    first = log.entries("/books")[0]["args"]
    for name, values in args.items():
        assert sorted(first[name]) == sorted(values), first
    if not args:
        assert "title_like" not in first


def test_books_author_equality(db, tables, log):
    author = db.value("SELECT author FROM gen.books_nopush WHERE id = 10")
    log.clear()
    rows = same_as_without_pushdown(db, "books", "author = '%s'" % author.replace("'", "''"))
    assert rows and log.entries("/books")[0]["args"]["author"] == [author]


def test_books_sort_is_pushed(db, tables, log):
    sql = "SELECT id, year FROM gen.%s WHERE year > 2010 ORDER BY year DESC, id"
    assert db.rows(sql % "books") == db.rows(sql % "books_nopush")
    args = log.entries("/books")[0]["args"]
    assert (args["_sort"], args["_order"]) == (["year,id"], ["desc,asc"])


# --- countries: page numbers, one record by path, comma-joined IN ---------------------------------

@pytest.mark.parametrize("where, args", [
    ("region = 'Asia'", {"region": ["Asia"]}),
    ("code IN ('AB', 'AC', 'ZZ')", {"code": ["AB,AC,ZZ"]}),
    ("population >= 1000000 AND population <= 5000000",
     {"population_min": ["1000000"], "population_max": ["5000000"]}),
    ("population >= 10 AND population >= 1000000", {"population_min": ["10"]}),
    ("name LIKE 'Br%'", {"name_startswith": ["Br"]}),
    ("name LIKE 'B%ia'", {"name_startswith": ["B"]}),
    ("name LIKE '%land'", {}),
    ("code IN ('A,B', 'AC')", {}),  # a value holding the separator: not pushed
])
def test_countries_filters(db, tables, log, where, args):
    same_as_without_pushdown(db, "countries", where, order="code")
    entries = log.entries("/countries")
    for name, values in args.items():
        assert entries[0]["args"][name] == values, entries[0]
    if not args:
        assert set(entries[0]["args"]) == {"page", "page_size"}


def test_countries_one_record_by_path(db, tables, log):
    row = db.rows("SELECT * FROM gen.countries WHERE code = 'AB'")
    assert [(e["path"], e["args"]) for e in log.entries()] == [("/countries/AB", {})]
    assert row == db.rows("SELECT * FROM gen.countries_nopush WHERE code = 'AB'") and len(row) == 1
    assert "rows=1 " in db.plan("SELECT * FROM gen.countries WHERE code = 'AB'")


def test_countries_unknown_code_is_no_row(db, tables, log):
    assert db.rows("SELECT * FROM gen.countries WHERE code = 'ZZ'") == []
    assert [(e["path"], e["status"]) for e in log.entries()] == [("/countries/ZZ", 404)]


@pytest.mark.parametrize("value", ["a/b", "..", ".", "", "?x=1", "%2F", "#frag", "A B", "../words",
                                   "AB/../AC", "é"])
def test_countries_path_values_cannot_change_the_path(db, tables, log, value):
    sql = "SELECT code, name FROM gen.%s WHERE code = %%s"
    assert db.rows(sql % "countries", (value,)) == db.rows(sql % "countries_nopush", (value,)) == []
    assert all(entry["path"].startswith("/countries") for entry in log.entries())
    assert not log.entries("/words")


def test_countries_sort_pushes_one_key(db, tables, log):
    sql = "SELECT code, population FROM gen.%s ORDER BY population DESC"
    assert db.rows(sql % "countries") == db.rows(sql % "countries_nopush")
    assert log.entries("/countries")[0]["args"]["sort"] == ["-population"]
    sql = "SELECT name, population FROM gen.%s WHERE region = 'Europe' ORDER BY name, population"
    assert db.rows(sql % "countries") == db.rows(sql % "countries_nopush")


def test_countries_nested_field(db, tables):
    (name, capital), = db.rows("SELECT capital_name, capital FROM gen.countries WHERE code = 'AC'")
    assert name == capital["name"]


def test_path_template_without_collection_needs_the_equality(db, tables, service):
    columns, options = RESOURCES["countries"]
    options = options.replace("collection_path '/countries',", "")
    db.execute("CREATE FOREIGN TABLE gen.country_only (%s) SERVER gen_srv OPTIONS (%s)"
               % (columns, options))
    assert len(db.rows("SELECT * FROM gen.country_only WHERE code = 'AA'")) == 1
    with pytest.raises(psycopg.Error) as raised:
        db.rows("SELECT * FROM gen.country_only WHERE region = 'Asia'")
    diag = raised.value.diag
    assert diag.message_primary == ("the path /countries/{code} needs WHERE code = ... "
                                    "(with a value that can be a path segment)")
    assert "collection_path" in diag.message_hint


# --- events: next URL in the body, timestamps, nested JSON ----------------------------------------

@pytest.mark.parametrize("where, args", [
    ("kind = 'deploy'", {"kind": ["deploy"]}),
    ("kind IN ('alert', 'login')", {"kind": ["alert", "login"]}),
    ("at >= '2021-01-10' AND at < '2021-01-11'",
     {"at_gte": ["2021-01-10T00:00:00+00:00"], "at_lt": ["2021-01-11T00:00:00+00:00"]}),
    ("kind = 'alert' AND severity = 'critical'", {"kind": ["alert"]}),
])
def test_events_filters(db, tables, log, where, args):
    db.execute("SET TimeZone = 'UTC'")
    same_as_without_pushdown(db, "events", where)
    first = log.entries("/events")[0]["args"]
    for name, values in args.items():
        assert sorted(first[name]) == sorted(values), first


def test_events_follow_next_urls_with_filters(db, tables, log):
    rows = db.rows("SELECT id, kind FROM gen.events WHERE kind IN ('push', 'login') ORDER BY id")
    entries = log.entries("/events")
    assert len(rows) > 1000 and len(entries) >= 3
    assert all(sorted(entry["args"]["kind"]) == ["login", "push"] for entry in entries)
    assert rows == db.rows("SELECT id, kind FROM gen.events_nopush WHERE kind IN ('push', 'login') "
                           "ORDER BY id")
