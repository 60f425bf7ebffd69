"""DictionaryFDW.execute against the mock service: results, pushed requests, lazy paging, errors."""
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import pytest  # noqa: E402
import requests  # noqa: E402
from restcorn_engine import ColumnDefinition, MulticornException, Qual, SortKey  # noqa: E402

from fdw import DictionaryFDW, RestFDW  # noqa: E402

mock_service = pytest.importorskip("mock_service")
if not hasattr(mock_service, "create_app"):
    pytest.skip("mock_service has no create_app yet", allow_module_level=True)
waitress = pytest.importorskip("waitress")

SPECIAL = ["house", "greenhouse", "House", "a&b=c", "100%", "it's", "naïve", "Éclair",
           "under_score", "back\\slash", "x#y", "a/b"]
WORDS = SPECIAL + ["w%04d" % i for i in range(1, 2101 - len(SPECIAL))]  # 2100 words in all
COLUMNS = {
    "id": ColumnDefinition("id", 23, -1, "integer", "integer"),
    "word": ColumnDefinition("word", 1043, -1, "character varying", "character varying"),
}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    words_file = tmp_path_factory.mktemp("words") / "words.txt"
    words_file.write_text("".join(word + "\n" for word in WORDS), encoding="utf-8")
    app = mock_service.create_app({"WORDS_FILE": str(words_file)})
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%s" % server.effective_port
    server.close()


@pytest.fixture
def log(service):
    """A function returning the requests made since the test started."""
    requests.delete(service + "/_log")
    return lambda: requests.get(service + "/_log").json()["requests"]


@pytest.fixture
def dictionary(service):
    return DictionaryFDW({"url": service}, COLUMNS)


def pairs(rows):
    return [(row["id"], row["word"]) for row in rows]


def ids_of(words):
    return [WORDS.index(word) + 1 for word in words]


def test_like_is_pushed_and_exact(dictionary, log):
    rows = list(dictionary.execute([Qual("word", "~~", "%house%")], {"id", "word"}))
    assert pairs(rows) == list(zip(ids_of(["house", "greenhouse"]), ["house", "greenhouse"]))
    [request] = log()
    assert request["args"] == {"word_like": ["%house%"], "fields": ["id,word"], "limit": ["100"]}


def test_ilike_and_escapes(dictionary, log):
    ilike = Qual("word", "~~*", "house")
    ilike.collation = "C"  # ILIKE is sent only where lower() folds just ASCII letters
    assert [r["word"] for r in dictionary.execute([ilike], {"word"})] == ["house", "House"]
    assert [r["word"] for r in dictionary.execute([Qual("word", "~~", "100\\%")], {"word"})] == ["100%"]
    assert [r["word"] for r in dictionary.execute([Qual("word", "~~", "under\\_%")], {"word"})] == [
        "under_score"]


@pytest.mark.parametrize("word", ["a&b=c", "100%", "it's", "naïve", "back\\slash", "x#y", "a/b"])
def test_nasty_values_are_sent_intact(dictionary, word):
    rows = list(dictionary.execute([Qual("word", "=", word)], {"id", "word"}))
    assert pairs(rows) == [(WORDS.index(word) + 1, word)]


def test_in_list_and_ranges(dictionary):
    rows = dictionary.execute([Qual("id", ("=", True), [3, 1, 99999]), Qual("id", ">=", 2)], {"id"})
    assert [row["id"] for row in rows] == [3]
    rows = dictionary.execute([Qual("id", ">=", 10), Qual("id", "<=", 20)], {"id"})
    assert [row["id"] for row in rows] == list(range(10, 21))


def test_contradiction_makes_no_request(dictionary, log):
    assert list(dictionary.execute([Qual("id", "=", 1), Qual("id", "=", 2)], {"id"})) == []
    assert log() == []


def test_first_rows_need_one_small_request(dictionary, log):
    rows = dictionary.execute([], {"id", "word"})
    first = [next(rows) for _ in range(10)]
    assert [row["id"] for row in first] == list(range(1, 11))
    assert [entry["args"]["limit"] for entry in log()] == [["100"]]
    del rows  # PostgreSQL stops pulling: no further request
    assert len(log()) == 1


def test_next_page_only_when_the_previous_is_consumed(dictionary, log):
    rows = dictionary.execute([], {"id"})
    for _ in range(100):
        next(rows)
    assert len(log()) == 1
    next(rows)
    # past the first page a scan is a whole scan: page_size (10000) at once
    assert [(e["args"]["limit"], e["args"].get("offset")) for e in log()] == [
        (["100"], None), (["10000"], ["100"])]


def test_full_scan_goes_to_page_size_and_stops_at_the_total(dictionary, log):
    rows = list(dictionary.execute([], {"id", "word"}))
    assert pairs(rows) == list(enumerate(WORDS, 1))
    # 100 + 2000 = 2100 = total: no request for an empty last page.
    assert [entry["args"]["limit"] for entry in log()] == [["100"], ["10000"]]


def test_short_page_ends_the_scan(dictionary, log):
    rows = list(dictionary.execute([Qual("word", "~~", "w1%")], {"word"}))
    assert len(rows) == 1000
    assert [entry["args"]["limit"] for entry in log()] == [["100"], ["10000"]]


def test_pages_grow_under_a_pushed_limit(dictionary, log):
    rows = list(dictionary.execute([], {"id"}, limit=2000))
    assert [row["id"] for row in rows] == list(range(1, 2001))
    assert [entry["args"]["limit"] for entry in log()] == [["100"], ["400"], ["1500"]]


def test_pushed_limit_and_offset(dictionary, log):
    rows = list(dictionary.execute([], {"id"}, limit=5, offset=2000))
    assert [row["id"] for row in rows] == [2001, 2002, 2003, 2004, 2005]
    assert [entry["args"] for entry in log()] == [
        {"fields": ["id"], "limit": ["5"], "offset": ["2000"]}]
    rows = list(dictionary.execute([], {"id"}, offset=2095))
    assert [row["id"] for row in rows] == list(range(2096, 2101))


def test_pushed_sort(dictionary):
    keys = [SortKey("word", 2, True, False, "C")]
    rows = list(dictionary.execute([Qual("word", "~~", "%o%")], {"word"}, sortkeys=keys, limit=3))
    expected = sorted((w for w in WORDS if "o" in w), reverse=True)[:3]
    assert [row["word"] for row in rows] == expected


def test_count_star_asks_for_the_total_only(dictionary, log):
    rows = list(dictionary.execute([], set()))
    assert len(rows) == len(WORDS) and rows[0] == {}
    assert [entry["args"] for entry in log()] == [{"limit": ["0"]}]
    assert len(list(dictionary.execute([], set(), limit=3, offset=10))) == 3
    assert len(list(dictionary.execute([], set(), offset=2098))) == 2


def test_rel_size_counts_and_caches(dictionary, log):
    assert dictionary.get_rel_size([Qual("word", "~~", "%house%")], {"id", "word"}) == (2, 16)
    assert dictionary.get_rel_size([Qual("word", "~~", "%house%")], {"id"}) == (2, 4)
    assert dictionary.get_rel_size([], {"word"}) == (len(WORDS), 12)
    assert [entry["args"] for entry in log()] == [
        {"word_like": ["%house%"], "limit": ["0"]}, {"limit": ["0"]}]


def test_pushdown_off_gives_the_same_rows(service):
    plain = RestFDW({"url": service, "path": "/words", "pushdown": "false"}, COLUMNS)
    quals = [Qual("word", "~~", "%house%")]
    rows = [row for row in plain.execute(quals, {"id", "word"}) if "house" in row["word"]]
    assert pairs(rows) == pairs(DictionaryFDW({"url": service}, COLUMNS).execute(quals, {"id", "word"}))


def test_renamed_columns(service):
    cols = {"ident": ColumnDefinition("ident", 23, -1, "integer", "integer",
                                      {"field": "id", "filters": "eq"}),
            "w": ColumnDefinition("w", 25, -1, "text", "text", {"field": "word"})}
    fdw = RestFDW({"url": service, "path": "words"}, cols)
    assert list(fdw.execute([Qual("ident", "=", 4)], {"ident", "w"})) == [{"ident": 4, "w": "a&b=c"}]


def test_service_rejection_is_a_clear_error(service):
    cols = {"id": ColumnDefinition("id", 23, -1, "integer", "integer",
                                   {"field": "nope", "filters": "eq"})}
    fdw = RestFDW({"url": service, "path": "/words"}, cols)
    with pytest.raises(MulticornException) as raised:
        list(fdw.execute([Qual("id", "=", 1)], {"id"}))
    error = raised.value
    assert error.message.startswith(service + "/words?nope=1")
    assert "HTTP 400" in error.message
    assert "nope" in error.detail
    assert "filters" in error.hint


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_service_fails_at_plan_time_and_scan_time():
    fdw = DictionaryFDW({"url": "http://127.0.0.1:%d" % free_port(), "connect_timeout": "1"}, COLUMNS)
    with pytest.raises(MulticornException) as raised:
        fdw.get_rel_size([], {"id"})
    assert raised.value.message.startswith("could not reach http://127.0.0.1:")
    assert "url option" in raised.value.hint
    assert "refused" in raised.value.detail.lower()
    with pytest.raises(MulticornException):
        list(fdw.execute([], {"id"}))
