"""A service that misbehaves, through PostgreSQL: every fault gives the right rows or a clear ERROR.

Each foreign table picks its fault through its path option
(``/_fault/<spec>/words``, see mock_service/faults.py); the url is the
server's, as only a server may set it. An ERROR must name
the URL and the HTTP status where there is one, and carry a HINT; a fault
that retrying cures must give exactly the rows of a healthy service. The
last test checks that no backend crashed on the way.
"""
import itertools
import re
import socket
import time
import uuid

import psycopg
import pytest
import requests

from fdw import types
from fdw.errors import FdwError
from fdw.http import check_page
from fdw.options import SERVER_OPTIONS, parse_table
from fdw.pagination import fingerprint
from restcorn_engine import ColumnDefinition



@pytest.fixture(scope="module")
def server(cluster, service):
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS faults CASCADE")
        conn.execute("DROP SERVER IF EXISTS faults_srv CASCADE")
        conn.execute("CREATE SCHEMA faults")
        conn.execute("CREATE SERVER faults_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.DictionaryFDW', url %s)" % literal(service.url))
    return "faults_srv"


def literal(value):
    return "'%s'" % str(value).replace("'", "''")


NUMBERS = itertools.count()


@pytest.fixture
def table(db, server, service):
    """make(spec=None, columns=..., **options): a new foreign table on the (faulty) service.

    Server options (url, allowed_hosts) among ``options`` get the table a server of its own.
    """
    def make(spec=None, columns='id int, word varchar COLLATE "C"', **options):
        number = next(NUMBERS)
        name = "faults.t%d" % number
        own = {key: options.pop(key) for key in SERVER_OPTIONS if key in options}
        on = server
        if own:
            on = "faults_srv%d" % number
            db.execute("CREATE SERVER %s FOREIGN DATA WRAPPER restcorn OPTIONS (%s)" % (
                on, listed(dict({"wrapper": "fdw.DictionaryFDW", "url": service.url}, **own))))
        if spec is not None:
            options["path"] = "/_fault/%s/words" % spec
        db.execute("CREATE FOREIGN TABLE %s (%s) SERVER %s %s" % (
            name, columns, on, "OPTIONS (%s)" % listed(options) if options else ""))
        return name
    return make


def listed(options):
    return ", ".join("%s %s" % (key, literal(value)) for key, value in options.items())


def unique(spec):
    """``spec`` with a key of its own, so its request count is this test's alone."""
    return "%s-key-%s" % (spec, uuid.uuid4().hex[:10])


def requests_seen(service, spec):
    return requests.get(service.url + "/_faults").json()["requests"].get(spec, 0)


def error_of(db, sql):
    """The diagnostics of the ERROR ``sql`` must raise."""
    with pytest.raises(psycopg.Error) as raised:
        db.rows(sql)
    return raised.value.diag


def assert_clear(diag, service, spec, status=None):
    """The ERROR names the URL (with the fault path) and the status, and has a HINT."""
    assert "%s/_fault/%s/words" % (service.url, spec) in diag.message_primary, diag.message_primary
    if status:
        assert "HTTP %s" % status in diag.message_primary, diag.message_primary
    assert diag.message_hint, "no HINT for: %s" % diag.message_primary


SOME = "SELECT id, word FROM %s WHERE id BETWEEN 1 AND 250 ORDER BY id"
ALL = "SELECT id, word FROM %s"


def some(words):
    return [(i, words[i - 1]) for i in range(1, 251)]


# --- retryable faults within the budget: the right rows ---------------------------------------

@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_status_is_retried_and_rows_are_right(db, table, service, words, status):
    spec = unique("status-%d-times-2" % status)
    assert db.rows(SOME % table(spec)) == some(words)
    assert requests_seen(service, spec) >= 3  # two failures, then answers


def test_full_scan_after_failures_loses_no_row(db, table, service, words):
    spec = unique("status-503-times-2")
    assert db.rows(ALL % table(spec)) == [(i + 1, w) for i, w in enumerate(words)]


def test_retry_after_is_honoured(db, table, service, words):
    spec = unique("429-retry-after-1-times-1")
    started = time.monotonic()
    assert db.rows(SOME % table(spec)) == some(words)
    assert time.monotonic() - started >= 1.0
    assert requests_seen(service, spec) >= 2


def test_dropped_connection_is_retried(db, table, service, words):
    spec = unique("drop-mid-body-times-1")
    assert db.rows(SOME % table(spec)) == some(words)
    assert requests_seen(service, spec) >= 2


# --- faults beyond the budget, or not retryable: a clear ERROR --------------------------------

def test_retries_are_bounded_in_count(db, table, service):
    spec = unique("status-503")
    diag = error_of(db, SOME % table(spec, retries="2"))
    assert_clear(diag, service, spec, "503")
    assert "3 attempts" in diag.message_primary
    assert "retries" in diag.message_hint
    assert diag.message_detail == "injected fault: status 503"
    assert requests_seen(service, spec) == 3


def test_retries_are_bounded_in_time(db, table, service):
    spec = unique("status-503")
    started = time.monotonic()
    diag = error_of(db, SOME % table(spec, retries="1000", retry_max_seconds="2"))
    assert time.monotonic() - started < 5
    assert_clear(diag, service, spec, "503")
    assert "retry_max_seconds (2)" in diag.message_primary


def test_retry_after_beyond_the_budget_fails_at_once(db, table, service):
    spec = unique("429-retry-after-60")
    started = time.monotonic()
    diag = error_of(db, SOME % table(spec, retry_max_seconds="5"))
    assert time.monotonic() - started < 3
    assert_clear(diag, service, spec, "429")
    assert requests_seen(service, spec) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422, 500, 501])
def test_other_statuses_are_never_retried(db, table, service, status):
    spec = unique("status-%d" % status)
    diag = error_of(db, SOME % table(spec))
    assert_clear(diag, service, spec, status)
    assert diag.message_detail == "injected fault: status %d" % status
    assert requests_seen(service, spec) == 1


@pytest.mark.parametrize("spec, message, attempts", [
    ("drop-mid-body", "broke before the whole answer arrived (2 attempts in ", 2),
    ("truncated-json", "HTTP 200 OK with a body that is not JSON (it ends in the middle)", 1),
    ("invalid-utf8", "answered HTTP 200 OK with a body that is not valid UTF-8", 1),
    ("deep-json", "answered HTTP 200 OK with JSON nested too deeply to read", 1),
    ("oversized-page", "returned 110 records when asked for at most 100", 1),
    ("redirect-loop", "answered HTTP 302 FOUND, a redirect to %s", 1),
])
def test_broken_answers_are_errors(db, table, service, spec, message, attempts):
    spec = unique(spec)
    url = "%s/_fault/%s/words" % (service.url, spec)
    # ALL: the planner's count request (no records) passes some faults; the scan's pages do not.
    diag = error_of(db, ALL % table(spec, retries="1"))
    assert_clear(diag, service, spec)
    assert (message % url if "%s" in message else message) in diag.message_primary
    assert requests_seen(service, spec) >= attempts


def test_pagination_loop_is_an_error(db, table, service):
    spec = unique("pagination-loop")
    diag = error_of(db, ALL % table(spec))
    assert_clear(diag, service, spec)
    assert "same records as the page before" in diag.message_primary
    assert "offset" in diag.message_hint


def test_pagination_loop_is_caught_before_postgres_stops_early(db, table, service):
    """With a WHERE clause LIMIT is not pushed: the repeated page must not reach PostgreSQL."""
    spec = unique("pagination-loop")
    diag = error_of(db, "SELECT id FROM %s WHERE word LIKE '%%a%%' LIMIT 150" % table(spec))
    assert "same records as the page before" in diag.message_primary


def test_max_pages(db, table, service):
    diag = error_of(db, ALL % table(page_size="100", max_pages="3"))
    assert "needs more than max_pages (3) pages" in diag.message_primary
    assert service.url + "/words?" in diag.message_primary
    assert "max_pages" in diag.message_hint


def test_max_response_bytes_declared(db, table, service):
    diag = error_of(db, ALL % table(max_response_bytes="2000"))
    assert "declares" in diag.message_primary
    assert "max_response_bytes (2000)" in diag.message_primary
    assert "page_size" in diag.message_hint


def test_max_response_bytes_while_streaming(db, table, service):
    spec = unique("endless-body")
    started = time.monotonic()
    diag = error_of(db, "SELECT id FROM %s" % table(spec, max_response_bytes="2000000"))
    assert time.monotonic() - started < 10
    assert_clear(diag, service, spec)
    assert "sent more than 2000000 bytes" in diag.message_primary


def test_read_timeout_is_not_retried(db, table, service):
    spec = unique("latency-3000")
    diag = error_of(db, SOME % table(spec, read_timeout="0.5"))
    assert_clear(diag, service, spec)
    assert "read_timeout 0.5 s" in diag.message_primary
    assert requests_seen(service, spec) == 1


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_service(db, table):
    url = "http://127.0.0.1:%d" % free_port()
    diag = error_of(db, SOME % table(url=url, retries="1"))
    assert diag.message_primary.startswith("could not reach %s/words?" % url)
    assert "2 attempts" in diag.message_primary
    assert "refused" in diag.message_detail.lower()
    assert "url option" in diag.message_hint


# --- values that do not fit their columns ------------------------------------------------------

def test_string_id_into_an_integer_column(db, table, service):
    spec = unique("wrong-types")
    diag = error_of(db, "SELECT id FROM %s WHERE id < 5" % table(spec))
    assert re.match(r'column "id": value "1" from %s/_fault/%s/words\?\S+ is not an integer$'
                    % (re.escape(service.url), spec), diag.message_primary), diag.message_primary
    assert "type" in diag.message_hint


@pytest.mark.engine_facts
def test_object_into_a_text_column(db, table, service):
    spec = unique("wrong-types")
    diag = error_of(db, "SELECT word FROM %s" % table(spec))
    assert diag.message_primary.startswith('column "word": value {"text": "A"} from ')
    assert diag.message_primary.endswith(" is not text")
    assert "jsonb" in diag.message_hint


def test_wrong_types_fit_columns_declared_for_them(db, table, service, words):
    spec = unique("wrong-types")
    name = table(spec, columns="id text, word jsonb")
    assert db.rows("SELECT id, word->>'text' FROM %s WHERE id IN ('1', '2')" % name) == [
        ("1", words[0]), ("2", words[1])]


def test_missing_fields_are_an_error(db, table, service):
    spec = unique("missing-fields")
    diag = error_of(db, SOME % table(spec))
    assert diag.message_primary.startswith('column "word": record 2 from %s/_fault/%s/words?'
                                           % (service.url, spec))
    assert diag.message_primary.endswith('has no key "word"')
    assert "missing_fields" in diag.message_hint


def test_missing_fields_as_null_when_asked(db, table, service, words):
    spec = unique("missing-fields")
    rows = db.rows(SOME % table(spec, missing_fields="null"))
    assert len(rows) == 250
    assert rows[::2] == some(words)[::2]
    assert all(word is None for _, word in rows[1::2])


def test_extra_fields_are_ignored(db, table, service, words):
    spec = unique("extra-fields")
    assert db.rows(SOME % table(spec)) == some(words)
    assert db.rows(ALL % table(spec)) == [(i + 1, w) for i, w in enumerate(words)]


def test_out_of_range_integer(db, table):
    diag = error_of(db, "SELECT id FROM %s WHERE id BETWEEN 32760 AND 32770" % table(
        columns="id smallint"))
    assert diag.message_primary.startswith('column "id": value 32768 from ')
    assert diag.message_primary.endswith("is out of range for smallint")


# --- unit level: the checks behind those errors -------------------------------------------------

def checker(columns, names=None, missing_fields="error"):
    definitions = {name: ColumnDefinition(name, 0, -1, type_name, type_name)
                   for name, type_name in columns.items()}
    config = parse_table({"url": "http://svc"}, definitions)
    return types.page_checker(config.columns, set(columns) if names is None else names,
                              missing_fields)


@pytest.mark.parametrize("type_name, good, bad, says", [
    ("integer", [1, -5, None, 2 ** 31 - 1], ["1", 1.5, True, [1], {"a": 1}], "is not an integer"),
    ("bigint", [2 ** 63 - 1, -2 ** 63], ["9"], "is not an integer"),
    ("numeric", [1, 1.5, None], ["1.5", False, [1]], "is not a number"),
    ("text", ["a", 1, 2.5, None], [{"a": 1}, [1], True], "is not text"),
    ("jsonb", [{"a": [1]}, [1], "a", 1, True, None], [], ""),
    ("integer[]", [[1, 2], "{1,2}", None], [{"a": 1}, 1], "is not an array"),
    ("date", ["2024-01-01", None], [{"y": 2024}, [2024]], "is not a string, number or boolean"),
])
def test_values_by_column_type(type_name, good, bad, says):
    check = checker({"c": type_name})
    check([{"c": value} for value in good], "URL")
    for value in bad:
        with pytest.raises(FdwError) as raised:
            check([{"c": good[0]}, {"c": value}], "URL")
        assert raised.value.message.startswith('column "c": value ')
        assert raised.value.message.endswith(" from URL " + says)


@pytest.mark.parametrize("type_name, value", [("smallint", 32768), ("smallint", -32769),
                                              ("integer", 2 ** 31), ("bigint", 2 ** 63)])
def test_integer_ranges(type_name, value):
    with pytest.raises(FdwError) as raised:
        checker({"c": type_name})([{"c": 1}, {"c": None}, {"c": value}], "URL")
    assert raised.value.message == 'column "c": value %d from URL is out of range for %s' % (
        value, type_name)


def test_records_must_be_objects():
    with pytest.raises(FdwError) as raised:
        checker({"c": "text"})([{"c": "a"}, ["a"]], "URL")
    assert raised.value.message == 'record 2 from URL is ["a"], not a JSON object'


PAGE_TABLE = parse_table({"url": "http://svc"}, {})


def page_error(records, start, count, total):
    with pytest.raises(FdwError) as raised:
        check_page(PAGE_TABLE, "http://svc?limit=%d" % count, records, start, count, total)
    return raised.value.message


def test_pages_must_agree_with_the_total():
    assert "past the total of 5" in page_error([{"id": 1}], 10, 100, 5)
    assert "returned no records at offset 100, and reports 500 in total" in page_error(
        [], 100, 100, 500)
    check_page(PAGE_TABLE, "u", [{"id": 1}], 0, 100, 500)    # a short page: the service caps
    check_page(PAGE_TABLE, "u", [], 9000, 100, 50)           # an OFFSET past the end: no rows
    check_page(PAGE_TABLE, "u", [{"id": 1}], 49, 100, 50)    # the last page
    check_page(PAGE_TABLE, "u", [{"id": 1}], 0, 100, None)   # no total: nothing to compare


def test_repeated_pages():
    first = [{"id": i} for i in range(100)]
    assert fingerprint(first) == fingerprint(first + [{"id": 100}] * 300)
    assert fingerprint(first) != fingerprint([{"id": i} for i in range(100, 500)])
    same = [{"kind": "a"}] * 100  # real data of one repeated value is not a loop
    assert fingerprint(same) is None and fingerprint(same * 4) is None
    assert fingerprint([]) is None


def test_only_the_columns_read_are_checked():
    checker({"c": "integer", "d": "integer"}, {"d"})([{"d": 1}, {"c": "x", "d": 2}], "URL")
    checker({"c": "integer"}, set())([{}], "URL")


# --- cancel and statement_timeout on a slow or silent service -------------------------------------

def assert_session_still_works(db, table, words):
    assert db.value("SELECT 1") == 1
    assert db.rows("SELECT id, word FROM %s WHERE id BETWEEN 1 AND 3" % table()) == [
        (1, words[0]), (2, words[1]), (3, words[2])]


@pytest.mark.parametrize("spec, options", [
    ("latency-10000", {}),                          # silent: no byte for ten seconds
    ("drip-200", {}),                               # a byte every 200 ms, never a read timeout
    ("429-retry-after-20", {}),                     # asleep in the retry wait
    ("status-503", {"retries": "50", "retry_max_seconds": "60"}),  # backoff after backoff
])
def test_statement_timeout_ends_a_stuck_query(db, table, words, spec, options):
    name = table(unique(spec), **options)
    db.execute("SET statement_timeout = '500ms'")
    started = time.monotonic()
    with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
        db.rows(SOME % name)
    assert time.monotonic() - started < 1.5
    db.execute("RESET statement_timeout")
    assert_session_still_works(db, table, words)


@pytest.mark.parametrize("spec", ["latency-10000", "drip-200"])
def test_cancel_ends_a_stuck_query(db, cancel_soon, table, words, spec):
    name = table(unique(spec))
    started = time.monotonic()
    with cancel_soon(db), pytest.raises(psycopg.errors.QueryCanceled, match="user request"):
        db.rows(SOME % name)
    assert time.monotonic() - started < 1.5
    assert_session_still_works(db, table, words)


def test_no_bare_except_in_the_wrapper():
    """Nothing may swallow the KeyboardInterrupt a cancel raises."""
    import pathlib

    import fdw
    for path in pathlib.Path(fdw.__file__).parent.glob("*.py"):
        source = path.read_text()
        assert not re.search(r"except\s*:|except\s+(BaseException|KeyboardInterrupt)", source), path


# --- options, good and bad ----------------------------------------------------------------------

def test_defaults_of_the_failure_options():
    config = parse_table({"url": "http://svc"}, {})
    assert (config.retries, config.retry_max_seconds, config.max_pages, config.max_response_bytes,
            config.missing_fields, config.allowed_hosts) == (
        3, 30.0, 10000, 64 * 1024 * 1024, "error", frozenset())


@pytest.mark.parametrize("options, message", [
    ({"retries": "-1"}, 'option "retries" must be a whole number, 0 or more, got "-1"'),
    ({"retry_max_seconds": "0"}, 'option "retry_max_seconds" must be a number of seconds'),
    ({"max_pages": "0"}, 'option "max_pages" must be a whole number greater than 0, got "0"'),
    ({"max_response_bytes": "lots"}, 'option "max_response_bytes" must be a whole number'),
    ({"missing_fields": "skip"}, 'option "missing_fields" must be error or null, got "skip"'),
    ({"url": "http://127.0.0.1:1/x#frag"}, 'option "url" must be an http:// or https:// URL'),
    ({"path": "/words?limit=5"}, 'option "path" must be a path without ? or #'),
    ({"allowed_hosts": "example.com"},
     'option "url" names http://127.0.0.1:'),
    ({"allowed_hosts": "example.com:99999"}, 'option "allowed_hosts" must be a comma-separated'),
    ({"api_key_header": "X Key"}, 'option "api_key_header" must be an HTTP header name'),
])
def test_bad_options_are_errors_naming_them(db, table, options, message):
    diag = error_of(db, SOME % table(**options))
    assert diag.message_primary.startswith(message), diag.message_primary
    assert "OPTIONS" in diag.message_hint


# --- and nothing crashed ------------------------------------------------------------------------

def test_no_backend_crashed(cluster):
    log = cluster.log()
    assert "terminated by signal" not in log
    assert "server process" not in log
