"""Least privilege through PostgreSQL: where requests may go, what a role can read, what is bounded.

Hostile services are stub servers on loopback (tests/stub_http.py and one
bound to 127.0.0.2): an "elsewhere" server records every request it gets,
so a test shows that a token never reached it. Everything runs through
PostgreSQL with the engine, as the superuser or as a role without
privileges beyond USAGE on one server.
"""
import contextlib
import json
import os
import socket
import tempfile
import time
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from hypothesis import given, settings, strategies as st
from urllib3.util import parse_url

from fdw.urls import DEFAULT_PORTS, parse
from stub_http import StubHandler, serve

TOKEN = "tok_Sx7Lq2Wd9Kp4Rm8Z"
RECORDS = [{"id": i, "name": "n%d" % i} for i in range(1, 6)]


def literal(value):
    return "'%s'" % str(value).replace("'", "''")


def options(**values):
    return "OPTIONS (%s)" % ", ".join("%s %s" % (k, literal(v)) for k, v in values.items())


def error_of(db, sql):
    with pytest.raises(psycopg.Error) as caught:
        db.execute(sql)
    return caught.value.diag


class Recorder(StubHandler):
    """Answers every GET with a page of RECORDS, and keeps what each request carried."""

    def do_GET(self):
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        self.send_body(200, json.dumps({"records": RECORDS, "total": len(RECORDS)}).encode())


@contextlib.contextmanager
def recorder(host="127.0.0.1", handler=Recorder, next_link=None, port=0):
    """A server on ``host`` (any loopback address) that records requests; yields (url, seen).

    ``next_link`` is what a Paging server gives as the next page.
    """
    seen = []
    with serve(handler, host, port, seen=seen, next_link=next_link) as url:
        yield url, seen


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def elsewhere():
    """The hostile host: 127.0.0.2, another port. Nothing may reach it."""
    with recorder("127.0.0.2") as found:
        yield found


class Paging(StubHandler):
    """A service whose next page (in the body or a Link header) is the hostile URL it is told."""

    def do_GET(self):
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        link = self.server.next_link
        body = {"items": RECORDS, "next": link if self.path.startswith("/body") else None}
        headers = {"Link": '<%s>; rel="next"' % link} if self.path.startswith("/link") else None
        self.send_body(200, json.dumps(body).encode(), headers=headers)


@pytest.fixture
def server_for(db):
    """``server_for(name, **options)``: a RestFDW server with a token mapping for the current user."""
    made = []

    def make(name, **server_options):
        db.execute("DROP SERVER IF EXISTS %s CASCADE" % name)
        db.execute("CREATE SERVER %s FOREIGN DATA WRAPPER restcorn %s"
                   % (name, options(wrapper="fdw.RestFDW", **server_options)))
        db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER %s %s"
                   % (name, options(token=TOKEN)))
        made.append(name)
        return name

    yield make
    for name in made:
        db.execute("DROP SERVER IF EXISTS %s CASCADE" % name)


# --- item 2 of issue 11: one URL parser for checks and connections ----------------------------

def test_backslash_userinfo_url_is_refused_and_the_token_goes_nowhere(db, server_for, elsewhere):
    """Issue 11's URL: the check read host 127.0.0.1, the connection went to 127.0.0.2."""
    other, seen = elsewhere
    with recorder() as (allowed, allowed_seen):
        port = allowed.rsplit(":", 1)[1]
        tricky = "%s\\@127.0.0.1:%s/" % (other, port)
        server_for("tricky_srv", url=tricky, allowed_hosts="127.0.0.1:%s" % port)
        db.execute("CREATE FOREIGN TABLE tricky (id int, name text) SERVER tricky_srv "
                   "OPTIONS (fields_param '')")
        diag = error_of(db, "SELECT * FROM tricky")
        assert 'option "url"' in diag.message_primary
        assert "backslash" in diag.message_primary
        diag = error_of(db, "EXPLAIN SELECT * FROM tricky")
        assert "backslash" in diag.message_primary
    assert seen == [] and allowed_seen == []


@pytest.mark.parametrize("url", [
    "http://user:pass@127.0.0.1:1/", "http://127.0.0.1:1/a b", "http://127.0.0.1:1/\x01",
    "http://127.0.0.1:70000/", "http://127.0.0.1:1/caf\u00e9",
])
def test_urls_parsers_read_differently_are_refused(db, server_for, url):
    server_for("odd_srv", url=url)
    db.execute("CREATE FOREIGN TABLE odd (id int) SERVER odd_srv")
    diag = error_of(db, "SELECT * FROM odd")
    assert diag.message_primary.startswith('option "url" must be an http:// or https:// URL')
    assert TOKEN not in str(diag.message_primary) + str(diag.message_detail)


@pytest.mark.parametrize("where", ["body", "link"])
@pytest.mark.parametrize("trick", ["{other}\\@127.0.0.1:{port}/{where}?p=2",
                                   "http://x@127.0.0.1:{port}/{where}?p=2",
                                   "/{where}\\x?p=2", "//127.0.0.1:{port}/{where} ?p=2"])
def test_next_page_tricks_are_refused(db, server_for, elsewhere, where, trick):
    other, seen = elsewhere
    port = free_port()
    link = trick.format(other=other, port=port, where=where)
    with recorder(handler=Paging, next_link=link, port=port) as (url, own_seen):
        server_for("paging_srv", url=url, allowed_hosts="127.0.0.1:%s" % port)
        pagination = "next_url" if where == "body" else "link"
        db.execute("CREATE FOREIGN TABLE paged (id int, name text) SERVER paging_srv %s"
                   % options(path="/" + where, records_path="items", pagination=pagination,
                             limit_param="", fields_param=""))
        diag = error_of(db, "SELECT * FROM paged")
        assert "next page URL" in diag.message_primary and "refused" in diag.message_primary
        assert len(own_seen) == 1  # the first page only
    assert seen == []


def test_next_url_with_a_bad_port_is_a_clear_error(db, server_for):
    with recorder(handler=Paging, next_link="http://127.0.0.1:99999/body?p=2") as (url, own_seen):
        server_for("badport_srv", url=url)
        db.execute("CREATE FOREIGN TABLE badport (id int, name text) SERVER badport_srv %s"
                   % options(path="/body", records_path="items", pagination="next_url",
                             limit_param="", fields_param=""))
        diag = error_of(db, "SELECT * FROM badport")
        assert "port 99999, outside 1-65535" in diag.message_primary
        assert "Error in python" not in diag.message_primary


def test_overlong_next_url_is_refused(db, server_for):
    with recorder(handler=Paging, next_link="/body?p=" + "x" * 9000) as (url, own_seen):
        server_for("long_srv", url=url)
        db.execute("CREATE FOREIGN TABLE longnext (id int, name text) SERVER long_srv %s"
                   % options(path="/body", records_path="items", pagination="next_url",
                             limit_param="", fields_param=""))
        diag = error_of(db, "SELECT * FROM longnext")
        assert "longer than 8192 characters" in diag.message_primary
        assert len(own_seen) == 1


# The two parsers agree on every URL parse accepts: a property over hostile URL texts.
URL_PIECES = st.sampled_from(["http://", "https://", "HTTP://", "h", "127.0.0.1", "127.0.0.2",
                              ":", "80", "55501", "@", "\\", "/", "?", "#", "%2F", "%40", ".",
                              "[::1]", " ", "\t", "a", "user", "@127.0.0.1", ";", "\u00e9"])


@settings(max_examples=500, deadline=None)
@given(st.lists(URL_PIECES, min_size=1, max_size=10).map("".join))
def test_checks_and_connections_read_urls_alike(text):
    try:
        target = parse(text)
    except ValueError:
        return
    other = parse_url(text)
    assert (other.scheme.lower(), (other.host or "").lower(),
            other.port or DEFAULT_PORTS[target.scheme]) == target[:3]
    assert urlsplit(text).hostname == target.host.strip("[]")


# --- item 7 of issue 11: time and memory bounded ------------------------------------------------

class EndlessContinue(StubHandler):
    """Answers with ``100 Continue`` status lines, one every 100 ms, for a minute."""

    def do_GET(self):
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        for _ in range(600):
            try:
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)


@pytest.fixture
def fault_server(db, service):
    db.execute("DROP SERVER IF EXISTS bounded_srv CASCADE")
    db.execute("CREATE SERVER bounded_srv FOREIGN DATA WRAPPER restcorn "
               + options(wrapper="fdw.DictionaryFDW", url=service.url))
    yield "bounded_srv"
    db.execute("DROP SERVER IF EXISTS bounded_srv CASCADE")


def test_a_byte_a_second_ends_at_request_timeout(db, fault_server):
    """Issue 11: a drip never trips read_timeout (a byte keeps coming); the deadline ends it."""
    db.execute("CREATE FOREIGN TABLE drip (id int, word text) SERVER bounded_srv "
               + options(path="/_fault/drip-100-key-sec1/words", read_timeout="1",
                         request_timeout="2", retries="0"))
    diag = error_of(db, "SELECT * FROM drip WHERE id < 50")
    assert "within request_timeout (2 s)" in diag.message_primary
    assert "/_fault/drip-100-key-sec1/words" in diag.message_primary
    assert db.value("SELECT 1") == 1


def test_endless_continue_lines_end_at_request_timeout(db):
    with recorder(handler=EndlessContinue) as (url, seen):
        db.execute("DROP SERVER IF EXISTS continue_srv CASCADE")
        db.execute("CREATE SERVER continue_srv FOREIGN DATA WRAPPER restcorn "
                   + options(wrapper="fdw.RestFDW", url=url))
        db.execute("CREATE FOREIGN TABLE endless (id int) SERVER continue_srv "
                   + options(request_timeout="1", read_timeout="5", retries="0"))
        diag = error_of(db, "SELECT * FROM endless")
        assert "within request_timeout (1 s)" in diag.message_primary
        db.execute("DROP SERVER continue_srv CASCADE")


def test_request_timeout_is_an_option_with_a_default():
    from fdw.options import parse_table
    assert parse_table({"url": "http://svc"}, {}).request_timeout == 300.0
    with pytest.raises(Exception, match='option "request_timeout" must be a number of seconds'):
        parse_table({"url": "http://svc", "request_timeout": "0"}, {})


def stand_in_available(db):
    try:
        db.execute("SHOW restcorn.multicorn2_behaviour")
        return True
    except psycopg.Error:
        return False


@pytest.mark.parametrize("spec", ["latency-10000", "drip-200", "429-retry-after-20"])
def test_statement_timeout_under_the_multicorn2_stand_in(db, fault_server, spec):
    """Issue 10: a host that does not deliver cancels into Python; waits end by themselves."""
    if not stand_in_available(db):
        pytest.skip("the engine has no restcorn.multicorn2_behaviour setting yet")
    db.execute("CREATE FOREIGN TABLE stuck (id int, word text) SERVER bounded_srv "
               + options(path="/_fault/%s-key-%s/words" % (spec, uuid.uuid4().hex)))
    db.execute("SET restcorn.multicorn2_behaviour = on")
    db.execute("SET statement_timeout = '500ms'")
    started = time.monotonic()
    with pytest.raises(psycopg.Error, match="statement timeout"):
        db.execute("SELECT * FROM stuck WHERE id < 50")
    assert time.monotonic() - started < 1.5
    db.execute("RESET statement_timeout")
    assert db.value("SELECT 1") == 1


@pytest.mark.parametrize("spec", ["latency-10000", "drip-200"])
def test_cancel_under_the_multicorn2_stand_in(db, cancel_soon, fault_server, spec):
    if not stand_in_available(db):
        pytest.skip("the engine has no restcorn.multicorn2_behaviour setting yet")
    db.execute("CREATE FOREIGN TABLE stuck (id int, word text) SERVER bounded_srv "
               + options(path="/_fault/%s-key-%s/words" % (spec, uuid.uuid4().hex)))
    db.execute("SET restcorn.multicorn2_behaviour = on")
    started = time.monotonic()
    with cancel_soon(db), pytest.raises(psycopg.Error, match="user request"):
        db.execute("SELECT * FROM stuck WHERE id < 50")
    assert time.monotonic() - started < 1.5
    assert db.value("SELECT 1") == 1


# --- item 6 of issue 11: secrets in text --------------------------------------------------------

HEADER_SECRET = "hdr_Vb3Nq8Jx1Tz6Yc4P"


class Quoting(StubHandler):
    """Refuses every request with a 403 whose message quotes what it got, the secret at the cut."""

    def do_GET(self):
        got = self.headers.get("Authorization", "") + " " + self.headers.get("X-Api-Token", "")
        body = json.dumps({"error": "x" * 280 + " you sent: " + got.strip()}).encode()
        self.send_body(403, body)


def assert_no_part_of(secret, *texts):
    for text in texts:
        text = text or ""
        for size in range(6, len(secret) + 1):
            assert not any(secret[i:i + size] in text for i in range(len(secret) - size + 1)), text


def test_error_detail_is_masked_before_it_is_cut(db, cluster):
    """Issue 11: the DETAIL quoting the service was cut first, showing a token's first characters."""
    with recorder(handler=Quoting) as (url, _):
        db.execute("DROP SERVER IF EXISTS quoting_srv CASCADE")
        db.execute("CREATE SERVER quoting_srv FOREIGN DATA WRAPPER restcorn "
                   + options(wrapper="fdw.RestFDW", url=url))
        db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER quoting_srv "
                   + options(token=TOKEN, headers="X-Api-Token: %s" % HEADER_SECRET))
        db.execute("CREATE FOREIGN TABLE quoting (id int) SERVER quoting_srv "
                   + options(pagination="none", fields_param=""))
        diag = error_of(db, "SELECT * FROM quoting")
        assert "HTTP 403" in diag.message_primary
        assert "you sent" in diag.message_detail
        for secret in (TOKEN, HEADER_SECRET):
            assert_no_part_of(secret, diag.message_primary, diag.message_detail,
                              diag.message_hint)
        plan = "\n".join(row[0] for row in db.rows("EXPLAIN VERBOSE SELECT * FROM quoting"))
        assert_no_part_of(HEADER_SECRET, plan)
        assert_no_part_of(TOKEN, plan)
        db.execute("DROP SERVER quoting_srv CASCADE")
    log = cluster.log()
    assert "you sent" in log
    assert_no_part_of(TOKEN, log)
    assert_no_part_of(HEADER_SECRET, log)


def test_a_malformed_headers_option_is_not_echoed(db, fault_server):
    db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bounded_srv "
               + options(headers="X-Api-Token: %s\x01" % HEADER_SECRET))
    db.execute("CREATE FOREIGN TABLE badheaders (id int) SERVER bounded_srv")
    diag = error_of(db, "SELECT * FROM badheaders")
    assert 'option "headers" must be Name: value pairs' in diag.message_primary
    assert_no_part_of(HEADER_SECRET, diag.message_primary, diag.message_detail)


# --- item 3 of issue 11: server files through IMPORT FOREIGN SCHEMA ------------------------------

IMPORTER = "rc_importer"
DOCUMENT = {"openapi": "3.0.3", "paths": {"/private_things": {"get": {"responses": {"200": {
    "content": {"application/json": {"schema": {"type": "array", "items": {
        "type": "object", "properties": {"secret_column": {"type": "string"}}}}}}}}}}}}


@pytest.fixture
def importer(db, cluster, service):
    """A role with USAGE on a server and its own schema, nothing more; and a private JSON file."""
    db.execute("DROP SCHEMA IF EXISTS imported CASCADE")
    db.execute("DROP SERVER IF EXISTS import_srv CASCADE")
    db.execute("DROP ROLE IF EXISTS %s" % IMPORTER)
    db.execute("CREATE ROLE %s LOGIN" % IMPORTER)
    db.execute("CREATE SCHEMA imported AUTHORIZATION %s" % IMPORTER)
    db.execute("CREATE SERVER import_srv FOREIGN DATA WRAPPER restcorn "
               + options(wrapper="fdw.RestFDW", url=service.url))
    db.execute("GRANT USAGE ON FOREIGN SERVER import_srv TO %s" % IMPORTER)
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir="/tmp", delete=False) as file:
        json.dump(DOCUMENT, file)
    os.chmod(file.name, 0o644)  # readable by the database's OS user: only PostgreSQL's rule refuses
    private = file.name
    conn = psycopg.connect(cluster.dsn(user=IMPORTER), autocommit=True)
    yield conn, private
    conn.close()
    os.unlink(private)
    db.execute("DROP SCHEMA IF EXISTS imported CASCADE")
    db.execute("DROP SERVER IF EXISTS import_srv CASCADE")
    db.execute("DROP ROLE IF EXISTS %s" % IMPORTER)


def import_sql(document):
    return ("IMPORT FOREIGN SCHEMA s FROM SERVER import_srv INTO imported "
            "OPTIONS (openapi %s)" % literal(document))


def test_files_are_refused_to_roles_that_may_not_read_server_files(importer):
    """Issue 11: names from a private file, and whether any path exists, from the error class."""
    conn, private = importer
    messages = set()
    for path in (private, "/nonexistent/api.json", "/etc/passwd", "/dev/zero", "/tmp"):
        with pytest.raises(psycopg.Error) as raised:
            conn.execute(import_sql(path))
        diag = raised.value.diag
        messages.add((diag.message_primary.replace(path, "<path>"), diag.message_detail,
                      diag.message_hint, diag.sqlstate))
    assert len(messages) == 1, messages  # the same error for every path: no existence oracle
    assert conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'private_things'"
                        ).fetchone()[0] == 0


def test_files_for_superusers_are_regular_and_capped(db, importer):
    _, private = importer
    db.execute(import_sql(private))
    assert db.value("SELECT count(*) FROM pg_attribute WHERE attname = 'secret_column'") == 1
    for path in ("/dev/zero", "/tmp", "/nonexistent/api.json"):
        diag = error_of(db, import_sql(path))
        assert diag.message_primary == "cannot read the OpenAPI document %s" % path
    diag = error_of(db, "IMPORT FOREIGN SCHEMA s FROM SERVER import_srv INTO imported "
                        "OPTIONS (openapi %s, max_response_bytes '100')" % literal(private))
    assert diag.message_primary == "cannot read the OpenAPI document %s" % private


def test_the_openapi_url_obeys_the_url_rules_and_allowed_hosts(db, importer, elsewhere, service):
    conn, _ = importer
    other, seen = elsewhere
    db.execute("CREATE USER MAPPING FOR %s SERVER import_srv %s" % (IMPORTER, options(token=TOKEN)))
    port = service.url.rsplit(":", 1)[1]
    for document in ("%s\\@127.0.0.1:%s/openapi.json" % (other, port),
                     "http://x@127.0.0.1:%s/openapi.json" % port):
        with pytest.raises(psycopg.Error, match="backslash|user name"):
            conn.execute(import_sql(document))
    with pytest.raises(psycopg.Error, match="not on the url option's scheme, host and port"):
        conn.execute(import_sql(other + "/openapi.json"))
    db.execute("ALTER SERVER import_srv OPTIONS (ADD allowed_hosts %s)"
               % literal("127.0.0.1:%s" % port))
    with pytest.raises(psycopg.Error, match="allowed_hosts"):
        conn.execute(import_sql(other + "/openapi.json"))
    assert seen == []
    conn.execute(import_sql(service.url + "/openapi.json"))  # the server's own: allowed


def test_import_options_cannot_carry_server_or_mapping_options(importer, service):
    conn, _ = importer
    with pytest.raises(psycopg.Error, match='option "url" belongs to the server'):
        conn.execute("IMPORT FOREIGN SCHEMA s FROM SERVER import_srv INTO imported "
                     "OPTIONS (url 'http://127.0.0.2:1')")


# --- item 8 of issue 11: clear errors, never "Error in python" ----------------------------------

BAD_BODIES = {
    "/surrogate": b'{"records": [{"id": 1, "name": "a\\ud800b"}], "total": 1}',
    "/digits": b'{"records": [{"id": ' + b"7" * 5000 + b', "name": "n"}], "total": 1}',
    "/badtime": b'{"records": [{"id": 1, "name": "n", "at": "yesterday-ish"}], "total": 1}',
    "/baddate": b'{"records": [{"id": 1, "name": "n", "on": "2021-02-30"}], "total": 1}',
    "/baduuid": b'{"records": [{"id": 1, "name": "n", "ref": "not-a-uuid"}], "total": 1}',
    "/things/1": b'{"error": "no such thing in this shard"}',
    "/tiny-values": b'{"records": [' + b"{}," * 200000 + b'{}], "total": 200001}',
}


class BadBodies(StubHandler):
    def do_GET(self):
        path = urlsplit(self.path).path
        self.server.seen.append((path, None))
        if path == "/gzip":
            body, encoding = b"\x1f\x8b\x08\x00 this is not gzip at all", "gzip"
        else:
            body, encoding = BAD_BODIES.get(path, b'{"records": [], "total": 0}'), None
        self.send_body(200, body, headers={"Content-Encoding": encoding} if encoding else None)


@pytest.fixture
def bad_bodies(db):
    with recorder(handler=BadBodies) as (url, seen):
        db.execute("DROP SERVER IF EXISTS bad_srv CASCADE")
        db.execute("CREATE SERVER bad_srv FOREIGN DATA WRAPPER restcorn "
                   + options(wrapper="fdw.RestFDW", url=url))
        yield seen
        db.execute("DROP SERVER IF EXISTS bad_srv CASCADE")


def read_bad(db, path, columns):
    """The error of ``SELECT *`` from a table ``bad`` (``columns``) over bad_srv's ``path``."""
    db.execute("CREATE FOREIGN TABLE bad (%s) SERVER bad_srv %s"
               % (columns, options(path=path, fields_param="", pagination="none")))
    return error_of(db, "SELECT * FROM bad")


@pytest.mark.parametrize("path, columns, says", [
    ("/surrogate", "id int, name text", "lone surrogate '\\ud800'"),
    ("/digits", "id numeric, name text", "number too long to read"),
    ("/gzip", "id int, name text", "is not valid gzip data"),
])
def test_bad_answers_are_clear_errors(db, bad_bodies, path, columns, says):
    diag = read_bad(db, path, columns)
    assert says in diag.message_primary, diag.message_primary
    assert "Error in python" not in diag.message_primary
    assert path in diag.message_primary
    assert [seen for seen in bad_bodies if seen[0] == path] == [(path, None)]  # not retried


@pytest.mark.parametrize("path, columns, column", [
    ("/badtime", "id int, name text, at timestamptz", "at"),
    ("/baddate", 'id int, name text, "on" date', "on"),
    ("/baduuid", "id int, name text, ref uuid", "ref"),
])
def test_values_postgresql_refuses_name_their_column(db, bad_bodies, path, columns, column):
    diag = read_bad(db, path, columns)
    assert "Error in python" not in diag.message_primary
    assert 'column "%s"' % column in "%s %s" % (diag.message_primary, diag.context)


def test_an_error_object_for_one_record_is_an_error_not_an_empty_result(db, bad_bodies):
    db.execute("CREATE FOREIGN TABLE things (id int, name text) SERVER bad_srv "
               + options(path="/things/{id}", missing_fields="null", fields_param=""))
    diag = error_of(db, "SELECT * FROM things WHERE id = 1")
    assert "is an error message, not a record" in diag.message_primary
    assert diag.message_detail == "no such thing in this shard"


def test_memory_per_answer_is_bounded_once_parsed(db, bad_bodies):
    """600 kB of tiny objects take about 30 MB once parsed: max_response_bytes bounds that."""
    db.execute("CREATE FOREIGN TABLE tiny (id int) SERVER bad_srv %s"
               % options(path="/tiny-values", fields_param="", pagination="none",
                         max_response_bytes="1000000", missing_fields="null"))
    diag = error_of(db, "SELECT count(*) FROM tiny")
    assert "once parsed, more than max_response_bytes (1000000) allows" in diag.message_primary


def test_parsed_size_is_an_upper_estimate():
    import tracemalloc
    from decimal import Decimal
    from fdw.http import parsed_size
    for text in ['{"records": [%s]}' % ",".join('{"id": %d, "w": "word%d"}' % (i, i)
                                               for i in range(5000)),
                 json.dumps([[i, i + 0.5, "x" * (i % 50), None, True] for i in range(3000)]),
                 json.dumps([{} for _ in range(10000)]), "[" * 200 + "]" * 200]:
        tracemalloc.start()
        value = json.loads(text, parse_float=Decimal)
        used = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert parsed_size(text.encode()) >= used, text[:40]
        del value


def test_the_cache_holds_a_memory_budget():
    from fdw import cache
    from fdw.http import Answer
    cache.clear()
    try:
        for number in range(5):
            cache.put(("u%d" % number, ()), Answer({}, {}, "u", 30 * 1024 * 1024), 60)
        assert cache._size <= cache.MAX_BYTES
        assert cache.get(("u0", ())) is None and cache.get(("u4", ())) is not None
        cache.put(("huge", ()), Answer({}, {}, "u", cache.MAX_BYTES + 1), 60)
        assert cache.get(("huge", ())) is None
    finally:
        cache.clear()


# --- item 4 of issue 11: where options may be set -------------------------------------------------

def test_neither_a_table_nor_a_mapping_can_move_requests(db, cluster, server_for, elsewhere):
    """A role with USAGE on a server: its table's or its mapping's url or allowed_hosts is refused."""
    other, seen = elsewhere
    with recorder() as (url, _):
        server_for("levels_srv", url=url, allowed_hosts="127.0.0.1:%s" % url.rsplit(":", 1)[1])
        db.execute("DROP ROLE IF EXISTS rc_tenant")
        db.execute("CREATE ROLE rc_tenant LOGIN")
        db.execute("GRANT USAGE ON FOREIGN SERVER levels_srv TO rc_tenant")
        db.execute("GRANT CREATE ON SCHEMA public TO rc_tenant")
        try:
            with psycopg.connect(cluster.dsn(user="rc_tenant"), autocommit=True) as tenant:
                tenant.execute("CREATE FOREIGN TABLE mine (id int) SERVER levels_srv "
                               "OPTIONS (fields_param '')")
                with pytest.raises(psycopg.Error, match="may be set only on the foreign server"):
                    tenant.execute("CREATE FOREIGN TABLE moved (id int) SERVER levels_srv "
                                   + options(url=other))
                    tenant.execute("SELECT * FROM moved")
                for option in ({"url": other}, {"allowed_hosts": "127.0.0.2"}):
                    tenant.execute("CREATE USER MAPPING FOR rc_tenant SERVER levels_srv "
                                   + options(token=TOKEN, **option))
                    with pytest.raises(psycopg.Error, match="user mapping"):
                        tenant.execute("SELECT * FROM mine")
                    tenant.execute("DROP USER MAPPING FOR rc_tenant SERVER levels_srv")
        finally:
            db.execute("DROP FOREIGN TABLE IF EXISTS public.moved, public.mine")
            db.execute("REVOKE CREATE ON SCHEMA public FROM rc_tenant")
            db.execute("DROP SERVER levels_srv CASCADE")
            db.execute("DROP ROLE rc_tenant")
    assert seen == []


def test_restfdw_declares_its_option_levels():
    from fdw import DictionaryFDW, RestFDW
    for wrapper in (RestFDW, DictionaryFDW):
        assert {"url", "allowed_hosts", "api_key_header", "api_key_param"} <= \
            set(wrapper.server_options)
        assert set(wrapper.user_mapping_options) == {"token", "api_key", "headers"}
