"""The foreign table's options, validated once when the wrapper is created.

PostgreSQL hands the wrapper one dict of strings (table, server and user
mapping options merged) plus each column's own options. Every option is
declared below with its parser and default, so adding one is one line; an
unknown or malformed option is an error that names it and says what is
allowed, rather than something silently ignored.
"""
from collections import namedtuple
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import auth, types
from .errors import FdwError
from .pushdown import OPERATORS
from .urls import endpoint, host_of, redact

HINT = "Change it with ALTER SERVER / ALTER FOREIGN TABLE ... OPTIONS (SET name 'value')."


class OptionError(FdwError):
    def __init__(self, message):
        super().__init__(message, hint=HINT)


def parse_http_url(value):
    try:
        parts = urlsplit(value)
        # .port raises ValueError for a port that is not a number in 0-65535.
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        valid = False
    # A #fragment would swallow the query parameters the wrapper appends.
    if not valid or "#" in value:
        raise ValueError("must be an http:// or https:// URL with a host and no #fragment")
    return value


def parse_path(value):
    if "?" in value or "#" in value:
        raise ValueError("must be a path without ? or # (parameters belong in the url option)")
    return value


def parse_text(value):
    return value


def parse_nonempty(value):
    if not value:
        raise ValueError("must not be empty")
    return value


def parse_count(value):
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ValueError("must be a whole number, 0 or more")
    return number


def parse_positive_int(value):
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise ValueError("must be a whole number greater than 0")
    return number


def parse_seconds(value):
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError("must be a number of seconds greater than 0")
    return seconds


def parse_bool(value):
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise ValueError("must be true or false")
    return lowered == "true"


def parse_missing_fields(value):
    if value not in ("error", "null"):
        raise ValueError("must be error or null")
    return value


def parse_hosts(value):
    hosts = frozenset(host.strip().lower() for host in value.split(",") if host.strip())
    if value.strip() and not hosts:
        raise ValueError("must be a comma-separated list of host names")
    return hosts


def parse_filters(value):
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in OPERATORS]
    if unknown:
        raise ValueError("has unknown operator %s; allowed: %s (comma-separated)"
                         % (", ".join('"%s"' % name for name in unknown), ",".join(OPERATORS)))
    return frozenset(names)


Option = namedtuple("Option", ["parse", "default"])
REQUIRED = None

TABLE_OPTIONS = {
    "url": Option(parse_http_url, REQUIRED),
    "path": Option(parse_path, ""),
    "records_key": Option(parse_nonempty, "records"),
    "total_key": Option(parse_nonempty, "total"),
    "page_size": Option(parse_positive_int, "1000"),
    "pushdown": Option(parse_bool, "true"),
    "connect_timeout": Option(parse_seconds, "5"),
    "read_timeout": Option(parse_seconds, "30"),
    "default_collation": Option(parse_text, ""),
    # Failures: retried (fdw/retry.py) or bounded; see fdw/http.py.
    "retries": Option(parse_count, "3"),
    "retry_max_seconds": Option(parse_seconds, "30"),
    "max_response_bytes": Option(parse_positive_int, str(64 * 1024 * 1024)),
    "max_pages": Option(parse_positive_int, "10000"),
    "missing_fields": Option(parse_missing_fields, "error"),
    # Access (fdw/auth.py): the secrets belong in the user mapping.
    "allowed_hosts": Option(parse_hosts, ""),
    "token": Option(auth.parse_secret, ""),
    "api_key": Option(auth.parse_secret, ""),
    "api_key_header": Option(auth.parse_header_name, "X-API-Key"),
    "api_key_param": Option(parse_text, ""),
}

COLUMN_OPTIONS = {
    "field": Option(parse_nonempty, REQUIRED),  # always given: parse_table fills in the column name
    "filters": Option(parse_filters, ""),
    "sortable": Option(parse_bool, "false"),
}


@dataclass(frozen=True)
class ColumnConfig:
    name: str
    field: str          # the record's JSON key
    filters: frozenset  # operators (see pushdown.OPERATORS) the service evaluates for it
    sortable: bool
    kind: str           # types.INTEGER, TEXT, ...
    type_name: str      # the base type's name, e.g. "integer"
    width: int


@dataclass(frozen=True)
class TableConfig:
    endpoint: str       # url + path
    records_key: str
    total_key: str
    page_size: int
    pushdown: bool
    connect_timeout: float
    read_timeout: float
    default_collation: str
    retries: int
    retry_max_seconds: float
    max_response_bytes: int
    max_pages: int
    missing_fields: str     # "error" or "null"
    allowed_hosts: frozenset  # empty: any host
    credentials: auth.Credentials
    columns: dict       # column name -> ColumnConfig, in table order


def parse_table(options, columns, defaults=None, column_defaults=None):
    """A TableConfig from the host's ``options`` and ``columns`` (name -> ColumnDefinition).

    ``defaults`` and ``column_defaults`` (column name -> options) are a
    subclass's own defaults; the user's options override them.
    """
    values = parse_all(TABLE_OPTIONS, dict(defaults or {}, **options))
    parsed_columns = {}
    for name, definition in columns.items():
        given = dict({"field": name}, **(column_defaults or {}).get(name, {}))
        given.update(definition.options)
        column = parse_all(COLUMN_OPTIONS, given, 'column "%s": ' % name)
        parsed_columns[name] = ColumnConfig(
            name=name, field=column["field"], filters=column["filters"],
            sortable=column["sortable"], kind=types.kind(definition.base_type_name),
            type_name=definition.base_type_name, width=types.width(definition.base_type_name))
    url = endpoint(values.pop("url"), values.pop("path"))
    if values["allowed_hosts"] and host_of(url) not in values["allowed_hosts"]:
        raise OptionError('option "url" names host "%s", which option "allowed_hosts" does not list'
                          % host_of(url))
    credentials = auth.credentials(**{name: values.pop(name) for name in auth.CREDENTIAL_OPTIONS})
    return TableConfig(endpoint=url, columns=parsed_columns, credentials=credentials, **values)


def parse_all(declared, given, prefix=""):
    """Parse ``given`` against ``declared``; OptionError names the first bad option."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise OptionError('%sunknown option "%s"; known options: %s'
                          % (prefix, unknown[0], ", ".join(declared)))
    values = {}
    for name, option in declared.items():
        if name in given:
            raw = given[name]
        elif option.default is not REQUIRED:
            raw = option.default
        else:
            raise OptionError('%soption "%s" is required' % (prefix, name))
        try:
            values[name] = option.parse(raw)
        except ValueError as error:
            got = "" if name in auth.SECRET_OPTIONS else ', got "%s"' % redact(raw)
            raise OptionError('%soption "%s" %s%s' % (prefix, name, error, got)) from None
    return values
