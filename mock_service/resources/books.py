"""GET /books: a top-level JSON array, json-server-style parameters, Link-header pagination.

The body is the array of Book records of one page: {"id", "title", "author",
"year", "isbn", "price" (a number of cents / 100), "tags": [...]}. Headers:
X-Total-Count (matching records, all pages) and an RFC 8288 Link with rel
"first", "prev" (after page 1), "next" (before the last page) and "last";
its URLs are the request's with _page (and _limit) set, on the request's host.

Filters: id and author (repeated: any may equal), year_gte, year_lte, year_gt,
year_lt, title_like (repeated: all must hold). title_like is no pattern: the
title contains the value, both lower-cased with Python's str.lower().
_sort=year,id&_order=desc,asc sorts (_order items default to asc); ties keep
id order. _page is 1-based (default 1), _limit 1-200 (default 20); a page
past the last is an empty array.
"""

import random

from . import names
from .common import (Page, Parameter, ParameterError, check_arguments, error_responses, json_response,
                     openapi_parameter, parse_choice, parse_integer, ref, sort_records)
from .pagination import link_header, page_count, url_with, x_pagination

SEED = 6_042
COUNT = 1000
MAX_LIMIT = 200
DEFAULT_LIMIT = 20
SORT_KEYS = ("id", "title", "author", "year", "isbn", "price")
ORDERS = ("asc", "desc")
YEAR_COMPARISONS = {"gte": "ge", "lte": "le", "gt": "gt", "lt": "lt"}
YEAR_TESTS = {"gte": int.__ge__, "lte": int.__le__, "gt": int.__gt__, "lt": int.__lt__}
TAGS = ("classic", "fiction", "history", "mystery", "poetry", "science", "travel", "cooking", "kids")
TITLE_FORMS = ("The {A} of {B}", "{A} and {B}", "{A}", "A {A} in {B}", "{A}: {B} Again", "Return to {B}")


def _build_parameters() -> tuple[Parameter, ...]:
    parameters = [
        Parameter("id", "integer", "The id equals one of these values.", repeatable=True,
                  filter={"field": "id", "op": "eq", "repeat": "any"}),
        Parameter("author", "string", "The author equals one of these values (case-sensitive).",
                  repeatable=True, filter={"field": "author", "op": "eq", "repeat": "any"}),
    ]
    for suffix, op in YEAR_COMPARISONS.items():
        parameters.append(Parameter(
            f"year_{suffix}", "integer", f"year {suffix} value; repeated values must all hold.",
            repeatable=True, filter={"field": "year", "op": op, "repeat": "all"}))
    parameters += [
        Parameter("title_like", "string",
                  "The title contains this text, comparing both lower-cased (Python str.lower()); "
                  "no wildcards, every character is literal. Repeated values must all hold.",
                  repeatable=True, filter={"field": "title", "op": "like", "match": "contains",
                                           "case_sensitive": False, "repeat": "all"}),
        Parameter("_sort", "string", f"Comma list of sort keys ({', '.join(SORT_KEYS)}). Default: id; "
                  "ties keep id order.", list=True, schema={"enum": list(SORT_KEYS)}),
        Parameter("_order", "string", "Comma list of directions, one per _sort key; missing ones are asc.",
                  list=True, schema={"enum": list(ORDERS)}),
        Parameter("_page", "integer", "Page number, 1-based.", schema={"minimum": 1, "default": 1}),
        Parameter("_limit", "integer", "Records per page.",
                  schema={"minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    ]
    return tuple(parameters)


PARAMETERS = _build_parameters()


def isbn13(rng: random.Random) -> str:
    digits = [9, 7, 8] + [rng.randrange(10) for _ in range(9)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits + [check]))


def build() -> list[dict]:
    rng = random.Random(SEED)
    authors = [f"{first.title()} {last.title()}"
               for first, last in zip(names.unique_words(rng, 150, (1, 2)), names.unique_words(rng, 150))]
    records = []
    for number in range(1, COUNT + 1):
        form = rng.choice(TITLE_FORMS)
        title = form.format(A=names.word(rng, (1, 3)).title(), B=names.word(rng, (1, 3)).title())
        records.append({
            "id": number,
            "title": title,
            "author": rng.choice(authors),
            "year": rng.randint(1850, 2024),
            "isbn": isbn13(rng),
            "price": round(rng.randint(299, 8999) / 100, 2),
            "tags": rng.sample(TAGS, rng.randint(0, 3)),
        })
    return records


def respond(books: list[dict], args, base_url: str) -> Page:
    check_arguments(args, PARAMETERS)
    tests = []
    if "id" in args:
        ids = {parse_integer("id", value) for value in args.getlist("id")}
        tests.append(lambda book: book["id"] in ids)
    if "author" in args:
        authors = set(args.getlist("author"))
        tests.append(lambda book: book["author"] in authors)
    for suffix, compare in YEAR_TESTS.items():
        for value in args.getlist(f"year_{suffix}"):
            bound = parse_integer(f"year_{suffix}", value)
            tests.append(lambda book, compare=compare, bound=bound: compare(book["year"], bound))
    for value in args.getlist("title_like"):
        tests.append(lambda book, text=value.lower(): text in book["title"].lower())
    order = parse_sort(args)
    page = parse_integer("_page", args["_page"], 1) if "_page" in args else 1
    limit = parse_integer("_limit", args["_limit"], 1, MAX_LIMIT) if "_limit" in args else DEFAULT_LIMIT

    matching = [book for book in books if all(test(book) for test in tests)]
    matching = sort_records(matching, [(lambda book, key=key: book[key], descending)
                                       for key, descending in order])
    records = matching[(page - 1) * limit:page * limit]
    last = max(page_count(len(matching), limit), 1)
    base = base_url + "books"
    links = [(1, "first")]
    if page > 1:
        links.append((min(page - 1, last), "prev"))
    if page < last:
        links.append((page + 1, "next"))
    links.append((last, "last"))
    link = link_header([(url_with(base, args, {"_page": str(number), "_limit": str(limit)}), rel)
                        for number, rel in links])
    return Page(records, len(records), (("X-Total-Count", str(len(matching))), ("Link", link)))


def parse_sort(args) -> list[tuple[str, bool]]:
    keys = args["_sort"].split(",") if "_sort" in args else ["id"]
    for key in keys:
        if key not in SORT_KEYS:
            raise ParameterError("_sort", f"parameter '_sort' has unknown key {key!r} in {args['_sort']!r}; "
                                          f"known keys: {', '.join(SORT_KEYS)}")
    orders = args["_order"].split(",") if "_order" in args else []
    if "_order" in args and "_sort" not in args:
        raise ParameterError("_order", f"parameter '_order' ({args['_order']!r}) needs _sort")
    if len(orders) > len(keys):
        raise ParameterError("_order", f"parameter '_order' has {len(orders)} directions in "
                                       f"{args['_order']!r} for {len(keys)} _sort keys")
    for order in orders:
        parse_choice("_order", order, ORDERS)
    orders += ["asc"] * (len(keys) - len(orders))
    return [(key, order == "desc") for key, order in zip(keys, orders)]


ROUTES = (("/books", "books", respond),)


def openapi_schemas() -> dict:
    return {
        "Book": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "author": {"type": "string"},
                "year": {"type": "integer"},
                "isbn": {"type": "string", "description": "ISBN-13, digits only."},
                "price": {"type": "number", "description": "Rounded to 2 decimals."},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["id", "title", "author", "year", "isbn", "price", "tags"],
        },
        "BookList": {"type": "array", "items": ref("Book")},
    }


def openapi_paths() -> dict:
    headers = {
        "X-Total-Count": {"description": "Matching records on all pages.", "schema": {"type": "integer"}},
        "Link": {"description": 'RFC 8288 links with rel "first", "prev", "next" and "last".',
                 "schema": {"type": "string"}},
    }
    return {"/books": {"get": {
        "summary": "Books: a JSON array body, json-server-style parameters, Link header pagination.",
        "description": __doc__.split("\n\n", 1)[1].strip(),
        "parameters": [openapi_parameter(parameter) for parameter in PARAMETERS],
        "x-pagination": x_pagination(
            "link", records="", link_header="Link", link_rel="next", page_param="_page", first_page=1,
            limit_param="_limit", max_limit=MAX_LIMIT, default_limit=DEFAULT_LIMIT,
            total_header="X-Total-Count", sort_param="_sort", order_param="_order"),
        "responses": {"200": json_response("One page of matching books.", ref("BookList"), headers),
                      **error_responses(400)},
    }}}
