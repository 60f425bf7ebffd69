"""Reads the query parameters of GET /words into a WordQuery.

PARAMETERS is the single list of what /words accepts; the parser rejects
anything else and the OpenAPI document is generated from it, so the two
cannot drift apart.
"""

import re
from dataclasses import dataclass

from .patterns import LikePatternError, fold, like_test, literal_test
from .words import FIELDS, WordQuery

ORDER_KEYS = ("id", "-id", "word", "-word")
COMPARISONS = ("gt", "gte", "lt", "lte")
COMPARISON_SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
LITERAL_TEST_PARAMETERS = {
    "startswith": "starts with",
    "endswith": "ends with",
    "contains": "contains",
}


class ParameterError(ValueError):
    """A bad query parameter; becomes an HTTP 400 naming the parameter."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Parameter:
    """One accepted query parameter.

    type is "integer" or "string" for single values, "list" for a comma
    separated list whose items come from list_items.
    """

    name: str
    type: str
    repeatable: bool
    description: str
    list_items: tuple[str, ...] = ()


def _build_parameters() -> list[Parameter]:
    parameters = [
        Parameter("fields", "list", False,
                  "Comma list of the keys each record has, in this order; empty for empty records. "
                  "Default: id,word.", FIELDS),
        Parameter("id", "integer", True, "The id must be one of these values."),
        Parameter("word", "string", True, "The word must equal one of these values (case-sensitive)."),
    ]
    for comparison in COMPARISONS:
        parameters.append(Parameter(
            f"id_{comparison}", "integer", True,
            f"id {COMPARISON_SYMBOLS[comparison]} value; repeated values must all hold."))
    for comparison in COMPARISONS:
        parameters.append(Parameter(
            f"word_{comparison}", "string", True,
            f"word {COMPARISON_SYMBOLS[comparison]} value, comparing Unicode code points; "
            "repeated values must all hold."))
    parameters.append(Parameter(
        "word_like", "string", True,
        "SQL LIKE pattern with PostgreSQL rules: % any run, _ one character, backslash escapes; "
        "repeated patterns must all match."))
    parameters.append(Parameter(
        "word_ilike", "string", True,
        "Like word_like, comparing word and pattern lower-cased a character at a time."))
    for test, phrase in LITERAL_TEST_PARAMETERS.items():
        parameters.append(Parameter(
            f"word_{test}", "string", True,
            f"The word {phrase} this text (case-sensitive); repeated values must all hold."))
    for test, phrase in LITERAL_TEST_PARAMETERS.items():
        parameters.append(Parameter(
            f"word_i{test}", "string", True,
            f"The lower-cased word {phrase} the lower-cased text; repeated values must all hold."))
    parameters += [
        Parameter("order", "list", False,
                  "Comma list of sort keys; a leading - sorts descending. Default: id.", ORDER_KEYS),
        Parameter("limit", "integer", False, "Most records to return (0 returns only the total)."),
        Parameter("offset", "integer", False, "Matching records to skip before the first one returned."),
    ]
    return parameters


PARAMETERS = _build_parameters()
PARAMETERS_BY_NAME = {parameter.name: parameter for parameter in PARAMETERS}


def check_arguments(args, parameters) -> None:
    """Reject parameters that are not declared, and repeats of those that are not repeatable.

    ``parameters``: anything with ``name`` and ``repeatable`` (this module's
    Parameter, or the resources' own).
    """
    by_name = {parameter.name: parameter for parameter in parameters}
    for name in args:
        parameter = by_name.get(name)
        if parameter is None:
            raise ParameterError(
                name, f"unknown parameter {name!r}; known parameters: {', '.join(by_name)}")
        if not parameter.repeatable and len(args.getlist(name)) > 1:
            raise ParameterError(name, f"parameter {name!r} may be given only once")


def parse_words_query(args, max_page_size: int, default_page_size: int) -> WordQuery:
    """Turn a MultiDict of query parameters into a WordQuery, or raise ParameterError."""
    check_arguments(args, PARAMETERS)

    query = WordQuery(limit=default_page_size)
    if "fields" in args:
        query.fields = parse_fields(args["fields"])
    if "id" in args:
        query.ids = [parse_integer("id", value) for value in args.getlist("id")]
    if "word" in args:
        query.words = args.getlist("word")

    for comparison in COMPARISONS:
        name = f"id_{comparison}"
        for value in args.getlist(name):
            number = parse_integer(name, value)
            if comparison in ("gt", "gte"):
                low = number + 1 if comparison == "gt" else number
                query.id_min = low if query.id_min is None else max(query.id_min, low)
            else:
                high = number - 1 if comparison == "lt" else number
                query.id_max = high if query.id_max is None else min(query.id_max, high)
        for value in args.getlist(f"word_{comparison}"):
            query.word_bounds.append((comparison, value))

    for value in args.getlist("word_like"):
        query.word_tests.append(parse_like("word_like", value))
    for value in args.getlist("word_ilike"):
        query.lower_word_tests.append(parse_like("word_ilike", value, lower=True))
    for test in LITERAL_TEST_PARAMETERS:
        for value in args.getlist(f"word_{test}"):
            query.word_tests.append(literal_test(test, value))
        for value in args.getlist(f"word_i{test}"):
            query.lower_word_tests.append(literal_test(test, fold(value)))

    if "order" in args:
        query.order = parse_order(args["order"])
    if "limit" in args:
        query.limit = parse_integer("limit", args["limit"], 0, max_page_size)
    if "offset" in args:
        query.offset = parse_integer("offset", args["offset"], 0)
    return query


def parse_integer(name: str, value: str, low: int | None = None, high: int | None = None) -> int:
    number = None
    if re.fullmatch(r"-?[0-9]+", value):
        try:
            number = int(value)
        except ValueError:  # more digits than Python converts
            pass
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            expected = f"an integer from {low} to {high}"
        elif low is not None:
            expected = f"an integer >= {low}"
        else:
            expected = "an integer"
        raise ParameterError(name, f"parameter {name!r} must be {expected}, got {value!r}")
    return number


def parse_fields(value: str) -> tuple[str, ...]:
    if value == "":
        return ()
    fields = tuple(value.split(","))
    for item in fields:
        if item not in FIELDS:
            raise ParameterError(
                "fields", f"parameter 'fields' has unknown field {item!r} in {value!r}; "
                f"known fields: {', '.join(FIELDS)}")
        if fields.count(item) > 1:
            raise ParameterError("fields", f"parameter 'fields' lists {item!r} twice in {value!r}")
    return fields


def parse_order(value: str) -> tuple[tuple[str, bool], ...]:
    keys = value.split(",")
    for key in keys:
        if key not in ORDER_KEYS:
            raise ParameterError(
                "order", f"parameter 'order' has unknown sort key {key!r} in {value!r}; "
                f"known keys: {', '.join(ORDER_KEYS)}")
    return tuple((key.lstrip("-"), key.startswith("-")) for key in keys)


def parse_like(name: str, pattern: str, lower: bool = False):
    try:
        return like_test(fold(pattern) if lower else pattern)
    except LikePatternError as error:
        raise ParameterError(name, f"parameter {name!r} has invalid LIKE pattern {pattern!r}: {error}")
