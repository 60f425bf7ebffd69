"""Quals, sort keys and LIMIT -> request parameters: the pure functions of fdw.pushdown."""
import datetime
import os
import sys
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import pytest  # noqa: E402
from hypothesis import given, strategies as st  # noqa: E402
from restcorn_engine import ColumnDefinition, Qual, SortKey  # noqa: E402

from fdw import DictionaryFDW, RestFDW  # noqa: E402
from fdw.options import parse_table  # noqa: E402
from fdw.pushdown import (count_params, fields_params, filter_params, order_params,  # noqa: E402
                          page_params, scan_params, sortable_prefix)
from fdw.urls import build_url, endpoint, redact  # noqa: E402

ALL_OPS = "eq,in,lt,le,gt,ge,like,ilike"


def column(name, type_name="integer", **options):
    return ColumnDefinition(name, 0, -1, type_name, type_name, options)


def table(options=None, **columns):
    """A TableConfig; columns given as name=(type, {options})."""
    definitions = {name: column(name, type_name, **opts) for name, (type_name, opts) in columns.items()}
    return parse_table(dict({"url": "http://svc"}, **(options or {})), definitions)


DICT = table({"null_order": "larger"},
             id=("integer", {"filters": ALL_OPS, "sortable": "true"}),
             word=("character varying", {"filters": ALL_OPS, "sortable": "true"}),
             note=("text", {}))
DICT_C = table({"default_collation": "C", "null_order": "larger"},
               id=("integer", {"filters": ALL_OPS, "sortable": "true"}),
               word=("character varying", {"filters": ALL_OPS, "sortable": "true",
                                           "collation": "default"}))


def params(*quals, config=DICT):
    return filter_params(list(quals), config.columns, config.default_collation)


# --- quals -> filter parameters -------------------------------------------

@pytest.mark.parametrize("operator, name", [
    ("=", "id"), ("<", "id_lt"), ("<=", "id_lte"), (">", "id_gt"), (">=", "id_gte"),
])
def test_integer_comparisons(operator, name):
    assert params(Qual("id", operator, 42)) == [(name, "42")]


def test_between_arrives_as_two_bounds_and_sends_both():
    assert params(Qual("id", ">=", 10), Qual("id", "<=", 20)) == [("id_gte", "10"), ("id_lte", "20")]


def test_several_bounds_are_all_sent():
    assert params(Qual("id", ">", 1), Qual("id", ">", 5), Qual("id", "<", 9)) == [
        ("id_gt", "1"), ("id_gt", "5"), ("id_lt", "9")]


def test_in_list_repeats_the_parameter():
    assert params(Qual("id", ("=", True), [1, 2, 3])) == [("id", "1"), ("id", "2"), ("id", "3")]


def test_in_list_drops_nulls_and_duplicates():
    assert params(Qual("id", ("=", True), [1, None, 1, 2])) == [("id", "1"), ("id", "2")]


@pytest.mark.parametrize("qual", [
    Qual("id", ("<>", False), [1, 2]),   # NOT IN / <> ALL
    Qual("id", ("=", False), [1, 2]),    # = ALL
    Qual("id", ("<", True), [1, 2]),     # < ANY
    Qual("id", "=", None),               # IS NULL
    Qual("id", "<>", None),              # IS NOT NULL
    Qual("id", "<>", 3),
    Qual("word", "!~~", "%house%"),      # NOT LIKE
    Qual("word", "!~~*", "%house%"),     # NOT ILIKE
    Qual("word", "IS", "t"),
    Qual("word", "~", "^h"),             # regular expressions
    Qual("id", "=", b"\x00"),            # bytea
    Qual("id", "=", [1, 2]),             # array column equality
])
def test_not_pushed(qual):
    assert params(qual) == []


@pytest.mark.parametrize("pattern", ["%house%", "h_use", "100\\%", "a\\_b", "back\\\\slash", "%"])
def test_like_and_ilike_patterns_pass_verbatim(pattern):
    assert params(Qual("word", "~~", pattern)) == [("word_like", pattern)]
    assert params(Qual("word", "~~*", pattern)) == []  # lower() folds by the collation's rules
    assert params(Qual("word", "~~*", pattern), config=DICT_C) == [("word_ilike", pattern)]


def test_several_like_patterns_are_all_sent():
    assert params(Qual("word", "~~", "a%"), Qual("word", "~~", "%z")) == [
        ("word_like", "a%"), ("word_like", "%z")]


def test_column_without_filters_is_not_pushed():
    assert params(Qual("note", "=", "x"), Qual("note", "~~", "x%")) == []


def test_only_listed_operators_are_pushed():
    config = table(id=("integer", {"filters": "eq"}))
    assert params(Qual("id", "=", 1), Qual("id", "<", 9), Qual("id", ("=", True), [1, 2]),
                  config=config) == [("id", "1")]


def test_text_equality_and_like_are_pushed_under_any_collation():
    assert params(Qual("word", "=", "house"), Qual("word", "~~", "h%")) == [
        ("word", "house"), ("word_like", "h%")]


def test_text_ranges_need_a_code_point_collation():
    bounds = (Qual("word", ">=", "a"), Qual("word", "<", "b"))
    assert params(*bounds) == []  # default collation unknown: en_US would order "B" after "a"
    assert params(*bounds, config=DICT_C) == [("word_gte", "a"), ("word_lt", "b")]


@pytest.mark.parametrize("type_name, value, text", [
    ("boolean", True, "true"), ("date", datetime.date(2024, 2, 29), "2024-02-29"),
    ("bigint", "5000000000", "5000000000"), ("text", "naïve", "naïve"),
])
def test_values_become_text(type_name, value, text):
    config = table(v=(type_name, {"filters": "eq"}))
    assert params(Qual("v", "=", value), config=config) == [("v", text)]
    # A type whose equality is not that of the text sent (citext, uuid, ...): never sent.
    assert params(Qual("v", "=", value), config=table(v=("other", {"filters": "eq"}))) == []


def test_explain_placeholders_are_sent_as_is():
    assert params(Qual("id", "=", "?"), Qual("word", ("=", True), "?")) == [("id", "?"), ("word", "?")]


# --- several equality quals on one column: the intersection ---------------

def test_two_different_equalities_match_nothing():
    assert params(Qual("id", "=", 1), Qual("id", "=", 2)) is None


def test_equal_equalities_push_one_value():
    assert params(Qual("id", "=", 1), Qual("id", "=", 1)) == [("id", "1")]


def test_in_lists_intersect():
    assert params(Qual("id", ("=", True), [1, 2, 3]), Qual("id", ("=", True), [4, 3, 2])) == [
        ("id", "2"), ("id", "3")]


def test_equality_narrows_an_in_list():
    assert params(Qual("id", ("=", True), [1, 2]), Qual("id", "=", 2), Qual("id", ">", 0)) == [
        ("id", "2"), ("id_gt", "0")]


def test_disjoint_in_lists_match_nothing():
    assert params(Qual("id", ("=", True), [1, 2]), Qual("id", ("=", True), [3])) is None


def test_empty_in_list_matches_nothing():
    assert params(Qual("id", ("=", True), [])) is None
    assert params(Qual("id", ("=", True), [None])) is None


def test_values_of_different_types_are_not_intersected():
    # timestamp = date compares equal in PostgreSQL although the texts differ
    config = table(t=("timestamp without time zone", {"filters": "eq,in"}))
    quals = (Qual("t", "=", datetime.datetime(2024, 1, 1)), Qual("t", "=", datetime.date(2024, 1, 1)))
    assert params(*quals, config=config) == [("t", "2024-01-01T00:00:00")]


def test_intersection_is_per_column():
    assert params(Qual("id", "=", 1), Qual("word", "=", "a"), Qual("id", ("=", True), [1, 2])) == [
        ("id", "1"), ("word", "a")]


def test_in_only_column_uses_the_in_parameter():
    config = table(id=("integer", {"filters": "in"}))
    assert params(Qual("id", "=", 1), Qual("id", ("=", True), [1]), config=config) == [("id", "1")]


def test_renamed_field_names_the_parameters():
    config = table(ident=("integer", {"field": "id", "filters": ALL_OPS}))
    assert params(Qual("ident", "=", 7), Qual("ident", "<", 9), config=config) == [
        ("id", "7"), ("id_lt", "9")]


# --- whole scans ------------------------------------------------------------

def test_scan_params_are_filters_fields_then_order():
    keys = [SortKey("word", 2, True, False, "C")]
    assert scan_params(DICT, [Qual("word", "~~", "%house%")], {"id", "word"}, keys) == [
        ("word_like", "%house%"), ("fields", "id,word"), ("order", "-word")]


def test_scan_params_none_when_nothing_can_match():
    assert scan_params(DICT, [Qual("id", "=", 1), Qual("id", "=", 2)], {"id"}) is None


def test_pushdown_false_pushes_nothing():
    config = table({"pushdown": "false"}, id=("integer", {"filters": ALL_OPS, "sortable": "true"}))
    quals = [Qual("id", "=", 1), Qual("id", "=", 2)]
    assert scan_params(config, quals, {"id"}, [SortKey("id", 1, False, False, None)]) == []
    assert count_params(config, quals) == [("limit", "0")]
    fdw = RestFDW({"url": "http://svc", "pushdown": "false"},
                  {"id": column("id", filters=ALL_OPS, sortable="true")})
    assert fdw.can_sort([SortKey("id", 1, False, False, None)]) == []
    assert fdw.can_limit(5, None) is False


def test_count_params_keep_filters_only():
    assert count_params(DICT, [Qual("id", ">", 5), Qual("word", "!~~", "x")]) == [
        ("id_gt", "5"), ("limit", "0")]
    assert count_params(DICT, [Qual("id", ("=", True), [])]) is None


def test_fields_in_table_order_without_duplicates():
    config = table(a=("integer", {"field": "id"}), b=("integer", {"field": "id"}), c=("text", {}))
    assert fields_params({"c", "b", "a"}, config.columns) == [("fields", "id,c")]
    assert fields_params(set(), config.columns) == [("fields", "")]


def test_order_params():
    keys = [SortKey("id", 1, False, False, None), SortKey("word", 2, True, True, "C")]
    assert order_params(keys, DICT.columns) == [("order", "id,-word")]
    assert order_params([], DICT.columns) == []
    assert order_params(None, DICT.columns) == []


# --- can_sort ------------------------------------------------------------------

def key(name, collate=None, reversed_=False, nulls_first=None):
    """A SortKey; NULLs where PostgreSQL puts them by default unless ``nulls_first`` says."""
    return SortKey(name, 0, reversed_, reversed_ if nulls_first is None else nulls_first, collate)


@pytest.mark.parametrize("collate, default, pushed", [
    ("C", "", True), ("POSIX", "", True), ("ucs_basic", "", True),
    (None, "C", True), (None, "POSIX", True), (None, "c", True),
    (None, "", False), (None, "en_US.UTF-8", False), ("en_US", "C", False), ("default", "", False),
])
def test_text_sorts_only_in_code_point_collations(collate, default, pushed):
    keys = [key("word", collate)]
    assert sortable_prefix(keys, DICT.columns, default) == (keys if pushed else [])


def test_integers_always_sort():
    keys = [key("id", reversed_=True)]
    assert sortable_prefix(keys, DICT.columns, "") == keys


def test_longest_sortable_prefix():
    keys = [key("id"), key("word", "en_US"), key("id")]
    assert sortable_prefix(keys, DICT.columns, "") == keys[:1]
    assert sortable_prefix([key("note"), key("id")], DICT.columns, "") == []


def test_unsortable_columns_and_types():
    config = table({"default_collation": "C"}, a=("integer", {}), j=("jsonb", {"sortable": "true"}),
                   d=("date", {"sortable": "true"}))
    for name in ("a", "j", "d"):
        assert sortable_prefix([key(name)], config.columns, "C") == []


def test_dictionary_can_sort_and_limit():
    fdw = DictionaryFDW({}, {"id": column("id"), "word": column("word", "character varying")})
    assert fdw.can_sort([key("id"), key("word", "C", True)]) == [key("id"), key("word", "C", True)]
    assert fdw.can_sort([key("word")]) == []
    assert fdw.can_limit(3, None) is True
    assert fdw.can_limit(None, 9000) is True


# --- paging ----------------------------------------------------------------------

def windows(offset, limit, page_size, pages=7):
    """(offset, count) of the pages an offset-style scan asks for when every page comes full."""
    from collections import namedtuple

    from fdw.pagination import Offset
    config = table({"page_size": str(page_size)}, id=("integer", {}))
    answer = namedtuple("Answer", "body")({"records": []})
    strategy = Offset(config, config.endpoint, [], offset, limit)
    result, request = [], strategy.first()
    while request is not None and len(result) < pages:
        result.append((request.start, request.count))
        request = strategy.next(answer, [{}] * request.count, request)
    return result


def test_page_params():
    assert page_params(0, 100) == [("limit", "100")]
    assert page_params(9000, 5) == [("limit", "5"), ("offset", "9000")]


# --- URLs ---------------------------------------------------------------------------

NASTY = ["a&b=c", "x#frag", "100%", "%25", "a/b", "it's", 'say "hi"', "naïve", "日本", "a+b c",
         "?q=1", "\\", ";", "", "=", "&&"]


def test_nasty_values_round_trip():
    pairs = [("word", value) for value in NASTY] + [("word_like", "%a&b%"), ("fields", "id,word")]
    url = build_url("http://svc/words", pairs)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == ("http", "svc", "/words", "")
    assert parse_qsl(parts.query, keep_blank_values=True) == pairs


@given(st.lists(st.tuples(st.sampled_from(["id", "word", "word_like"]), st.text())))
def test_any_values_round_trip(pairs):
    url = build_url("http://svc/words?key=1", pairs)
    parts = urlsplit(url)
    assert parts.path == "/words" and parts.fragment == ""
    assert parse_qsl(parts.query, keep_blank_values=True) == [("key", "1")] + pairs


def test_explain_shows_the_first_request():
    fdw = DictionaryFDW({}, {"id": column("id"), "word": column("word", "character varying")})
    assert fdw.explain([Qual("word", "~~", "%house%")], {"id", "word"},
                       sortkeys=[key("word", "C", True)]) == [
        "GET http://127.0.0.1:9999/words?word_like=%25house%25&fields=id%2Cword&order=-word&limit=100"]
    assert fdw.explain([], {"id"}, limit=5, offset=9000) == [
        "GET http://127.0.0.1:9999/words?fields=id&limit=5&offset=9000"]
    assert fdw.explain([], set()) == ["GET http://127.0.0.1:9999/words?limit=0 (count only)"]
    assert fdw.explain([Qual("id", "=", 1), Qual("id", "=", 2)], {"id"}) == [
        "no request: the pushed conditions match no row"]
    assert fdw.explain([Qual("id", "=", "?")], {"id"}, verbose=True) == [
        "GET http://127.0.0.1:9999/words?id=%3F&fields=id&limit=100",
        "pushdown: on",
        "pages: 100 records first, then page_size 10000 (under a pushed LIMIT 4x larger each, "
        "up to page_size)"]


def test_endpoint_and_redact():
    assert endpoint("http://h:1", "/words") == "http://h:1/words"
    assert endpoint("http://h:1/api/", "words") == "http://h:1/api/words"
    assert endpoint("http://h:1/api?key=1", "/words") == "http://h:1/api/words?key=1"
    assert endpoint("http://h:1/x", "") == "http://h:1/x"
    assert redact("http://user:secret@h:1/words?a=1") == "http://***@h:1/words?a=1"
    assert redact("http://h:1/words") == "http://h:1/words"
    with pytest.raises(Exception) as refused:  # user@ in a url is refused, unechoed
        RestFDW({"url": "http://user:secret@h:1"}, {"id": column("id")})
    assert "user name or password" in str(refused.value) and "secret" not in str(refused.value)
