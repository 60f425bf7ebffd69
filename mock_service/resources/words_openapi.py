"""x-filter and x-pagination for the existing GET /words operation, derived from query.PARAMETERS.

/words itself is unchanged (query.py parses it); this only annotates its
OpenAPI description in the same vocabulary as the other resources, so an
importer reads every resource the same way. A /words parameter that is
neither a filter nor in NOT_FILTERS makes x_filter raise, so a new parameter
cannot go undescribed.
"""

from ..query import COMPARISONS, LITERAL_TEST_PARAMETERS, PARAMETERS
from .pagination import x_pagination

NOT_FILTERS = ("fields", "order", "limit", "offset")
COMPARISON_OPS = {"gt": "gt", "gte": "ge", "lt": "lt", "lte": "le"}
SQL_WILDCARDS = {"any_run": "%", "any_char": "_", "escape": "\\"}
LITERAL_TESTS = {"startswith": {"op": "prefix"}, "endswith": {"op": "like", "match": "suffix"},
                 "contains": {"op": "like", "match": "contains"}}


def x_filter(name: str) -> dict | None:
    if name in NOT_FILTERS:
        return None
    if name in ("id", "word"):
        described = {"field": name, "op": "eq", "repeat": "any"}
    elif name.startswith("id_") and name[3:] in COMPARISONS:
        described = {"field": "id", "op": COMPARISON_OPS[name[3:]], "repeat": "all"}
    elif name.startswith("word_") and name[5:] in COMPARISONS:
        described = {"field": "word", "op": COMPARISON_OPS[name[5:]], "repeat": "all"}
    elif name in ("word_like", "word_ilike"):
        described = {"field": "word", "op": "like", "match": "pattern", "wildcards": dict(SQL_WILDCARDS),
                     "case_sensitive": name == "word_like", "repeat": "all"}
    elif name.startswith("word_") and name[5:].removeprefix("i") in LITERAL_TEST_PARAMETERS:
        test = name[5:]
        insensitive = test not in LITERAL_TEST_PARAMETERS
        described = {"field": "word", **LITERAL_TESTS[test.removeprefix("i") if insensitive else test],
                     "case_sensitive": not insensitive, "repeat": "all"}
    else:
        raise ValueError(f"/words parameter {name!r} has no x-filter description")
    if described["field"] == "word" and "case_sensitive" not in described:
        described["case_sensitive"] = True
    return described


def annotate(operation: dict) -> None:
    """Add x-filter to the filter parameters of the /words GET operation, and x-pagination to it."""
    declared = {parameter.name for parameter in PARAMETERS}
    limit = {}
    for parameter in operation["parameters"]:
        if parameter["name"] not in declared:
            continue
        described = x_filter(parameter["name"])
        if described is not None:
            parameter["x-filter"] = described
        if parameter["name"] == "limit":
            limit = parameter["schema"]
    operation["x-pagination"] = x_pagination(
        "offset", records="records", total="total", limit_param="limit", offset_param="offset",
        max_limit=limit.get("maximum"), default_limit=limit.get("default"), order_param="order")
