"""Tokens and API keys: they reach the service, and nothing a user or a log sees shows them.

The secrets live in user mappings. Failing queries (401, 403 from a service
that quotes the credential back, 500, an unreachable service, a read timeout,
a cancel) and EXPLAIN VERBOSE are run with distinctive secrets, then their
messages, details, hints, plans and the server log are searched for them. A
second role shows PostgreSQL's own rule: a mapping's options are visible only
to its user and the server's owner. Property tests show that no qual value
can add a parameter, change the path or reach another host.
"""
import hashlib
import html
import json
import socket
from urllib.parse import parse_qsl, quote, urlsplit

import psycopg
import pytest
from hypothesis import given, strategies as st
from restcorn_engine import ColumnDefinition, MulticornException, Qual

from fdw import DictionaryFDW, RestFDW
from fdw.auth import mask
from fdw.errors import excerpt
from fdw.http import request_url
from fdw.pushdown import page_params, scan_params
from fdw.urls import redact
from stub_http import StubHandler, serve

TOKEN = "tok_Zq8xK2v9LpW3mN7r"
KEY = "key_Hh41Yy0PpQ3wERt9"
OTHER_TOKEN = "tok_R5tU0iIeE7wQ2aA"  # the one a mapping of another role holds
SECRETS = (TOKEN, KEY, OTHER_TOKEN)

ANALYST = "rc_analyst"
KEEPER = "rc_keeper"


def literal(value):
    return "'%s'" % str(value).replace("'", "''")


def options(**values):
    return "OPTIONS (%s)" % ", ".join("%s %s" % (k, literal(v)) for k, v in values.items())


def sha256(secret):
    """How a fault spec names a secret without holding it (see mock_service/faults.py)."""
    return "sha256-" + hashlib.sha256(secret.encode()).hexdigest()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def setup(cluster, service):
    """Servers with secrets in their user mappings, a table per failure, and two more roles."""
    fault = "/_fault/%s/words"
    create_server = ("CREATE SERVER %s FOREIGN DATA WRAPPER restcorn "
                     + options(wrapper="fdw.DictionaryFDW", url=service.url))
    statements = [
        "DROP SCHEMA IF EXISTS secrets CASCADE",
        "DROP SERVER IF EXISTS token_srv, key_param_srv, key_header_srv, public_srv, "
        "unreachable_srv CASCADE",
        "DROP ROLE IF EXISTS %s, %s" % (ANALYST, KEEPER),
        "CREATE SCHEMA secrets",
        "CREATE ROLE %s LOGIN" % ANALYST,
        "CREATE ROLE %s LOGIN" % KEEPER,
        "GRANT USAGE ON SCHEMA secrets TO %s, %s" % (ANALYST, KEEPER),
        # a bearer token in the mapping of the current user (postgres)
        create_server % "token_srv",
        "CREATE USER MAPPING FOR CURRENT_USER SERVER token_srv " + options(token=TOKEN),
        # an API key sent as a query parameter, and one sent as a header, for PUBLIC
        # where the key goes is the server's option; the key is the mapping's
        "CREATE SERVER key_param_srv FOREIGN DATA WRAPPER restcorn "
        + options(wrapper="fdw.DictionaryFDW", url=service.url, api_key_param="api_key"),
        "CREATE USER MAPPING FOR PUBLIC SERVER key_param_srv " + options(api_key=KEY),
        create_server % "key_header_srv",
        "CREATE USER MAPPING FOR PUBLIC SERVER key_header_srv " + options(api_key=KEY),
        # a server others use: PUBLIC's mapping has the token, the keeper has one of its own
        create_server % "public_srv",
        "CREATE USER MAPPING FOR PUBLIC SERVER public_srv " + options(token=TOKEN),
        "CREATE USER MAPPING FOR %s SERVER public_srv %s" % (KEEPER, options(token=OTHER_TOKEN)),
        "GRANT USAGE ON FOREIGN SERVER public_srv TO %s" % KEEPER,
        # the token of a service that is not there
        "CREATE SERVER unreachable_srv FOREIGN DATA WRAPPER restcorn "
        + options(wrapper="fdw.DictionaryFDW", url="http://127.0.0.1:%d" % free_port()),
        "CREATE USER MAPPING FOR CURRENT_USER SERVER unreachable_srv " + options(token=TOKEN),
    ]
    tables = {  # name -> (server, path)
        "token_ok": ("token_srv", fault % ("token-" + sha256(TOKEN))),
        "token_401": ("token_srv", fault % "apikey-nothing-we-have"),
        "token_403": ("token_srv", fault % "token-not-ours"),  # quotes the token it got
        "token_500": ("token_srv", fault % "status-500"),
        "token_unreachable": ("unreachable_srv", "/words"),
        "token_timeout": ("token_srv", fault % "latency-3000"),
        "key_param_ok": ("key_param_srv", fault % ("apikey-" + sha256(KEY))),
        "key_param_403": ("key_param_srv", fault % "apikey-not-ours"),
        "key_param_500": ("key_param_srv", fault % "status-500"),
        "key_header_ok": ("key_header_srv", fault % ("apikey-" + sha256(KEY))),
        "key_header_403": ("key_header_srv", fault % "apikey-not-ours"),
        "public_ok": ("public_srv", fault % ("token-" + sha256(TOKEN))),
        "public_403": ("public_srv", fault % "token-not-ours"),
    }
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
        for name, (server, path) in tables.items():
            conn.execute('CREATE FOREIGN TABLE secrets.%s (id int, word varchar COLLATE "C") '
                         "SERVER %s %s" % (name, server, options(path=path, retries="0",
                                                                 read_timeout="0.5")))
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA secrets TO %s, %s" % (ANALYST, KEEPER))
    yield tables
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA secrets CASCADE")
        conn.execute("DROP SERVER token_srv, key_param_srv, key_header_srv, public_srv, "
                     "unreachable_srv CASCADE")
        conn.execute("DROP ROLE %s, %s" % (ANALYST, KEEPER))


def as_role(cluster, role):
    return psycopg.connect(cluster.dsn(user=role), autocommit=True)


def error_texts(conn, sql):
    """Message, detail, hint and context of the ERROR that ``sql`` raises."""
    with pytest.raises(psycopg.Error) as raised:
        conn.execute(sql).fetchall()
    diag = raised.value.diag
    return diag, " | ".join(str(part) for part in (
        diag.message_primary, diag.message_detail, diag.message_hint, diag.context))


def explain(conn, sql):
    """EXPLAIN VERBOSE's text, or its ERROR's (planning asks the service for a row count)."""
    try:
        return "\n".join(row[0] for row in conn.execute("EXPLAIN VERBOSE " + sql).fetchall())
    except psycopg.Error as error:
        diag = error.diag
        return " | ".join(str(part) for part in (
            diag.message_primary, diag.message_detail, diag.message_hint, diag.context))


def assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text, "a secret shows in: %s" % text


FIRST_THREE = "SELECT id, word FROM secrets.%s WHERE id <= 3 ORDER BY id"


# --- the credentials reach the service ---------------------------------------------------------

@pytest.mark.parametrize("table", ["token_ok", "key_param_ok", "key_header_ok", "public_ok"])
def test_credentials_are_sent(db, setup, table):
    rows = db.rows(FIRST_THREE % table)
    assert [row[0] for row in rows] == [1, 2, 3]
    assert_no_secret(explain(db.conn, FIRST_THREE % table))


def test_each_role_uses_its_own_mapping(cluster, setup):
    with as_role(cluster, ANALYST) as analyst:  # PUBLIC's mapping: the token the service wants
        assert len(analyst.execute(FIRST_THREE % "public_ok").fetchall()) == 3
    with as_role(cluster, KEEPER) as keeper:    # its own mapping: another token, refused
        diag, text = error_texts(keeper, FIRST_THREE % "public_ok")
        assert "HTTP 403" in diag.message_primary
        assert_no_secret(text)


# --- nothing shows them ------------------------------------------------------------------------

@pytest.mark.parametrize("table, says", [
    ("token_401", "HTTP 401"),
    ("token_403", "HTTP 403"),
    ("token_500", "HTTP 500"),
    ("token_unreachable", "could not reach"),
    ("token_timeout", "read_timeout"),
    ("key_param_403", "HTTP 403"),
    ("key_param_500", "HTTP 500"),
    ("key_header_403", "HTTP 403"),
    ("public_403", "HTTP 403"),
])
def test_failing_queries_show_no_secret(db, setup, table, says):
    diag, text = error_texts(db.conn, FIRST_THREE % table)
    assert says in diag.message_primary
    assert diag.message_hint
    assert_no_secret(text)
    assert_no_secret(explain(db.conn, FIRST_THREE % table))


def test_a_service_quoting_the_token_back_is_masked(db, setup):
    diag, _ = error_texts(db.conn, FIRST_THREE % "token_403")
    assert diag.message_detail == "'Bearer ***' is not accepted"
    assert "user mapping" in diag.message_hint


def test_an_api_key_parameter_is_masked_in_urls(db, setup):
    diag, _ = error_texts(db.conn, FIRST_THREE % "key_param_500")
    assert "&api_key=***" in diag.message_primary
    diag, _ = error_texts(db.conn, FIRST_THREE % "key_param_403")
    assert diag.message_detail == "API key '***' is not accepted"


def test_a_cancelled_query_shows_no_secret(db, setup):
    db.execute("SET statement_timeout = '200ms'")
    diag, text = error_texts(db.conn, "SELECT * FROM secrets.token_timeout")
    db.execute("RESET statement_timeout")
    assert "statement timeout" in diag.message_primary
    assert_no_secret(text)


def test_a_malformed_secret_is_not_echoed(db, setup, service):
    db.execute("DROP SERVER IF EXISTS bad_secret_srv CASCADE")
    db.execute("CREATE SERVER bad_secret_srv FOREIGN DATA WRAPPER restcorn "
               + options(wrapper="fdw.DictionaryFDW", url=service.url))
    db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bad_secret_srv "
               + options(token=TOKEN + " \n" + TOKEN))
    db.execute("CREATE FOREIGN TABLE secrets.bad_secret (id int) SERVER bad_secret_srv")
    diag, text = error_texts(db.conn, "SELECT id FROM secrets.bad_secret")
    assert diag.message_primary == 'option "token" must be printable ASCII without spaces'
    assert_no_secret(text)
    db.execute("DROP SERVER bad_secret_srv CASCADE")


# --- who can read them -------------------------------------------------------------------------

def test_other_roles_cannot_read_mapping_options(cluster, setup):
    with as_role(cluster, ANALYST) as analyst:
        shown = analyst.execute("SELECT srvname, usename, umoptions FROM pg_user_mappings "
                                "WHERE srvname IN ('token_srv', 'public_srv')").fetchall()
        assert {(srv, user) for srv, user, _ in shown} == {
            ("token_srv", "postgres"), ("public_srv", "public"), ("public_srv", KEEPER)}
        assert all(umoptions is None for _, _, umoptions in shown)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            analyst.execute("SELECT umoptions FROM pg_user_mapping")
        assert_no_secret(explain(analyst, FIRST_THREE % "public_ok"))
        _, text = error_texts(analyst, FIRST_THREE % "public_403")
        assert_no_secret(text)


def test_a_mappings_own_user_sees_its_options_and_no_others(cluster, setup):
    with as_role(cluster, KEEPER) as keeper:
        shown = dict(keeper.execute("SELECT usename, umoptions FROM pg_user_mappings "
                                    "WHERE srvname = 'public_srv'").fetchall())
    assert shown == {KEEPER: ["token=" + OTHER_TOKEN], "public": None}


def test_server_and_table_options_are_public_so_secrets_belong_in_mappings(cluster, setup, db,
                                                                           service):
    """Accepted on a server or table too (the host merges options), but there anyone reads them."""
    db.execute("DROP SERVER IF EXISTS visible_srv CASCADE")
    db.execute("CREATE SERVER visible_srv FOREIGN DATA WRAPPER restcorn "
               + options(wrapper="fdw.DictionaryFDW", url=service.url, token="visible-token"))
    db.execute("CREATE FOREIGN TABLE secrets.visible (id int) SERVER visible_srv "
               + options(path="/_fault/token-visible-token/words"))
    assert db.rows("SELECT id FROM secrets.visible WHERE id = 7") == [(7,)]
    with as_role(cluster, ANALYST) as analyst:
        srvoptions = analyst.execute("SELECT srvoptions FROM pg_foreign_server "
                                     "WHERE srvname = 'visible_srv'").fetchone()[0]
    assert "token=visible-token" in srvoptions
    db.execute("DROP SERVER visible_srv CASCADE")


# --- where requests may go ---------------------------------------------------------------------

def test_allowed_hosts(db, setup, service):
    port = service.url.rsplit(":", 1)[1]
    db.execute("DROP SERVER IF EXISTS fenced_srv, wrong_fence_srv, no_port_srv CASCADE")
    db.execute("CREATE SERVER fenced_srv FOREIGN DATA WRAPPER restcorn "
               + options(wrapper="fdw.DictionaryFDW", url=service.url,
                         allowed_hosts="api.example.com, http://127.0.0.1:%s" % port))
    db.execute("CREATE FOREIGN TABLE secrets.fenced (id int) SERVER fenced_srv")
    assert db.rows("SELECT id FROM secrets.fenced WHERE id = 5") == [(5,)]

    db.execute("CREATE SERVER wrong_fence_srv FOREIGN DATA WRAPPER restcorn "
               + options(wrapper="fdw.DictionaryFDW", url=service.url,
                         allowed_hosts="api.example.com"))
    db.execute("CREATE FOREIGN TABLE secrets.outside (id int) SERVER wrong_fence_srv")
    diag, _ = error_texts(db.conn, "SELECT id FROM secrets.outside WHERE id = 5")
    assert diag.message_primary == ('option "url" names http://127.0.0.1:%s, which option '
                                    '"allowed_hosts" does not list' % port)
    # a bare host allows its default ports only, not every service on it
    db.execute("CREATE SERVER no_port_srv FOREIGN DATA WRAPPER restcorn "
               + options(wrapper="fdw.DictionaryFDW", url=service.url, allowed_hosts="127.0.0.1"))
    db.execute("CREATE FOREIGN TABLE secrets.no_port (id int) SERVER no_port_srv")
    diag, _ = error_texts(db.conn, "SELECT id FROM secrets.no_port WHERE id = 5")
    assert "does not list" in diag.message_primary
    db.execute("DROP SERVER fenced_srv, wrong_fence_srv, no_port_srv CASCADE")


# --- and the server log ------------------------------------------------------------------------

def test_the_server_log_shows_no_secret(cluster, setup):
    log = cluster.log()
    assert "HTTP 403" in log  # the failing queries above are in it
    assert_no_secret(log)


# --- no qual value can change where a request goes ---------------------------------------------

HOSTILE = st.text() | st.sampled_from(["&api_key=x", "#", "/../admin", "@evil.example/", "?a=b",
                                       "%2F", "\r\nHost: evil", "word=x&fields=secret"])
BASE = "https://svc.example:8443/api/v1"


def dictionary_table():
    columns = {"id": ColumnDefinition("id", 23, -1, "integer", "integer"),
               "word": ColumnDefinition("word", 1043, -1, "character varying", "character varying")}
    return DictionaryFDW({"url": BASE, "api_key": KEY, "api_key_param": "api_key"}, columns).table


TABLE = dictionary_table()


def request_for(quals):
    params = scan_params(TABLE, quals, {"word"})
    return request_url(TABLE, params + page_params(0, 100))


def assert_same_place(url):
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.port, parts.path, parts.fragment) == (
        "https", "svc.example", 8443, "/api/v1/words", "")
    return parse_qsl(parts.query, keep_blank_values=True)


TAIL = [("fields", "word"), ("limit", "100"), ("api_key", KEY)]


@given(HOSTILE)
def test_equality_value_stays_one_parameter(value):
    assert assert_same_place(request_for([Qual("word", "=", value)])) == [("word", value)] + TAIL


@given(st.lists(HOSTILE, min_size=1, max_size=8))
def test_in_list_values_stay_their_parameters(values):
    url = request_for([Qual("word", ("=", True), values)])
    assert assert_same_place(url) == [("word", v) for v in dict.fromkeys(values)] + TAIL


@given(HOSTILE)
def test_like_pattern_stays_one_parameter(value):
    url = request_for([Qual("word", "~~", value)])
    assert assert_same_place(url) == [("word_like", value)] + TAIL


@given(HOSTILE, HOSTILE)
def test_redacted_urls_hide_the_key_and_keep_the_rest(value, pattern):
    url = request_for([Qual("word", "=", value), Qual("word", "~~", pattern)])
    shown = redact(url, TABLE.credentials.secret_params)
    assert parse_qsl(urlsplit(shown).query, keep_blank_values=True) == [
        ("word", value), ("word_like", pattern), ("fields", "word"), ("limit", "100"),
        ("api_key", "***")]


VISIBLE_ASCII = st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="*")


@given(st.text(alphabet=VISIBLE_ASCII, min_size=1), st.text(), st.text())
def test_mask_removes_every_copy(secret, before, after):
    text = before + secret + after + secret
    assert secret not in mask(text, [secret])


@given(st.text(alphabet=VISIBLE_ASCII, min_size=8, max_size=30), st.text(max_size=90),
       st.integers(4, 7), st.text(max_size=40))
def test_a_secret_cut_inside_a_longer_message_is_masked(secret, before, shown, after):
    """A value cut by errors.excerpt and then quoted in a message (a misfit's value, say): the
    start of a secret before the cut's "..." is masked wherever the cut lands."""
    value = excerpt(before + secret, len(before) + shown + 3)
    text = 'column "n": value %s from URL is not an integer%s' % (value, after)
    masked = mask(text, [secret])
    assert secret[:shown] not in masked.replace("***", "\0")


class EchoesTheToken(StubHandler):
    """GET: one record whose "n" holds 70 characters, then the bearer token it was sent."""

    def do_GET(self):
        token = self.headers.get("Authorization", "").split(" ")[-1]
        body = json.dumps({"records": [{"id": 1, "n": "x" * 70 + token}]})
        self.send_body(200, body.encode())


def test_a_misfit_value_holding_the_token_shows_none_of_it():
    """The service puts the token, after 70 characters, into a value that does not fit its
    column: the ERROR's cut of the value shows no part of it."""
    columns = {"id": ColumnDefinition("id", 23, -1, "integer", "integer"),
               "n": ColumnDefinition("n", 23, -1, "integer", "integer")}
    with serve(EchoesTheToken) as url:
        table = RestFDW({"url": url, "records_path": "records", "pagination": "none",
                         "use_remote_estimate": "false", "token": "S3cr3tT0ken"}, columns)
        with pytest.raises(MulticornException) as raised:
            list(table.execute([], {"id", "n"}))
    error = raised.value
    assert error.message.startswith('column "n": value "xxxx')
    shown = " ".join(filter(None, (error.message, error.detail, error.hint)))
    assert not any("S3cr3tT0ken"[i:i + 4] in shown for i in range(len("S3cr3tT0ken") - 3))


# How services echo a value: JSON (json.dumps; Go's encoding/json also escapes <>&), Python's
# repr in an error page, JavaScript's encodeURIComponent, HTML.
ECHOES = {
    "json": lambda token: json.dumps(token)[1:-1],
    "go": lambda token: json.dumps(token)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e")
    .replace("&", "\\u0026"),
    "repr": lambda token: repr(token),
    "uri": lambda token: quote(token, safe="-_.!~*'()"),
    "html": lambda token: html.escape(token),
}


class EchoesAround(StubHandler):
    """GET: a body that is not UTF-8, the token the server's ``where`` says: right before a
    byte 0xFF ("before"), or 25 bytes after it ("after"); or, for /total, a total that is no
    count beside a record holding the token."""

    def do_GET(self):
        token = self.headers.get("Authorization", "").split(" ")[-1]
        if self.path.startswith("/total"):
            body = json.dumps({"total": "x", "items": [{"id": 1, "t": token}]}).encode()
        elif self.server.where in ECHOES:  # the token as a service may echo it, then 0xFF
            body = b'{"items":[{"id":1,"echo":"' + ECHOES[self.server.where](token).encode() \
                + b'"}, "\xff"]}'
        elif self.server.where == "utf-16":  # a body in another encoding: NULs between bytes
            body = json.dumps({"items": [{"id": 1, "echo": token}]}).encode("utf-16")
        elif self.server.where == "inside":  # the bad byte inside the echoed token
            body = b'{"items":[{"id":"' + token[:8].encode() + b"\xff" + token[8:].encode() \
                + b'"}]}'
        elif self.server.where == "before":
            body = b'{"items":[{"id":"' + token.encode() + b"P" * 30 + b'\xff"}]}'
        else:
            body = b'{"items":[{"id":"' + b"P" * 10 + b"\xff" + b"Q" * 25 + token.encode() \
                + b'"}]}'
        self.send_body(200, body)


def shows_part_of(secret, error):
    shown = " ".join(filter(None, (error.message, error.detail, error.hint)))
    return any(secret[i:i + 4] in shown for i in range(len(secret) - 3))


@pytest.mark.parametrize("token", ["Tok3n.S+cr(e)t*?[x]/Zz9", 'Secret"Token99', "Secret'Tok99",
                                   "Secret\\Token99", "tok\\en\"Secret9", "Secret<Token99&x",
                                   "Sec/ret(Token)99", "Ab'cd\"Efgh-1234"])
@pytest.mark.parametrize("where", ["before", "after", "inside", "utf-16"] + sorted(ECHOES))
def test_bytes_shown_around_a_byte_that_is_not_utf8_hide_the_token(where, token):
    columns = {"id": ColumnDefinition("id", 23, -1, "integer", "integer")}
    with serve(EchoesAround, where=where) as url:
        table = RestFDW({"url": url, "records_path": "items", "pagination": "none",
                         "use_remote_estimate": "false", "token": token}, columns)
        with pytest.raises(MulticornException) as raised:
            list(table.execute([], {"id"}))
    assert "not valid UTF-8" in raised.value.message
    assert "\\x" in raised.value.detail and raised.value.detail.isprintable()  # no NUL
    assert not shows_part_of(token, raised.value)


def test_a_body_shown_in_a_detail_is_json_whose_secrets_are_masked():
    """A token holding both quotes: Python's repr wrote it in a form no mask knew (\\')."""
    token = "Ab'cd\"Efgh-1234"
    columns = {"id": ColumnDefinition("id", 23, -1, "integer", "integer")}
    with serve(EchoesAround, where="") as url:
        table = RestFDW({"url": url, "path": "/total", "records_path": "items",
                         "use_remote_estimate": "false", "token": token}, columns)
        with pytest.raises(MulticornException) as raised:
            list(table.execute([], set()))
    assert "not a count" in raised.value.message
    assert raised.value.detail.startswith('{"total": "x", "items": [{"id": 1, "t": "***"}]}')
    assert not shows_part_of(token, raised.value)
