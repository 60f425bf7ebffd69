"""rate_limit: one request schedule per service for every backend of the cluster (fdw/ratelimit.py).

Through real PostgreSQL sessions against a stub service that records when
each request arrived: sessions sharing a limit never put more than the limit
into any window, a Retry-After one backend gets holds the others too, and a
wait for a turn ends with statement_timeout or a cancel.
"""
import json
import threading
import time

import psycopg
import pytest

from fdw.ratelimit import parse_rate_limit, spacing
from tests.stub_http import StubHandler, serve

RECORDS = [{"id": number, "word": "word-%d" % number} for number in range(1, 6)]


class Service(StubHandler):
    """Answers every GET with RECORDS (a bare array); the first ``refuse`` get a 429."""

    arrivals = []
    refuse = 0
    retry_after = "1"
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 (the standard library's name)
        with self.lock:
            type(self).arrivals.append(time.monotonic())
            refused = len(self.arrivals) <= self.refuse
        if refused:
            self.answer(429, {"error": "slow down"}, [("Retry-After", self.retry_after)])
        else:
            self.answer(200, RECORDS)

    def answer(self, status, body, headers=()):
        self.send_body(status, json.dumps(body).encode(), headers=dict(headers))


@pytest.fixture
def stub():
    """A fresh stub class (its own arrivals) served on a free port: (class, url)."""
    handler = type("StubService", (Service,), {"arrivals": [], "refuse": 0})
    with serve(handler) as url:
        yield handler, url


def make_table(db, url, rate_limit, name="limited"):
    db.execute("DROP SERVER IF EXISTS %s_srv CASCADE" % name)
    db.execute("CREATE SERVER %s_srv FOREIGN DATA WRAPPER restcorn OPTIONS (wrapper 'fdw.RestFDW', "
               "url '%s', rate_limit '%s')" % (name, url, rate_limit))
    db.execute("CREATE FOREIGN TABLE %s (id int, word text) SERVER %s_srv OPTIONS (path '/words', "
               "records_path '', pagination 'none', fields_param '', retry_max_seconds '10')"
               % (name, name))


def test_parse_rate_limit():
    assert parse_rate_limit("50/s") == (50, 1.0)
    assert parse_rate_limit("3000 / min") == (3000, 60.0)
    assert parse_rate_limit("5000/Hour") == (5000, 3600.0)
    assert parse_rate_limit("") is None
    for bad in ("0/s", "fast", "50", "50/day", "-1/s", "1.5/s"):
        with pytest.raises(ValueError, match="must be <count>/<unit>"):
            parse_rate_limit(bad)
    assert spacing((50, 1.0)) == pytest.approx(0.021)


def test_a_bad_rate_limit_is_an_error_naming_it(db, stub):
    _, url = stub
    make_table(db, url, "lots")
    with pytest.raises(psycopg.Error, match="rate_limit"):
        db.execute("SELECT * FROM limited")
    db.execute("DROP SERVER limited_srv CASCADE")


def test_sessions_share_one_rate(db, connect, stub):
    handler, url = stub
    make_table(db, url, "20/s")
    sessions = [connect() for _ in range(4)]
    answers, errors = [], []

    def run(conn):
        try:
            for _ in range(10):  # each query: one request (pagination none, no count)
                answers.append(conn.rows("SELECT id, word FROM limited ORDER BY id"))
        except psycopg.Error as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(conn,)) for conn in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers == [[(r["id"], r["word"]) for r in RECORDS]] * 40
    arrivals = sorted(handler.arrivals)
    assert len(arrivals) == 40
    # Never more than 20 requests in any one-second window, across all four backends.
    assert all(later - first >= 1.0 for first, later in zip(arrivals, arrivals[20:]))
    db.execute("DROP SERVER limited_srv CASCADE")


def test_retry_after_holds_every_backend(db, connect, stub):
    handler, url = stub
    handler.refuse, handler.retry_after = 1, "2"
    make_table(db, url, "100/s")
    first, second = connect(), connect()
    results = {}
    thread = threading.Thread(target=lambda: results.update(first=first.rows("SELECT id FROM limited")))
    thread.start()
    while not handler.arrivals:  # the 429 with Retry-After: 2 went to the first backend
        time.sleep(0.01)
    refused_at = handler.arrivals[0]
    assert second.rows("SELECT id FROM limited") == [(r["id"],) for r in RECORDS]
    thread.join()
    assert results["first"] == [(r["id"],) for r in RECORDS]
    # The second backend never got the 429, yet it waited for the Retry-After too.
    assert len(handler.arrivals) == 3
    assert min(handler.arrivals[1:]) >= refused_at + 2
    db.execute("DROP SERVER limited_srv CASCADE")


def test_a_wait_for_a_turn_ends_with_statement_timeout_and_cancel(db, stub, cancel_soon):
    handler, url = stub
    make_table(db, url, "1/hour")
    db.execute("ALTER FOREIGN TABLE limited OPTIONS (SET retry_max_seconds '7200')")  # may wait
    assert len(db.rows("SELECT * FROM limited")) == 5  # the hour's one turn
    db.execute("SET statement_timeout = '500ms'")
    with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
        db.execute("SELECT * FROM limited")
    db.execute("RESET statement_timeout")
    with cancel_soon(db):
        with pytest.raises(psycopg.errors.QueryCanceled, match="canceling statement due to user"):
            db.execute("SELECT * FROM limited")
    assert db.value("SELECT 1") == 1  # the session goes on
    assert len(handler.arrivals) == 1
    db.execute("DROP SERVER limited_srv CASCADE")
