"""GET /repos: nested records, PostgREST-style filters, cursor pagination.

    {"data": {"items": [Repo...]}, "meta": {"next_cursor": "<opaque token>" | null}}

Repo: {"id", "name", "owner": {"login", "id"}, "language" (null for some),
"stars", "topics": [...], "created_at": "2019-05-01T12:00:00Z", "archived"}.

Filters put the operator in the value (see operators.py): stars=gte.100,
id=in.(1,2,3), name=like.*corn*, owner.login=eq.alice; every filter, also a
repeated one, must hold. order=stars.desc,id.asc sorts (nulls last ascending,
first descending); records equal on every key stay in id order. per_page
(1-100, default 30) records come per page; meta.next_cursor, passed back as
cursor with the same filters and order, gives the next page, and is null on
the last one.
"""

import random
from datetime import datetime, timedelta, timezone

from . import names
from .common import (Page, Parameter, ParameterError, check_arguments, error_responses, field_getter,
                     format_timestamp, json_response, openapi_parameter, parse_integer, parse_timestamp,
                     ref, sort_records)
from .operators import parse_filter, x_filter
from .pagination import decode_cursor, encode_cursor, query_fingerprint, x_pagination

SEED = 6_041
COUNT = 1500
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30

LANGUAGES = ("Python", "Go", "Rust", "C", "JavaScript", "TypeScript", "Java", "Haskell", "Ruby", "C++")
TOPICS = ("api", "cli", "database", "docs", "game", "http", "json", "ml", "parser", "postgres", "sql", "web")
KNOWN_LOGINS = ("alice", "bob", "carol", "dave", "erin", "frank")

ORDERED = ("eq", "lt", "lte", "gt", "gte")
# Filterable (and sortable) fields: (record type, operators, parse one operand).
FIELDS = {
    "id": ("integer", ORDERED + ("in",)),
    "name": ("string", ORDERED + ("in", "like")),
    "owner.login": ("string", ORDERED + ("in", "like")),
    "owner.id": ("integer", ORDERED + ("in",)),
    "language": ("string", ORDERED + ("in", "like")),
    "stars": ("integer", ORDERED + ("in",)),
    "created_at": ("timestamp", ORDERED),
    "archived": ("boolean", ("eq",)),
}
DIRECTIONS = ("asc", "desc")


def _operand_parser(kind: str):
    if kind == "integer":
        return parse_integer
    if kind == "timestamp":
        return parse_timestamp
    if kind == "boolean":
        def parse_boolean(name, text):
            if text not in ("true", "false"):
                raise ParameterError(name, f"parameter {name!r} compares with true or false, got {text!r}")
            return text == "true"
        return parse_boolean
    return lambda name, text: text


OPERAND_TYPES = {"integer": "integers", "string": "text (case-sensitive)", "boolean": "true or false",
                 "timestamp": "ISO 8601 timestamps, naive ones in UTC"}


def _build_parameters() -> tuple[Parameter, ...]:
    parameters = [
        Parameter("cursor", "string",
                  "Opaque token from meta.next_cursor of the previous page; valid only with the same "
                  "filters and order. Absent: the first page."),
        Parameter("per_page", "integer", "Records per page.",
                  schema={"minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}),
        Parameter("order", "string",
                  "Comma list of sort keys <field>[.asc|.desc] (default asc); fields: "
                  f"{', '.join(FIELDS)}. Nulls sort last ascending, first descending; ties keep id order. "
                  "Default: id.asc.", list=True,
                  schema={"pattern": r"^[a-z_.]+(\.(asc|desc))?$"}),
    ]
    for field, (kind, operators) in FIELDS.items():
        syntax = ", ".join(f"{operator}.V" if operator != "in" else "in.(A,B)" for operator in operators)
        like = " like.P: P matches the whole value, * any run of characters, case-sensitive." \
            if "like" in operators else ""
        parameters.append(Parameter(
            field, "string",
            f"Filter on {field}, the operator first: {syntax}; operands are {OPERAND_TYPES[kind]}.{like} "
            "A null field matches nothing. Repeated filters must all hold.",
            repeatable=True, filter=x_filter(field, operators)))
    return tuple(parameters)


PARAMETERS = _build_parameters()


class Repos:
    """The generated repositories in id order."""

    def __init__(self, records: list[dict]):
        self.records = records
        created = {record["id"]: datetime.fromisoformat(record["created_at"]) for record in records}
        self.getters = {field: field_getter(field) for field in FIELDS}
        self.getters["created_at"] = lambda record: created[record["id"]]


def build() -> Repos:
    rng = random.Random(SEED)
    logins = list(KNOWN_LOGINS) + names.unique_words(rng, 114, (1, 2), set(KNOWN_LOGINS))
    owner_ids = dict(zip(logins, rng.sample(range(1000, 100_000), len(logins))))
    start = datetime(2008, 1, 1, tzinfo=timezone.utc)
    span = int((datetime(2025, 1, 1, tzinfo=timezone.utc) - start).total_seconds())
    records = []
    for number in range(1, COUNT + 1):
        login = rng.choice(logins)
        name = f"{names.word(rng)}-{names.word(rng, (1, 2))}"
        if rng.random() < 0.06:
            name = rng.choice(("unicorn", "popcorn", "corner", "acorn", "restcorn")) + "-" + name
        records.append({
            "id": number,
            "name": name,
            "owner": {"login": login, "id": owner_ids[login]},
            "language": None if rng.random() < 0.12 else rng.choice(LANGUAGES),
            "stars": min(int(rng.paretovariate(0.9)) - 1, 250_000),
            "topics": rng.sample(TOPICS, rng.randint(0, 4)),
            "created_at": format_timestamp(start + timedelta(seconds=rng.randrange(span))),
            "archived": rng.random() < 0.1,
        })
    return Repos(records)


def respond(repos: Repos, args, base_url: str) -> Page:
    check_arguments(args, PARAMETERS)
    filters = []
    for field, (kind, operators) in FIELDS.items():
        for value in args.getlist(field):
            filters.append(parse_filter(field, value, repos.getters[field], operators, _operand_parser(kind)))
    order = parse_order(args.get("order", "id.asc"))
    per_page = parse_integer("per_page", args["per_page"], 1, MAX_PER_PAGE) if "per_page" in args \
        else DEFAULT_PER_PAGE
    fingerprint = query_fingerprint(args, ("cursor", "per_page"))

    matching = [record for record in repos.records if all(f.test(record) for f in filters)]
    matching = sort_records(matching, [(repos.getters[field], descending) for field, descending in order])
    start = 0
    if "cursor" in args:
        after = decode_cursor("cursor", args["cursor"], fingerprint)
        positions = [i for i, record in enumerate(matching) if record["id"] == after]
        if not positions:
            raise ParameterError("cursor", f"parameter 'cursor': {args['cursor']!r} points at no record")
        start = positions[0] + 1
    page = matching[start:start + per_page]
    more = start + per_page < len(matching)
    next_cursor = encode_cursor(page[-1]["id"], fingerprint) if more else None
    return Page({"data": {"items": page}, "meta": {"next_cursor": next_cursor}}, len(page))


def parse_order(value: str) -> list[tuple[str, bool]]:
    order = []
    for key in value.split(","):
        field, dot, direction = key.rpartition(".")
        if not dot or direction not in DIRECTIONS:
            field, direction = key, "asc"
        if field not in FIELDS:
            raise ParameterError(
                "order", f"parameter 'order' has unknown sort key {key!r} in {value!r}; "
                f"keys are <field>[.asc|.desc] with fields {', '.join(FIELDS)}")
        order.append((field, direction == "desc"))
    return order


ROUTES = (("/repos", "repos", respond),)


def openapi_schemas() -> dict:
    return {
        "Repo": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "owner": {"type": "object",
                          "properties": {"login": {"type": "string"}, "id": {"type": "integer"}},
                          "required": ["login", "id"]},
                "language": {"type": "string", "nullable": True},
                "stars": {"type": "integer"},
                "topics": {"type": "array", "items": {"type": "string"}},
                "created_at": {"type": "string", "format": "date-time"},
                "archived": {"type": "boolean"},
            },
            "required": ["id", "name", "owner", "language", "stars", "topics", "created_at", "archived"],
        },
        "RepoPage": {
            "type": "object",
            "properties": {
                "data": {"type": "object",
                         "properties": {"items": {"type": "array", "items": ref("Repo")}},
                         "required": ["items"]},
                "meta": {"type": "object",
                         "properties": {"next_cursor": {
                             "type": "string", "nullable": True,
                             "description": "Pass as cursor for the next page; null on the last page."}},
                         "required": ["next_cursor"]},
            },
            "required": ["data", "meta"],
        },
    }


def openapi_paths() -> dict:
    return {"/repos": {"get": {
        "summary": "Repositories: nested records, operator-prefixed filters, cursor pagination.",
        "description": __doc__.split("\n\n", 1)[1].strip(),
        "parameters": [openapi_parameter(parameter) for parameter in PARAMETERS],
        "x-pagination": x_pagination(
            "cursor", records="data.items", next_cursor="meta.next_cursor", cursor_param="cursor",
            limit_param="per_page", max_limit=MAX_PER_PAGE, default_limit=DEFAULT_PER_PAGE,
            order_param="order"),
        "responses": {"200": json_response("One page of matching repositories.", ref("RepoPage")),
                      **error_responses(400)},
    }}}
