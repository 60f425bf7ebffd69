"""The mock word service, over real HTTP, against a direct read of the word list."""

import json
import os
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from mock_service import create_app  # noqa: E402
from mock_service.patterns import LikePatternError, like_test, like_to_regex, split_like  # noqa: E402
from mock_service.query import PARAMETERS_BY_NAME  # noqa: E402

WORDS_FILE = Path("/usr/share/dict/words")

# Words that the system word list lacks: LIKE and regex metacharacters,
# URL-special characters, quotes, non-ASCII, an empty line and a duplicate.
SPECIAL_WORDS = [
    "a_c", "abc", "aXc", "a%c", "a\\c", "a.c", "a(c)", "a*c", "a+c", "a?c", "[ac]", "$ac", "ac^",
    "a|c", "a{2}", "a&b", "x=y", "c#", "100%", "and/or", 'say "hi"', "it's", "naïve", "Ñandú",
    "日本語", "ÉCOLE", "école", "İstanbul", "tab\there", "", "dup", "dup", "a\\_c", "%", "_",
]


def read_words(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def start_service(*arguments: str) -> tuple[subprocess.Popen, str]:
    """Run python -m mock_service on a free port; return the process and its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_service", "--port", "0", *arguments],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    ready, _, _ = select.select([process.stdout], [], [], 60)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("serving on "):
        stop_service(process)
        raise RuntimeError(f"mock service did not start, it printed {line!r}")
    return process, line.removeprefix("serving on ").strip()


def stop_service(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    process.stdout.close()


@pytest.fixture(scope="module")
def words() -> list[str]:
    return read_words(WORDS_FILE)


@pytest.fixture(scope="module")
def base_url():
    process, url = start_service()
    yield url
    stop_service(process)


@pytest.fixture(scope="module")
def special_words(words) -> list[str]:
    """Every 10th system word plus SPECIAL_WORDS: big enough for the indexed search paths, small
    enough to check by brute force."""
    return words[::10] + SPECIAL_WORDS


@pytest.fixture(scope="module")
def special_url(tmp_path_factory, special_words):
    path = tmp_path_factory.mktemp("words") / "special-words"
    path.write_text("\n".join(special_words) + "\n", encoding="utf-8")
    process, url = start_service("--words", str(path))
    yield url
    stop_service(process)


def get_words(url: str, params) -> dict:
    response = requests.get(f"{url}/words", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def all_ids(url: str, params) -> tuple[list[int], int]:
    """Ids of every matching record, fetched page by page, and the reported total."""
    params = list(params.items()) if isinstance(params, dict) else list(params)
    ids, offset = [], 0
    while True:
        page = get_words(url, params + [("fields", "id"), ("limit", "10000"), ("offset", str(offset))])
        ids += [record["id"] for record in page["records"]]
        offset += 10000
        if offset >= page["total"]:
            return ids, page["total"]


def ids_where(words: list[str], test) -> list[int]:
    return [number for number, word in enumerate(words, start=1) if test(word)]


def assert_matches(url, params, words, test):
    ids, total = all_ids(url, params)
    expected = ids_where(words, test)
    assert ids == expected
    assert total == len(expected)


def reference_like(text: str, pattern: str) -> bool:
    """LIKE by simulating the pattern as an automaton over the set of reachable text positions."""
    tokens, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            tokens.append(("char", pattern[i + 1]))
            i += 2
        else:
            wildcard = {"%": ("any_run", None), "_": ("any_char", None)}
            tokens.append(wildcard.get(pattern[i], ("char", pattern[i])))
            i += 1
    reachable = {0}
    for kind, char in tokens:
        if not reachable:
            return False
        if kind == "any_run":
            reachable = set(range(min(reachable), len(text) + 1))
        elif kind == "any_char":
            reachable = {j + 1 for j in reachable if j < len(text)}
        else:
            reachable = {j + 1 for j in reachable if j < len(text) and text[j] == char}
    return len(text) in reachable


# Pure functions


@pytest.mark.parametrize("pattern, parts", [
    ("", []),
    ("abc", [("text", "abc")]),
    ("%%a%%", [("any_run", ""), ("text", "a"), ("any_run", "")]),
    ("a_\\%\\_\\\\b", [("text", "a"), ("any_char", ""), ("text", "%_\\b")]),
    ("\\a", [("text", "a")]),
])
def test_split_like(pattern, parts):
    assert [tuple(part) for part in split_like(pattern)] == parts


@pytest.mark.parametrize("pattern", ["\\", "abc\\", "a\\\\\\"])
def test_trailing_escape_is_an_error(pattern):
    with pytest.raises(LikePatternError, match="must not end with escape character"):
        split_like(pattern)


@pytest.mark.parametrize("pattern, kind, value", [
    ("", "equals", ""),
    ("%", "any", ""),
    ("%%%", "any", ""),
    ("house", "equals", "house"),
    ("house%", "startswith", "house"),
    ("%house", "endswith", "house"),
    ("%house%", "contains", "house"),
    ("%a\\%b%", "contains", "a%b"),
    ("a_c", "like", ""),
    ("%a%b%", "like", ""),
])
def test_like_test_picks_the_simplest_kind(pattern, kind, value):
    test = like_test(pattern)
    assert (test.kind, test.value) == (kind, value)


@pytest.mark.parametrize("pattern, text, expected", [
    ("a.c", "a.c", True), ("a.c", "abc", False),
    ("a(c)", "a(c)", True), ("a*c", "aac", False), ("a+c", "aac", False),
    ("a?c", "ac", False), ("[ac]", "a", False), ("$ac^", "$ac^", True),
    ("a_c", "a\nc", True), ("a%c", "a\n\nc", True),
    ("a\\_c", "abc", False), ("a\\_c", "a_c", True), ("a\\\\c", "a\\c", True),
])
def test_like_regex_is_literal_except_wildcards(pattern, text, expected):
    assert (re.fullmatch(like_to_regex(pattern), text, re.DOTALL) is not None) is expected
    assert like_test(pattern).matches(text) is expected
    assert reference_like(text, pattern) is expected


# The whole list


def test_root_returns_every_word_in_id_order(base_url, words):
    response = requests.get(f"{base_url}/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    records = response.json()["records"]
    assert len(records) == 104334
    assert records == [{"id": number, "word": word} for number, word in enumerate(words, start=1)]


def test_health(base_url):
    assert requests.get(f"{base_url}/health").json() == {"status": "ok", "words": 104334}


def test_unknown_path_is_a_json_404(base_url):
    response = requests.get(f"{base_url}/nowhere/else")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": "not found: /nowhere/else"}


# /words: fields, equality, ranges


def test_default_page(base_url, words):
    page = get_words(base_url, {})
    assert page["total"] == len(words)
    assert (page["limit"], page["offset"]) == (1000, 0)
    assert page["records"] == [{"id": n, "word": w} for n, w in enumerate(words[:1000], start=1)]


@pytest.mark.parametrize("fields, keys", [
    ("id", ["id"]), ("word", ["word"]), ("id,word", ["id", "word"]), ("word,id", ["word", "id"]), ("", []),
])
def test_fields_choose_and_order_keys(base_url, words, fields, keys):
    page = get_words(base_url, {"fields": fields, "id_gt": "1000", "limit": "3"})
    full = [{"id": n, "word": words[n - 1]} for n in (1001, 1002, 1003)]
    assert page["records"] == [{key: record[key] for key in keys} for record in full]
    assert [list(record) for record in page["records"]] == [keys] * 3


def test_id_equality(base_url, words):
    assert get_words(base_url, {"id": "42"})["records"] == [{"id": 42, "word": words[41]}]
    page = get_words(base_url, [("id", "104334"), ("id", "1"), ("id", "0"), ("id", "-3"),
                                ("id", "999999"), ("id", "1")])
    assert page["records"] == [{"id": 1, "word": words[0]}, {"id": 104334, "word": words[-1]}]
    assert page["total"] == 2


def test_word_equality_is_exact_and_case_sensitive(base_url, words):
    page = get_words(base_url, [("word", "house"), ("word", "Atatürk"), ("word", "HOUSE"), ("word", "hous")])
    expected = ids_where(words, lambda w: w in ("house", "Atatürk"))
    assert [record["id"] for record in page["records"]] == expected
    assert [record["word"] for record in page["records"]] == ["Atatürk", "house"]


@pytest.mark.parametrize("params, test", [
    ({"id_gt": "104330"}, lambda n: n > 104330),
    ({"id_gte": "104330"}, lambda n: n >= 104330),
    ({"id_lt": "5"}, lambda n: n < 5),
    ({"id_lte": "5"}, lambda n: n <= 5),
    ({"id_gt": "10", "id_lte": "20"}, lambda n: 10 < n <= 20),
    ({"id_gte": "-5", "id_lt": "3"}, lambda n: n < 3),
    ({"id_gt": "20", "id_lt": "10"}, lambda n: False),
    ({"id_gt": "200000"}, lambda n: False),
    ([("id_gt", "10"), ("id_gt", "50"), ("id_lt", "60")], lambda n: 50 < n < 60),
])
def test_id_ranges(base_url, words, params, test):
    ids, total = all_ids(base_url, params)
    expected = [n for n in range(1, len(words) + 1) if test(n)]
    assert ids == expected and total == len(expected)


@pytest.mark.parametrize("params, test", [
    ({"word_gte": "house", "word_lt": "housf"}, lambda w: "house" <= w < "housf"),
    ({"word_gt": "house", "word_lte": "housewife"}, lambda w: "house" < w <= "housewife"),
    ({"word_gt": "zymurgy"}, lambda w: w > "zymurgy"),
    ({"word_lt": "B"}, lambda w: w < "B"),
    ({"word_gte": "é"}, lambda w: w >= "é"),
    ({"word_gt": "Z", "word_lt": "a"}, lambda w: "Z" < w < "a"),
    ([("word_gt", "a"), ("word_gt", "m"), ("word_lt", "n")], lambda w: "m" < w < "n"),
])
def test_word_ranges_compare_code_points(base_url, words, params, test):
    assert_matches(base_url, params, words, test)


def test_word_ranges_with_other_filters(base_url, words):
    ids, total = all_ids(base_url, {"word_gte": "b", "word_lt": "c", "id_gt": "20000", "word_contains": "ou"})
    expected = [n for n, w in enumerate(words, start=1) if "b" <= w < "c" and "ou" in w and n > 20000]
    assert ids == expected and total == len(expected)


# /words: LIKE and literal text tests


@pytest.mark.parametrize("pattern, test", [
    ("%house%", lambda w: "house" in w),
    ("house%", lambda w: w.startswith("house")),
    ("%house", lambda w: w.endswith("house")),
    ("house", lambda w: w == "house"),
    ("%", lambda w: True),
    ("%e%", lambda w: "e" in w),
    ("%'s", lambda w: w.endswith("'s")),
    ("a_c%", lambda w: len(w) >= 3 and w[0] == "a" and w[2] == "c"),
    ("%a%b%c%", lambda w: reference_like(w, "%a%b%c%")),
    ("___", lambda w: len(w) == 3),
    ("%ü%", lambda w: "ü" in w),
    ("_tatürk", lambda w: len(w) == 7 and w[1:] == "tatürk"),
    ("%\\_%", lambda w: "_" in w),
    ("h\\ouse", lambda w: w == "house"),
])
def test_word_like(base_url, words, pattern, test):
    assert_matches(base_url, {"word_like": pattern}, words, test)


@pytest.mark.parametrize("char", list(".()*+?[]{}$^|"))
def test_like_metacharacters_are_literal(base_url, special_url, words, special_words, char):
    assert_matches(base_url, {"word_like": f"%{char}%"}, words, lambda w: char in w)
    assert_matches(base_url, {"word_like": f"a{char}%"}, words, lambda w: w.startswith("a" + char))
    assert_matches(special_url, {"word_like": f"%{char}%"}, special_words, lambda w: char in w)
    assert_matches(special_url, {"word_like": f"a{char}c"}, special_words, lambda w: w == f"a{char}c")
    assert_matches(special_url, {"word_like": f"_{char}_"}, special_words,
                   lambda w: len(w) == 3 and w[1] == char)


@pytest.mark.parametrize("pattern, expected", [
    ("a_c", ["a_c", "abc", "aXc", "a%c", "a\\c", "a.c", "a*c", "a+c", "a?c", "a|c"]),
    ("a\\_c", ["a_c"]),
    ("a\\%c", ["a%c"]),
    ("a\\\\c", ["a\\c"]),
    ("a\\\\\\_c", ["a\\_c"]),
    ("%\\%", ["100%", "%"]),
    ("\\%", ["%"]),
    ("\\_", ["_"]),
    ("_", ["_", "%"]),
    ("", [""]),
    ("dup", ["dup", "dup"]),
])
def test_like_escapes(special_url, special_words, pattern, expected):
    first_special_id = len(special_words) - len(SPECIAL_WORDS) + 1
    page = get_words(special_url, {"word_like": pattern, "id_gte": str(first_special_id)})
    assert sorted(record["word"] for record in page["records"]) == sorted(expected)
    assert [record["id"] for record in page["records"]] == [
        n for n in ids_where(special_words, lambda w: w in expected) if n >= first_special_id]


@pytest.mark.parametrize("params", [
    {"word_like": "%\n%"}, {"word_like": "a\n_"}, {"word_like": "_%\n"}, {"word_contains": "\n"},
    {"word_startswith": "\n"}, {"word_endswith": "s\n"}, {"word": "\n"}, {"word_ilike": "%s\n"},
])
def test_newlines_never_match_across_words(special_url, params):
    assert get_words(special_url, params)["total"] == 0


@pytest.mark.parametrize("pattern, test", [
    ("%HOUSE%", lambda w: "house" in w.lower()),
    ("ata%", lambda w: w.lower().startswith("ata")),
    ("%ÜRK", lambda w: w.lower().endswith("ürk")),
    ("A_C%", lambda w: reference_like(w.lower(), "a_c%")),
])
def test_word_ilike(base_url, words, pattern, test):
    assert_matches(base_url, {"word_ilike": pattern}, words, test)


def test_word_ilike_lowers_both_sides(special_url, special_words):
    assert_matches(special_url, {"word_ilike": "école"}, special_words, lambda w: w.lower() == "école")
    # Folded a character at a time: "İ" (whose lower case is two characters)
    # stays one, so "_" matches it as in PostgreSQL.
    assert_matches(special_url, {"word_ilike": "_stanbul"}, special_words, lambda w: w == "İstanbul")
    assert_matches(special_url, {"word_ilike": "__stanbul"}, special_words, lambda w: False)
    assert_matches(special_url, {"word_ilike": "ÑANDÚ"}, special_words, lambda w: w == "Ñandú")


@pytest.mark.parametrize("name, test", [
    ("word_startswith", lambda w, v: w.startswith(v)),
    ("word_endswith", lambda w, v: w.endswith(v)),
    ("word_contains", lambda w, v: v in w),
    ("word_istartswith", lambda w, v: w.lower().startswith(v.lower())),
    ("word_iendswith", lambda w, v: w.lower().endswith(v.lower())),
    ("word_icontains", lambda w, v: v.lower() in w.lower()),
])
@pytest.mark.parametrize("value", ["Ho", "ing", "e", "%", "_", "", "ó", "ouse's"])
def test_literal_text_tests(base_url, words, name, test, value):
    assert_matches(base_url, {name: value}, words, lambda w: test(w, value))


def test_repeated_text_tests_must_all_hold(base_url, words):
    params = [("word_contains", "a"), ("word_contains", "e"), ("word_like", "%o%"), ("word_like", "s%"),
              ("word_iendswith", "S"), ("word_istartswith", "S")]
    assert_matches(base_url, params, words,
                   lambda w: "a" in w and "e" in w and "o" in w and w.startswith("s") and w.endswith("s"))


def test_combined_filters(base_url, words):
    params = {"id_gte": "50000", "id_lt": "90000", "word_like": "%ing", "word_icontains": "T",
              "word_gt": "s"}
    ids, total = all_ids(base_url, params)
    expected = [n for n, w in enumerate(words, start=1)
                if 50000 <= n < 90000 and w.endswith("ing") and "t" in w.lower() and w > "s"]
    assert ids == expected and total == len(expected)
    page = get_words(base_url, [("id", "1"), ("id", "55868"), ("id", "55869"), ("word", "house"),
                                ("word_like", "h%")])
    assert [record["id"] for record in page["records"]] == [55868]


@pytest.mark.parametrize("value", [
    "a&b", "x=y", "c#", "100%", "and/or", 'say "hi"', "it's", "naïve", "日本語", "tab\there", "a+c",
])
def test_special_values_reach_the_filter_intact(special_url, special_words, value):
    page = get_words(special_url, {"word": value, "word_contains": value, "word_like": "%"})
    assert [record["id"] for record in page["records"]] == ids_where(special_words, lambda w: w == value)
    assert {record["word"] for record in page["records"]} == {value}
    requests.delete(f"{special_url}/_log")
    get_words(special_url, [("word_endswith", value), ("word_istartswith", value)])
    [entry] = requests.get(f"{special_url}/_log").json()["requests"]
    assert entry["args"] == {"word_endswith": [value], "word_istartswith": [value]}


# /words: order and pages


@pytest.mark.parametrize("order, key", [
    ("id", lambda n, w: n),
    ("-id", lambda n, w: -n),
    ("word", lambda n, w: w),
    ("word,id", lambda n, w: w),
    ("id,-word", lambda n, w: n),
])
def test_order_whole_list(base_url, words, order, key):
    ids, total = all_ids(base_url, {"order": order})
    assert total == len(words)
    assert ids == [n for n, w in sorted(enumerate(words, start=1), key=lambda pair: key(*pair))]


def test_order_word_descending(base_url, words):
    ids, _ = all_ids(base_url, {"order": "-word"})
    assert [words[n - 1] for n in ids] == sorted(words, reverse=True)
    page = get_words(base_url, {"order": "-word", "limit": "2", "offset": "1", "word_like": "%house"})
    assert [r["word"] for r in page["records"]] == sorted((w for w in words if w.endswith("house")),
                                                          reverse=True)[1:3]


def test_order_ties_keep_id_order(special_url, special_words):
    in_id_order = list(enumerate(special_words, start=1))
    expected = {
        "word": sorted(in_id_order, key=lambda p: p[1]),
        "-word": sorted(in_id_order, key=lambda p: p[1], reverse=True),  # stable: equal words keep id order
        "word,-id": sorted(in_id_order, key=lambda p: (p[1], -p[0])),
    }
    for order, pairs in expected.items():
        ids, _ = all_ids(special_url, {"order": order})
        assert ids == [n for n, _ in pairs], order
    dup_ids = ids_where(special_words, lambda w: w == "dup")
    for order in ("word", "-word"):
        page = get_words(special_url, {"order": order, "word": "dup"})
        assert [r["id"] for r in page["records"]] == dup_ids


@pytest.mark.parametrize("order", ["word", "-word", "-id", "word,-id"])
def test_order_with_filters_and_pages(base_url, words, order):
    matching = [(n, w) for n, w in enumerate(words, start=1) if "ou" in w and n > 30000]
    key = {"word": lambda p: p[1], "-word": lambda p: p[1], "-id": lambda p: p[0],
           "word,-id": lambda p: p[1]}[order]
    expected = sorted(matching, key=key, reverse=order.startswith("-"))
    page = get_words(base_url, {"order": order, "word_contains": "ou", "id_gt": "30000",
                                "limit": "7", "offset": "100"})
    assert page["total"] == len(matching)
    assert [(r["id"], r["word"]) for r in page["records"]] == expected[100:107]


@pytest.mark.parametrize("limit, offset", [
    ("5", "9000"), ("0", "0"), ("0", "500"), ("10000", "0"), ("10000", "100000"), ("3", "104333"),
    ("3", "104334"), ("7", "999999999999999999999"), ("1", "0"),
])
def test_limit_offset_and_total(base_url, words, limit, offset):
    page = get_words(base_url, {"limit": limit, "offset": offset})
    start, count = int(offset), int(limit)
    assert page["total"] == len(words)
    assert (page["limit"], page["offset"]) == (count, start)
    shown = range(start, min(start + count, len(words)))
    assert page["records"] == [{"id": n + 1, "word": words[n]} for n in shown]


def test_limit_zero_still_counts(base_url, words):
    page = get_words(base_url, {"limit": "0", "word_like": "%house%"})
    assert page["records"] == [] and page["total"] == sum("house" in w for w in words)


# /words: errors


@pytest.mark.parametrize("params, parameter, value", [
    ([("colour", "red")], "colour", "colour"),
    ([("Id", "1")], "Id", "Id"),
    ([("id", "abc")], "id", "abc"),
    ([("id", "1.5")], "id", "1.5"),
    ([("id", "")], "id", ""),
    ([("id", "1"), ("id", "x")], "id", "x"),
    ([("id_gt", "x")], "id_gt", "x"),
    ([("id_gte", " 1")], "id_gte", " 1"),
    ([("id_lt", "1e3")], "id_lt", "1e3"),
    ([("id_lte", "")], "id_lte", ""),
    ([("limit", "-1")], "limit", "-1"),
    ([("limit", "10001")], "limit", "10001"),
    ([("limit", "ten")], "limit", "ten"),
    ([("limit", "1"), ("limit", "2")], "limit", "limit"),
    ([("offset", "-1")], "offset", "-1"),
    ([("offset", "x")], "offset", "x"),
    ([("fields", "name")], "fields", "name"),
    ([("fields", "id,,word")], "fields", "id,,word"),
    ([("fields", "id,id")], "fields", "id,id"),
    ([("fields", "id"), ("fields", "word")], "fields", "fields"),
    ([("order", "name")], "order", "name"),
    ([("order", "")], "order", ""),
    ([("order", "+word")], "order", "+word"),
    ([("order", "--id")], "order", "--id"),
    ([("order", "id,")], "order", "id,"),
    ([("word_like", "abc\\")], "word_like", "abc\\"),
    ([("word_like", "a\\\\\\")], "word_like", "a\\\\\\"),
    ([("word_like", "%"), ("word_like", "\\")], "word_like", "\\"),
    ([("word_ilike", "X\\")], "word_ilike", "X\\"),
])
def test_bad_parameters_are_400(base_url, params, parameter, value):
    response = requests.get(f"{base_url}/words", params=params)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["parameter"] == parameter
    assert repr(parameter) in body["error"]
    assert repr(value) in body["error"]


# Request log


def test_request_log_records_what_was_asked(base_url):
    assert requests.delete(f"{base_url}/_log").status_code == 204
    assert requests.get(f"{base_url}/_log").json() == {"requests": []}

    first = requests.get(f"{base_url}/words", params=[("word_like", "%house%"), ("id", "1"),
                                                      ("id", "55868"), ("limit", "5")])
    bad = requests.get(f"{base_url}/words", params={"limit": "x"})
    root = requests.get(f"{base_url}/")
    requests.get(f"{base_url}/health")

    log = requests.get(f"{base_url}/_log").json()["requests"]
    assert [entry["path"] for entry in log] == ["/words", "/words", "/"]
    assert log[0]["query"] == "word_like=%25house%25&id=1&id=55868&limit=5"
    assert log[0]["args"] == {"word_like": ["%house%"], "id": ["1", "55868"], "limit": ["5"]}
    assert (log[0]["status"], log[0]["rows"], log[0]["bytes"]) == (200, 1, len(first.content))
    assert (log[1]["status"], log[1]["rows"], log[1]["bytes"]) == (400, 0, len(bad.content))
    assert log[1]["args"] == {"limit": ["x"]}
    assert (log[2]["status"], log[2]["rows"], log[2]["bytes"]) == (200, 104334, len(root.content))
    assert log[2]["query"] == "" and log[2]["args"] == {}
    for entry in log:
        assert set(entry) == {"path", "query", "args", "status", "rows", "bytes", "ms"}
        assert isinstance(entry["ms"], (int, float)) and entry["ms"] >= 0

    assert requests.delete(f"{base_url}/_log").status_code == 204
    assert requests.get(f"{base_url}/_log").json() == {"requests": []}


# OpenAPI

SAMPLE_VALUES = {
    "fields": "word,id", "id": "7", "word": "A", "id_gt": "0", "id_gte": "1", "id_lt": "99", "id_lte": "98",
    "word_gt": "", "word_gte": "", "word_lt": "zzz", "word_lte": "zzz", "word_like": "%", "word_ilike": "%",
    "word_startswith": "", "word_endswith": "", "word_contains": "", "word_istartswith": "",
    "word_iendswith": "", "word_icontains": "", "order": "-word", "limit": "5", "offset": "0",
}


def test_openapi_names_every_parameter_the_parser_accepts(base_url):
    response = requests.get(f"{base_url}/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.text)
    assert document["openapi"].startswith("3.0")
    assert {"/", "/words", "/health"} <= set(document["paths"])

    parameters = document["paths"]["/words"]["get"]["parameters"]
    documented = {parameter["name"] for parameter in parameters}
    assert documented == set(PARAMETERS_BY_NAME) == set(SAMPLE_VALUES)
    for parameter in parameters:
        assert parameter["in"] == "query"
        schema = parameter["schema"]
        item_type = schema["items"]["type"] if schema["type"] == "array" else schema["type"]
        assert item_type == ("integer" if parameter["name"].startswith("id") or parameter["name"] in
                             ("limit", "offset") else "string")

    # The parser really accepts each documented parameter...
    for name, value in SAMPLE_VALUES.items():
        assert requests.get(f"{base_url}/words", params={name: value}).status_code == 200, name
    get_words(base_url, SAMPLE_VALUES)
    # ...and nothing else.
    assert requests.get(f"{base_url}/words", params={"id_ne": "1"}).status_code == 400

    schemas = document["components"]["schemas"]
    record = schemas["Word"]["properties"]
    assert record == {"id": {"type": "integer"}, "word": {"type": "string"}}
    page_schema = schemas["WordPage"]["properties"]
    assert page_schema["records"]["items"] == {"$ref": "#/components/schemas/Word"}
    assert {name: page_schema[name]["type"] for name in ("total", "limit", "offset")} == \
        {"total": "integer", "limit": "integer", "offset": "integer"}


# Configuration


def test_configuration_is_passed_in(tmp_path):
    words_file = tmp_path / "few-words"
    words_file.write_text("".join(f"word{n}\n" for n in range(1, 31)), encoding="utf-8")
    app = create_app({"WORDS_FILE": str(words_file), "MAX_PAGE_SIZE": 20, "DEFAULT_PAGE_SIZE": 5,
                      "REQUEST_LOG": False})
    client = app.test_client()
    page = client.get("/words").get_json()
    assert (len(page["records"]), page["total"], page["limit"]) == (5, 30, 5)
    assert page["records"][0] == {"id": 1, "word": "word1"}
    assert client.get("/words?limit=20").status_code == 200
    assert client.get("/words?limit=21").get_json()["parameter"] == "limit"
    assert client.get("/health").get_json() == {"status": "ok", "words": 30}
    assert client.get("/_log").get_json() == {"requests": []}
    parameters = client.get("/openapi.json").get_json()["paths"]["/words"]["get"]["parameters"]
    [limit] = [parameter for parameter in parameters if parameter["name"] == "limit"]
    assert (limit["schema"]["maximum"], limit["schema"]["default"]) == (20, 5)


# Property: LIKE against an independent matcher

LIKE_PIECES = st.sampled_from(["a", "e", "s", "t", "S", "A", "'", "%", "_", "\\_", "\\%", "\\\\", "\\s"])


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(LIKE_PIECES, max_size=7))
def test_word_like_matches_reference(special_url, special_words, pieces):
    pattern = "".join(pieces)
    assert_matches(special_url, {"word_like": pattern}, special_words, lambda w: reference_like(w, pattern))


@settings(max_examples=30, deadline=None)
@given(pieces=st.lists(LIKE_PIECES, max_size=6))
def test_word_ilike_matches_reference(special_url, special_words, pieces):
    pattern = "".join(pieces)
    assert_matches(special_url, {"word_ilike": pattern}, special_words,
                   lambda w: reference_like(w.lower(), pattern.lower()))
