"""PostgREST-style filters: the operator is a prefix of the value, ``stars=gte.100``.

    eq.V   lt.V   lte.V   gt.V   gte.V     compare with V
    in.(A,B,C)                             equal to one of the items; an item may be
                                           double-quoted ("a,b"), with \\" and \\\\ inside
    like.P                                 P matches the whole text; * is any run of
                                           characters, everything else is literal;
                                           case-sensitive

A null field passes no test, as in SQL. A Filter is one parsed value; all the
filters of a request must hold.
"""

import re
from dataclasses import dataclass
from typing import Any, Callable

from .common import ParameterError

# Operator in the value -> the canonical x-filter op.
PREFIX_OPERATORS = {"eq": "eq", "lt": "lt", "lte": "le", "gt": "gt", "gte": "ge", "in": "in", "like": "like"}
TEMPLATES = {"in": "in.({values})"}

COMPARE = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Filter:
    """One test on one field: op is a canonical op, operand a value, a tuple (in) or a regex (like)."""

    get: Callable[[dict], Any]
    op: str
    operand: Any

    def test(self, record: dict) -> bool:
        value = self.get(record)
        if value is None:
            return False
        if self.op == "in":
            return value in self.operand
        if self.op == "like":
            return self.operand.fullmatch(value) is not None
        return COMPARE[self.op](value, self.operand)


def x_filter(field: str, operators: tuple[str, ...]) -> dict:
    """The x-filter object of a parameter that takes these prefix operators (see common.py)."""
    ops = {}
    for operator in operators:
        op = PREFIX_OPERATORS[operator]
        ops[op] = TEMPLATES.get(op, operator + ".{value}")
    described = {"field": field, "ops": ops, "repeat": "all"}
    if "like" in operators:
        described.update(match="pattern", wildcards={"any_run": "*"}, case_sensitive=True)
    return described


def parse_filter(name: str, value: str, get: Callable[[dict], Any], operators: tuple[str, ...],
                 parse_operand: Callable[[str, str], Any]) -> Filter:
    """Read one ``operator.operand`` value of parameter name; parse_operand(name, text) types it."""
    operator, dot, text = value.partition(".")
    if not dot or operator not in operators:
        raise ParameterError(
            name, f"parameter {name!r} must be <operator>.<value> with an operator among "
            f"{', '.join(operators)}, got {value!r}")
    op = PREFIX_OPERATORS[operator]

    def operand(item: str):
        try:
            return parse_operand(name, item)
        except ParameterError as error:
            raise ParameterError(name, f"{error.message} in {value!r}") from None

    if op == "in":
        return Filter(get, op, frozenset(operand(item) for item in split_in_list(name, text)))
    if op == "like":
        return Filter(get, op, star_pattern(text))
    return Filter(get, op, operand(text))


def split_in_list(name: str, text: str) -> list[str]:
    """The items of '(a,b,"c,d")'; an empty list '()' is allowed and matches nothing."""
    if not (text.startswith("(") and text.endswith(")")):
        raise ParameterError(name, f"parameter {name!r}: in needs a list in parentheses, "
                                   f"such as in.(1,2,3), got 'in.{text}'")
    inner = text[1:-1]
    if inner == "":
        return []
    items, position = [], 0
    item = re.compile(r'"((?:[^"\\]|\\.)*)"|([^,"]*)')
    while True:
        match = item.match(inner, position)
        quoted, plain = match.group(1), match.group(2)
        items.append(re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else plain)
        position = match.end()
        if position == len(inner):
            return items
        if inner[position] != ",":
            raise ParameterError(name, f"parameter {name!r}: cannot read the in list 'in.{text}' "
                                       f"at character {position + 1}")
        position += 1


def star_pattern(pattern: str) -> re.Pattern:
    """A regex that fullmatches what the like pattern matches: * any run, all else literal."""
    return re.compile(".*".join(re.escape(piece) for piece in pattern.split("*")), re.DOTALL)
