"""An outside security review's findings, each refused or bounded with a clear ERROR.

Through real PostgreSQL with the engine, against hostile stub services on
loopback (tests/stub_http.py): a shared rate_limit schedule one server could
stall, tokens echoed in other forms, runaway OpenAPI documents, growing
cursors, memory estimates, transport headers as key headers, counts that are
no counts, and values the column's type refuses.
"""
import json
import threading

import psycopg
import pytest
from hypothesis import given, settings, strategies as st

from tests.stub_http import StubHandler, serve
from test_security import error_of, literal, options

RECORDS = [{"id": number, "name": "n%d" % number} for number in range(1, 6)]


class Stub(StubHandler):
    """Answers each GET with ``answer(self)``: (status, JSON-able body, headers); keeps requests."""

    def do_GET(self):  # noqa: N802 (the standard library's name)
        with self.lock:
            self.seen.append((self.path, dict(self.headers)))
        status, body, headers = self.answer()
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_body(status, data, headers=dict(headers))

    def answer(self):
        return 200, {"records": RECORDS, "total": len(RECORDS)}, []


@pytest.fixture
def stub():
    """``stub(answer)``: serve a Stub whose ``answer`` is given; returns (handler class, url)."""
    servers = []

    def start(answer=Stub.answer):
        handler = type("Hostile", (Stub,), {"answer": answer, "seen": [],
                                            "lock": threading.Lock()})
        context = serve(handler)
        servers.append(context)
        return handler, context.__enter__()

    yield start
    for context in servers:
        context.__exit__(None, None, None)


@pytest.fixture
def make_server(db):
    """``make_server(name, mapping=None, **options)``: a RestFDW server (dropped afterwards)."""
    made = []

    def make(name, mapping=None, **server_options):
        db.execute("DROP SERVER IF EXISTS %s CASCADE" % name)
        db.execute("CREATE SERVER %s FOREIGN DATA WRAPPER restcorn %s"
                   % (name, options(wrapper="fdw.RestFDW", **server_options)))
        if mapping is not None:
            db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER %s %s"
                       % (name, options(**mapping)))
        made.append(name)
        return name

    yield make
    for name in made:
        db.execute("DROP SERVER IF EXISTS %s CASCADE" % name)


def plain_table(db, name, server, **table_options):
    settings = dict(pagination="none", fields_param="", limit_param="")
    settings.update(table_options)
    db.execute("CREATE FOREIGN TABLE %s (id int, name text) SERVER %s %s"
               % (name, server, options(**settings)))


# --- finding 1: rate_limit schedules -------------------------------------------------------------

def test_a_slow_rate_on_the_same_url_does_not_slow_another_server(db, stub, make_server):
    """Finding 1: a server with the same url and rate_limit '1/hour' stalled every other one."""
    _, url = stub()
    make_server("hourly_srv", url=url, rate_limit="1/hour")
    make_server("busy_srv", url=url, rate_limit="100/s")
    plain_table(db, "hourly", "hourly_srv", retry_max_seconds="7200")
    plain_table(db, "busy", "busy_srv")
    assert len(db.rows("SELECT * FROM hourly")) == 5  # the hour's one turn is taken
    db.execute("SET statement_timeout = '20s'")  # a shared schedule would wait an hour
    for _ in range(3):
        assert len(db.rows("SELECT * FROM busy")) == 5
    db.execute("RESET statement_timeout")


def test_a_turn_past_retry_max_seconds_is_an_error_at_once(db, stub, make_server):
    handler, url = stub()
    make_server("late_srv", url=url, rate_limit="1/hour")
    plain_table(db, "late", "late_srv", retry_max_seconds="5")
    assert len(db.rows("SELECT * FROM late")) == 5
    db.execute("SET statement_timeout = '60s'")  # a wait would end in a QueryCanceled
    diag = error_of(db, "SELECT * FROM late")
    db.execute("RESET statement_timeout")
    assert "under rate_limit 1/3600s" in diag.message_primary
    assert "past retry_max_seconds (5)" in diag.message_primary
    assert len(handler.seen) == 1


def test_a_cancelled_wait_gives_its_turn_back(db, stub, make_server):
    """Finding 1: each cancelled turn still reserved its slot, pushing later turns further away."""
    handler, url = stub()
    make_server("minute_srv", url=url, rate_limit="1/min")
    plain_table(db, "minute", "minute_srv", retry_max_seconds="100")
    assert len(db.rows("SELECT * FROM minute")) == 5  # the next turn is about 63 s away
    db.execute("SET statement_timeout = '300ms'")
    for _ in range(2):  # each waits for the turn 63 s away, is cancelled, and gives it back
        with pytest.raises(psycopg.errors.QueryCanceled):
            db.execute("SELECT * FROM minute")
    # Kept, those turns would put the next one 189 s away: past the budget, an error at once.
    # Given back, it is still about 63 s away: within it, so the query waits and is cancelled.
    with pytest.raises(psycopg.errors.QueryCanceled):
        db.execute("SELECT * FROM minute")
    db.execute("RESET statement_timeout")
    assert len(handler.seen) == 1


@pytest.mark.parametrize("retry_after", ["1e308", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_a_huge_retry_after_is_a_short_error_and_holds_no_longer_than_the_budget(
        db, stub, make_server, retry_after):
    """Finding 1: Retry-After 1e308 held every backend's turn until reboot; a 300-digit error."""
    refused = []

    def answer(self):
        if not refused:
            refused.append(True)
            return 429, {"error": "slow down"}, [("Retry-After", retry_after)]
        return Stub.answer(self)
    _, url = stub(answer)
    make_server("held_srv", url=url, rate_limit="100/s")
    plain_table(db, "held", "held_srv", retry_max_seconds="2")
    diag = error_of(db, "SELECT * FROM held")
    assert "HTTP 429" in diag.message_primary
    assert "past retry_max_seconds (2)" in diag.message_primary
    assert len(diag.message_primary) < 300
    db.execute("SET statement_timeout = '30s'")  # an uncapped hold would never end
    assert len(db.rows("SELECT * FROM held")) == 5
    db.execute("RESET statement_timeout")


# --- finding 2: tokens echoed in other forms -----------------------------------------------------

SLASHED_TOKEN = "tok/Qv7+Lm2/Xr9Hd4Wz"


def echoed(form):
    def answer(self):
        token = self.headers.get("Authorization", "").split(" ", 1)[-1]
        return 403, ('{"error": "bad token %s"}' % form(token)).encode(), []
    return answer


@pytest.mark.parametrize("form", [
    lambda token: json.dumps(token)[1:-1].replace("/", "\\/"),  # PHP's json_encode
    lambda token: token.lower(),
    lambda token: token.upper(),
    lambda token: __import__("urllib.parse").parse.quote_plus(token),
    lambda token: __import__("urllib.parse").parse.quote(token, safe="").lower(),
], ids=["json-escaped", "lower", "upper", "quote_plus", "quote-lower-hex"])
def test_a_token_echoed_in_another_form_is_masked(db, cluster, stub, make_server, form):
    _, url = stub(echoed(form))
    make_server("echo_srv", mapping={"token": SLASHED_TOKEN}, url=url)
    plain_table(db, "echo", "echo_srv")
    diag = error_of(db, "SELECT * FROM echo")
    assert "HTTP 403" in diag.message_primary and "bad token ***" in diag.message_detail
    shown = (diag.message_primary or "") + (diag.message_detail or "") + (diag.message_hint or "")
    for part in ("Qv7", "Lm2", "Xr9", "qv7", "lm2", "xr9", "QV7", "LM2"):
        assert part not in shown
    log = cluster.log()
    for part in ("Qv7", "qv7", "QV7", "Xr9Hd4", "xr9hd4"):
        assert part not in log


# --- finding 3: OpenAPI documents whose references multiply --------------------------------------

def multiplying_document(levels=17, fan_out=8):
    """The reviewer's document: S(i) is allOf fan_out x $ref S(i+1), 8^16 resolutions naively."""
    schemas = {"S%d" % i: {"allOf": [{"$ref": "#/components/schemas/S%d" % (i + 1)}] * fan_out}
               for i in range(levels - 1)}
    schemas["S%d" % (levels - 1)] = {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}}}
    return things_document({"type": "array", "items": {"$ref": "#/components/schemas/S0"}},
                           schemas)


def things_document(answer_schema, schemas):
    return {"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/things": {"get": {"responses": {"200": {
                "description": "ok",
                "content": {"application/json": {"schema": answer_schema}}}}}}},
            "components": {"schemas": schemas}}


def serving(document):
    def answer(self):
        if self.path.startswith("/openapi.json"):
            return 200, document, []
        return 200, RECORDS, []
    return answer


@pytest.mark.parametrize("behaviour", ["on", "off"])
@pytest.mark.parametrize("levels", [17, 12])
def test_multiplying_references_are_resolved_once_each(db, stub, make_server, behaviour, levels):
    """Finding 3: IMPORT FOREIGN SCHEMA spun through 8^16 resolutions, deaf to a cancel.

    17 levels go past MAX_REF_DEPTH (the endpoint is skipped with a NOTICE);
    12 (8^11 resolutions unshared) are within it: the table is imported.
    """
    document = multiplying_document(levels)
    assert len(json.dumps(document)) < 8192  # a small document
    _, url = stub(serving(document))
    make_server("refs_srv", url=url)
    db.execute("DROP SCHEMA IF EXISTS refs CASCADE")
    db.execute("CREATE SCHEMA refs")
    db.execute("SET restcorn.multicorn2_behaviour = %s" % behaviour)
    db.execute("SET statement_timeout = '60s'")  # the unbounded work ran for hours
    db.execute("IMPORT FOREIGN SCHEMA api FROM SERVER refs_srv INTO refs")
    db.execute("RESET statement_timeout")
    db.execute("RESET restcorn.multicorn2_behaviour")
    columns = db.rows("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                      "'refs' AND table_name = 'things' ORDER BY ordinal_position")
    if levels == 17:
        assert columns == []
    else:
        assert columns == [("id",), ("name",)]
        assert db.rows("SELECT id, name FROM refs.things ORDER BY id") == [
            (r["id"], r["name"]) for r in RECORDS]
    db.execute("DROP SCHEMA refs CASCADE")


def test_a_document_past_the_work_cap_is_a_clear_error(db, stub, make_server):
    from fdw.openapi import MAX_RESOLUTIONS

    parts = [{}] * MAX_RESOLUTIONS  # a large document: the cap bounds the work per document
    document = things_document({"type": "array", "items": {"allOf": parts}}, {})
    _, url = stub(serving(document))
    make_server("work_srv", url=url)
    db.execute("DROP SCHEMA IF EXISTS work CASCADE")
    db.execute("CREATE SCHEMA work")
    db.execute("SET restcorn.multicorn2_behaviour = on")
    diag = error_of(db, "IMPORT FOREIGN SCHEMA api FROM SERVER work_srv INTO work")
    db.execute("RESET restcorn.multicorn2_behaviour")
    assert "needs more than %d schema resolutions" % MAX_RESOLUTIONS in diag.message_primary
    assert "Error in python" not in diag.message_primary
    db.execute("DROP SCHEMA work CASCADE")


# --- finding 4: cursors that grow ----------------------------------------------------------------

def cursor_service(cursor_of):
    """Pages of RECORDS whose next cursor is ``cursor_of(page number)`` (None: the last page)."""
    def answer(self):
        from urllib.parse import parse_qs, urlsplit

        cursor = parse_qs(urlsplit(self.path).query).get("cursor", [""])[0]
        number = 1 if not cursor else int(cursor.split("-")[0]) + 1
        return 200, {"items": [dict(r, id=r["id"] + 10 * number) for r in RECORDS],
                     "next": cursor_of(number)}, []
    return answer


def cursor_table(db, make_server, url, name):
    make_server(name + "_srv", url=url)
    plain_table(db, name, name + "_srv", pagination="cursor", records_path="items",
                cursor_path="next", cursor_param="cursor")


def test_an_overlong_cursor_is_refused(db, stub, make_server):
    """Finding 4: every cursor was kept, a new 2 MB one per page grew the backend to GBs."""
    _, url = stub(cursor_service(lambda number: "%d-%s" % (number, "x" * 9000)))
    cursor_table(db, make_server, url, "longcursor")
    diag = error_of(db, "SELECT * FROM longcursor")
    assert 'has a cursor under "next" longer than 8192 characters' in diag.message_primary


def test_long_cursors_within_the_cap_page_and_a_repeat_is_a_loop(db, stub, make_server):
    _, url = stub(cursor_service(lambda number: "%d-%s" % (number, "y" * 8000)
                                 if number < 20 else None))
    cursor_table(db, make_server, url, "longpages")
    assert db.value("SELECT count(*) FROM longpages") == 100
    _, url = stub(cursor_service(lambda number: "%d-z" % (number % 3) if number < 20 else None))
    cursor_table(db, make_server, url, "looping")
    diag = error_of(db, "SELECT * FROM looping")
    assert "paging is in a loop" in diag.message_primary


# --- finding 5: the parsed-size estimate and wide characters -------------------------------------

def measured(text):
    """Bytes json.loads(``text``) (as the wrapper parses: Decimal floats) allocates and keeps."""
    import tracemalloc
    from decimal import Decimal

    tracemalloc.start()
    value = json.loads(text, parse_float=Decimal)
    used = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del value
    return used


@pytest.mark.parametrize("body", [
    '{"records":[{"v":"\U0001F600%s"}]}' % ("a" * 2_000_000),  # the reviewer's, at 2 MB
    '{"records":[{"v":"\\ud83d\\ude00%s"}]}' % ("a" * 2_000_000),  # the same, escaped
    '{"records":[{"v":"\u4e2d%s"}]}' % ("a" * 2_000_000),
    '{"records":[{"v":"\\u0100%s"}]}' % ("a" * 2_000_000),
    '{"records":[{"v":"\u00e9%s"}]}' % ("a" * 2_000_000),
], ids=["astral", "escaped-astral", "cjk", "escaped-latin-extended", "latin-1"])
def test_parsed_size_holds_for_wide_characters(body):
    """Finding 5: one emoji in a 60 MiB string made it take 4 bytes a character, unestimated."""
    from fdw.http import parsed_size

    assert parsed_size(body.encode()) >= measured(body)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), max_size=20), st.booleans())
def test_parsed_size_is_an_upper_estimate_for_any_strings(strings, ascii_only):
    from fdw.http import parsed_size

    body = json.dumps({"records": [{"v": text} for text in strings]}, ensure_ascii=ascii_only)
    assert parsed_size(body.encode("utf-8", "surrogatepass")) >= measured(body)


def test_an_answer_of_wide_characters_is_refused_by_its_parsed_size(db, stub, make_server):
    """The reviewer's body, smaller: 2 MB of text with one emoji takes 8 MB once parsed."""
    body = ('{"records":[{"id":1,"name":"\U0001F600%s"}]}' % ("a" * 2_000_000)).encode()
    _, url = stub(lambda self: (200, body, []))
    make_server("wide_srv", url=url)
    plain_table(db, "wide", "wide_srv", max_response_bytes="6000000")
    diag = error_of(db, "SELECT * FROM wide")
    assert "once parsed, more than max_response_bytes (6000000) allows" in diag.message_primary
    db.execute("ALTER FOREIGN TABLE wide OPTIONS (SET max_response_bytes '12000000')")
    assert db.value("SELECT length(name) FROM wide") == 2_000_001


# --- finding 6: where an API key goes ------------------------------------------------------------

KEY = "key_Hn4Tp8Rw2Zs6Vb1M"


@pytest.mark.parametrize("header", ["Host", "connection", "Content-Length", "Transfer-Encoding",
                                    "TE", "Upgrade"])
def test_a_transport_header_is_no_api_key_header(db, stub, make_server, header):
    """Finding 6: api_key_header 'Host' reached any virtual host behind the url's address."""
    handler, url = stub()
    make_server("hdr_srv", mapping={"api_key": KEY}, url=url, api_key_header=header)
    plain_table(db, "hdr", "hdr_srv")
    diag = error_of(db, "SELECT * FROM hdr")
    assert diag.message_primary.startswith('option "api_key_header" may not be %s' % header)
    assert handler.seen == []


@pytest.mark.parametrize("option", [{"api_key_header": "X-Other"}, {"api_key_param": "q"}])
def test_only_the_server_decides_where_the_key_goes(db, cluster, stub, make_server, option):
    """Finding 6: a table owner set api_key_param 'q' and sent another role's key in the query."""
    handler, url = stub()
    make_server("keyed_srv", url=url)
    db.execute("CREATE USER MAPPING FOR PUBLIC SERVER keyed_srv " + options(api_key=KEY))
    db.execute("DROP ROLE IF EXISTS rc_table_owner")
    db.execute("CREATE ROLE rc_table_owner LOGIN")
    db.execute("GRANT USAGE ON FOREIGN SERVER keyed_srv TO rc_table_owner")
    db.execute("GRANT CREATE ON SCHEMA public TO rc_table_owner")
    try:
        with psycopg.connect(cluster.dsn(user="rc_table_owner"), autocommit=True) as owner:
            owner.execute("CREATE FOREIGN TABLE keyed (id int, name text) SERVER keyed_srv "
                          + options(pagination="none", fields_param="", limit_param="",
                                    **option))
            with pytest.raises(psycopg.Error) as caught:
                owner.execute("SELECT * FROM keyed")
            assert caught.value.diag.message_primary == (
                'option "%s" may be set only on the foreign server, not on the foreign table'
                % next(iter(option)))
            owner.execute("DROP FOREIGN TABLE keyed")
        with pytest.raises(psycopg.Error, match="may be set only on the foreign server, not in a "
                                                "user mapping"):
            db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER keyed_srv "
                       + options(api_key=KEY, **option))
            db.execute("CREATE FOREIGN TABLE keyed (id int) SERVER keyed_srv")
            db.execute("SELECT * FROM keyed")
    finally:
        db.execute("DROP FOREIGN TABLE IF EXISTS public.keyed")
        db.execute("REVOKE CREATE ON SCHEMA public FROM rc_table_owner")
        db.execute("DROP SERVER keyed_srv CASCADE")
        db.execute("DROP ROLE rc_table_owner")
    assert handler.seen == []
    db.execute("DROP SERVER IF EXISTS keyed_srv CASCADE")


def test_the_server_sends_the_key_where_it_says(db, stub, make_server):
    handler, url = stub()
    make_server("param_srv", mapping={"api_key": KEY}, url=url, api_key_param="key")
    plain_table(db, "param", "param_srv")
    assert len(db.rows("SELECT * FROM param")) == 5
    assert "key=" + KEY in handler.seen[-1][0]


# --- finding 7: totals that are no count ---------------------------------------------------------

BAD_TOTALS = ["-5", '"abc"', "1.5", "true", "1E+2", "1" + "0" * 4000, str(2 ** 63)]


def counted(total_text=None, header=None):
    """A service whose answers report ``total_text`` (raw JSON) under "total", or ``header``."""
    def answer(self):
        records = json.dumps(RECORDS)
        if header is not None:
            return 200, records.encode(), [("X-Total-Count", header)]
        return 200, ('{"records": %s, "total": %s}' % (records, total_text)).encode(), []
    return answer


@pytest.mark.parametrize("total", BAD_TOTALS, ids=lambda total: total[:8])
@pytest.mark.parametrize("query", ["SELECT count(*) FROM {t}",
                                   "EXPLAIN SELECT * FROM {t} WHERE id = 3",
                                   "SELECT * FROM {t} WHERE id = 3"])
def test_a_total_that_is_no_count_is_a_clear_error(db, stub, make_server, total, query):
    """Finding 7: count(*) failed with 'Error in python: FdwError', or an OverflowError naming
    neither the URL nor the value."""
    _, url = stub(counted(total))
    make_server("total_srv", url=url)
    db.execute("CREATE FOREIGN TABLE totals (id int, name text) SERVER total_srv "
               + options(pagination="offset", records_path="records", total_key="total",
                         fields_param="", use_remote_estimate="true"))
    diag = error_of(db, query.format(t="totals"))
    message = diag.message_primary
    assert "Error in python" not in message
    assert message.startswith("the answer of %s?" % url)
    assert "has %s" % total[:60] in message and 'under "total", not a count' in message
    assert "(a count is a whole number from 0 to 9223372036854775807)" in message
    assert diag.message_hint and "total_key" in diag.message_hint
    assert len(message) < 1000


@pytest.mark.parametrize("header", ["-5", "abc", "1.5", "1" + "0" * 4000, str(2 ** 63)],
                         ids=lambda header: header[:8])
def test_a_count_header_that_is_no_count_is_a_clear_error(db, stub, make_server, header):
    _, url = stub(counted(header=header))
    make_server("header_srv", url=url)
    db.execute("CREATE FOREIGN TABLE header_totals (id int, name text) SERVER header_srv "
               + options(pagination="offset", records_path="", total_header="X-Total-Count",
                         fields_param=""))
    diag = error_of(db, "SELECT count(*) FROM header_totals")
    assert "Error in python" not in diag.message_primary
    assert diag.message_primary.startswith("the answer of %s?" % url)
    assert "X-Total-Count: %s" % header[:40] in diag.message_primary


def test_the_largest_count_is_counted(db, stub, make_server):
    _, url = stub(counted(str(2 ** 63 - 1)))
    make_server("big_srv", url=url)
    db.execute("CREATE FOREIGN TABLE bigcount (id int, name text) SERVER big_srv "
               + options(pagination="offset", records_path="records", total_key="total",
                         fields_param=""))
    assert db.value("SELECT count(*) FROM bigcount") == 2 ** 63 - 1


# --- finding 8: values the column's type refuses -------------------------------------------------

def one_record(record):
    return lambda self: (200, json.dumps({"records": [record]}).encode(), [])


@pytest.mark.parametrize("column_type, value", [
    ("varchar(3)", "xxxxxx"), ("varchar(3)", "x\u00e9\u00e9\u00e9"), ("char(3)", "xxxxxx"),
    ("varchar(1)", "\U0001F600\U0001F600"),
])
def test_a_value_longer_than_its_column_allows_is_an_error(db, stub, make_server, column_type,
                                                            value):
    """Finding 8: a service's "xxxxxx" came back from a varchar(3) column, and WHERE matched it."""
    _, url = stub(one_record({"id": 1, "v": value}))
    make_server("len_srv", url=url)
    db.execute("CREATE FOREIGN TABLE lens (id int, v %s) SERVER len_srv %s"
               % (column_type, options(pagination="none", fields_param="", limit_param="")))
    for query in ("SELECT * FROM lens", "SELECT id FROM lens WHERE v = %s" % literal(value)):
        diag = error_of(db, query)
        assert diag.sqlstate == "22001"  # string_data_right_truncation, as the type's input gives
        assert 'column "v"' in diag.message_primary
        assert "value too long for type" in diag.message_primary
        assert value in (diag.message_detail or "")
    db.execute("CREATE TABLE local_lens (v %s)" % column_type)
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        db.execute("INSERT INTO local_lens VALUES (%s)" % literal(value))
    db.execute("DROP TABLE local_lens")


@pytest.mark.parametrize("column_type, value, stored", [
    ("varchar(3)", "abc", "abc"), ("varchar(3)", "abc   ", "abc"), ("char(3)", "ab", "ab "),
    ("char(3)", "abc  ", "abc"), ("varchar", "x" * 100, "x" * 100),
    ("varchar(2)", "\u00e9\u00e9", "\u00e9\u00e9"),
])
def test_values_within_their_length_are_as_a_local_table_holds_them(db, stub, make_server,
                                                                      column_type, value, stored):
    _, url = stub(one_record({"id": 1, "v": value}))
    make_server("fit_srv", url=url)
    db.execute("CREATE FOREIGN TABLE fits (id int, v %s) SERVER fit_srv %s"
               % (column_type, options(pagination="none", fields_param="", limit_param="")))
    local = db.value("SELECT %s::%s" % (literal(value), column_type))
    assert db.value("SELECT v FROM fits") == local == stored
    assert db.value("SELECT v::text FROM fits") == db.value(
        "SELECT %s::%s::text" % (literal(value), column_type))


@pytest.mark.parametrize("column_type", ["text", "varchar(10)", "char(5)", "jsonb", "int",
                                         "text[]"])
def test_a_nul_character_names_its_column(db, stub, make_server, column_type):
    """Finding 8: a \\u0000 gave a bare 'invalid byte sequence for encoding "UTF8": 0x00'."""
    value = ["a\u0000b"] if column_type.endswith("[]") else "a\u0000b"
    _, url = stub(one_record({"id": 1, "v": value}))
    make_server("nul_srv", url=url)
    db.execute("CREATE FOREIGN TABLE nuls (id int, v %s) SERVER nul_srv %s"
               % (column_type, options(pagination="none", fields_param="", limit_param="")))
    diag = error_of(db, "SELECT * FROM nuls")
    assert 'column "v"' in diag.message_primary or 'column "v"' in (diag.message_detail or "") \
        or 'column "v"' in (diag.context or ""), diag.message_primary


def test_a_nul_character_in_json_is_kept_as_a_local_json_keeps_it(db, stub, make_server):
    _, url = stub(one_record({"id": 1, "v": "a\u0000b"}))
    make_server("jnul_srv", url=url)
    db.execute("CREATE FOREIGN TABLE jnuls (id int, v json) SERVER jnul_srv %s"
               % options(pagination="none", fields_param="", limit_param=""))
    assert db.value("SELECT v::text FROM jnuls") == db.value(
        "SELECT %s::json::text" % literal(json.dumps("a\u0000b")))
