"""What the wrapper needs to know about column types, and JSON values -> row values.

A column's type decides three things: whether the service's order and
comparisons match PostgreSQL's (``kind``), the planner's width estimate, and
whether a JSON value must be converted before PostgreSQL reads it. Names are
those of ``format_type_be`` (the ColumnDefinition's ``base_type_name``).
"""
import json

INTEGER = "integer"
NUMBER = "number"
TEXT = "text"
JSON = "json"
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
    """INTEGER, NUMBER, TEXT, JSON or OTHER for a ``base_type_name``."""
    return KINDS.get(type_name, OTHER)


def width(type_name):
    """Estimated bytes per value of a ``base_type_name``."""
    return WIDTHS.get(type_name, DEFAULT_WIDTH)


def to_json_text(value):
    """A JSON value as json/jsonb input text (None stays None, i.e. SQL NULL)."""
    return None if value is None else json.dumps(value)


def converter(column):
    """The function a record's value goes through for ``column``, or None when none is needed.

    Only json/jsonb need one: PostgreSQL would read a dict as hstore text and a
    str as unquoted text. Everything else goes to the type's input function.
    """
    return to_json_text if column.kind == JSON else None


def row_builder(columns, names):
    """A function record -> row for the columns ``names``, or None when records can be rows as-is.

    None (the fast path) when every wanted column reads the JSON key of its own
    name and needs no conversion: PostgreSQL reads the columns it wants from
    the record dict and ignores other keys, so no per-row Python work is done.
    """
    wanted = [columns[name] for name in columns if name in names]
    if all(col.field == col.name and converter(col) is None for col in wanted):
        return None
    plan = [(col.name, col.field, converter(col)) for col in wanted]

    def build(record):
        row = {}
        for name, field, convert in plan:
            value = record.get(field)
            row[name] = convert(value) if convert else value
        return row
    return build
