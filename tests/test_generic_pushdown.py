"""The pure parts of configuring a service by options: LIKE, filter and sort styles, paths."""
import os
import sys
from urllib.parse import urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import pytest  # noqa: E402
from hypothesis import given, strategies as st  # noqa: E402
from restcorn_engine import ColumnDefinition, Qual, SortKey  # noqa: E402

from fdw import RestFDW, like  # noqa: E402
from fdw.options import parse_table  # noqa: E402
from fdw.pushdown import filter_params, list_item, order_params, scan_params  # noqa: E402
from fdw.urls import fill_template, follow, origin  # noqa: E402


def table(options=None, **columns):
    """A TableConfig; columns given as name=(type, {options})."""
    definitions = {name: ColumnDefinition(name, 0, -1, type_name, type_name, opts)
                   for name, (type_name, opts) in columns.items()}
    return parse_table(dict({"url": "http://svc"}, **(options or {})), definitions)


def params(config, *quals):
    return filter_params(list(quals), config.columns, config.default_collation)


# --- LIKE patterns taken apart --------------------------------------------------------------------

@pytest.mark.parametrize("pattern, shape", [
    ("abc%", ("prefix", "abc")), ("%abc", ("suffix", "abc")), ("%abc%", ("contains", "abc")),
    ("abc", ("equals", "abc")), ("%%abc%%", ("contains", "abc")), ("\\%x%", ("prefix", "%x")),
    ("a\\_b%", ("prefix", "a_b")), ("100\\\\%", ("prefix", "100\\")),
    ("a_c%", None), ("%a%b%", None), ("_", None), ("%", None), ("a%b", None),
])
def test_shapes(pattern, shape):
    assert like.shape(like.parse(pattern)) == shape


def test_a_trailing_escape_is_no_pattern():
    assert like.parse("abc\\") is None


@pytest.mark.parametrize("pattern, forms, test", [
    ("abc%", {"prefix", "contains"}, ("prefix", "abc")),
    ("abc%", {"contains"}, ("contains", "abc")),             # a superset of the prefix
    ("%abc", {"prefix"}, None),
    ("%abc%", {"prefix", "suffix"}, None),
    ("ab_cdef%", {"prefix", "contains"}, ("contains", "cdef")),  # the longest run
    ("abc_d%", {"prefix", "contains"}, ("prefix", "abc")),       # longest, and a prefix
    ("%ab%cde", {"suffix", "contains"}, ("suffix", "cde")),
    ("a%", {"suffix"}, None),
    ("%", {"prefix", "suffix", "contains"}, None),
    ("", {"prefix", "contains"}, None),
    ("abc", {"prefix"}, ("prefix", "abc")),
])
def test_literal_tests(pattern, forms, test):
    assert like.literal_test(like.parse(pattern), forms) == test


@pytest.mark.parametrize("pattern, star", [
    ("%corn%", "*corn*"), ("corn%", "corn*"), ("c_rn", "c*rn"), ("%%a__b%", "*a*b*"),
    ("a\\%b", "a%b"), ("", ""),
])
def test_star_patterns(pattern, star):
    assert like.star_pattern(like.parse(pattern)) == star


SAMPLES = st.text(alphabet="ab%_\\*", max_size=8)


def like_matches(pattern, text):
    """PostgreSQL's LIKE, for the property tests."""
    import re
    regex = []
    characters = iter(pattern)
    for character in characters:
        if character == "\\":
            regex.append(re.escape(next(characters)))
        else:
            regex.append({"%": ".*", "_": "."}.get(character, re.escape(character)))
    return re.fullmatch("".join(regex), text, re.DOTALL) is not None


@given(SAMPLES, st.text(alphabet="ab%_\\*", max_size=8))
def test_every_test_sent_for_a_like_is_a_superset(pattern, text):
    pieces = like.parse(pattern)
    if pieces is None or not like_matches(pattern, text):
        return
    for forms in ({"prefix"}, {"suffix"}, {"contains"}, {"prefix", "suffix", "contains"}):
        test = like.literal_test(pieces, forms)
        if test is not None:
            form, literal = test
            assert {"prefix": text.startswith, "suffix": text.endswith,
                    "contains": text.__contains__}[form](literal)
    star = like.star_pattern(pieces)
    assert like_matches(star.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                        .replace("*", "%"), text)


# --- filter styles ------------------------------------------------------------------------------

POSTGREST = table({"filter_style": "prefix_op"},
                  id=("integer", {"filters": "eq,in,lt,le,gt,ge"}),
                  name=("text", {"filters": "eq,in,like:star"}),
                  login=("text", {"field": "owner.login", "filters": "eq,in"}),
                  flag=("boolean", {"filters": "eq"}))


@pytest.mark.parametrize("quals, expected", [
    ([Qual("id", "=", 5)], [("id", "eq.5")]),
    ([Qual("id", ">=", 5), Qual("id", "<", 9)], [("id", "gte.5"), ("id", "lt.9")]),
    ([Qual("id", ("=", True), [1, 2])], [("id", "in.(1,2)")]),
    ([Qual("login", "=", "alice")], [("owner.login", "eq.alice")]),
    ([Qual("name", ("=", True), ["a,b", 'q"x', "back\\", "", " s", "ok"])],
     [("name", 'in.("a,b","q\\"x","back\\\\",""," s",ok)')]),
    ([Qual("name", "~~", "%corn%")], [("name", "like.*corn*")]),
    ([Qual("name", "~~*", "%corn%")], []),  # no case-insensitive test declared
    ([Qual("flag", "=", "t")], [("flag", "eq.true")]),
])
def test_prefix_op_style(quals, expected):
    assert params(POSTGREST, *quals) == expected


def test_suffix_style_with_names_and_join():
    config = table({"op_names": "ge=_min,le=_max", "in_style": "join", "separator": "|",
                    "repeat_filters": "false"},
                   pop=("bigint", {"field": "population", "filters": "ge,le"}),
                   code=("text", {"filters": "eq,in"}),
                   name=("text", {"filters": "like:prefix=name_startswith"}),
                   title=("text", {"filters": "ilike:contains=q,like:contains",
                                   "collation": "C"}))
    assert params(config, Qual("pop", ">=", 5), Qual("pop", ">=", 7), Qual("pop", "<=", 9)) == [
        ("population_min", "5"), ("population_max", "9")]
    assert params(config, Qual("code", ("=", True), ["FR", "DE"])) == [("code", "FR|DE")]
    assert params(config, Qual("code", ("=", True), ["F|R", "DE"])) == []
    assert params(config, Qual("code", "=", "FR")) == [("code", "FR")]
    assert params(config, Qual("name", "~~", "Br%")) == [("name_startswith", "Br")]
    assert params(config, Qual("name", "~~", "%br")) == []
    assert params(config, Qual("name", "~~*", "br%")) == []
    assert params(config, Qual("title", "~~*", "%The%")) == [("q", "The")]
    assert params(config, Qual("title", "~~", "%The%")) == [("title_contains", "The")]


def test_per_column_in_form_overrides_the_table():
    config = table({"in_style": "join"}, a=("integer", {"filters": "in:repeat"}),
                   b=("integer", {"filters": "in"}))
    assert params(config, Qual("a", ("=", True), [1, 2]), Qual("b", ("=", True), [3, 4])) == [
        ("a", "1"), ("a", "2"), ("b", "3,4")]


def test_integer_columns_take_exact_integers_only():
    # A float is Multicorn2's lossy numeric: n > (a numeric that rounds to 2.0)
    # allows n = 2 when the numeric was 1.99999999999999999, so n >= 2 (n_gt=1) is sent.
    config = table(n=("integer", {"filters": "eq,gt"}))
    assert params(config, Qual("n", ">", 2.0)) == [("n_gt", "1")]
    assert params(config, Qual("n", ">", 2.5)) == [("n_gt", "2")]
    assert params(config, Qual("n", "=", 2.0 ** 60)) == []
    assert params(config, Qual("n", "=", "5000000000")) == [("n", "5000000000")]


# --- sort styles --------------------------------------------------------------------------------

KEYS = [SortKey("a", 1, False, False, None), SortKey("b", 2, True, True, None)]


@pytest.mark.parametrize("options, expected", [
    ({}, [("order", "a,-b")]),
    ({"sort_param": "sort"}, [("sort", "a,-b")]),
    ({"sort_style": "dot"}, [("order", "a.asc,b.desc")]),
    ({"sort_style": "separate", "sort_param": "_sort", "direction_param": "_order"},
     [("_sort", "a,b"), ("_order", "asc,desc")]),
])
def test_sort_styles(options, expected):
    sortable = ("integer", {"sortable": "true"})
    config = table(options, a=sortable, b=sortable)
    assert order_params(KEYS, config.columns, config.sort) == expected


def test_max_sort_keys_and_no_sort_param():
    columns = {"a": ColumnDefinition("a", 0, -1, "integer", "integer", {"sortable": "true"}),
               "b": ColumnDefinition("b", 0, -1, "integer", "integer", {"sortable": "true"})}
    options = {"url": "http://svc", "null_order": "larger"}
    assert RestFDW(dict(options, max_sort_keys="1"), columns).can_sort(KEYS) == KEYS[:1]
    assert RestFDW(dict(options, sort_param=""), columns).can_sort(KEYS) == []


def test_fields_param_follows_the_options():
    config = table({"fields_param": ""}, a=("integer", {"field": "x.y"}))
    assert scan_params(config, [], {"a"}) == []
    config = table(a=("integer", {"field": "x.y"}), b=("integer", {}))
    assert scan_params(config, [], {"a", "b"}) == [("fields", "x,b")]
    config = table(a=("integer", {}), doc=("jsonb", {"field": "*"}))
    assert scan_params(config, [], {"a", "doc"}) == []


def test_only_the_offset_style_takes_a_limit():
    columns = {"a": ColumnDefinition("a", 0, -1, "integer", "integer")}
    for style in ("page", "cursor", "next_url", "link", "none"):
        assert RestFDW({"url": "http://svc", "pagination": style}, columns).can_limit(5, 0) is False
    assert RestFDW({"url": "http://svc"}, columns).can_limit(5, 0) is True


# --- path templates and next URLs ----------------------------------------------------------------

@pytest.mark.parametrize("value, path", [
    ("FR", "/c/FR"), ("a/b", "/c/a%2Fb"), ("?x=1&y", "/c/%3Fx%3D1%26y"), ("#f", "/c/%23f"),
    ("%2F", "/c/%252F"), ("é", "/c/%C3%A9"), ("../x", "/c/..%2Fx"), ("a b", "/c/a%20b"),
])
def test_template_values_are_one_segment(value, path):
    assert fill_template("/c/{code}", {"code": value}) == path


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_values_that_are_no_segment(value):
    assert fill_template("/c/{code}", {"code": value}) is None


@given(st.text(min_size=1).filter(lambda text: text not in (".", "..")))
def test_any_value_stays_in_its_segment(value):
    filled = fill_template("/org/{org}/repos", {"org": value})
    parts = urlsplit("http://svc" + filled)
    assert parts.path.startswith("/org/") and parts.path.endswith("/repos")
    assert parts.path.count("/") == 3 and parts.query == "" and parts.fragment == ""


def test_template_from_quals():
    columns = {"code": ColumnDefinition("code", 0, -1, "text", "text"),
               "name": ColumnDefinition("name", 0, -1, "text", "text")}
    fdw = RestFDW({"url": "http://svc/api", "path": "/c/{code}", "collection_path": "/c"}, columns)
    assert fdw.target([Qual("code", "=", "FR")]) == ("http://svc/api/c/FR", True)
    assert fdw.target([Qual("code", ("=", True), ["FR"])]) == ("http://svc/api/c", False)
    assert fdw.target([Qual("code", "=", "..")]) == ("http://svc/api/c", False)
    assert fdw.target([]) == ("http://svc/api/c", False)
    assert fdw.explain([Qual("code", "=", "a/b")], {"name"}) == [
        "GET http://svc/api/c/a%2Fb (one record)"]
    alone = RestFDW({"url": "http://svc", "path": "/c/{code}"}, columns)
    assert alone.target([]) is None
    assert alone.explain([], {"name"}) == [
        "no request: the path /c/{code} needs WHERE code = ... "
        "(with a value that can be a path segment)"]


def test_next_urls_are_resolved_and_keep_credentials():
    assert follow("/items?page=2", "http://svc:8080/items?page=1", [("key", "k")]) == \
        "http://svc:8080/items?page=2&key=k"
    assert follow("http://svc:8080/items?key=k&page=2#x", "http://svc:8080/", [("key", "k")]) == \
        "http://svc:8080/items?key=k&page=2"
    assert origin("HTTP://Svc/x") == origin("http://svc:80/y") != origin("https://svc/x")
    assert origin("http://svc:8080/") != origin("http://svc/")


def test_list_items():
    assert [list_item(text) for text in ["a", "a,b", "(x)", ""]] == ["a", '"a,b"', '"(x)"', '""']
