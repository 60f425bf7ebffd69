"""The per-backend answer cache (TTL, ETag revalidation, never across credentials) and StatsFDW."""
import hashlib
import time

import psycopg
import pytest
import requests

TOKEN = "tok_cache_A1b2C3"
OTHER_TOKEN = "tok_cache_Z9y8X7"
ROLE = "rc_cache_other"
STATS = ("CREATE FOREIGN TABLE %s (table_name text, requests bigint, rows bigint, bytes bigint, "
         "cache_hits bigint, errors bigint) SERVER stats_srv")


@pytest.fixture(scope="module")
def tables(cluster, service):
    token_url = "%s/_fault/token-sha256-%s" % (service.url,
                                               hashlib.sha256(TOKEN.encode()).hexdigest())
    statements = [
        "DROP SCHEMA IF EXISTS cs CASCADE",
        "DROP SERVER IF EXISTS cs_srv, cs_rest_srv, cs_token_srv, cs_fail_srv, stats_srv CASCADE",
        "DROP ROLE IF EXISTS %s" % ROLE,
        "CREATE SCHEMA cs",
        "CREATE ROLE %s" % ROLE,
        "GRANT USAGE ON SCHEMA cs TO %s" % ROLE,
        "CREATE SERVER cs_srv FOREIGN DATA WRAPPER restcorn "
        "OPTIONS (wrapper 'fdw.DictionaryFDW', url '%s')" % service.url,
        "CREATE SERVER cs_rest_srv FOREIGN DATA WRAPPER restcorn "
        "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % service.url,
        "CREATE SERVER cs_token_srv FOREIGN DATA WRAPPER restcorn "
        "OPTIONS (wrapper 'fdw.DictionaryFDW', url '%s')" % token_url,
        "CREATE USER MAPPING FOR CURRENT_USER SERVER cs_token_srv OPTIONS (token '%s')" % TOKEN,
        "CREATE USER MAPPING FOR %s SERVER cs_token_srv OPTIONS (token '%s')" % (ROLE, OTHER_TOKEN),
        "GRANT USAGE ON FOREIGN SERVER cs_token_srv TO %s" % ROLE,
        "CREATE SERVER stats_srv FOREIGN DATA WRAPPER restcorn OPTIONS (wrapper 'fdw.StatsFDW')",
        STATS % "cs.restcorn_stats",
        "CREATE FOREIGN TABLE cs.cached (id int, word text) SERVER cs_srv "
        "OPTIONS (cache_seconds '60', table_name 'cached')",
        "CREATE FOREIGN TABLE cs.short (id int, word text) SERVER cs_srv "
        "OPTIONS (cache_seconds '0.3', table_name 'short')",
        "CREATE FOREIGN TABLE cs.books (id int OPTIONS (filters 'eq,in'), title text) "
        "SERVER cs_rest_srv OPTIONS (path '/books', "
        "records_path '', pagination 'link', limit_param '_limit', page_size '200', "
        "fields_param '', cache_seconds '0.3', table_name 'books')",
        "CREATE FOREIGN TABLE cs.tokened (id int, word text) SERVER cs_token_srv "
        "OPTIONS (cache_seconds '60', retries '0', table_name 'tokened')",
        "CREATE FOREIGN TABLE cs.counted (id int, word text) SERVER cs_srv "
        "OPTIONS (table_name 'counted')",
        "CREATE FOREIGN TABLE cs.unnamed (id int, word text) SERVER cs_srv",
        "CREATE SERVER cs_fail_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
        "(wrapper 'fdw.DictionaryFDW', url '%s/_fault/status-500-key-cs')" % service.url,
        "CREATE FOREIGN TABLE cs.failing (id int, word text) SERVER cs_fail_srv "
        "OPTIONS (retries '0', table_name 'failing')",
        "GRANT SELECT ON ALL TABLES IN SCHEMA cs TO %s" % ROLE,
    ]
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
    yield
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA cs CASCADE")
        conn.execute("DROP SERVER cs_srv, cs_rest_srv, cs_token_srv, cs_fail_srv, stats_srv "
                     "CASCADE")
        conn.execute("DROP ROLE %s" % ROLE)


@pytest.fixture
def log(service):
    url = service.url + "/_log"
    requests.delete(url).raise_for_status()
    return lambda: requests.get(url).json()["requests"]


def stats(db, name):
    rows = db.rows("SELECT requests, rows, bytes, cache_hits, errors FROM cs.restcorn_stats "
                   "WHERE table_name = %s", (name,))
    names = ("requests", "rows", "bytes", "cache_hits", "errors")
    return dict(zip(names, rows[0])) if rows else None


QUERY = "SELECT id, word FROM cs.%s WHERE id BETWEEN 10 AND 20 ORDER BY id"


def test_a_fresh_answer_is_served_from_the_cache(db, connect, tables, log):
    first = db.rows(QUERY % "cached")
    sent = len(log())
    assert sent == 2  # planning's count, then the records
    assert db.rows(QUERY % "cached") == first
    assert len(log()) == sent
    assert stats(db, "cached")["requests"] == 2 and stats(db, "cached")["cache_hits"] >= 1
    other = connect()  # another backend: its own cache
    assert other.rows(QUERY % "cached") == first
    assert len(log()) == 2 * sent


def test_an_expired_answer_is_revalidated_with_its_etag(db, tables, log):
    first = db.rows(QUERY % "short")
    time.sleep(0.4)
    assert db.rows(QUERY % "short") == first
    scans = [entry for entry in log() if entry["args"].get("limit") != ["0"]]
    assert [entry["status"] for entry in scans] == [200, 304]
    counts = stats(db, "short")
    assert counts["cache_hits"] == 1 and counts["requests"] == 3


def test_without_an_etag_an_expired_answer_is_fetched_again(db, tables, log):
    sql = "SELECT id, title FROM cs.books WHERE id IN (1, 2, 3) ORDER BY id"
    first = db.rows(sql)
    assert db.rows(sql) == first
    time.sleep(0.4)
    assert db.rows(sql) == first
    assert [entry["status"] for entry in log()] == [200, 200]
    assert stats(db, "books")["cache_hits"] == 1


def test_answers_are_never_shared_across_tokens(db, tables):
    rows = db.rows(QUERY % "tokened")
    assert len(rows) == 11 and stats(db, "tokened")["requests"] == 2
    db.execute("SET ROLE %s" % ROLE)  # the same backend, another user mapping
    with pytest.raises(psycopg.Error) as raised:  # the service refuses the other token
        db.rows(QUERY % "tokened")
    assert "HTTP 403" in raised.value.diag.message_primary
    db.execute("RESET ROLE")
    assert stats(db, "tokened")["requests"] == 3
    assert db.rows(QUERY % "tokened") == rows  # the first token's answers, still cached
    assert stats(db, "tokened")["requests"] == 3


def test_the_stats_view_counts_requests_rows_bytes_and_errors(db, connect, tables, log):
    rows = db.rows("SELECT id, word FROM cs.counted WHERE word LIKE 'house%'")
    rows += db.rows("SELECT id, word FROM cs.counted LIMIT 150")
    with pytest.raises(psycopg.Error):
        db.rows("SELECT * FROM cs.failing")
    entries = [entry for entry in log() if "_fault" not in entry["path"]]
    counts = stats(db, "counted")
    assert counts == {"requests": len(entries), "rows": sum(e["rows"] for e in entries),
                      "bytes": sum(e["bytes"] for e in entries), "cache_hits": 0, "errors": 0}
    assert counts["rows"] >= len(rows) > 150
    failing = stats(db, "failing")
    assert (failing["requests"], failing["rows"], failing["errors"]) == (1, 0, 1)
    assert stats(connect(), "counted") is None  # per backend


def test_a_table_without_a_name_shows_its_endpoint(db, tables, service):
    db.rows("SELECT * FROM cs.unnamed WHERE id = 1")
    assert stats(db, service.url + "/words")["requests"] == 2
