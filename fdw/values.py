"""Qual values -> the text of query parameters: exact, or a wider test, never a narrower one.

PostgreSQL re-checks every qual on the rows returned, so a pushed filter may
let through more rows than the SQL, never fewer. What a value means depends
on the host (fdw.multicorn_compat):

* the engine gives exact values: int, decimal.Decimal (numeric), float
  (float4/float8), date, datetime (microseconds kept; timezone-aware in UTC
  for timestamptz), and other types as their text output in fixed
  transmission modes (DateStyle ISO, IntervalStyle postgres, extra_float_digits 3);
* Multicorn2 3.2 gives numeric constants as lossy floats, timestamps
  without their microseconds, and int8, float, timestamptz, interval and
  other types as text formatted by the session's settings.

The text sent is always in one format whatever the session says: numbers as
plain decimals (``12345678901234567.89``), dates and times in ISO 8601 with
full precision (``2021-01-01T00:00:00.500000+00:00``), booleans as
``true`` / ``false``. A value that may have lost precision is sent only in
a test that stays wider than the SQL (a range bound moved outward), or not
at all. A service may compare numbers in binary floating point, so a strict
bound (``<``, ``>``) is sent strict only on an integer below 2**53, where
that cannot drop rows; otherwise as the non-strict form.
"""
import math
import re
import struct
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from .multicorn_compat import multicorn2_behaviour
from .types import INTEGER, NUMBER

EXACT_FLOAT_INTEGERS = 2 ** 53
FLOAT_BITS = {"real": 32, "float4": 32, "double precision": 64, "float8": 64}
BOOLEAN_TEXTS = {"t": "true", "f": "false", "true": "true", "false": "false"}
TIMESTAMPS = ("timestamp without time zone", "timestamp with time zone", "timestamp",
              "timestamptz")
# Types whose text output under Multicorn2 follows DateStyle or IntervalStyle.
SESSION_FORMATTED = TIMESTAMPS + ("date", "interval")
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
LOWER_BOUNDS = ("gt", "ge")  # the operators whose value is a lower bound
STRICT_OPERATORS = ("gt", "lt")
# Multicorn2 drops a timestamp's microseconds: the true value is within this of the one given.
LOST_TIME = timedelta(seconds=1)


# The types whose quals are sent (values.equality_text, values.range_pair).
# text and varchar compare as strings of the value as sent; numbers by value;
# boolean, date and timestamps as their ISO text means. Quals on every other
# type are never sent, whatever the column's ``filters`` option lists:
# character(n) ignores trailing blanks, name cuts a constant to 63 bytes,
# citext compares without case, uuid reads several spellings, and bytea,
# inet, json/jsonb, arrays, money, time/timetz, interval, enums and domains
# compare by rules of their own that a string test does not follow.
STRING_TYPES = ("text", "character varying", "varchar")
COMPARED_AS_SENT = STRING_TYPES + ("boolean", "date") + TIMESTAMPS


def quals_sent(column):
    """True when quals on ``column`` may be sent: its type compares here as the text sent does."""
    return column.kind in (INTEGER, NUMBER) or column.type_name in COMPARED_AS_SENT


def is_float_column(column):
    return column.kind == NUMBER and column.type_name in FLOAT_BITS


def plain_decimal(number):
    """A finite Decimal (or int) as positional decimal text: ``0.0000001``, never ``1E-7``."""
    return str(number) if isinstance(number, int) else format(number, "f")


# During plain EXPLAIN the engine shows a parameter's value as "?": it is shown as is.
PLACEHOLDER = "?"


def equality_text(column, value):
    """The text sending ``column = value`` exactly (or wider); None when it is not sent.

    Not sent: NULLs, bytes, arrays; a value that may have lost precision
    (Multicorn2's numeric floats, timestamps without microseconds, text it
    formatted by session settings); any value on a real / double precision
    column (PostgreSQL compares the column's rounded value, a service the
    decimal it holds).
    """
    if value is None or isinstance(value, (bytes, bytearray, list, tuple, dict)):
        return None
    if value == PLACEHOLDER:
        return value
    if column.type_name == "boolean":  # t / f from the hosts; true / false to the service
        return BOOLEAN_TEXTS.get(value.lower() if isinstance(value, str)
                                 else "true" if value else "false")
    if column.kind == INTEGER:
        number = integer_value(value)
        return None if number is None else str(number)
    if column.kind == NUMBER:
        if is_float_column(column) or isinstance(value, (float, str, bool)):
            return None
        if isinstance(value, Decimal):
            return plain_decimal(value) if value.is_finite() else None
        return str(value) if isinstance(value, int) else None
    if column.type_name in SESSION_FORMATTED:
        moment = time_value(column, value)
        if moment is None or moment[1]:
            return None
        return moment[0].isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def integer_value(value):
    """The int a value on an integer column stands for exactly; None when it is not one.

    A float (Multicorn2's numeric) counts only when it is integral and below
    2**53: then any numeric that rounds to it and is an integer is that very
    integer, so ``= that integer`` is exact or wider.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return int(value) if value.is_finite() and value == value.to_integral_value() else None
    if isinstance(value, float):
        if value.is_integer() and abs(value) < EXACT_FLOAT_INTEGERS:
            return int(value)
        return None
    if isinstance(value, str) and INTEGER_TEXT.fullmatch(value):
        return int(value)
    return None


AWARE_TYPES = ("timestamp with time zone", "timestamptz")


def time_value(column, value):
    """(date or datetime, lossy) for a value on a date/time column; None when it is not sent.

    lossy: Multicorn2 gave a naive timestamp whose microseconds it dropped.
    Text (Multicorn2's timestamptz and others) counts only when it is ISO
    8601, as under DateStyle ISO; under other DateStyles it is not sent.
    Comparisons across types that depend on the session's TimeZone (a date
    or naive timestamp with a timestamptz, a date column with any
    timestamp) are not sent; a date on a timestamp column is its midnight.
    """
    if isinstance(value, str):
        if column.type_name == "interval":
            return None
        try:
            value = (date.fromisoformat(value) if column.type_name == "date"
                     else datetime.fromisoformat(value))
        except ValueError:
            return None
        lossy = False
    else:
        lossy = isinstance(value, datetime) and value.tzinfo is None and multicorn2_behaviour()
    if column.type_name == "date":
        return (value, False) if type(value) is date else None
    if type(value) is date:
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime) or \
            (value.tzinfo is not None) != (column.type_name in AWARE_TYPES):
        return None
    return value, lossy


def range_pair(column, operator, value, available):
    """(operator, text) sending ``column <operator> value`` exactly or wider; None when not sent.

    ``operator`` is one of lt, le, gt, ge; ``available`` the operators the
    column's ``filters`` offer. The operator sent may differ: ``id < 41.5``
    on an integer column is ``id le 41``; a bound that may have lost
    precision moves outward and becomes non-strict.
    """
    if value is None or isinstance(value, bool):
        return None
    if value == PLACEHOLDER:
        return operator if operator in available else None, value
    if column.kind == INTEGER:
        return integer_range(operator, number_bound(column, operator, value), available)
    if column.kind == NUMBER:
        bound = number_bound(column, operator, value)
        if bound is None:
            return None
        number, strict = bound
        if is_float_column(column):
            text = float_bound(number, operator in LOWER_BOUNDS, FLOAT_BITS[column.type_name])
            return None if text is None else choose(operator, False, text, available)
        exact_in_binary = number == number.to_integral_value() \
            and abs(number) < EXACT_FLOAT_INTEGERS
        return choose(operator, strict and exact_in_binary, plain_decimal(number), available)
    if column.type_name in SESSION_FORMATTED:
        moment = time_value(column, value)
        if moment is None:
            return None
        when, lossy = moment
        if lossy:
            when = when - LOST_TIME if operator in LOWER_BOUNDS else when + LOST_TIME
            return choose(operator, False, when.isoformat(), available, widened=True)
        return choose(operator, operator in STRICT_OPERATORS, when.isoformat(), available)
    text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    return choose(operator, operator in STRICT_OPERATORS, text, available)


def choose(operator, strict, text, available, widened=False):
    """(operator sent, text): the strict form when ``strict`` and offered, else the non-strict one.

    A non-strict test is always at least as wide as the strict one. Sending
    a strict test for a non-strict qual is only right for a ``widened``
    bound, one already moved past every value the qual allows.
    """
    lower = operator in LOWER_BOUNDS
    strict_op, loose_op = ("gt", "ge") if lower else ("lt", "le")
    wanted = operator if operator in (strict_op,) and strict else loose_op
    if wanted == strict_op and strict_op in available:
        return strict_op, text
    if loose_op in available:
        return loose_op, text
    if widened and strict_op in available:
        return strict_op, text
    return None


def number_bound(column, operator, value):
    """(Decimal, strict) bounding what the qual allows, moved outward when the value is lossy.

    None for a value that is no number, not finite, or not known well enough.
    """
    lower = operator in LOWER_BOUNDS
    strict = operator in STRICT_OPERATORS
    if isinstance(value, int):
        return Decimal(value), strict
    if isinstance(value, Decimal):
        return (value, strict) if value.is_finite() else None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if is_float_column(column) and not multicorn2_behaviour():
            return Decimal(value), strict  # a float8 / float4 constant, exact
        # Multicorn2's numeric: the true value rounds to this float, so it lies
        # beyond the neighbouring float on the other side.
        neighbour = math.nextafter(value, -math.inf if lower else math.inf)
        return Decimal(repr(neighbour)), False
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        if column.kind == INTEGER and INTEGER_TEXT.fullmatch(value):
            return number, strict  # int8 as text: exact
        # Text PostgreSQL formatted (extra_float_digits may have cut digits):
        # the value is within half a unit of its last digit.
        unit = Decimal(1).scaleb(number.as_tuple().exponent)
        return (number - unit if lower else number + unit), False
    return None


def integer_range(operator, bound, available):
    """The test on an integer column for a number bound: the integer bound, exactly.

    An integer bound below 2**53 keeps its operator when the column offers it.
    """
    if bound is None:
        return None
    number, strict = bound
    if number == number.to_integral_value() and abs(number) < EXACT_FLOAT_INTEGERS:
        kept = operator if strict == (operator in STRICT_OPERATORS) else None
        if kept in available:
            return kept, str(int(number))
    if operator in LOWER_BOUNDS:
        least = math.floor(number) + 1 if strict else math.ceil(number)
        if "ge" in available:
            return "ge", str(least)
        if "gt" in available and abs(least - 1) < EXACT_FLOAT_INTEGERS:
            return "gt", str(least - 1)
        return None
    most = math.ceil(number) - 1 if strict else math.floor(number)
    if "le" in available:
        return "le", str(most)
    if "lt" in available and abs(most + 1) < EXACT_FLOAT_INTEGERS:
        return "lt", str(most + 1)
    return None


def float_bound(number, lower, bits):
    """Text of a bound on a real / double precision column, wide enough for the column's rounding.

    PostgreSQL compares the column's value rounded to the type (``bits``),
    the service perhaps the decimal it holds: every decimal that rounds to a
    float beyond ``number`` lies past the float next to ``number``'s own on
    the other side, which is what is sent (as its shortest text). None for
    a bound outside the type's range.
    """
    value = float(number)
    if bits == 32:
        try:
            value = struct.unpack("f", struct.pack("f", value))[0]
        except OverflowError:
            return None
    if not math.isfinite(value):
        return None
    direction = -math.inf if lower else math.inf
    if bits == 32:
        for _ in range(2):  # a float4 step (rounding twice, via double, may be off by one)
            value = next_float32(value, direction)
    else:
        value = math.nextafter(value, direction)
    return repr(value) if math.isfinite(value) else None


def next_float32(value, direction):
    """The float4 next to float4 ``value`` towards ``direction``, as a Python float."""
    bits = struct.unpack("<i", struct.pack("<f", value))[0]
    if value == 0:
        bits = 1 if direction > 0 else -2 ** 31 + 1
    elif (value > 0) == (direction > 0):
        bits += 1
    else:
        bits -= 1
    return struct.unpack("<f", struct.pack("<i", bits))[0]
