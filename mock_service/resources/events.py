"""GET /events: an event log in id order, the next page's URL in the body.

    {"items": [Event...], "next": "http://host/events?after=<id>&limit=<n>&..." | null}

Event: {"id", "kind", "at": "2021-03-04T05:06:07Z", "payload": {...}}; the
payload is nested JSON whose shape depends on kind. Records come in id order
only; after=<id> starts after that id (exclusive), limit (1-500, default 100)
bounds a page. next repeats the filters with after set to the last id sent,
and is null when no matching record follows. Filters, all of which must hold:
kind (repeated: any may equal), at_gte and at_lt (ISO 8601 timestamps, naive
ones in UTC; repeated: all must hold). "at" is not monotonic in id.
"""

import random
from datetime import datetime, timedelta, timezone

from . import names
from .common import (Page, Parameter, check_arguments, error_responses, format_timestamp, json_response,
                     openapi_parameter, parse_integer, parse_timestamp, ref)
from .pagination import url_with, x_pagination

SEED = 6_044
COUNT = 3000
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
KINDS = ("push", "issue", "deploy", "alert", "login")


def _build_parameters() -> tuple[Parameter, ...]:
    return (
        Parameter("after", "integer", "Only events with a greater id (exclusive); the next link sets it.",
                  schema={"minimum": 0, "default": 0}),
        Parameter("limit", "integer", "Events per page.",
                  schema={"minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        Parameter("kind", "string", f"The kind equals one of these values ({', '.join(KINDS)}).",
                  repeatable=True, filter={"field": "kind", "op": "eq", "repeat": "any"}),
        Parameter("at_gte", "string", "at >= this timestamp; repeated values must all hold.",
                  repeatable=True, schema={"format": "date-time"},
                  filter={"field": "at", "op": "ge", "repeat": "all"}),
        Parameter("at_lt", "string", "at < this timestamp; repeated values must all hold.",
                  repeatable=True, schema={"format": "date-time"},
                  filter={"field": "at", "op": "lt", "repeat": "all"}),
    )


PARAMETERS = _build_parameters()


class Events:
    def __init__(self, records: list[dict]):
        self.records = records
        self.moments = [datetime.fromisoformat(record["at"]) for record in records]


def payload(rng: random.Random, kind: str, number: int) -> dict:
    if kind == "push":
        return {"repo": f"{names.word(rng)}/{names.word(rng)}", "forced": rng.random() < 0.05,
                "commits": [{"sha": f"{rng.getrandbits(40):010x}", "message": names.word(rng, (2, 5)),
                             "files": rng.randint(1, 30)} for _ in range(rng.randint(1, 3))]}
    if kind == "issue":
        return {"number": rng.randint(1, 5000), "action": rng.choice(("opened", "closed", "reopened")),
                "labels": rng.sample(("bug", "docs", "feature", "question"), rng.randint(0, 2)),
                "assignee": None if rng.random() < 0.4 else {"login": names.word(rng)}}
    if kind == "deploy":
        return {"environment": rng.choice(("staging", "production")),
                "version": f"{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                "ok": rng.random() < 0.9, "duration_s": round(rng.uniform(5, 600), 2)}
    if kind == "alert":
        return {"severity": rng.choice(("info", "warning", "critical")),
                "metrics": {"cpu": round(rng.random(), 3),
                            "memory": {"used_mb": rng.randint(100, 16000), "total_mb": 16384}},
                "tags": None if rng.random() < 0.5 else [names.word(rng) for _ in range(2)]}
    return {"user": names.word(rng), "ip": ".".join(str(rng.randint(1, 254)) for _ in range(4)),
            "mfa": rng.random() < 0.7, "attempt": number % 3 + 1}


def build() -> Events:
    rng = random.Random(SEED)
    start = datetime(2021, 1, 1, tzinfo=timezone.utc)
    records = []
    for number in range(1, COUNT + 1):
        kind = rng.choices(KINDS, weights=(5, 3, 1, 2, 4))[0]
        moment = start + timedelta(minutes=10 * number + rng.randint(-45, 45), seconds=rng.randrange(60))
        records.append({"id": number, "kind": kind, "at": format_timestamp(moment),
                        "payload": payload(rng, kind, number)})
    return Events(records)


def respond(events: Events, args, base_url: str) -> Page:
    check_arguments(args, PARAMETERS)
    after = parse_integer("after", args["after"], 0) if "after" in args else 0
    limit = parse_integer("limit", args["limit"], 1, MAX_LIMIT) if "limit" in args else DEFAULT_LIMIT
    kinds = set(args.getlist("kind")) if "kind" in args else None
    lows = [parse_timestamp("at_gte", value) for value in args.getlist("at_gte")]
    highs = [parse_timestamp("at_lt", value) for value in args.getlist("at_lt")]
    low, high = (max(lows) if lows else None), (min(highs) if highs else None)

    items, more = [], False
    for record, moment in zip(events.records, events.moments):
        if record["id"] <= after or (kinds is not None and record["kind"] not in kinds) \
                or (low is not None and moment < low) or (high is not None and moment >= high):
            continue
        if len(items) == limit:
            more = True
            break
        items.append(record)
    next_url = url_with(base_url + "events", args, {"after": str(items[-1]["id"]), "limit": str(limit)},
                        first=True) if more else None
    return Page({"items": items, "next": next_url}, len(items))


ROUTES = (("/events", "events", respond),)


def openapi_schemas() -> dict:
    return {
        "Event": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": list(KINDS)},
                "at": {"type": "string", "format": "date-time"},
                "payload": {"type": "object", "additionalProperties": True,
                            "description": "Nested JSON whose shape depends on kind."},
            },
            "required": ["id", "kind", "at", "payload"],
        },
        "EventPage": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": ref("Event")},
                "next": {"type": "string", "format": "uri", "nullable": True,
                         "description": "The URL of the next page; null on the last page."},
            },
            "required": ["items", "next"],
        },
    }


def openapi_paths() -> dict:
    return {"/events": {"get": {
        "summary": "Events in id order, the next page's URL in the body.",
        "description": __doc__.split("\n\n", 1)[1].strip(),
        "parameters": [openapi_parameter(parameter) for parameter in PARAMETERS],
        "x-pagination": x_pagination(
            "next_url", records="items", next="next", after_param="after", limit_param="limit",
            max_limit=MAX_LIMIT, default_limit=DEFAULT_LIMIT),
        "responses": {"200": json_response("One page of matching events.", ref("EventPage")),
                      **error_responses(400)},
    }}}
