"""The generated resources (/repos, /books, /countries, /events) over real HTTP.

Every check of a filter or an order compares the service's answer, walked
page by page in the resource's own pagination style, with a computation made
here from the full unfiltered walk; nothing is taken from the generator code.
"""

import functools
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from mock_service.query import PARAMETERS as WORD_PARAMETERS
from mock_service.resources import books, countries, events, repos
from tools.service import Service

DECLARED = {"/repos": repos.PARAMETERS, "/books": books.PARAMETERS,
            "/countries": countries.PARAMETERS, "/events": events.PARAMETERS}
OPS = {"eq", "in", "lt", "le", "gt", "ge", "like", "prefix"}


@pytest.fixture(scope="module")
def base_url():
    with Service() as service:
        yield service.url


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        yield session


def get_json(http, url, params=(), status=200, headers=None):
    response = http.get(url, params=params, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    return response


# Walking every page, in each resource's own style

def walk_repos(http, base_url, params=(), per_page=100):
    params = list(params.items()) if isinstance(params, dict) else list(params)
    records, cursor, pages = [], None, 0
    while True:
        extra = [("per_page", str(per_page))] + ([("cursor", cursor)] if cursor else [])
        body = get_json(http, f"{base_url}/repos", params + extra).json()
        assert set(body) == {"data", "meta"} and set(body["meta"]) == {"next_cursor"}
        page, cursor = body["data"]["items"], body["meta"]["next_cursor"]
        pages += 1
        records += page
        if cursor is None:
            assert len(page) <= per_page
            return records
        assert len(page) == per_page and isinstance(cursor, str)
        assert pages < 2000


def walk_books(http, base_url, params=(), limit=None):
    params = list(params.items()) if isinstance(params, dict) else list(params)
    url, query = f"{base_url}/books", params + ([("_limit", str(limit))] if limit else [])
    records, totals, page = [], set(), 0
    while True:
        response = get_json(http, url, query)
        body = response.json()
        assert isinstance(body, list)
        page += 1
        records += body
        totals.add(int(response.headers["X-Total-Count"]))
        links = response.links
        assert {"first", "last"} <= set(links)
        assert ("prev" in links) == (page > 1)
        if "next" not in links:
            assert len(totals) == 1 and totals.pop() == len(records)
            assert f"_page={page}" in links["last"]["url"]
            return records
        assert len(body) == (limit or 20)
        url, query = links["next"]["url"], ()
        assert page < 2000


def walk_countries(http, base_url, params=(), page_size=None):
    params = list(params.items()) if isinstance(params, dict) else list(params)
    size = page_size or 25
    records, page = [], 1
    while True:
        query = params + [("page", str(page))] + ([("page_size", str(page_size))] if page_size else [])
        body = get_json(http, f"{base_url}/countries", query).json()
        assert set(body) == {"results", "page", "pages", "count"}
        assert body["page"] == page and body["pages"] == -(-body["count"] // size)
        records += body["results"]
        if page >= body["pages"]:
            assert len(records) == body["count"]
            assert len(body["results"]) == (body["count"] - (page - 1) * size if body["count"] else 0)
            return records
        assert len(body["results"]) == size
        page += 1


def walk_events(http, base_url, params=(), limit=None):
    params = list(params.items()) if isinstance(params, dict) else list(params)
    url, query = f"{base_url}/events", params + ([("limit", str(limit))] if limit else [])
    records, pages = [], 0
    while True:
        body = get_json(http, url, query).json()
        assert set(body) == {"items", "next"}
        records += body["items"]
        pages += 1
        if body["next"] is None:
            return records
        assert len(body["items"]) == (limit or 100)
        assert body["next"].startswith(f"{base_url}/events?after={body['items'][-1]['id']}&limit=")
        url, query = body["next"], ()
        assert pages < 2000


@pytest.fixture(scope="module")
def all_repos(http, base_url):
    return walk_repos(http, base_url)


@pytest.fixture(scope="module")
def all_books(http, base_url):
    return walk_books(http, base_url, limit=200)


@pytest.fixture(scope="module")
def all_countries(http, base_url):
    return walk_countries(http, base_url, page_size=100)


@pytest.fixture(scope="module")
def all_events(http, base_url):
    return walk_events(http, base_url, limit=500)


def ids(records, key="id"):
    return [record[key] for record in records]


def assert_400(http, url, params, parameter):
    """A 400 naming the parameter, and quoting its value when it was given once and is a known one."""
    response = http.get(url, params=params)
    assert response.status_code == 400, (params, response.text)
    body = response.json()
    assert body["parameter"] == parameter and repr(parameter) in body["error"], body
    values = [value for name, value in (params.items() if isinstance(params, dict) else params)
              if name == parameter]
    if len(values) == 1 and not body["error"].startswith("unknown parameter"):
        assert repr(values[0]) in body["error"], body


def reference_sort(records, keys, tie="id"):
    """Records sorted by (getter, descending) keys the way PostgreSQL would, then by tie ascending."""
    def compare(a, b):
        for get, descending in keys:
            x, y = get(a), get(b)
            if x == y:
                continue
            if x is None or y is None:
                result = 1 if x is None else -1  # null is greater than every value
            else:
                result = -1 if x < y else 1
            return -result if descending else result
        return (a[tie] > b[tie]) - (a[tie] < b[tie])
    return sorted(records, key=functools.cmp_to_key(compare))


# /repos

def test_repos_walk_every_record_once_in_id_order(http, base_url, all_repos):
    assert 1000 <= len(all_repos) <= 3000
    assert ids(all_repos) == sorted(set(ids(all_repos)))
    assert walk_repos(http, base_url, per_page=30) == all_repos
    first = get_json(http, f"{base_url}/repos").json()["data"]["items"]
    assert first == all_repos[:30]  # per_page defaults to 30
    assert any(record["language"] is None for record in all_repos)
    assert any("corn" in record["name"] for record in all_repos)


def login_of(record):
    return record["owner"]["login"]


REPO_FILTERS = [
    ({"stars": "gte.100"}, lambda r: r["stars"] >= 100),
    ({"stars": "lt.50"}, lambda r: r["stars"] < 50),
    ({"stars": "eq.7"}, lambda r: r["stars"] == 7),
    ({"stars": "gt.3"}, lambda r: r["stars"] > 3),
    ({"stars": "lte.0"}, lambda r: r["stars"] <= 0),
    ([("stars", "gte.10"), ("stars", "lt.20")], lambda r: 10 <= r["stars"] < 20),
    ({"id": "in.(1,2,3,1500,999999)"}, lambda r: r["id"] in (1, 2, 3, 1500, 999999)),
    ({"id": "in.()"}, lambda r: False),
    ({"language": "eq.Python"}, lambda r: r["language"] == "Python"),
    ({"language": "lt.H"}, lambda r: r["language"] is not None and r["language"] < "H"),
    ({"language": 'in.(Go,"Rust",C++)'}, lambda r: r["language"] in ("Go", "Rust", "C++")),
    ({"name": "like.*corn*"}, lambda r: "corn" in r["name"]),
    ({"name": "like.*CORN*"}, lambda r: "CORN" in r["name"]),
    ({"name": "like.uni*"}, lambda r: r["name"].startswith("uni")),
    ({"name": "like.*a*-*o"}, lambda r: re.fullmatch(r".*a.*-.*o", r["name"]) is not None),
    ({"owner.login": "eq.alice"}, lambda r: login_of(r) == "alice"),
    ({"owner.login": "in.(alice,bob,nobody)"}, lambda r: login_of(r) in ("alice", "bob")),
    ({"owner.id": "gt.50000"}, lambda r: r["owner"]["id"] > 50000),
    ([("created_at", "gte.2020-01-01T00:00:00Z"), ("created_at", "lt.2021-01-01")],
     lambda r: "2020-01-01T00:00:00Z" <= r["created_at"] < "2021-01-01T00:00:00Z"),
    ({"created_at": "gt.2020-06-30 23:00:00-01:00"}, lambda r: r["created_at"] > "2020-07-01T00:00:00Z"),
    ({"archived": "eq.true"}, lambda r: r["archived"]),
    ([("language", "eq.Go"), ("stars", "gte.2"), ("owner.login", "like.*a*")],
     lambda r: r["language"] == "Go" and r["stars"] >= 2 and "a" in login_of(r)),
]


@pytest.mark.parametrize("params, test", REPO_FILTERS)
def test_repos_filters(http, base_url, all_repos, params, test):
    expected = [record for record in all_repos if test(record)]
    assert walk_repos(http, base_url, params) == expected
    if not any(token in str(params) for token in ("999999", "in.()", "CORN")):
        assert 0 < len(expected) < len(all_repos)


def by(path):
    keys = path.split(".")
    return lambda record: functools.reduce(lambda value, key: value[key], keys, record)


@pytest.mark.parametrize("order, keys, params, test", [
    ("stars.desc,id.asc", [(by("stars"), True), (by("id"), False)], {}, None),
    ("stars.desc", [(by("stars"), True)], {}, None),
    ("stars", [(by("stars"), False)], {}, None),
    ("language.asc", [(by("language"), False)], {}, None),
    ("language.desc,stars.desc", [(by("language"), True), (by("stars"), True)], {}, None),
    ("owner.login,created_at.desc", [(by("owner.login"), False), (by("created_at"), True)], {}, None),
    ("archived.desc,name", [(by("archived"), True), (by("name"), False)], {"stars": "gte.3"},
     lambda r: r["stars"] >= 3),
    ("id.desc", [(by("id"), True)], {"language": "eq.Rust"}, lambda r: r["language"] == "Rust"),
])
def test_repos_order(http, base_url, all_repos, order, keys, params, test):
    expected = reference_sort([record for record in all_repos if test is None or test(record)], keys)
    got = walk_repos(http, base_url, {**params, "order": order}, per_page=37)
    assert got == expected
    if order.startswith("language.asc"):
        assert got[-1]["language"] is None and got[0]["language"] is not None
    if order.startswith("language.desc"):
        assert got[0]["language"] is None


def test_repos_cursor_is_checked(http, base_url):
    url = f"{base_url}/repos"
    body = get_json(http, url, {"stars": "gte.10", "per_page": "5"}).json()
    cursor = body["meta"]["next_cursor"]
    # The same query with another page size may continue from it...
    following = get_json(http, url, {"stars": "gte.10", "per_page": "7", "cursor": cursor}).json()
    assert following["data"]["items"][0]["id"] != body["data"]["items"][-1]["id"]
    # ...another query may not.
    for params in ({"stars": "gte.11", "cursor": cursor}, {"cursor": cursor},
                   {"stars": "gte.10", "order": "id.desc", "cursor": cursor},
                   {"cursor": "not a cursor"}, {"cursor": ""}, {"cursor": "eyJhZnRlciI6MX0"},
                   {"cursor": "e30"}, {"cursor": "naïve"}):
        assert_400(http, url, params, "cursor")
    assert_400(http, url, [("cursor", cursor), ("cursor", cursor), ("stars", "gte.10")], "cursor")


@pytest.mark.parametrize("params, parameter", [
    ({"per_page": "0"}, "per_page"), ({"per_page": "101"}, "per_page"), ({"per_page": "x"}, "per_page"),
    ({"stars": "5"}, "stars"), ({"stars": "gte.x"}, "stars"), ({"stars": "like.*1*"}, "stars"),
    ({"stars": "gtx.5"}, "stars"), ({"id": "in.1,2"}, "id"), ({"id": "in.(1,x)"}, "id"),
    ({"name": "ilike.x"}, "name"), ({"language": 'in.("Go"x)'}, "language"),
    ({"archived": "eq.yes"}, "archived"), ({"archived": "lt.true"}, "archived"),
    ({"created_at": "gte.notatime"}, "created_at"), ({"owner.name": "eq.x"}, "owner.name"),
    ({"order": "bogus.desc"}, "order"), ({"order": "stars.up"}, "order"), ({"order": "stars,"}, "order"),
    ([("order", "id"), ("order", "stars")], "order"), ({"sort": "stars"}, "sort"),
])
def test_repos_bad_parameters(http, base_url, params, parameter):
    assert_400(http, f"{base_url}/repos", params, parameter)


# /books

def test_books_walk_every_record_once_in_id_order(http, base_url, all_books):
    assert 500 <= len(all_books) <= 3000
    assert ids(all_books) == sorted(set(ids(all_books)))
    assert walk_books(http, base_url) == all_books  # _limit defaults to 20
    assert all(round(book["price"], 2) == book["price"] for book in all_books)


def test_books_link_header(http, base_url, all_books):
    response = get_json(http, f"{base_url}/books", {"year_gte": "1900", "_page": "3", "_limit": "10"})
    total = int(response.headers["X-Total-Count"])
    last = -(-total // 10)
    link = re.compile(r'<(?P<url>[^>]+)>; rel="(?P<rel>[a-z]+)"')
    parts = [link.fullmatch(part.strip()) for part in response.headers["Link"].split(",")]
    assert all(parts) and [part["rel"] for part in parts] == ["first", "prev", "next", "last"]
    pages = {part["rel"]: dict(parse_qsl(urlsplit(part["url"]).query)) for part in parts}
    assert {rel: query["_page"] for rel, query in pages.items()} == \
        {"first": "1", "prev": "2", "next": "4", "last": str(last)}
    assert all(query == {"year_gte": "1900", "_page": query["_page"], "_limit": "10"}
               for query in pages.values())
    assert parts[2]["url"].startswith(f"{base_url}/books?")

    # The links are on the host the request named.
    response = get_json(http, f"{base_url}/books", headers={"Host": "books.example:8080"})
    assert response.links["next"]["url"] == "http://books.example:8080/books?_page=2&_limit=20"

    # Past the last page: an empty array, no next.
    response = get_json(http, f"{base_url}/books", {"_page": str(len(all_books)), "_limit": "2"})
    assert response.json() == [] and "next" not in response.links
    assert response.headers["X-Total-Count"] == str(len(all_books))
    response = get_json(http, f"{base_url}/books", {"author": "Nobody At All"})
    assert response.json() == [] and response.headers["X-Total-Count"] == "0"
    assert set(response.links) == {"first", "last"}


def test_books_filters(http, base_url, all_books):
    authors = sorted({book["author"] for book in all_books})
    some_ids = ids(all_books)[5:300:37]
    cases = [
        ({"year_gte": "2000"}, lambda b: b["year"] >= 2000),
        ({"year_lte": "1900"}, lambda b: b["year"] <= 1900),
        ({"year_gt": "1990", "year_lt": "1995"}, lambda b: 1990 < b["year"] < 1995),
        ([("year_gte", "1950"), ("year_gte", "1960")], lambda b: b["year"] >= 1960),
        ({"title_like": "OF"}, lambda b: "of" in b["title"].lower()),
        ({"title_like": "return to"}, lambda b: "return to" in b["title"].lower()),
        ([("title_like", "the"), ("title_like", "A")], lambda b: "the" in b["title"].lower()
         and "a" in b["title"].lower()),
        ({"title_like": "%"}, lambda b: "%" in b["title"]),
        ({"author": authors[3]}, lambda b: b["author"] == authors[3]),
        ({"author": authors[3].lower()}, lambda b: b["author"] == authors[3].lower()),
        ([("author", authors[0]), ("author", authors[-1])],
         lambda b: b["author"] in (authors[0], authors[-1])),
        ([("id", str(i)) for i in some_ids] + [("id", "999999")], lambda b: b["id"] in some_ids),
        ({"year_gte": "1950", "title_like": "the", "author": authors[7]},
         lambda b: b["year"] >= 1950 and "the" in b["title"].lower() and b["author"] == authors[7]),
    ]
    for params, test in cases:
        expected = [book for book in all_books if test(book)]
        assert walk_books(http, base_url, params, limit=50) == expected, params
    assert len(authors) > 20


@pytest.mark.parametrize("params, keys", [
    ({"_sort": "year", "_order": "desc"}, [("year", True)]),
    ({"_sort": "year,id", "_order": "desc,asc"}, [("year", True), ("id", False)]),
    ({"_sort": "year,id", "_order": "desc,desc"}, [("year", True), ("id", True)]),
    ({"_sort": "price,title", "_order": "asc,desc"}, [("price", False), ("title", True)]),
    ({"_sort": "author,year", "_order": "desc"}, [("author", True), ("year", False)]),
    ({"_sort": "title"}, [("title", False)]),
    ({"_sort": "isbn", "_order": "desc", "year_lt": "1900"}, [("isbn", True)]),
])
def test_books_sort(http, base_url, all_books, params, keys):
    rows = [book for book in all_books if "year_lt" not in params or book["year"] < 1900]
    expected = reference_sort(rows, [(by(key), descending) for key, descending in keys])
    assert walk_books(http, base_url, params, limit=150) == expected


@pytest.mark.parametrize("params, parameter", [
    ({"_limit": "0"}, "_limit"), ({"_limit": "201"}, "_limit"), ({"_page": "0"}, "_page"),
    ({"_page": "x"}, "_page"), ({"_sort": "bogus"}, "_sort"), ({"_sort": "year,"}, "_sort"),
    ({"_sort": "year", "_order": "down"}, "_order"), ({"_sort": "year", "_order": "asc,desc"}, "_order"),
    ({"_order": "desc"}, "_order"), ({"year_gte": "abc"}, "year_gte"), ({"year_lt": "1.5"}, "year_lt"),
    ({"id": "x"}, "id"), ({"q": "fiction"}, "q"), ({"title": "x"}, "title"),
    ([("_page", "1"), ("_page", "2")], "_page"), ([("_sort", "id"), ("_sort", "year")], "_sort"),
])
def test_books_bad_parameters(http, base_url, params, parameter):
    assert_400(http, f"{base_url}/books", params, parameter)


# /countries

def test_countries_walk_every_record_once_in_code_order(http, base_url, all_countries):
    assert 150 <= len(all_countries) <= 400
    codes = ids(all_countries, "code")
    assert codes == sorted(set(codes)) and codes[:3] == ["AA", "AB", "AC"]
    assert len({country["name"] for country in all_countries}) == len(all_countries)
    assert walk_countries(http, base_url) == all_countries  # page_size defaults to 25
    assert walk_countries(http, base_url, page_size=7) == all_countries
    past = get_json(http, f"{base_url}/countries", {"page": "999"}).json()
    assert past == {"results": [], "page": 999, "pages": -(-len(all_countries) // 25),
                    "count": len(all_countries)}
    empty = get_json(http, f"{base_url}/countries", {"region": "Atlantis"}).json()
    assert empty == {"results": [], "page": 1, "pages": 0, "count": 0}


def test_countries_filters(http, base_url, all_countries):
    name = all_countries[17]["name"]
    middle = sorted(country["population"] for country in all_countries)[len(all_countries) // 2]
    cases = [
        ({"region": "Europe"}, lambda c: c["region"] == "Europe"),
        ({"region": "europe"}, lambda c: c["region"] == "europe"),
        ({"code": "FR,DE,IT,ZZ"}, lambda c: c["code"] in ("FR", "DE", "IT", "ZZ")),
        ({"code": "AB"}, lambda c: c["code"] == "AB"),
        ({"population_min": str(middle)}, lambda c: c["population"] >= middle),
        ({"population_max": str(middle)}, lambda c: c["population"] <= middle),
        ({"population_min": "1000000", "population_max": "50000000"},
         lambda c: 1000000 <= c["population"] <= 50000000),
        ({"name_startswith": name[:2]}, lambda c: c["name"].startswith(name[:2])),
        ({"name_startswith": name[:2].lower()}, lambda c: c["name"].startswith(name[:2].lower())),
        ({"name_startswith": name}, lambda c: c["name"].startswith(name)),
        ({"region": "Asia", "population_min": "100000", "code": "AA,BB,CC,DD,EE,FF,GG,AZ"},
         lambda c: c["region"] == "Asia" and c["population"] >= 100000 and
         c["code"] in "AA,BB,CC,DD,EE,FF,GG,AZ".split(",")),
    ]
    for params, test in cases:
        expected = [country for country in all_countries if test(country)]
        assert walk_countries(http, base_url, params, page_size=10) == expected, params
        if params not in ({"region": "europe"}, {"name_startswith": name[:2].lower()}):
            assert expected, params


@pytest.mark.parametrize("sort", ["code", "-code", "name", "-name", "region", "-region",
                                  "population", "-population", "area_km2", "-area_km2"])
def test_countries_sort(http, base_url, all_countries, sort):
    expected = reference_sort(all_countries, [(by(sort.lstrip("-")), sort.startswith("-"))], tie="code")
    assert walk_countries(http, base_url, {"sort": sort}, page_size=30) == expected


def test_country_by_code(http, base_url, all_countries):
    for country in all_countries[::40] + [all_countries[-1]]:
        assert get_json(http, f"{base_url}/countries/{country['code']}").json() == country
    for code in ("ZZ", "aa", "AAA"):
        body = get_json(http, f"{base_url}/countries/{code}", status=404).json()
        assert code in body["error"]
    assert_400(http, f"{base_url}/countries/AA", {"fields": "name"}, "fields")


@pytest.mark.parametrize("params, parameter", [
    ({"page": "0"}, "page"), ({"page": "-1"}, "page"), ({"page_size": "0"}, "page_size"),
    ({"page_size": "101"}, "page_size"), ({"sort": "size"}, "sort"), ({"sort": "name,code"}, "sort"),
    ([("sort", "name"), ("sort", "code")], "sort"), ({"population_min": "1e6"}, "population_min"),
    ({"population_max": "many"}, "population_max"), ([("region", "Asia"), ("region", "Europe")], "region"),
    ({"name": "X"}, "name"), ({"limit": "5"}, "limit"),
])
def test_countries_bad_parameters(http, base_url, params, parameter):
    assert_400(http, f"{base_url}/countries", params, parameter)


# /events

def utc(text):
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def test_events_walk_every_record_once_in_id_order(http, base_url, all_events):
    assert 2000 <= len(all_events) <= 5000
    assert ids(all_events) == sorted(set(ids(all_events)))
    assert walk_events(http, base_url) == all_events  # limit defaults to 100
    assert {type(event["payload"]) for event in all_events} == {dict}
    moments = [event["at"] for event in all_events]
    assert moments != sorted(moments)  # at is not id order: at filters are not id ranges


def test_events_filters(http, base_url, all_events):
    cases = [
        ({"kind": "alert"}, lambda e: e["kind"] == "alert"),
        ([("kind", "push"), ("kind", "login"), ("kind", "nothing")],
         lambda e: e["kind"] in ("push", "login")),
        ({"kind": "Alert"}, lambda e: e["kind"] == "Alert"),
        ({"at_gte": "2021-01-10T00:00:00Z"}, lambda e: utc(e["at"]) >= utc("2021-01-10T00:00:00Z")),
        ({"at_lt": "2021-01-05T12:00:00Z"}, lambda e: utc(e["at"]) < utc("2021-01-05T12:00:00Z")),
        ({"at_gte": "2021-01-10 02:00:00+02:00", "at_lt": "2021-01-12"},
         lambda e: utc("2021-01-10T00:00:00Z") <= utc(e["at"]) < utc("2021-01-12T00:00:00Z")),
        ([("at_gte", "2021-01-03"), ("at_gte", "2021-01-04T00:00:30Z")],
         lambda e: utc(e["at"]) >= utc("2021-01-04T00:00:30Z")),
        ({"kind": "deploy", "at_lt": "2021-01-15T00:00:00Z"},
         lambda e: e["kind"] == "deploy" and utc(e["at"]) < utc("2021-01-15T00:00:00Z")),
        ({"after": "2990"}, lambda e: e["id"] > 2990),
        ({"after": "100", "kind": "issue"}, lambda e: e["id"] > 100 and e["kind"] == "issue"),
        ({"after": "999999"}, lambda e: False),
    ]
    for params, test in cases:
        expected = [event for event in all_events if test(event)]
        got = walk_events(http, base_url, params, limit=150)
        assert got == expected, params
        if params not in ({"kind": "Alert"}, {"after": "999999"}):
            assert 0 < len(expected) < len(all_events), params


def test_events_next_link_keeps_the_filters(http, base_url):
    body = get_json(http, f"{base_url}/events", [("kind", "push"), ("kind", "alert"), ("limit", "3"),
                                                 ("at_gte", "2021-01-02T00:00:00Z")]).json()
    last = body["items"][-1]["id"]
    assert body["next"] == (f"{base_url}/events?after={last}&limit=3&kind=push&kind=alert"
                            "&at_gte=2021-01-02T00%3A00%3A00Z")
    # An exact last page has no next link.
    first = get_json(http, f"{base_url}/events", {"kind": "deploy", "limit": "500"}).json()
    count = len(first["items"])
    exact = get_json(http, f"{base_url}/events", {"kind": "deploy", "limit": str(count)}).json()
    assert first["next"] is None and exact["next"] is None and len(exact["items"]) == count


@pytest.mark.parametrize("params, parameter", [
    ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"after": "-1"}, "after"),
    ({"after": "x"}, "after"), ({"at_gte": "yesterday"}, "at_gte"), ({"at_lt": "2021-13-01"}, "at_lt"),
    ([("limit", "5"), ("limit", "6")], "limit"), ({"order": "id"}, "order"),
    ({"kind_like": "p"}, "kind_like"),
])
def test_events_bad_parameters(http, base_url, params, parameter):
    assert_400(http, f"{base_url}/events", params, parameter)


# Request log

def test_request_log_records_every_resource_request(http, base_url):
    assert http.delete(f"{base_url}/_log").status_code == 204
    answers = [
        http.get(f"{base_url}/repos", params=[("stars", "gte.5"), ("stars", "lt.9"), ("per_page", "4")]),
        http.get(f"{base_url}/books", params={"_limit": "3", "author": "Nobody"}),
        http.get(f"{base_url}/books", params={"_limit": "3"}),
        http.get(f"{base_url}/countries", params={"region": "Asia", "page_size": "5"}),
        http.get(f"{base_url}/countries/AB"),
        http.get(f"{base_url}/countries/ZZ"),
        http.get(f"{base_url}/events", params={"limit": "x"}),
        http.get(f"{base_url}/events", params={"kind": "push", "limit": "6"}),
    ]
    http.get(f"{base_url}/health")
    http.get(f"{base_url}/openapi.json")
    log = http.get(f"{base_url}/_log").json()["requests"]
    assert [entry["path"] for entry in log] == ["/repos", "/books", "/books", "/countries", "/countries/AB",
                                               "/countries/ZZ", "/events", "/events"]
    assert [entry["status"] for entry in log] == [200, 200, 200, 200, 200, 404, 400, 200]
    assert [entry["rows"] for entry in log] == [4, 0, 3, 5, 1, 0, 0, 6]
    assert log[0]["args"] == {"stars": ["gte.5", "lt.9"], "per_page": ["4"]}
    assert log[0]["query"] == "stars=gte.5&stars=lt.9&per_page=4"
    assert log[1]["args"] == {"_limit": ["3"], "author": ["Nobody"]}
    assert log[6]["args"] == {"limit": ["x"]} and log[4]["args"] == {}
    for entry, answer in zip(log, answers):
        assert set(entry) == {"path", "query", "args", "status", "rows", "bytes", "ms"}
        assert entry["bytes"] == len(answer.content)
        assert isinstance(entry["ms"], (int, float)) and entry["ms"] >= 0
    assert http.delete(f"{base_url}/_log").status_code == 204


# OpenAPI

SAMPLE_VALUES = {
    "/repos": {"cursor": None, "per_page": "10", "order": "stars.desc,id", "id": "gte.1", "name": "like.*",
               "owner.login": "gt.", "owner.id": "gt.0", "language": "in.(Go,Python)", "stars": "gte.0",
               "created_at": "lt.2100-01-01T00:00:00Z", "archived": "eq.false"},
    "/books": {"id": "1", "author": "x", "year_gte": "1000", "year_lte": "3000", "year_gt": "0",
               "year_lt": "9999", "title_like": "e", "_sort": "year,id", "_order": "desc,asc", "_page": "1",
               "_limit": "5"},
    "/countries": {"region": "Asia", "code": "AA,AB", "population_min": "0", "population_max": "99999999999",
                   "name_startswith": "", "sort": "-population", "page": "1", "page_size": "5"},
    "/events": {"after": "0", "limit": "5", "kind": "push", "at_gte": "2000-01-01T00:00:00Z",
                "at_lt": "2100-01-01"},
}
PAGINATION_STYLES = {"/repos": "cursor", "/books": "link", "/countries": "page", "/events": "next_url",
                     "/words": "offset"}


@pytest.fixture(scope="module")
def document(http, base_url):
    return get_json(http, f"{base_url}/openapi.json").json()


def resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def check_schema(document, schema, value, where="record"):
    """A small JSON Schema check: the types, properties and items the document declares."""
    schema = resolve(document, schema)
    if value is None:
        assert schema.get("nullable"), f"{where} is null but not nullable"
        return
    python_types = {"integer": int, "number": (int, float), "string": str, "boolean": bool,
                    "array": list, "object": dict}
    assert isinstance(value, python_types[schema["type"]]), (where, value, schema)
    if schema["type"] in ("integer", "number"):
        assert not isinstance(value, bool), where
    if schema.get("format") == "date-time":
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value), (where, value)
    if "enum" in schema:
        assert value in schema["enum"], where
    if schema["type"] == "array":
        for item in value:
            check_schema(document, schema["items"], item, where + "[]")
    if schema["type"] == "object" and "properties" in schema:
        assert set(schema.get("required", ())) <= set(value), where
        if not schema.get("additionalProperties"):
            assert set(value) <= set(schema["properties"]), (where, set(value) - set(schema["properties"]))
        for key, item in value.items():
            if key in schema["properties"]:
                check_schema(document, schema["properties"][key], item, f"{where}.{key}")


def body_path(body, path):
    return body if path == "" else by(path)(body)


def record_schema(document, schema, records_path):
    """The schema of one record: follow the body schema along the records path, then its items."""
    schema = resolve(document, schema)
    for key in filter(None, records_path.split(".")):
        schema = resolve(document, schema["properties"][key])
    return schema["items"]


@pytest.mark.parametrize("path", sorted(DECLARED))
def test_openapi_describes_each_resource(http, base_url, document, all_repos, all_books, all_countries,
                                         all_events, path):
    operation = document["paths"][path]["get"]
    parameters = operation["parameters"]
    declared = {parameter.name: parameter for parameter in DECLARED[path]}
    # The document names exactly the parameters the parser accepts...
    assert [parameter["name"] for parameter in parameters] == list(declared)
    assert set(SAMPLE_VALUES[path]) == set(declared)
    for name, value in SAMPLE_VALUES[path].items():
        if value is not None:
            together = {"_order": {"_sort": "year,id"}}.get(name, {})  # _order needs _sort
            assert http.get(f"{base_url}{path}", params={name: value, **together}).status_code == 200, name
    assert http.get(f"{base_url}{path}", params={k: v for k, v in SAMPLE_VALUES[path].items() if v}).ok
    # ...and nothing else.
    assert http.get(f"{base_url}{path}", params={"undocumented": "1"}).status_code == 400

    records = {"/repos": all_repos, "/books": all_books, "/countries": all_countries,
               "/events": all_events}[path]
    for parameter in parameters:
        assert parameter["in"] == "query" and parameter["description"]
        assert parameter["schema"]["type"] in ("integer", "string", "number", "boolean", "array")
        x_filter = parameter.get("x-filter")
        assert x_filter == declared[parameter["name"]].filter
        if x_filter is not None:
            ops = [x_filter["op"]] if "op" in x_filter else list(x_filter["ops"])
            assert ops and set(ops) <= OPS
            for record in records:
                by(x_filter["field"])(record)  # a real field or nested path
    filtered = {p["name"] for p in parameters if "x-filter" in p}
    assert filtered, path

    # x-pagination names the parameters and body paths the walk used.
    pagination = operation["x-pagination"]
    assert pagination["style"] == PAGINATION_STYLES[path]
    assert pagination["limit_param"] in declared
    for key in ("cursor_param", "page_param", "after_param", "offset_param"):
        assert pagination.get(key) is None or pagination[key] in declared
    response = get_json(http, f"{base_url}{path}", {pagination["limit_param"]: "2"})
    body = response.json()
    page = body_path(body, pagination["records"])
    assert isinstance(page, list) and len(page) == 2
    for key in ("next_cursor", "next"):
        if key in pagination:
            assert isinstance(body_path(body, pagination[key]), str)
    for key in ("total", "pages", "page"):
        if key in pagination:
            assert isinstance(body_path(body, pagination[key]), int)
    if "total_header" in pagination:
        assert int(response.headers[pagination["total_header"]]) == len(records)
    if "link_header" in pagination:
        assert pagination["link_rel"] in response.links

    # The response schema describes every record, nested objects included.
    success = operation["responses"]["200"]
    schema = success["content"]["application/json"]["schema"]
    check_schema(document, schema, body, "body")
    one = record_schema(document, schema, pagination["records"])
    for record in records:
        check_schema(document, one, record)
    assert resolve(document, operation["responses"]["400"]["content"]["application/json"]["schema"]) \
        == document["components"]["schemas"]["Error"]


def test_openapi_single_country_path(document, all_countries):
    operation = document["paths"]["/countries/{code}"]["get"]
    [code] = operation["parameters"]
    assert (code["name"], code["in"], code["required"]) == ("code", "path", True)
    assert set(operation["responses"]) == {"200", "400", "404"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    for country in all_countries:
        check_schema(document, schema, country)
    capital = resolve(document, schema)["properties"]["capital"]
    assert capital["type"] == "object" and set(capital["properties"]) == {"name", "lat", "lon"}


def test_openapi_words_extensions(http, base_url, document):
    operation = document["paths"]["/words"]["get"]
    pagination = operation["x-pagination"]
    assert {key: pagination[key] for key in ("style", "limit_param", "offset_param", "records", "total")} == \
        {"style": "offset", "limit_param": "limit", "offset_param": "offset", "records": "records",
         "total": "total"}
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {parameter.name for parameter in WORD_PARAMETERS}
    for name, parameter in parameters.items():
        if name in ("fields", "order", "limit", "offset"):
            assert "x-filter" not in parameter
        else:
            assert parameter["x-filter"]["field"] in ("id", "word")
            assert parameter["x-filter"]["op"] in OPS
    assert parameters["id_gte"]["x-filter"] == {"field": "id", "op": "ge", "repeat": "all"}
    assert parameters["word_istartswith"]["x-filter"]["case_sensitive"] is False
    # /words behaves as before.
    body = get_json(http, f"{base_url}/words", {"limit": "2", "order": "-word"}).json()
    assert set(body) == {"records", "total", "limit", "offset"} and len(body["records"]) == 2


# x-filter, read as an importer would, means what the service does

WALKS = {"/repos": walk_repos, "/books": walk_books, "/countries": walk_countries, "/events": walk_events}
COMPARE = {"eq": lambda a, b: a == b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
           "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


def operand_text(value):
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def x_filter_cases(name, x_filter, records):
    """(query params, expected test, may match nothing) built from the x-filter alone, with operands
    taken from real records so that boundaries are hit exactly."""
    get = by(x_filter["field"])
    values = sorted({get(record) for record in records if get(record) is not None})
    one, two = values[len(values) // 3], values[2 * len(values) // 3]
    text = str(one)
    part = text[len(text) // 3:len(text) // 3 + 2]
    sensitive = x_filter.get("case_sensitive", True)

    def present(record):
        return get(record) is not None

    cases = []
    ops = x_filter["ops"] if "ops" in x_filter else {x_filter["op"]: "{value}"}
    for op, template in ops.items():
        if op == "in":
            joined = x_filter.get("separator", ",").join(operand_text(v) for v in (one, two))
            cases.append(([(name, template.format(values=joined, value=joined))],
                          lambda r: get(r) in (one, two), False))
        elif op in COMPARE:
            single = [(name, template.format(value=operand_text(one)))]
            cases.append((single, lambda r, op=op: present(r) and COMPARE[op](get(r), one), False))
            double = single + [(name, template.format(value=operand_text(two)))]
            if x_filter.get("repeat") == "any":
                cases.append((double, lambda r, op=op: present(r) and (COMPARE[op](get(r), one) or
                                                                       COMPARE[op](get(r), two)), False))
            elif x_filter.get("repeat") == "all":  # for eq, nothing holds both
                cases.append((double, lambda r, op=op: present(r) and COMPARE[op](get(r), one)
                              and COMPARE[op](get(r), two), op == "eq"))
        elif op in ("prefix", "like"):
            for needle in (text[:2], text[:2].swapcase()) if op == "prefix" else (part, part.swapcase()):
                # The swapped case finds other records, or none, unless the test ignores case.
                if op == "prefix":
                    argument = needle
                    test = (lambda r, n=needle: present(r) and get(r).startswith(n)) if sensitive else \
                        (lambda r, n=needle: present(r) and get(r).lower().startswith(n.lower()))
                else:
                    argument = needle if x_filter["match"] == "contains" else \
                        x_filter["wildcards"]["any_run"] + needle + x_filter["wildcards"]["any_run"]
                    test = (lambda r, n=needle: present(r) and n in get(r)) if sensitive else \
                        (lambda r, n=needle: present(r) and n.lower() in get(r).lower())
                cases.append(([(name, template.format(value=argument))], test, sensitive and needle != part
                              and needle != text[:2]))
        else:
            raise AssertionError(f"x-filter op {op!r} of {name!r} is not known to importers")
    return cases


@pytest.mark.parametrize("path", sorted(DECLARED))
def test_x_filter_means_what_it_says(http, base_url, document, all_repos, all_books, all_countries,
                                     all_events, path):
    records = {"/repos": all_repos, "/books": all_books, "/countries": all_countries,
               "/events": all_events}[path]
    checked = 0
    for parameter in document["paths"][path]["get"]["parameters"]:
        if "x-filter" not in parameter:
            continue
        for params, test, may_be_empty in x_filter_cases(parameter["name"], parameter["x-filter"], records):
            expected = [record for record in records if test(record)]
            assert WALKS[path](http, base_url, params) == expected, params
            assert expected or may_be_empty, params
            checked += 1
    assert checked >= 5
