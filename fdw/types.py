"""What the wrapper needs to know about column types, and JSON values -> row values.

A column's type decides four things: whether the service's order and
comparisons match PostgreSQL's (``kind``), the planner's width estimate,
which JSON values fit it (``page_checker``), and whether a JSON value must be
converted before PostgreSQL reads it. Names are those of ``format_type_be``
(the ColumnDefinition's ``base_type_name``).
"""
import json
import math
import re
import struct
from decimal import Decimal

from .errors import FdwError, excerpt
from .multicorn_compat import multicorn2_behaviour
from .records import WHOLE_RECORD, getter, keys_of, reader

INTEGER = "integer"
NUMBER = "number"
TEXT = "text"
JSON = "json"
ARRAY = "array"
OTHER = "other"

KINDS = {
    "smallint": INTEGER, "integer": INTEGER, "bigint": INTEGER,
    "int2": INTEGER, "int4": INTEGER, "int8": INTEGER,
    "numeric": NUMBER, "real": NUMBER, "double precision": NUMBER,
    "float4": NUMBER, "float8": NUMBER,
    "text": TEXT, "character varying": TEXT, "varchar": TEXT,
    "character": TEXT, "char": TEXT, "bpchar": TEXT, "name": TEXT,
    "json": JSON, "jsonb": JSON,
}

# Average bytes per value, for get_rel_size; other types count as DEFAULT_WIDTH.
WIDTHS = {
    "smallint": 2, "integer": 4, "bigint": 8, "int2": 2, "int4": 4, "int8": 8,
    "real": 4, "double precision": 8, "float4": 4, "float8": 8, "numeric": 8,
    "boolean": 1, "date": 4, "uuid": 16,
    "timestamp without time zone": 8, "timestamp with time zone": 8,
    "json": 64, "jsonb": 64,
}
DEFAULT_WIDTH = 12


def kind(type_name):
    """INTEGER, NUMBER, TEXT, JSON, ARRAY or OTHER for a ``base_type_name``."""
    if type_name.endswith("[]"):
        return ARRAY
    return KINDS.get(type_name, OTHER)


def width(type_name):
    """Estimated bytes per value of a ``base_type_name``."""
    return WIDTHS.get(type_name, DEFAULT_WIDTH)


def to_json_text(value):
    """A JSON value as json/jsonb input text (None stays None, i.e. SQL NULL).

    The service's value written again, compactly (no blank after ``,`` and
    ``:``) and with every character as itself (``{"a":"é"}``, never
    ``\\u00e9``): a json column holds this text, not the service's own
    bytes, whose whitespace and escapes a parsed answer no longer has; a
    jsonb column is exact. Numbers keep the exact text they came in (answers
    are parsed with Decimal for non-integers):
    ``0.1000000000000000055511151231257827`` stays so.
    A string holding a lone surrogate (``"\\ud800"`` in the answer), which
    is no character and has no UTF-8 form, stays escaped as it came.
    """
    if value is None:
        return None
    try:
        text = json.dumps(value, ensure_ascii=False, separators=COMPACT)
    except TypeError:  # a Decimal somewhere inside
        text = json_text(value, compact=True, ascii_only=False, plain_numbers=True)
    if SURROGATE.search(text):
        text = json_text(value, compact=True, plain_numbers=True)
    return text


COMPACT = (",", ":")
SURROGATE = re.compile(r"[\ud800-\udfff]")


class JsonNumber(Decimal):
    """A JSON number with a fraction or an exponent, as the answers are decoded: exact (a
    Decimal of its digits and exponent), written in plain decimal digits as PostgreSQL
    writes a numeric (``0.0000001``, not ``1E-7``; ``1000`` for ``1e3``), so a text or json
    column holds what jsonb's ``->>`` gives for it; but ``-0.0`` keeps its sign, which a
    float column reads as -0. A number past numeric's range (more than NUMERIC_DIGITS
    digits before the point, or NUMERIC_SCALE after) keeps E notation.
    """

    __slots__ = ()

    def __str__(self):
        if self.is_finite() and self.adjusted() < NUMERIC_DIGITS \
                and self.as_tuple().exponent >= -NUMERIC_SCALE:
            return format(self, "f")
        return Decimal.__str__(self)


NUMERIC_DIGITS = 131072  # numeric's digits before the decimal point, at most
NUMERIC_SCALE = 16383  # and after it


def json_text(value, compact=False, ascii_only=True, plain_numbers=False):
    """JSON text of a decoded JSON value, Decimals written as their exact decimal text.

    As Python's json.dumps writes it by default (``{"a": "\\u00e9"}``, the
    form error messages show, Decimals as shown_number writes them: ``1E+2``,
    which no one takes for a whole number); ``compact``: no blank after ``,`` and
    ``:``; not ``ascii_only``: non-ASCII characters as themselves;
    ``plain_numbers``: Decimals in plain digits (JsonNumber). Written with a
    stack of its own, not by recursion: any value a decoder made, however
    deeply nested, is written.
    """
    comma, colon = COMPACT if compact else (", ", ": ")
    parts = []
    pending = [value]  # values still to write, last first, and Text between them
    while pending:
        item = pending.pop()
        if type(item) is Text:
            parts.append(item)
        elif isinstance(item, Decimal):
            parts.append(str(item) if plain_numbers else shown_number(item))
        elif isinstance(item, dict) and item:
            pending.append(Text("}"))
            for number, (key, member) in enumerate(reversed(item.items())):
                pending.append(member)
                pending.append(Text(json.dumps(key, ensure_ascii=ascii_only) + colon))
                pending.append(Text(comma if number < len(item) - 1 else "{"))
        elif isinstance(item, list) and item:
            pending.append(Text("]"))
            for number, member in enumerate(reversed(item)):
                pending.append(member)
                pending.append(Text(comma if number < len(item) - 1 else "["))
        else:
            parts.append(json.dumps(item, ensure_ascii=ascii_only))
    return "".join(parts)


def shown_number(number):
    """A Decimal as messages show it: Python's text, in E notation where that would read as a
    whole number (``9.99E+2``, not ``999``), which JSON would have given as an integer."""
    text = Decimal.__str__(number)
    if not number.is_finite() or "." in text or "E" in text:
        return text
    return "{:E}".format(number)


class Text(str):
    """A piece of json_text's output, told apart from the string values it writes."""


def converter(column):
    """The function a record's value goes through for ``column``, or None when none is needed.

    Only json/jsonb need one: PostgreSQL would read a dict as hstore text and a
    str as unquoted text. Everything else goes to the type's input function.
    """
    return to_json_text if column.kind == JSON else None


def reads_own_key(column):
    """True when the column's value is the record's key of the column's own name: a plain
    key, not a dotted path or the whole record (what PostgreSQL reads from a record as is)."""
    return keys_of(column.field) == (column.name,) and column.field != WHOLE_RECORD


def row_builder(columns, names):
    """A function record -> row for the columns ``names``, or None when records can be rows as-is.

    None (the fast path) when every wanted column reads the JSON key of its own
    name and needs no conversion: PostgreSQL reads the columns it wants from
    the record dict and ignores other keys, so no per-row Python work is done.
    A column named ``a.b`` reads the path a -> b (a key holding a dot cannot
    be named), so it is built.
    Not under Multicorn2's behaviour: it converts every key naming a column,
    asked for or not (a dict under an unread json column would fail).
    """
    wanted = [columns[name] for name in columns if name in names]
    if all(reads_own_key(col) and converter(col) is None for col in wanted) \
            and not multicorn2_behaviour():
        return None
    plan = [(col.name, getter(col.field), converter(col)) for col in wanted]

    def build(record):
        row = {}
        for name, get, convert in plan:
            value = get(record)
            row[name] = convert(value) if convert else value
        return row
    return build


# --- which JSON values fit a column ------------------------------------------------------------

class Missing:
    """The type of MISSING, what a record without a column's key holds for it."""


MISSING = Missing()
NULL = type(None)

# The Python types (as json.loads makes them) each kind takes. A JSON value
# of another type is an ERROR naming the column, never a guess: bool is not
# an int here, a string of digits is not an integer, and an object or array
# is not text.
ACCEPTED = {
    INTEGER: frozenset({int, NULL}),
    NUMBER: frozenset({int, JsonNumber, float, NULL}),
    TEXT: frozenset({str, int, JsonNumber, float, NULL}),
    JSON: frozenset({dict, list, str, int, JsonNumber, float, bool, NULL}),
    ARRAY: frozenset({list, str, NULL}),
    OTHER: frozenset({str, int, JsonNumber, float, bool, NULL}),  # the input function checks the text
}
WHAT_FITS = {INTEGER: "an integer", NUMBER: "a number", TEXT: "text",
             ARRAY: "an array", OTHER: "a string, number or boolean"}
INTEGER_RANGES = {
    "smallint": 16, "int2": 16, "integer": 32, "int4": 32, "bigint": 64, "int8": 64,
}
FLOAT_RANGES = {"real": 32, "float4": 32, "double precision": 64, "float8": 64}
TYPE_HINT = ("Declare the column with a type that fits what the service sends (json or jsonb "
             "keeps objects and arrays as they are), or point it at another key with the "
             "column's field option.")
MISSING_HINT = ("Set the table's missing_fields option to 'null' if the service leaves out keys "
                "whose value is null, or point the column at the right key with its field option.")


def value_checks(columns, names, missing_fields="error"):
    """(column, accepted types, integer bits or None, float bits or None) for each column of
    ``names``: what a value of it must be to fit (page_checker applies them).

    With ``missing_fields`` 'null' a record without the column's key gives
    NULL (Missing is accepted), as in the Multicorn contract; with 'error' it
    is an ERROR. A column whose null_order is 'none' accepts no NULL.
    """
    found = []
    for column in columns.values():
        if column.name in names:
            accepted = ACCEPTED[column.kind] | ({Missing} if missing_fields == "null" else set())
            if column.null_order == "none":  # the service declared to send no NULLs for it
                accepted = accepted - {NULL, Missing}
            bits = INTEGER_RANGES.get(column.type_name) if column.kind == INTEGER else None
            float_bits = FLOAT_RANGES.get(column.type_name) if column.kind == NUMBER else None
            found.append((column, frozenset(accepted), bits, float_bits))
    return found


def page_checker(columns, names, missing_fields="error", skip=()):
    """A function (records, source) that raises FdwError for the first value not fitting its column.

    Checks the columns ``names`` (but those in ``skip``: the host checks
    them, see host_checks) of a page's records in a few C-speed passes per
    column (the set of value types; min and max for integers), so the
    records themselves go to PostgreSQL untouched. ``source`` is the page's
    URL as errors show it. Errors name the first column, in the table's
    order, with a misfit, and its first record that has one.
    """
    plan = [(column, reader(column.field), accepted, bits, float_bits)
            for column, accepted, bits, float_bits in value_checks(columns, names, missing_fields)
            if column.name not in skip]

    def check(records, source):
        if not plan and not skip and set(map(type, records)) - {dict}:
            check_objects(records, source)  # no value is read (count(*)): still records
        for column, get, accepted, bits, float_bits in plan:
            try:
                values = list(map(get, records))
            except (KeyError, TypeError):  # a record without the key, or not an object at all
                values = values_of(records, column.field, source)
            seen = set(map(type, values))
            if not seen <= accepted:
                raise misfit(column, values, accepted, source)
            if bits and int in seen:
                check_range(column, values, seen, bits, source)
            if float_bits and (int in seen or JsonNumber in seen):
                check_float_range(column, values, float_bits, source)
    return check


def host_checks(columns, names, missing_fields="error"):
    """{column name: (accepted types, integer bits or None, missing allowed)}: the checks of
    page_checker a host can make itself as it converts each record, so the wrapper need not
    pass over the page.

    Those of the columns ``names`` whose check is the type of one value and
    an integer's range: every column the record holds under its own name,
    but a real or double precision one (whose range needs a conversion).
    The host reads the value under the column's name (a record without the
    key fits only when missing is allowed; one that is not a dict fits no
    check) and calls the wrapper back at the first value that does not fit
    (restcorn_engine.CheckedRows), which then checks the page itself.
    """
    return {column.name: (accepted - {Missing}, bits, Missing in accepted)
            for column, accepted, bits, float_bits in value_checks(columns, names, missing_fields)
            if reads_own_key(column) and float_bits is None}


def values_of(records, field, source):
    """Each record's value for ``field`` (MISSING when it has none); FdwError for a non-object."""
    check_objects(records, source)
    return list(map(getter(field, MISSING), records))


def check_objects(records, source):
    """FdwError for the first record of a page that is not a JSON object."""
    for number, record in enumerate(records, 1):
        if type(record) is not dict:
            raise FdwError("record %d from %s is %s, not a JSON object"
                           % (number, source, excerpt(json_text(record), 80)),
                           hint="Check the records_path option: it must name a list of objects.")


def check_range(column, values, seen, bits, source):
    """FdwError for the first integer outside the range of the column's type."""
    numbers = values if seen == {int} else [value for value in values if type(value) is int]
    limit = 2 ** (bits - 1)
    if min(numbers) < -limit or max(numbers) >= limit:
        value = next(value for value in numbers if not -limit <= value < limit)
        raise FdwError('column "%s": value %d from %s is out of range for %s'
                       % (column.name, value, source, column.type_name), hint=TYPE_HINT)


def fits_float(value, bits):
    """True when a JSON number rounds to a finite, non-zero-unless-zero float of ``bits`` bits.

    PostgreSQL's float4in / float8in refuse values that overflow or
    underflow (round to 0 though not 0); rounding to the nearest float is
    the types' own rule, as for a local table.
    """
    try:
        number = float(value)
        if bits == 32:
            number = struct.unpack("f", struct.pack("f", number))[0]
    except OverflowError:
        return False
    return math.isfinite(number) and (number != 0 or value == 0)


def check_float_range(column, values, bits, source):
    """FdwError for the first number that is out of range for a real / double precision column."""
    for value in values:
        if type(value) in (int, JsonNumber) and not fits_float(value, bits):
            raise FdwError('column "%s": value %s from %s is out of range for %s'
                           % (column.name, excerpt(json_text(value), 80), source,
                              column.type_name),
                           hint=TYPE_HINT)


def misfit(column, values, accepted, source):
    """The FdwError for the first of ``values`` whose type ``accepted`` lacks."""
    number, value = next((n, v) for n, v in enumerate(values, 1) if type(v) not in accepted)
    if value is None:  # refused only when null_order says the service sends none
        return FdwError('column "%s": record %d from %s has null for it, but the column\'s '
                        "null_order option says the service sends no NULLs"
                        % (column.name, number, source),
                        hint="Set the null_order option to where the service sorts NULLs, "
                             "or to unknown.")
    if value is MISSING:
        return FdwError('column "%s": record %d from %s has no key "%s"'
                        % (column.name, number, source, column.field), hint=MISSING_HINT)
    return FdwError('column "%s": value %s from %s is not %s'
                    % (column.name, excerpt(json_text(value), 80), source, WHAT_FITS[column.kind]),
                    hint=TYPE_HINT)
