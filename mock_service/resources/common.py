"""What every resource shares: declared parameters, checking and reading their values, records.

A resource declares its query parameters once, as a tuple of Parameter; its
parser reads request arguments only through them (check_arguments rejects
anything undeclared) and the OpenAPI document is generated from the same
tuple (openapi_parameter), so the two cannot drift apart.

x-filter, on a filter parameter, tells an importer which record field the
parameter tests and how:

    {"field": "stars", "op": "ge"}           the value, as given, is the operand
    {"field": "code", "op": "in", "separator": ","}      one value, a comma list
    {"field": "kind", "op": "eq", "repeat": "any"}       repeated: any may hold
    {"field": "year", "op": "ge", "repeat": "all"}       repeated: all must hold
    {"field": "title", "op": "like", "match": "contains", "case_sensitive": false}
    {"field": "word", "op": "like", "match": "pattern", "wildcards": {"any_run": "%", ...}}
    {"field": "stars", "ops": {"eq": "eq.{value}", "in": "in.({values})", ...}}
                                             the operator is written in the value

op is one of eq, in, lt, le, gt, ge, like, prefix. field is a record key, or
a dotted path into nested objects ("owner.login"). In "ops" templates,
{value} is one operand and {values} a comma list of operands. A like is a
"pattern" with the given wildcards (any_run, any_char, escape), or a literal
that the field "contains" or ends with ("suffix"). Text tests are
case-sensitive unless case_sensitive is false (both sides lower-cased).
"""

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, NamedTuple

from ..query import ParameterError, check_arguments, parse_integer  # noqa: F401 (re-exported)

__all__ = ["ParameterError", "parse_integer"]

OPS = ("eq", "in", "lt", "le", "gt", "ge", "like", "prefix")

encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class NotFound(LookupError):
    """The request names a single record that does not exist; becomes an HTTP 404."""


class Page(NamedTuple):
    """A resource's answer: the JSON body, how many records it holds, extra headers."""

    body: Any
    rows: int
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Parameter:
    """One accepted query parameter.

    type is the OpenAPI type of one value. A repeatable parameter may be
    given several times; a list parameter is one comma-separated value.
    schema holds more JSON Schema keywords for one value (minimum, format,
    enum...); filter is the x-filter object, for filter parameters.
    """

    name: str
    type: str
    description: str
    repeatable: bool = False
    list: bool = False
    schema: dict = field(default_factory=dict)
    filter: dict | None = None

    def __post_init__(self):
        if self.filter is not None:
            ops = [self.filter["op"]] if "op" in self.filter else list(self.filter["ops"])
            unknown = [op for op in ops if op not in OPS]
            if unknown or "field" not in self.filter:
                raise ValueError(f"bad x-filter on parameter {self.name!r}: {self.filter!r}")


def parse_timestamp(name: str, value: str) -> datetime:
    """An ISO 8601 date or timestamp ('2020-01-31T12:00:00Z', '2020-01-31 12:00:00+02'); naive is UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ParameterError(
            name, f"parameter {name!r} must be an ISO 8601 timestamp such as "
            f"'2020-01-31T12:00:00Z', got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def parse_choice(name: str, value: str, choices) -> str:
    if value not in choices:
        raise ParameterError(
            name, f"parameter {name!r} must be one of {', '.join(choices)}, got {value!r}")
    return value


def format_timestamp(moment: datetime) -> str:
    """The one timestamp format of the records: '2019-05-01T12:00:00Z' (UTC, whole seconds)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def field_getter(path: str) -> Callable[[dict], Any]:
    """A function reading a record field, or a dotted path into nested objects."""
    keys = path.split(".")
    if len(keys) == 1:
        return lambda record: record[path]

    def get(record):
        for key in keys:
            record = record[key]
        return record
    return get


def sort_records(records: list, keys: list[tuple[Callable[[Any], Any], bool]]) -> list:
    """Records sorted by (getter, descending) keys, as PostgreSQL would with nulls.

    Nulls sort after every value ascending and before every value
    descending. Sorting is stable, so records that tie on every key keep
    the order they came in (id order, for every resource here).
    """
    result = list(records)
    for get, descending in reversed(keys):
        result.sort(key=lambda record: _null_last(get(record)), reverse=descending)
    return result


def _null_last(value):
    return (1, 0) if value is None else (0, value)


def openapi_parameter(parameter: Parameter) -> dict:
    """The OpenAPI 3.0 description of one query parameter."""
    one = {"type": parameter.type, **parameter.schema}
    if parameter.list:
        schema, style = {"type": "array", "items": one}, {"style": "form", "explode": False}
    elif parameter.repeatable:
        schema, style = {"type": "array", "items": one}, {"style": "form", "explode": True}
    else:
        schema, style = one, {}
    described = {
        "name": parameter.name,
        "in": "query",
        "required": False,
        "description": parameter.description,
        "schema": schema,
        **style,
    }
    if parameter.filter is not None:
        described["x-filter"] = dict(parameter.filter)
    return described


def json_response(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def error_responses(*statuses: int) -> dict:
    """400 (a bad parameter) and 404 (no such record) answers, with the Error body schema."""
    descriptions = {400: "A bad parameter, named in 'parameter'.", 404: "No such record."}
    return {str(status): json_response(descriptions[status], {"$ref": "#/components/schemas/Error"})
            for status in statuses}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}
