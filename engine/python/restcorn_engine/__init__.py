"""The wrapper API of the restcorn engine, the same names and meanings as Multicorn2.

Wrappers never import this module directly: they go through
``fdw.multicorn_compat``, which prefers real ``multicorn`` when it is installed.
The C extension calls the helpers in ``restcorn_engine.host``.
"""
import sys
from collections import namedtuple

__all__ = [
    "ANY", "ALL", "CheckedRows", "ColumnDefinition", "ForeignDataWrapper", "MulticornException",
    "Qual", "SortKey", "TableDefinition", "can_read_server_files", "log_to_postgres",
    "checks_rows", "multicorn2_behaviour", "preloading",
]

# The levels of log_to_postgres: the numbers of the standard library's logging
# module (logging.INFO is 20), which is not imported here: a backend's first
# query need not pay for it.
DEBUG = 10
INFO = 20
WARNING = 30
ERROR = 40
CRITICAL = 50

ANY = object()
ALL = object()

SortKey = namedtuple("SortKey", ["attname", "attnum", "is_reversed", "nulls_first", "collate"])


class Qual:
    """One pushed-down condition: ``field_name operator value``.

    ``operator`` is the PostgreSQL operator name (``=``, ``~~`` for LIKE...), or
    a tuple ``(operator, use_or)`` for ``col op ANY(array)`` / ``col op ALL(array)``.

    The engine also sets ``collation``: None when the comparison is not
    collatable (numbers, IS NULL, booleans), else the pg_collation name of the
    comparison's input collation (``"default"`` for the database's, ``"C"``,
    ``"en-x-icu"``...). Multicorn2's Qual has no such attribute, and neither
    has the engine's under ``restcorn.multicorn2_behaviour``: read it with
    ``getattr(qual, "collation", <unknown>)``.
    """

    def __init__(self, field_name, operator, value):
        self.field_name = field_name
        self.operator = operator
        self.value = value

    @property
    def is_list_operator(self):
        return isinstance(self.operator, tuple)

    @property
    def list_any_or_all(self):
        if not self.is_list_operator:
            return None
        return ANY if self.operator[1] else ALL

    def __repr__(self):
        if self.is_list_operator:
            kind = "ANY" if self.list_any_or_all is ANY else "ALL"
            return "%s %s %s(%s)" % (self.field_name, self.operator[0], kind, self.value)
        return "%s %s %s" % (self.field_name, self.operator, self.value)

    def __eq__(self, other):
        return (isinstance(other, Qual) and self.field_name == other.field_name
                and self.operator == other.operator and self.value == other.value)

    def __hash__(self):
        value = tuple(self.value) if isinstance(self.value, list) else self.value
        return hash((self.field_name, self.operator, value))


class ColumnDefinition:
    """A column of a foreign table, as the constructor and import_schema see it."""

    def __init__(self, column_name, type_oid=0, typmod=0, type_name="",
                 base_type_name="", options=None):
        self.column_name = column_name
        self.type_oid = type_oid
        self.typmod = typmod
        self.type_name = type_name
        self.base_type_name = base_type_name
        self.options = options or {}

    def __repr__(self):
        return "%s(%r, %r)" % (type(self).__name__, self.column_name, self.type_name)

    def to_statement(self):
        """The column's line in a CREATE FOREIGN TABLE statement."""
        line = "%s %s" % (quote_ident(self.column_name), self.type_name)
        if self.options:
            line += " OPTIONS (%s)" % format_options(self.options)
        return line


class TableDefinition:
    """A foreign table that ``import_schema`` asks the engine to create."""

    def __init__(self, table_name, schema=None, columns=None, options=None):
        self.table_name = table_name
        self.schema = schema
        self.columns = columns or []
        self.options = options or {}

    def __repr__(self):
        return "%s(%r, columns=%r)" % (type(self).__name__, self.table_name, self.columns)

    def to_statement(self, schema_name, server_name):
        """The CREATE FOREIGN TABLE statement IMPORT FOREIGN SCHEMA runs."""
        sql = "CREATE FOREIGN TABLE %s.%s (\n    %s\n) SERVER %s" % (
            quote_ident(schema_name), quote_ident(self.table_name),
            ",\n    ".join(col.to_statement() for col in self.columns),
            quote_ident(server_name))
        if self.options:
            sql += " OPTIONS (%s)" % format_options(self.options)
        return sql


def quote_ident(name):
    return '"%s"' % str(name).replace('"', '""')


def quote_literal(value):
    return "'%s'" % str(value).replace("'", "''")


def format_options(options):
    return ", ".join("%s %s" % (quote_ident(k), quote_literal(v)) for k, v in options.items())


class MulticornException(Exception):
    """Raised by log_to_postgres at ERROR and above; the engine turns it into an ERROR."""

    def __init__(self, message, level=ERROR, hint=None, detail=None):
        super().__init__(message)
        self.message = message
        self.level = level
        self.hint = hint
        self.detail = detail


def multicorn2_behaviour():
    """The setting ``restcorn.multicorn2_behaviour``: True when the engine stands in for
    Multicorn2 3.2 (its qual values, collations, LIMIT offers, columns and errors).

    False outside a backend.
    """
    native = sys.modules.get("_restcorn")  # the engine's C module, there before this one
    return native is not None and native.multicorn2_behaviour()


def preloading():
    """True while ``restcorn.preload`` imports the wrappers' modules at server start: a module
    may then import what its first queries would, once for every backend. False elsewhere."""
    native = sys.modules.get("_restcorn")
    return native is not None and hasattr(native, "preloading") and native.preloading()


def checks_rows():
    """True when ``execute`` may return CheckedRows: in a backend, not standing in for
    Multicorn2 (which iterates them as plain rows, unchecked). False outside a backend."""
    native = sys.modules.get("_restcorn")
    return native is not None and not native.multicorn2_behaviour()


class CheckedRows:
    """Rows (dicts) whose values the engine checks as it converts them: what ``execute`` may
    return when checks_rows() says so, to spare the wrapper a pass over each page.

    ``checks``: {column name: (accepted types, integer bits or None, missing
    allowed)}. A row fits when it is a dict and, for each column named,
    the type of its value under the column's name is one of the accepted
    types (exactly: no subclass), or it has no such key and missing is
    allowed; an int must fit a signed integer of ``bits`` bits when given.
    At the first row that does not fit, the engine calls ``misfit(row)``,
    which must raise the ERROR that says why; the scan ends with an ERROR
    even if it does not. Each column named must be one of the foreign
    table's.
    """

    def __init__(self, rows, checks, misfit):
        self.rows = rows
        self.checks = checks
        self.misfit = misfit

    def __iter__(self):
        return iter(self.rows)


def can_read_server_files():
    """True when the current user may read files on the database server: a superuser,
    or a member with the privileges of ``pg_read_server_files`` (PostgreSQL's rule for
    COPY FROM a file and file_fdw). False outside a backend.
    """
    try:
        from _restcorn import can_read_server_files as check
    except ImportError:
        return False
    return check()


def log_to_postgres(message, level=INFO, hint=None, detail=None):
    """Send a message to PostgreSQL: DEBUG -> DEBUG1, INFO -> NOTICE, WARNING -> WARNING.

    ``level`` is a level of the logging module (logging.INFO, or this
    module's INFO: the same number). ERROR and CRITICAL raise
    MulticornException, which ends the statement with an ERROR (FATAL for
    CRITICAL) carrying the message, hint and detail.
    """
    if level >= ERROR:
        raise MulticornException(message, level, hint, detail)
    try:
        from _restcorn import log
    except ImportError:  # outside a backend: unit tests of wrappers
        import logging

        logging.getLogger("restcorn").log(level, message)
        return
    log(level, str(message), None if hint is None else str(hint),
        None if detail is None else str(detail))


class ForeignDataWrapper:
    """Base class of the wrappers: override execute, and whatever else helps."""

    _startup_cost = 20

    def __init__(self, fdw_options, fdw_columns):
        pass

    def get_rel_size(self, quals, columns):
        """(expected rows, average row width in bytes) for the planner."""
        return (100000000, len(columns) * 100)

    def can_sort(self, sortkeys):
        """The prefix of ``sortkeys`` this wrapper returns rows sorted by."""
        return []

    def can_limit(self, limit, offset):
        """True if execute will apply LIMIT/OFFSET itself (no WHERE clause only)."""
        return False

    def get_path_keys(self):
        """[((column, ...), expected_rows), ...]: cheap equality lookups for joins."""
        return []

    def explain(self, quals, columns, sortkeys=None, verbose=False, limit=None, offset=None):
        """Lines shown under the Foreign Scan in EXPLAIN."""
        return []

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        """Yield rows (mappings or sequences); a generator keeps memory flat."""
        raise NotImplementedError("execute is not implemented by %s" % type(self).__name__)

    def end_scan(self):
        pass

    @classmethod
    def import_schema(cls, schema, srv_options, options, restriction_type, restricts):
        """TableDefinitions for IMPORT FOREIGN SCHEMA."""
        raise NotImplementedError("%s does not support IMPORT FOREIGN SCHEMA" % cls.__name__)

    # Transaction hooks.
    def begin(self, serializable):
        pass

    def pre_commit(self):
        pass

    def commit(self):
        pass

    def rollback(self):
        pass

    def sub_begin(self, level):
        pass

    def sub_commit(self, level):
        pass

    def sub_rollback(self, level):
        pass

    # Writes are out of scope; these keep the Multicorn2 surface complete.
    @property
    def rowid_column(self):
        raise NotImplementedError("This FDW does not support the writable API")

    def insert(self, values):
        raise NotImplementedError("This FDW does not support the writable API")

    def update(self, oldvalues, newvalues):
        raise NotImplementedError("This FDW does not support the writable API")

    def delete(self, oldvalues):
        raise NotImplementedError("This FDW does not support the writable API")

