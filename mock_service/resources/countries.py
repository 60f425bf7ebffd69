"""GET /countries: page-number pagination in the body; GET /countries/<code>: one country.

    {"results": [Country...], "page": P, "pages": N, "count": C}

count is the number of matching countries, pages = ceil(count / page_size)
(0 when nothing matches); page is 1-based (default 1), page_size 1-100
(default 25); a page past the last has empty results. Country: {"code": "AA",
"name", "region", "population", "area_km2", "languages": [...], "capital":
{"name", "lat", "lon"}}; codes run AA, AB, ... in id order, names are unique.

Filters, all of which must hold: region (equals), code (one comma-separated
value, code=FR,DE,IT: the code is one of them), population_min and
population_max (inclusive), name_startswith (case-sensitive prefix).
sort takes one key, a leading - for descending (sort=-population); ties keep
code order. GET /countries/<code> answers the country, or 404.
"""

import random
from string import ascii_uppercase

from . import names
from .common import (NotFound, Page, Parameter, check_arguments, error_responses, json_response,
                     openapi_parameter, parse_choice, parse_integer, ref, sort_records)
from .pagination import page_count, x_pagination

SEED = 6_043
COUNT = 200
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
REGIONS = ("Africa", "Americas", "Asia", "Europe", "Oceania")
LANGUAGES = ("English", "French", "Spanish", "Arabic", "Portuguese", "German", "Swahili", "Hindi",
             "Mandarin", "Russian", "Malay", "Quechua", "Tok Pisin", "Dutch", "Italian")
SORT_FIELDS = ("code", "name", "region", "population", "area_km2")
SORT_KEYS = tuple(prefix + field for field in SORT_FIELDS for prefix in ("", "-"))


def _build_parameters() -> tuple[Parameter, ...]:
    return (
        Parameter("region", "string", f"The region equals this value ({', '.join(REGIONS)}).",
                  filter={"field": "region", "op": "eq"}),
        Parameter("code", "string",
                  "Comma list in one value (code=FR,DE,IT): the code is one of them; case-sensitive.",
                  list=True, filter={"field": "code", "op": "in", "separator": ","}),
        Parameter("population_min", "integer", "population >= value.",
                  filter={"field": "population", "op": "ge"}),
        Parameter("population_max", "integer", "population <= value.",
                  filter={"field": "population", "op": "le"}),
        Parameter("name_startswith", "string", "The name starts with this text (case-sensitive).",
                  filter={"field": "name", "op": "prefix", "case_sensitive": True}),
        Parameter("sort", "string", "One sort key; a leading - sorts descending. Ties keep code order. "
                  "Default: code.", schema={"enum": list(SORT_KEYS), "default": "code"}),
        Parameter("page", "integer", "Page number, 1-based.", schema={"minimum": 1, "default": 1}),
        Parameter("page_size", "integer", "Records per page.",
                  schema={"minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}),
    )


PARAMETERS = _build_parameters()


def country_codes(count: int) -> list[str]:
    return [first + second for first in ascii_uppercase for second in ascii_uppercase][:count]


def build() -> list[dict]:
    rng = random.Random(SEED)
    country_names = [name.title() + rng.choice(("", "", "ia", "land", "stan", " Islands"))
                     for name in names.unique_words(rng, COUNT)]
    while len(set(country_names)) < COUNT:  # a suffix may make two names equal
        country_names = list(dict.fromkeys(country_names))
        country_names += [name.title() for name in names.unique_words(
            rng, COUNT - len(country_names), taken={n.lower() for n in country_names})]
    capitals = names.unique_words(rng, COUNT, (2, 3))
    records = []
    for code, name, capital in zip(country_codes(COUNT), country_names, capitals):
        records.append({
            "code": code,
            "name": name,
            "region": rng.choice(REGIONS),
            "population": int(rng.lognormvariate(15, 2)),
            "area_km2": round(rng.lognormvariate(11, 2), 1),
            "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
            "capital": {"name": capital.title(), "lat": round(rng.uniform(-60, 75), 4),
                        "lon": round(rng.uniform(-180, 180), 4)},
        })
    return records


def respond(countries: list[dict], args, base_url: str) -> Page:
    check_arguments(args, PARAMETERS)
    tests = []
    if "region" in args:
        tests.append(lambda country, region=args["region"]: country["region"] == region)
    if "code" in args:
        codes = set(args["code"].split(","))
        tests.append(lambda country: country["code"] in codes)
    if "population_min" in args:
        low = parse_integer("population_min", args["population_min"])
        tests.append(lambda country: country["population"] >= low)
    if "population_max" in args:
        high = parse_integer("population_max", args["population_max"])
        tests.append(lambda country: country["population"] <= high)
    if "name_startswith" in args:
        tests.append(lambda country, prefix=args["name_startswith"]: country["name"].startswith(prefix))
    sort = parse_choice("sort", args["sort"], SORT_KEYS) if "sort" in args else "code"
    page = parse_integer("page", args["page"], 1) if "page" in args else 1
    size = parse_integer("page_size", args["page_size"], 1, MAX_PAGE_SIZE) if "page_size" in args \
        else DEFAULT_PAGE_SIZE

    matching = [country for country in countries if all(test(country) for test in tests)]
    key = sort.lstrip("-")
    matching = sort_records(matching, [(lambda country: country[key], sort.startswith("-"))])
    results = matching[(page - 1) * size:page * size]
    body = {"results": results, "page": page, "pages": page_count(len(matching), size),
            "count": len(matching)}
    return Page(body, len(results))


def respond_one(countries: list[dict], args, base_url: str, code: str) -> Page:
    check_arguments(args, ())
    for country in countries:
        if country["code"] == code:
            return Page(country, 1)
    raise NotFound(f"no country with code {code!r}")


ROUTES = (("/countries", "countries", respond), ("/countries/<code>", "country", respond_one))


def openapi_schemas() -> dict:
    return {
        "Country": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z]{2}$"},
                "name": {"type": "string"},
                "region": {"type": "string", "enum": list(REGIONS)},
                "population": {"type": "integer"},
                "area_km2": {"type": "number"},
                "languages": {"type": "array", "items": {"type": "string"}},
                "capital": {"type": "object",
                            "properties": {"name": {"type": "string"}, "lat": {"type": "number"},
                                           "lon": {"type": "number"}},
                            "required": ["name", "lat", "lon"]},
            },
            "required": ["code", "name", "region", "population", "area_km2", "languages", "capital"],
        },
        "CountryPage": {
            "type": "object",
            "properties": {
                "results": {"type": "array", "items": ref("Country")},
                "page": {"type": "integer"},
                "pages": {"type": "integer", "description": "ceil(count / page_size); 0 if count is 0."},
                "count": {"type": "integer", "description": "Matching countries on all pages."},
            },
            "required": ["results", "page", "pages", "count"],
        },
    }


def openapi_paths() -> dict:
    return {
        "/countries": {"get": {
            "summary": "Countries: page-number pagination described in the body.",
            "description": __doc__.split("\n\n", 1)[1].strip(),
            "parameters": [openapi_parameter(parameter) for parameter in PARAMETERS],
            "x-pagination": x_pagination(
                "page", records="results", page_param="page", first_page=1, limit_param="page_size",
                max_limit=MAX_PAGE_SIZE, default_limit=DEFAULT_PAGE_SIZE, page="page", pages="pages",
                total="count", sort_param="sort"),
            "responses": {"200": json_response("One page of matching countries.", ref("CountryPage")),
                          **error_responses(400)},
        }},
        "/countries/{code}": {"get": {
            "summary": "One country by its code.",
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "The country code, e.g. AA.",
                            "x-filter": {"field": "code", "op": "eq"}}],
            "responses": {"200": json_response("The country.", ref("Country")),
                          **error_responses(400, 404)},
        }},
    }
