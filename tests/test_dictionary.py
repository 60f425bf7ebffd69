"""The dictionary end to end: psql-style queries through the engine, the real
wrapper, real HTTP and the real mock service; results checked against a direct
read of the word list, pushdown checked in the service's request log."""
import os
import re
import socket

import pytest
import requests

from tools.service import Service



@pytest.fixture(scope="module")
def tables(cluster, service):
    """`dictionary` (pushdown) and `dictionary_nopush` (pushdown off) in their own schema."""
    import psycopg

    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS dict CASCADE")
        conn.execute("DROP SERVER IF EXISTS dict_srv CASCADE")
        conn.execute("CREATE SCHEMA dict")
        conn.execute("CREATE SERVER dict_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
                     "(wrapper 'fdw.DictionaryFDW', url '%s')" % service.url)
        conn.execute('CREATE FOREIGN TABLE dict.dictionary (id int, word varchar COLLATE "C") '
                     "SERVER dict_srv")
        conn.execute('CREATE FOREIGN TABLE dict.dictionary_nopush (id int, word varchar COLLATE "C") '
                     "SERVER dict_srv OPTIONS (pushdown 'false')")
    return "dict.dictionary"


class RequestLog:
    """The mock service's log of requests, read over HTTP."""

    def __init__(self, url):
        self.url = url + "/_log"

    def clear(self):
        requests.delete(self.url).raise_for_status()

    def entries(self):
        """The requests for records (planning's count requests, limit=0, left out)."""
        return [e for e in requests.get(self.url).json()["requests"]
                if e["path"] == "/words" and e["args"].get("limit") != ["0"]]


@pytest.fixture
def log(service):
    request_log = RequestLog(service.url)
    request_log.clear()
    return request_log


def run(db, sql, params=None):
    return db.rows(sql, params)


# --- the article's queries, exactly ----------------------------------------------------------

@pytest.mark.engine_facts
def test_limit_offset_like_the_article(db, tables, words, log):
    rows = run(db, "SELECT * FROM dict.dictionary LIMIT 5 OFFSET 9000")
    assert rows == [(i + 1, words[i]) for i in range(9000, 9005)]
    (request,) = log.entries()
    assert request["args"]["limit"] == ["5"] and request["args"]["offset"] == ["9000"]
    assert request["rows"] == 5


def test_like_contains_like_the_article(db, tables, words, log):
    rows = run(db, "SELECT * FROM dict.dictionary WHERE word LIKE '%house%'")
    assert sorted(rows) == [(i + 1, w) for i, w in enumerate(words) if "house" in w]
    assert all(e["args"]["word_like"] == ["%house%"] for e in log.entries())
    assert sum(e["rows"] for e in log.entries()) == len(rows) < 1000


@pytest.mark.engine_facts
def test_count_of_all_words(db, tables, words, log):
    assert db.value("SELECT count(*) FROM dict.dictionary") == len(words)
    assert sum(e["rows"] for e in log.entries()) == 0  # the service's total is enough


def test_full_scan_returns_every_word_in_few_requests(db, tables, words, log):
    rows = run(db, "SELECT id, word FROM dict.dictionary")
    assert rows == [(i + 1, w) for i, w in enumerate(words)]
    assert len(log.entries()) <= 15


# --- each pushdown in the request log ---------------------------------------------------------

@pytest.mark.parametrize("sql, args, max_rows", [
    ("SELECT * FROM dict.dictionary WHERE id = 42", {"id": ["42"]}, 1),
    ("SELECT * FROM dict.dictionary WHERE id IN (3, 1, 2)", {"id": ["1", "2", "3"]}, 3),
    ("SELECT * FROM dict.dictionary WHERE id = ANY(ARRAY[7, 9])", {"id": ["7", "9"]}, 2),
    ("SELECT * FROM dict.dictionary WHERE id BETWEEN 1000 AND 2000",
     {"id_gte": ["1000"], "id_lte": ["2000"]}, 1001),
    ("SELECT * FROM dict.dictionary WHERE id > 104000 AND id < 104100",
     {"id_gt": ["104000"], "id_lt": ["104100"]}, 99),
    ("SELECT * FROM dict.dictionary WHERE word = 'house'", {"word": ["house"]}, 1),
    ("SELECT * FROM dict.dictionary WHERE word LIKE 'house%'", {"word_like": ["house%"]}, 200),
    ("SELECT * FROM dict.dictionary WHERE word LIKE '%house'", {"word_like": ["%house"]}, 200),
    ("SELECT * FROM dict.dictionary WHERE word ILIKE '%HOUSE%'", {"word_ilike": ["%HOUSE%"]}, 300),
    ("SELECT word FROM dict.dictionary ORDER BY word DESC LIMIT 10",
     {"order": ["-word"], "limit": ["10"], "fields": ["word"]}, 10),
    ("SELECT id FROM dict.dictionary ORDER BY id DESC LIMIT 3 OFFSET 2",
     {"order": ["-id"], "limit": ["3"], "offset": ["2"], "fields": ["id"]}, 3),
])
@pytest.mark.engine_facts
def test_pushdown_is_seen_by_the_service(db, tables, log, sql, args, max_rows):
    rows = run(db, sql)
    entries = log.entries()
    assert entries, "no request reached the service"
    first = entries[0]["args"]
    for name, values in args.items():
        assert sorted(first.get(name, [])) == sorted(values), (name, first)
    assert sum(e["rows"] for e in entries) == len(rows) <= max_rows


@pytest.mark.engine_facts
def test_only_needed_columns_are_requested(db, tables, log):
    run(db, "SELECT word FROM dict.dictionary WHERE id < 5")
    assert log.entries()[0]["args"]["fields"] == ["id,word"]
    run(db, "SELECT word FROM dict.dictionary WHERE word LIKE 'zo%'")
    assert log.entries()[-1]["args"]["fields"] == ["word"]


@pytest.mark.engine_facts
def test_sorts_and_limits_are_exact(db, tables, words):
    ordered = sorted(words)  # code point order, the C collation's
    assert [r[0] for r in run(db, "SELECT word FROM dict.dictionary ORDER BY word DESC LIMIT 10")] \
        == ordered[::-1][:10]
    assert [r[0] for r in run(db, "SELECT word FROM dict.dictionary ORDER BY word LIMIT 4 OFFSET 100")] \
        == ordered[100:104]
    plan = db.plan("SELECT word FROM dict.dictionary ORDER BY word DESC LIMIT 10")
    assert "Sort" not in plan.split("Multicorn")[0] and "Limit" not in plan


def test_paging_is_lazy(db, tables, log):
    assert len(run(db, "SELECT * FROM dict.dictionary WHERE word LIKE '%e%' LIMIT 5")) == 5
    (request,) = log.entries()
    assert int(request["args"]["limit"][0]) <= 100
    log.clear()
    assert db.value("SELECT EXISTS (SELECT 1 FROM dict.dictionary WHERE word LIKE '%a%')")
    assert len(log.entries()) == 1


def test_planner_estimates_come_from_the_service(db, tables, words):
    assert re.search(r"rows=1 ", db.plan("SELECT * FROM dict.dictionary WHERE id = 42"))
    assert "rows=%d " % len(words) in db.plan("SELECT * FROM dict.dictionary")


def test_explain_shows_the_request(db, tables, service):
    plan = db.plan("SELECT * FROM dict.dictionary WHERE word LIKE '%house%'")
    assert "Multicorn: GET %s/words?word_like=%%25house%%25&fields=id%%2Cword" % service.url in plan


def service_connections(db, service):
    """TCP connections the backend has open to the service."""
    pid = db.value("SELECT pg_backend_pid()")
    port = int(service.url.rsplit(":", 1)[1])
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    with open("/proc/net/tcp") as tcp:
        for line in tcp.readlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].split(":")[1], 16)
            if remote_port == port and fields[9] in inodes and fields[3] == "01":
                count += 1
    return count


def test_one_connection_is_reused_across_queries(db, tables, service):
    for i in range(5):
        run(db, "SELECT * FROM dict.dictionary WHERE id = %s", (i + 1,))
    assert service_connections(db, service) == 1


# --- pushdown never changes a result ---------------------------------------------------------

WHERE_CLAUSES = [
    "id = 42", "id IN (1, 5, 104334, 200000)", "id BETWEEN 50000 AND 50100",
    "id > 104300", "id < 3 OR id > 104330", "id <> 7 AND id < 10", "id IS NULL",
    "word = 'house'", "word IN ('house', 'home', 'nope')", "word LIKE 'house%'",
    "word LIKE '%house'", "word LIKE '%house%'", "word LIKE 'h_use%'", "word LIKE '%o_s%e'",
    "word LIKE '%''s'", "word LIKE '\\%%'", "word LIKE '%\\_%'", "word LIKE '_'",
    "word LIKE '%.%'", "word LIKE '%(%'", "word LIKE 'a%b%c'", "word ILIKE '%HOUSE%'",
    "word ILIKE 'éc%'", "word ILIKE '%ÉE%'", "word LIKE '%é%'", "word NOT LIKE '%e%' AND id < 500",
    "word > 'zz'", "word <= 'A'", "word BETWEEN 'house' AND 'housf'",
    "word = 'a&b=c#d%e/f''g'", "word IN ('x&y', 'naïve', '100%', 'a/b', '?q')",
    "word LIKE 'zo%' AND id > 100000", "lower(word) = 'house'",
]


@pytest.mark.parametrize("where", WHERE_CLAUSES)
def test_results_identical_with_pushdown_off(db, tables, where):
    pushed = run(db, "SELECT id, word FROM dict.dictionary WHERE " + where + " ORDER BY id")
    plain = run(db, "SELECT id, word FROM dict.dictionary_nopush WHERE " + where + " ORDER BY id")
    assert pushed == plain


def test_special_values_reach_the_service_intact(db, tables, log):
    nasty = ["a&b=c#d", "100%", "a/b?x=1", "quote'\"", "naïve café", "x+y z", ";drop"]
    run(db, "SELECT * FROM dict.dictionary WHERE word = ANY(%s)", (nasty,))
    (request,) = log.entries()
    assert sorted(request["args"]["word"]) == sorted(nasty)
    assert set(request["args"]) <= {"word", "fields", "limit", "offset"}


# --- zero options, as in the article ----------------------------------------------------------

def test_zero_option_ddl_from_the_article(db):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 9999)) == 0:
            pytest.skip("port 9999 is taken; the default url cannot be tested here")
    with Service(port=9999):
        db.execute("DROP SERVER IF EXISTS article_srv CASCADE")
        db.execute("CREATE SERVER article_srv FOREIGN DATA WRAPPER restcorn "
                   "OPTIONS (wrapper 'fdw.DictionaryFDW')")
        db.execute("CREATE FOREIGN TABLE article_dictionary (id INT, word VARCHAR) "
                   "SERVER article_srv")
        rows = run(db, "SELECT * FROM article_dictionary LIMIT 5 OFFSET 9000")
        db.execute("DROP SERVER article_srv CASCADE")
    assert [r[0] for r in rows] == [9001, 9002, 9003, 9004, 9005]
