"""/tables/<name>: loaded records served in every convention, over real HTTP.

The filters' documented semantics (exact decimals, code point order, NULL
matches nothing, instants), the sorts' NULL placement, and every paging
style walked to its end, capped or not, with or without totals.
"""
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

COLUMNS = {"id": "integer", "n": "number", "t": "text", "b": "boolean", "d": "date",
           "ts": "timestamp", "tz": "timestamptz", "j": "json"}
RECORDS_TEXT = """[
 {"id": 1, "n": 12345678901234567.89, "t": "a", "b": true, "d": "2021-01-31",
  "ts": "2021-01-01T00:00:00.5", "tz": "2021-01-01T02:00:00+02:00", "j": {"x": 0.10}},
 {"id": 2, "n": 0.1000000000000000055511151231257827, "t": "B", "b": false, "d": "1999-12-31",
  "ts": "2021-01-01T00:00:00", "tz": "2021-01-01T00:00:00.000001Z", "j": [1E-30]},
 {"id": 3, "n": null, "t": null, "b": null, "d": null, "ts": null, "tz": null, "j": null},
 {"id": 4, "n": -1, "t": "a%b_c\\\\", "b": true, "d": "2000-02-29",
  "ts": "1999-01-01T23:59:59.999999", "tz": "1998-12-31T23:00:00-01:00", "j": "s"},
 {"id": 5, "n": 1E+2, "t": "Straße", "b": false, "d": "2021-01-31",
  "ts": "2030-06-01T12:00:00", "tz": "2030-06-01T12:00:00+14:00", "j": true}
]"""


@pytest.fixture(scope="module")
def base(service):
    body = '{"columns": %s, "records": %s}' % (json.dumps(COLUMNS), RECORDS_TEXT)
    answer = requests.put(service.url + "/tables/mt", data=body.encode("utf-8"))
    assert answer.status_code == 201, answer.text
    return service.url + "/tables/mt"


def ids(base, convention, params=(), paging="none"):
    answer = requests.get("%s/%s/%s" % (base, convention, paging), params=params)
    assert answer.status_code == 200, answer.text
    return [record["id"] for record in answer.json()["records"]]


def test_numbers_come_back_with_their_own_digits(base):
    text = requests.get(base + "/suffix/none").text
    for number in ("12345678901234567.89", "0.1000000000000000055511151231257827", "1E-30",
                   '"x":0.10', "1E+2"):
        assert number in text


@pytest.mark.parametrize("params, expected", [
    ([("n", "12345678901234567.89")], [1]),
    ([("n", "1.2345678901234568e+16")], []),           # exact: a rounded double is another number
    ([("n_gt", "0.1")], [1, 2, 5]),                     # 0.1000000000000000055... > 0.1
    ([("n_lte", "100")], [2, 4, 5]),
    ([("n_lt", "NaN")], [1, 2, 4, 5]),                  # NaN above every number, as PostgreSQL
    ([("t_lt", "a")], [2, 5]),                          # code points: "B", "Straße" < "a"
    ([("t", "a"), ("t", "B")], [1, 2]),                 # repeated: any may equal
    ([("t_like", "a\\%b\\_c\\\\")], [4]),                 # LIKE escapes
    ([("t_like", "a%")], [1, 4]),
    ([("t_ilike", "b")], [2]),
    ([("t_ilike", "STRASSE")], []),                     # folding is per character: ß stays
    ([("t_ilike", "sTRAßE")], [5]),
    ([("t_contains", "%b_")], [4]),                     # literal tests are literal
    ([("t_istartswith", "str")], [5]),
    ([("b", "true")], [1, 4]),
    ([("b_lt", "true")], [2, 5]),
    ([("d_gte", "2021-01-31")], [1, 5]),
    ([("ts", "2021-01-01 00:00:00.5")], [1]),          # microseconds count
    ([("ts_lt", "2021-01-01T00:00:00.000001")], [2, 4]),
    ([("tz", "2021-01-01T00:00:00")], [1]),             # one instant, any offset; naive is UTC
    ([("tz_lt", "2021-01-01T00:00:00.000001+00:00")], [1, 4]),
    ([("tz_gt", "2030-05-31T22:00:00Z")], []),
])
def test_suffix_filters(base, params, expected):
    assert ids(base, "suffix", params) == expected


@pytest.mark.parametrize("convention, params, expected", [
    ("prefix_op", [("n", "in.(-1,12345678901234567.89)")], [1, 4]),
    ("prefix_op", [("t", 'in.("a%b_c\\\\",B)')], [2, 4]),
    ("prefix_op", [("t", "like.a*")], []),               # pattern form: * is literal
    ("prefix_op-star", [("t", "like.a*")], [1, 4]),      # star form: * is any run
    ("prefix_op-star", [("t", "ilike.*SS*")], []),
    ("prefix_op", [("id", "gte.2"), ("id", "lt.5")], [2, 3, 4]),  # repeated: all must hold
    ("suffix-join", [("id", "1,3,5")], [1, 3, 5]),
    ("suffix-regex", [("t_like", "^a")], [1, 4]),         # a regular expression, searched
    ("suffix-regex", [("t_like", "^s")], []),
    ("suffix-regexi", [("t_like", "^s")], [5]),           # json-server: _like ignores case
    ("suffix-regex", [("t_ilike", "STRA")], [5]),
    ("prefix_op", [("t", "match.b_c")], [4]),
    ("prefix_op", [("t", "imatch.^b$")], [2]),
    ("suffix", [("t_glob", "a?b[_]c*")], [4]),            # a glob: ? one character, [_] literal
    ("suffix", [("t_glob", "S*")], [5]),
    ("suffix", [("t_iglob", "s*")], [5]),
    ("suffix", [("id", "1,3,5")], None),                # without -join a comma is no list
])
def test_other_filter_styles(base, convention, params, expected):
    answer = requests.get("%s/%s/none" % (base, convention), params=params)
    if expected is None:
        assert answer.status_code == 400
        assert answer.json()["parameter"] == "id"
    else:
        assert [r["id"] for r in answer.json()["records"]] == expected


def test_ilike_folds_one_character_at_a_time(service):
    """İ lower-cases to two characters in Python; folded per character it stays one, as _ needs."""
    body = {"columns": {"id": "integer", "t": "text"},
            "records": [{"id": 1, "t": "İ"}, {"id": 2, "t": "ǅ"}, {"id": 3, "t": "ab"}]}
    requests.put(service.url + "/tables/fold", data=json.dumps(body))
    answer = requests.get(service.url + "/tables/fold/suffix/none", params={"t_ilike": "_"})
    assert [r["id"] for r in answer.json()["records"]] == [1, 2]


def test_null_never_matches(base):
    for params in ([("t_gt", "")], [("b", "false"), ("b", "true")], [("n_lt", "Infinity")]):
        assert 3 not in ids(base, "suffix", params)


@pytest.mark.parametrize("params, expected", [
    ([("order", "n")], [4, 2, 5, 1, 3]),                 # NULLs last ascending
    ([("order", "-n")], [3, 1, 5, 2, 4]),                # and first descending
    ([("order", "d.desc,id.asc")], [3, 1, 5, 4, 2]),     # ties keep load order
    ([("sort", "t,id"), ("direction", "desc,asc")], [3, 4, 1, 5, 2]),
])
def test_sorts(base, params, expected):
    assert ids(base, "suffix", params) == expected


def walk(base, convention, paging, params=(), limit=None):
    """Every record id over the pages, following the paging style; the requests made."""
    url = "%s/%s/%s" % (base, convention, paging)
    style = paging.split("-")[0]
    params = list(params) + ([("limit", str(limit))] if limit else [])
    found, requests_made, number, offset = [], 0, 1, 0
    while True:
        extra = {"offset": [("offset", str(offset))], "page": [("page", str(number))],
                 "link": [("page", str(number))] if number == 1 else []}.get(style, [])
        answer = requests.get(url, params=params + extra)
        requests_made += 1
        assert answer.status_code == 200, answer.text
        body = answer.json()
        records = body if style == "link" else body["records"]
        found += [record["id"] for record in records]
        if style in ("offset", "page") and not records:
            return found, requests_made
        if style == "offset":
            offset += len(records)
        elif style == "page":
            number += 1
        elif style == "cursor":
            if body["next_cursor"] is None:
                return found, requests_made
            params = [p for p in params if p[0] != "cursor"] + [("cursor", body["next_cursor"])]
        elif style == "next_url":
            if body["next"] is None:
                return found, requests_made
            url, params = body["next"].split("?")[0], parse_qsl(urlsplit(body["next"]).query)
        elif style == "link":
            link = answer.headers.get("Link")
            if link is None:
                return found, requests_made
            target = link.split(";")[0].strip("<>")
            url, params, number = target.split("?")[0], parse_qsl(urlsplit(target).query), 2
        else:
            return found, requests_made


@pytest.mark.parametrize("paging", ["offset", "page", "cursor", "next_url", "link", "none",
                                    "offset-nototal-cap2", "page-cap2", "cursor-cap1",
                                    "next_url-nototal-cap2", "link-cap2-nototal"])
def test_every_paging_style_walks_every_record_once(base, paging):
    found, made = walk(base, "suffix", paging, [("order", "-id")],
                       limit=None if paging == "none" else 2)
    assert found == [5, 4, 3, 2, 1]
    if "cap1" in paging:
        assert made >= 5


def test_totals_and_caps(base):
    body = requests.get(base + "/suffix/offset-cap2", params={"limit": "3"}).json()
    assert len(body["records"]) == 2 and body["total"] == 5
    assert "total" not in requests.get(base + "/suffix/page-nototal").json()
    answer = requests.get(base + "/suffix/link", params={"limit": "2"})
    assert answer.headers["X-Total-Count"] == "5"
    assert 'rel="next"' in answer.headers["Link"]
    assert requests.get(base + "/suffix/offset", params={"limit": "0"}).json() == {
        "records": [], "total": 5}


@pytest.mark.parametrize("path, params, parameter", [
    ("/suffix/none", {"nope": "1"}, "nope"),
    ("/suffix/none", {"n": "1.2.3"}, "n"),
    ("/suffix/none", {"ts": "2021-01-01T00:00:00+01:00"}, "ts"),  # a timestamp has no offset
    ("/suffix/none", {"b": "yes"}, "b"),
    ("/suffix/none", {"j": "1"}, "j"),
    ("/suffix/none", {"n_like": "1%"}, "n_like"),
    ("/suffix/none", {"t_like": "a\\"}, "t_like"),
    ("/suffix-regex/none", {"t_like": "("}, "t_like"),
    ("/suffix/none", {"limit": "5"}, "limit"),              # none takes no paging parameter
    ("/suffix/offset", {"limit": "-1"}, "limit"),
    ("/suffix/cursor", {"cursor": "bogus"}, "cursor"),
    ("/prefix_op/none", {"t": "a"}, "t"),
    ("/suffix/none", {"order": "j"}, "order"),
    ("/suffix/none", {"fields": "id,zz"}, "fields"),
    ("/postfix/none", {}, "filtering"),
    ("/suffix-star-regex/none", {}, "filtering"),
    ("/suffix/pages", {}, "paging"),
])
def test_bad_requests_are_400_naming_the_parameter(base, path, params, parameter):
    answer = requests.get(base + path, params=params)
    assert answer.status_code == 400
    assert answer.json()["parameter"] == parameter


def test_unknown_table_and_bad_loads(service):
    assert requests.get(service.url + "/tables/nosuch/suffix/none").status_code == 404
    for body in ('{"columns": {"a": "float"}, "records": []}', '{"columns": {"a": "integer"}, '
                 '"records": [{"a": "1"}]}', '{"columns": {"a": "integer"}, "records": [{}]}',
                 "[1]", "not json"):
        assert requests.put(service.url + "/tables/bad", data=body).status_code == 400


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=0, max_size=12),
       low=st.integers(-6, 6), cap=st.integers(1, 4), limit=st.integers(1, 5),
       paging=st.sampled_from(["offset", "page", "cursor", "next_url", "link"]))
def test_any_paging_style_and_cap_gives_the_filtered_sorted_records(service, values, low, cap,
                                                                    limit, paging):
    """A range filter and a sort, walked page by page: what a local computation gives."""
    records = [{"id": i, "v": v} for i, v in enumerate(values)]
    requests.put(service.url + "/tables/prop", data=json.dumps(
        {"columns": {"id": "integer", "v": "integer"}, "records": records}))
    found, _ = walk(service.url + "/tables/prop", "prefix_op", "%s-cap%d" % (paging, cap),
                    [("v", "gte.%d" % low), ("order", "v.desc,id.asc")], limit=limit)
    expected = sorted((r for r in records if r["v"] is not None and r["v"] >= low),
                      key=lambda r: (-r["v"], r["id"]))
    assert found == [r["id"] for r in expected]
