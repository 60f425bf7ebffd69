"""Pages requested ahead: while PostgreSQL uses a page, the next one is already asked for.

Against a stub service (loopback, keep-alive) that logs each request as it
arrives: pages come in order with no request missing or repeated, whatever
the paging style; a wrong guess costs one dropped request and nothing else;
an early request that fails is retried or is the same ERROR as before; a scan
that ends first leaves nothing behind for the next query; a cancel or
statement_timeout ends a wait for an early request.
"""
import json
import os
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import psycopg  # noqa: E402
import pytest  # noqa: E402
from restcorn_engine import ColumnDefinition, MulticornException  # noqa: E402

from fdw import RestFDW, transport  # noqa: E402
from fdw.pagination import READ_BEFORE_SENDING_AHEAD  # noqa: E402
from stub_http import StubHandler, serve  # noqa: E402

RECORDS = [{"id": i, "name": "n%d" % i} for i in range(1, 96)]  # 95: ten pages of 10
COLUMNS = {"id": ColumnDefinition("id", 23, -1, "integer", "integer"),
           "name": ColumnDefinition("name", 25, -1, "text", "text")}
SEEN = []  # (path, query, client port) of every request, as it arrives
FAULTS = {}  # (path, offset) -> what to do, in turn: an HTTP status, "drop" or "slow"
RELEASE = threading.Event()  # ends every "slow" wait


class Handler(StubHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_GET(self):
        parts = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        SEEN.append((parts.path, query, self.client_address[1]))
        size = int(query.get("limit", "10"))
        start = int(query.get("offset", query.get("cursor", "0")))
        if parts.path == "/page":
            start = (int(query["page"]) - 1) * size
        if parts.path == "/capped":  # at most 5, whatever was asked for
            size = min(size, 5)
        fault = FAULTS.get((parts.path, start))
        fault = fault.pop(0) if fault else None
        if fault == "drop":
            self.close_connection = True
            return
        if fault == "slow":
            RELEASE.wait(30)
        page = RECORDS[start:start + size]
        after = start + len(page)
        more = after < len(RECORDS)
        headers = {}
        if parts.path in ("/offset", "/capped", "/slow"):
            body = {"items": page, "total": len(RECORDS)}
        elif parts.path == "/cursor":
            body = {"items": page, "next": str(after) if more else None}
        elif parts.path == "/cursor-loop":  # page 4 sends back to page 2
            body = {"items": page, "next": "10" if start == 30 else str(after)}
        elif parts.path == "/next":
            body = {"items": page, "next": "/next?cursor=%d&limit=%d" % (after, size) if more
                    else None}
        elif parts.path == "/link":
            body = {"items": page}
            if more:
                headers["Link"] = '</link?cursor=%d&limit=%d>; rel="next"' % (after, size)
        elif parts.path == "/page":
            body = {"items": page, "total": len(RECORDS)}
        else:
            body = {"error": "no such path"}
        status = fault if isinstance(fault, int) else 200 if "error" not in body else 404
        data = json.dumps(body if status == 200 else {"error": "failed"}).encode()
        self.send_body(status, data, headers=headers)


@pytest.fixture(scope="module")
def stub():
    with serve(Handler) as url:
        yield url
        RELEASE.set()


@pytest.fixture(autouse=True)
def seen():
    SEEN.clear()
    FAULTS.clear()
    RELEASE.clear()
    while transport._connections:  # each test starts with no connection kept
        transport._connections.popitem()[1].close()
    yield SEEN
    RELEASE.set()


STYLES = {
    "offset": {"path": "/offset", "pagination": "offset"},
    "cursor": {"path": "/cursor", "pagination": "cursor", "cursor_path": "next",
               "cursor_param": "cursor"},
    "next_url": {"path": "/next", "pagination": "next_url", "next_path": "next"},
    "link": {"path": "/link", "pagination": "link"},
    "page": {"path": "/page", "pagination": "page", "total_key": "total"},
}


def wrapper(stub, **options):
    return RestFDW(dict({"url": stub, "page_size": "10", "fields_param": "", "records_path": "items",
                         "use_remote_estimate": "false", "retry_max_seconds": "5"}, **options),
                   COLUMNS)


def settled(count):
    """SEEN once it holds ``count`` requests (the stub logs them in its own threads)."""
    deadline = time.monotonic() + 5
    while len(SEEN) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # and no more
    return SEEN


def starts(requests):
    """The first record (0-based) each logged request asked for."""
    found = []
    for path, query, _ in requests:
        if path == "/page":
            found.append((int(query["page"]) - 1) * 10)
        else:
            found.append(int(query.get("offset", query.get("cursor", "0"))))
    return found


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_style_reads_every_page_once_in_order(stub, style):
    rows = list(wrapper(stub, **STYLES[style]).execute([], {"id", "name"}))
    assert rows == RECORDS
    assert starts(settled(10)) == list(range(0, 95, 10))
    assert len({port for _, _, port in SEEN}) == 1  # one kept-alive connection throughout


@pytest.mark.parametrize("style", sorted(STYLES))
def test_later_pages_are_requested_ahead(stub, style):
    rows = wrapper(stub, **STYLES[style]).execute([], {"id"})
    for _ in range(10 * READ_BEFORE_SENDING_AHEAD):  # the first pages: each when needed
        next(rows)
    assert len(settled(READ_BEFORE_SENDING_AHEAD)) == READ_BEFORE_SENDING_AHEAD
    assert next(rows)["id"] == 10 * READ_BEFORE_SENDING_AHEAD + 1
    # while this page is used, the next one is asked for
    assert len(settled(READ_BEFORE_SENDING_AHEAD + 2)) == READ_BEFORE_SENDING_AHEAD + 2
    assert [row["id"] for row in rows] == list(range(10 * READ_BEFORE_SENDING_AHEAD + 2, 96))
    assert starts(settled(10)) == list(range(0, 95, 10))


def test_a_short_scan_makes_only_the_requests_it_uses(stub):
    rows = wrapper(stub, **STYLES["offset"]).execute([], {"id"})
    assert [next(rows)["id"] for _ in range(10 * READ_BEFORE_SENDING_AHEAD)] == \
        list(range(1, 10 * READ_BEFORE_SENDING_AHEAD + 1))
    del rows
    assert len(settled(READ_BEFORE_SENDING_AHEAD)) == READ_BEFORE_SENDING_AHEAD


def test_a_wrong_guess_is_dropped_and_the_rows_are_exact(stub):
    """A service that caps its pages at 5: the offset guessed for a full page is wrong once."""
    rows = list(wrapper(stub, path="/capped").execute([], {"id", "name"}))
    assert rows == RECORDS
    asked = starts(settled(20))
    # every page of 5 once, plus the one guess (a full page of 10 after the page being read,
    # the first read after READ_BEFORE_SENDING_AHEAD) made before the scan stopped guessing
    guess = 5 * READ_BEFORE_SENDING_AHEAD + 10
    assert sorted(asked) == sorted(list(range(0, 95, 5)) + [guess])


@pytest.mark.parametrize("fault", [503, "drop"])
def test_an_early_request_that_fails_is_retried(stub, fault):
    FAULTS[("/offset", 30)] = [fault]
    rows = list(wrapper(stub, **STYLES["offset"]).execute([], {"id", "name"}))
    assert rows == RECORDS
    assert starts(settled(11)) == [0, 10, 20, 30, 30, 40, 50, 60, 70, 80, 90]


def test_an_early_request_that_fails_is_the_same_error(stub):
    FAULTS[("/offset", 30)] = [500]
    rows = wrapper(stub, api_key="s3cret", api_key_param="api_key",
                   **STYLES["offset"]).execute([], {"id"})
    assert [next(rows)["id"] for _ in range(30)] == list(range(1, 31))  # before the failed page
    with pytest.raises(MulticornException) as raised:
        next(rows)
    message = raised.value.message
    assert message.startswith("%s/offset?" % stub) and "offset=30" in message
    assert message.endswith("answered HTTP 500 Internal Server Error")
    assert "s3cret" not in message and "api_key=" in message


def test_an_unreachable_early_request_is_an_error_when_needed(stub, monkeypatch):
    send = transport.send

    def refused(scheme, host, port, target, *args):
        if "offset=30" in target:  # page 4, sent ahead
            raise transport.ConnectError(ConnectionRefusedError(111, "Connection refused"))
        return send(scheme, host, port, target, *args)

    monkeypatch.setattr(transport, "send", refused)
    rows = wrapper(stub, retries="0", **STYLES["offset"]).execute([], {"id"})
    assert [next(rows)["id"] for _ in range(30)] == list(range(1, 31))  # up to the page in hand
    with pytest.raises(MulticornException) as raised:
        next(rows)
    assert raised.value.message.startswith("could not reach %s/offset?" % stub)
    assert "Connection refused" in raised.value.detail


def test_a_scan_ended_first_leaves_no_answer_behind(stub):
    FAULTS[("/offset", 30)] = ["slow"]  # the early request is still unanswered
    rows = wrapper(stub, **STYLES["offset"]).execute([], {"id"})
    assert next(rows)["id"] == 1
    for _ in range(20):
        next(rows)  # page 3 is used: page 4 is asked for
    assert starts(settled(4)) == [0, 10, 20, 30]
    early = SEEN[-1][2]
    assert transport._connections == {}  # the early request holds the only connection
    del rows  # PostgreSQL stops reading: the early request is dropped, its connection closed
    assert transport._connections == {}
    RELEASE.set()  # the stub answers now, to a closed connection
    SEEN.clear()
    rows = list(wrapper(stub, **STYLES["cursor"]).execute([], {"id", "name"}))
    assert rows == RECORDS  # the next query reads its own answers
    assert early not in {port for _, _, port in SEEN}


def test_a_repeated_request_is_not_sent_ahead(stub):
    """A next page that repeats an earlier request is an ERROR when needed, never a request."""
    rows = wrapper(stub, **dict(STYLES["cursor"], path="/cursor-loop")).execute([], {"id"})
    assert [next(rows)["id"] for _ in range(40)] == list(range(1, 41))  # page 4 says: cursor 10
    with pytest.raises(MulticornException) as raised:
        next(rows)
    assert raised.value.message.startswith("the service's paging is in a loop: ")
    assert starts(settled(5)) == [0, 10, 20, 30]


# --- through PostgreSQL ----------------------------------------------------------------------------

@pytest.fixture
def tables(db, stub):
    db.execute("DROP SCHEMA IF EXISTS prefetch CASCADE")
    db.execute("DROP SERVER IF EXISTS prefetch_srv CASCADE")
    db.execute("CREATE SCHEMA prefetch")
    db.execute("CREATE SERVER prefetch_srv FOREIGN DATA WRAPPER restcorn "
               "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % stub)
    for name, path, pushdown in (("t", "/offset", "true"), ("nopush", "/offset", "false"),
                                 ("slow", "/slow", "true")):
        db.execute("CREATE FOREIGN TABLE prefetch.%s (id int, name text) SERVER prefetch_srv "
                   "OPTIONS (path '%s', page_size '10', fields_param '', records_path 'items', "
                   "use_remote_estimate 'false', pushdown '%s')" % (name, path, pushdown))
    yield
    db.execute("DROP SCHEMA prefetch CASCADE")
    db.execute("DROP SERVER prefetch_srv CASCADE")


def test_whole_scan_through_postgresql(db, tables):
    assert db.rows("SELECT id, name FROM prefetch.t") == [(r["id"], r["name"]) for r in RECORDS]
    assert starts(settled(10)) == list(range(0, 95, 10))


def test_limit_within_the_first_pages_makes_no_early_request(db, tables):
    limit = 10 * READ_BEFORE_SENDING_AHEAD - 5
    assert len(db.rows("SELECT * FROM prefetch.nopush LIMIT %d" % limit)) == limit
    assert starts(settled(READ_BEFORE_SENDING_AHEAD + 1)) == \
        list(range(0, 10 * READ_BEFORE_SENDING_AHEAD, 10))


def test_limit_past_them_drops_the_early_request(db, tables):
    FAULTS[("/offset", 30)] = ["slow"]
    assert db.rows("SELECT id FROM prefetch.nopush LIMIT 25") == [(i,) for i in range(1, 26)]
    assert starts(settled(4)) == [0, 10, 20, 30]
    RELEASE.set()
    # the same backend, the same service: the next query reads its own answers only
    assert db.value("SELECT count(name) FROM prefetch.nopush") == 95
    assert db.value("SELECT sum(id) FROM prefetch.t") == sum(range(1, 96))


def test_a_closed_cursor_drops_the_early_request(db, tables):
    FAULTS[("/offset", 30)] = ["slow"]
    db.execute("BEGIN")
    db.execute("DECLARE c NO SCROLL CURSOR FOR SELECT id FROM prefetch.t")
    assert db.rows("FETCH 25 FROM c") == [(i,) for i in range(1, 26)]
    assert starts(settled(4)) == [0, 10, 20, 30]
    db.execute("CLOSE c")
    db.execute("COMMIT")
    RELEASE.set()
    assert db.value("SELECT sum(id) FROM prefetch.t") == sum(range(1, 96))


@pytest.mark.parametrize("stand_in", ["off", "on"])
@pytest.mark.parametrize("how", ["cancel", "statement_timeout"])
def test_a_wait_for_an_early_request_ends_on_cancel(db, cancel_soon, tables, stand_in, how):
    FAULTS[("/slow", 30)] = ["slow"]
    db.execute("SET restcorn.multicorn2_behaviour = %s" % stand_in)
    started = time.monotonic()
    if how == "cancel":
        with cancel_soon(db), pytest.raises(psycopg.errors.QueryCanceled, match="user request"):
            db.value("SELECT count(name) FROM prefetch.slow")
    else:
        db.execute("SET statement_timeout = '500ms'")
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            db.value("SELECT count(name) FROM prefetch.slow")
        db.execute("RESET statement_timeout")
    assert time.monotonic() - started < 2
    assert starts(settled(4)) == [0, 10, 20, 30]
    RELEASE.set()
    assert db.value("SELECT count(name) FROM prefetch.slow") == 95
    db.execute("RESET restcorn.multicorn2_behaviour")
