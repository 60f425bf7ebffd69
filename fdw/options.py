"""The foreign table's options, validated once when the wrapper is created.

PostgreSQL hands the wrapper one dict of strings (table, server and user
mapping options merged) plus each column's own options. Every option is
declared below with its parser and default, so adding one is one line; an
unknown or malformed option is an error that names it and says what is
allowed, rather than something silently ignored.
"""
import re
from collections import namedtuple
from urllib.parse import parse_qsl

from . import auth, types
from .errors import FdwError
from .pushdown import (FILTER_STYLES, FORMS, NULL_ORDERS, OPERATORS, SORT_STYLES, STYLE_WORDS,
                       FilterStyle, SortStyle, column_params, param_key)
from .records import WHOLE_RECORD
from .urls import (REFUSED_CHARACTER, allowed, build_url, endpoint, origin, parse,
                   placeholders, redact, show_origin)

HINT = "Change it with ALTER SERVER / ALTER FOREIGN TABLE ... OPTIONS (SET name 'value')."


class OptionError(FdwError):
    def __init__(self, message):
        super().__init__(message, hint=HINT)


def parse_http_url(value):
    """An absolute http(s) URL that urls.parse accepts, without a #fragment."""
    try:
        parse(value)
    except ValueError as error:
        raise ValueError("must be an http:// or https:// URL with a host and no #fragment: "
                         "it %s" % error) from None
    # A #fragment would swallow the query parameters the wrapper appends.
    if "#" in value:
        raise ValueError("must be an http:// or https:// URL with a host and no #fragment")
    return value


def parse_path(value):
    if "?" in value or "#" in value:
        raise ValueError("must be a path without ? or # (fixed parameters belong in the query option)")
    if REFUSED_CHARACTER.search(value):
        raise ValueError("must be a path of printable ASCII characters without spaces "
                         "or backslashes (percent-encode others)")
    return value


def parse_plain_path(value):
    parse_path(value)
    if "{" in value or "}" in value:
        raise ValueError("must be a path without {placeholders} (those belong in the path option)")
    return value


def parse_field(value):
    """A JSON key, a dotted path into nested objects, or * (the whole record)."""
    parse_nonempty(value)
    if value != WHOLE_RECORD and "" in value.split("."):
        raise ValueError("must be a key, a dotted path such as owner.login, or *")
    return value


def parse_dotted(value):
    """A dotted path (data.items); empty for the answer itself."""
    if value and "" in value.split("."):
        raise ValueError("must be a dotted path such as data.items, or empty for the whole answer")
    return value


def choice(*allowed):
    def parse(value):
        if value not in allowed:
            raise ValueError("must be %s" % " or ".join(", ".join(allowed).rsplit(", ", 1)))
        return value
    return parse


def parse_optional_bool(value):
    return None if value == "" else parse_bool(value)


def parse_max_keys(value):
    return None if value == "" else parse_positive_int(value)


def parse_cache_seconds(value):
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError("must be a number of seconds, 0 (no cache) or more")
    return seconds


def parse_param_name(value):
    if value and not PARAM_NAME.fullmatch(value):
        raise ValueError("must be a query parameter name (no spaces, &, = or #)")
    return value


def parse_nonempty_param_name(value):
    return parse_param_name(parse_nonempty(value))


def parse_separator(value):
    if not value or "&" in value or "#" in value:
        raise ValueError("must be one or more characters, not & or #")
    return value


def parse_headers(value):
    """``Name: value`` pairs separated by ``;`` -> dict.

    A ``;`` that no ``Name:`` follows stays in the value (``text/html; charset=utf-8``).
    """
    headers = {}
    for pair in HEADER_SPLIT.split(value.strip()) if value.strip() else []:
        name, colon, text = pair.partition(":")
        name, text = name.strip(), text.strip()
        if not colon or not HEADER_NAME.fullmatch(name) or not HEADER_TEXT.fullmatch(text):
            raise ValueError("must be Name: value pairs separated by ; (printable ASCII), "
                             "for example 'Accept: application/json; X-Client: me'")
        if name.lower() in FORBIDDEN_HEADERS:
            raise ValueError("may not set %s" % name)
        headers[name] = text
    return headers


PARAM_NAME = re.compile(r"[^\s&=#]+")
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_TEXT = re.compile(r"[\x20-\x7e]*")
HEADER_SPLIT = re.compile(r";\s*(?=[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*:)")
# Set by the transport, or where a request goes: never by an option.
FORBIDDEN_HEADERS = auth.TRANSPORT_HEADERS


def parse_text(value):
    return value


def parse_rate_limit(value):
    """``50/s`` -> (50, 1.0), by ratelimit.parse_rate_limit; blank -> None (no limit).

    ratelimit.py is imported only for a table that sets the option.
    """
    if not value.strip():
        return None
    from .ratelimit import parse_rate_limit as parse

    return parse(value)


def parse_header_name(value):
    """An HTTP header name (RFC 9110 token), or empty for none."""
    if value and not HEADER_NAME.fullmatch(value):
        raise ValueError("must be an HTTP header name such as X-Total-Count, or empty")
    return value


def parse_query(value):
    """``name=value&name=value`` (percent-encoded as in a URL) -> a tuple of (name, value) pairs."""
    if not value:
        return ()
    try:
        pairs = parse_qsl(value, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        pairs = None
    if not pairs or any(not PARAM_NAME.fullmatch(name) for name, _ in pairs) \
            or REFUSED_CHARACTER.search(value) or "#" in value:
        raise ValueError("must be name=value pairs joined by &, percent-encoded as in a URL, "
                         "such as _shape=objects&state=all")
    return tuple(pairs)


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


HOST_ENTRY = re.compile(r"(?:(?P<scheme>https?)://)?(?P<host>[^:/\[\]]+|\[[0-9a-f:.]+\])"
                        r"(?::(?P<port>[0-9]{1,5}))?/?")


def parse_hosts(value):
    """``[scheme://]host[:port]`` entries, comma-separated -> frozenset of (scheme, host, port).

    A missing scheme (None) means http or https; a missing port (None) the
    scheme's default port, 80 or 443: ``api.example.com`` does not allow the
    host's other ports. Host names are compared lower case.
    """
    entries = set()
    for item in (item.strip().lower() for item in value.split(",")):
        if not item:
            continue
        match = HOST_ENTRY.fullmatch(item)
        valid = match is not None
        if valid:
            scheme, host, port = match.group("scheme", "host", "port")
            probe = "%s://%s%s" % (scheme or "http", host, ":" + port if port else "")
            valid = origin(probe) is not None
        if not valid:
            raise ValueError("must be a comma-separated list of [scheme://]host[:port] entries, "
                             "such as api.example.com, https://api.example.com, 127.0.0.1:8080; "
                             "%s is not one" % item)
        entries.add((scheme, host, int(port) if port else None))
    if value.strip() and not entries:
        raise ValueError("must be a comma-separated list of [scheme://]host[:port] entries")
    return frozenset(entries)


def parse_filters(value):
    """Items ``operator[:form][=parameter]`` -> [(operator, form, parameter or None)]."""
    items = []
    for item in (item.strip() for item in value.split(",")):
        if not item:
            continue
        spec, equals, name = item.partition("=")
        operator, _, form = spec.strip().partition(":")
        items.append((operator, form, name.strip() if equals else None))
    unknown = [operator for operator, _, _ in items if operator not in OPERATORS]
    if unknown:
        raise ValueError("has unknown operator %s; allowed: %s (comma-separated)"
                         % (", ".join('"%s"' % name for name in unknown), ",".join(OPERATORS)))
    for operator, form, name in items:
        if form and form not in FORMS.get(operator, ()):
            raise ValueError('has "%s:%s"; %s takes %s' % (
                operator, form, operator, "no form" if operator not in FORMS
                else "the forms " + ", ".join(FORMS[operator])))
        if name is not None:
            parse_nonempty_param_name(name)
    return items


def parse_op_names(value):
    """``operator[:form]=word`` pairs -> {operator key: word}."""
    words = {}
    for item in (item.strip() for item in value.split(",")):
        if not item:
            continue
        spec, equals, word = item.partition("=")
        operator, _, form = spec.strip().partition(":")
        known = operator in OPERATORS and (not form or form in FORMS.get(operator, ()))
        if not equals or not known:
            raise ValueError("must be operator=word pairs, such as ge=_min,like:prefix=_sw; "
                             "operators: %s" % ",".join(OPERATORS))
        words[param_key(operator, form)] = parse_param_name(word.strip())
    return words


Option = namedtuple("Option", ["parse", "default"])

# Where options may be set (the host enforces it: RestFDW declares them as its
# server_options and user_mapping_options). Where requests go, and where in
# a request the API key goes (api_key_header, api_key_param), is the server
# owner's choice; a user mapping holds credentials and nothing that could
# send them elsewhere. Every other option is a table or server option.
SERVER_OPTIONS = ("url", "allowed_hosts", "rate_limit", "api_key_header", "api_key_param")
USER_MAPPING_OPTIONS = ("token", "api_key", "headers")
REQUIRED = object()
ABSENT = None  # a default: the option's value is None unless given

PAGINATION_STYLES = ("offset", "page", "cursor", "next_url", "link", "none")

TABLE_OPTIONS = {
    "url": Option(parse_http_url, REQUIRED),
    "path": Option(parse_path, ""),
    "collection_path": Option(parse_plain_path, ""),
    "single": Option(parse_optional_bool, ""),
    "records_key": Option(parse_nonempty, "records"),
    "records_path": Option(parse_dotted, ABSENT),
    "total_key": Option(parse_dotted, "total"),  # '': the body holds no count
    "total_header": Option(parse_header_name, ""),  # a header holding the count: X-Total-Count
    "query": Option(parse_query, ""),  # fixed parameters sent with every request
    "max_url_length": Option(parse_positive_int, "8000"),  # longer: filters left to PostgreSQL
    "page_size": Option(parse_positive_int, "1000"),
    "pushdown": Option(parse_bool, "true"),
    "use_remote_estimate": Option(parse_bool, "true"),  # the planner's count: a limit=0 request
    "connect_timeout": Option(parse_seconds, "5"),
    "read_timeout": Option(parse_seconds, "30"),
    "request_timeout": Option(parse_seconds, "300"),  # the whole request, first byte to last
    "default_collation": Option(parse_text, ""),
    # How quals, sort keys and pages become parameters (pushdown.py, pagination.py).
    "filter_style": Option(choice(*FILTER_STYLES), "suffix"),
    "op_names": Option(parse_op_names, ""),
    "in_style": Option(choice("repeat", "join"), "repeat"),
    "separator": Option(parse_separator, ","),
    "repeat_filters": Option(parse_bool, "true"),
    "sort_style": Option(choice(*SORT_STYLES), "dash"),
    "sort_param": Option(parse_param_name, "order"),
    "direction_param": Option(parse_param_name, ""),
    "max_sort_keys": Option(parse_max_keys, ""),
    "null_order": Option(choice(*NULL_ORDERS), "unknown"),  # the columns' default
    "fields_param": Option(parse_param_name, "fields"),
    "pagination": Option(choice(*PAGINATION_STYLES), "offset"),
    "limit_param": Option(parse_param_name, "limit"),
    "offset_param": Option(parse_param_name, "offset"),
    "page_param": Option(parse_nonempty_param_name, "page"),
    "first_page_number": Option(parse_count, "1"),
    "cursor_param": Option(parse_nonempty_param_name, "cursor"),
    "cursor_path": Option(parse_dotted, "next_cursor"),
    "next_path": Option(parse_dotted, "next"),
    "headers": Option(parse_headers, ""),
    "cache_seconds": Option(parse_cache_seconds, "0"),
    "table_name": Option(parse_text, ""),
    "openapi": Option(parse_text, ""),  # read by IMPORT FOREIGN SCHEMA only (openapi.py)
    # Failures: retried (fdw/retry.py) or bounded; see fdw/http.py.
    "retries": Option(parse_count, "3"),
    "retry_max_seconds": Option(parse_seconds, "30"),
    "max_response_bytes": Option(parse_positive_int, str(64 * 1024 * 1024)),
    "max_pages": Option(parse_positive_int, "10000"),
    "rate_limit": Option(parse_rate_limit, ""),  # (count, seconds) or None: fdw/ratelimit.py
    "missing_fields": Option(parse_missing_fields, "error"),
    # Access (fdw/auth.py): the secrets belong in the user mapping.
    "allowed_hosts": Option(parse_hosts, ""),  # entries (scheme or None, host, port or None)
    "token": Option(auth.parse_secret, ""),
    "api_key": Option(auth.parse_secret, ""),
    "api_key_header": Option(auth.parse_header_name, "X-API-Key"),
    "api_key_param": Option(parse_text, ""),
}

COLUMN_OPTIONS = {
    "field": Option(parse_field, REQUIRED),  # always given: parse_table fills in the column name
    "filters": Option(parse_filters, ""),
    "sortable": Option(parse_bool, "false"),
    "null_order": Option(choice(*NULL_ORDERS), ABSENT),  # ABSENT: the table's null_order
    "collation": Option(parse_text, ""),  # the column's COLLATE, 'default'; '': not declared
    # Not in the records: the query parameter its = value fills (a service's required q).
    "query_param": Option(parse_param_name, ""),
}


class ColumnConfig(namedtuple("ColumnConfig", [
        "name",
        "field",        # the record's JSON key, a dotted path (owner.login), or * (the record)
        "filters",      # frozenset of the operators (pushdown.OPERATORS) the service evaluates
        "sortable",
        "null_order",   # where the service puts NULLs in a sort: one of pushdown.NULL_ORDERS
        "collation",    # the collation the column is declared with ('default'); '': not said
        "kind",         # types.INTEGER, TEXT, ...
        "type_name",    # the base type's name, e.g. "integer"
        "width",
        "params",       # operator key -> pushdown.Param: how it is sent
        "query_param",  # not a field: WHERE column = v sends query_param=v; rows hold v
        ], defaults=("",))):
    """One column's options, parsed."""

    __slots__ = ()


class TableConfig(namedtuple("TableConfig", [
        "endpoint",     # url + path (the path may hold {column} placeholders)
        "url",          # the url option: where every request must stay (scheme, host, port)
        "path",
        "placeholders",  # the columns the path names, in order
        "collection_endpoint",  # url + collection_path, or "" when there is none
        "single",       # a request to path answers one record
        "records_key",
        "records_path",  # dotted; "" is the answer itself
        "total_key",
        "page_size",
        "pushdown",
        "connect_timeout",
        "read_timeout",
        "request_timeout",  # seconds a request may take in all (transport.py)
        "default_collation",
        "sort",         # a pushdown.SortStyle
        "fields_param",  # "" when the service takes no field list
        "pagination",   # one of PAGINATION_STYLES
        "limit_param",
        "offset_param",
        "page_param",
        "first_page_number",
        "cursor_param",
        "cursor_path",
        "next_path",
        "headers",      # sent with every request: the headers option, then the credentials
        "cache_seconds",
        "stats_name",   # the table_name option, else the endpoint as errors show it
        "retries",
        "retry_max_seconds",
        "max_response_bytes",
        "max_pages",
        "missing_fields",  # "error" or "null"
        "allowed_hosts",  # frozenset; empty: any host
        "credentials",  # an auth.Credentials
        "columns",      # column name -> ColumnConfig, in table order
        "param_columns",  # the names of the columns whose equality fills a query parameter
        "counted",      # a count request can be trusted to find the number of matching records
        "rate_limit",   # (requests, per seconds) shared by the cluster's backends, or None
        "use_remote_estimate",  # planning asks the service's count (offset style)
        "total_header",  # the response header holding the count; "" when none
        "query",        # fixed (name, value) parameters, part of every endpoint
        "max_url_length",  # characters a request URL may have before filters are dropped
        ])):
    """A foreign table's options, parsed once (parse_table): what every scan reads."""

    __slots__ = ()


def counted(values, count_given):
    """True when a count request can be trusted to find the number of matching records.

    The offset style reads total_key's default ("total"); the others only
    a count their options name (total_header or total_key set), so that a
    table of theirs that never said where its count is does not fail.
    """
    if not (values["total_header"] or values["total_key"]) or not values["limit_param"]:
        return False
    return values["pagination"] == "offset" or (count_given and values["pagination"] != "none")


def parse_table(options, columns, defaults=None, column_defaults=None):
    """A TableConfig from the host's ``options`` and ``columns`` (name -> ColumnDefinition).

    ``defaults`` and ``column_defaults`` (column name -> options) are a
    subclass's own defaults; the user's options override them.
    """
    table_options = dict(defaults or {}, **options)
    values = parse_all(TABLE_OPTIONS, table_options)
    count_given = "total_key" in table_options or "total_header" in table_options
    style = filter_style(values)
    null_order = values.pop("null_order")
    parsed_columns = {}
    for name, definition in columns.items():
        given = dict({"field": name}, **(column_defaults or {}).get(name, {}))
        given.update(definition.options)
        parsed_columns[name] = parse_column(name, definition, given, style, null_order)
    url, path = values.pop("url"), values["path"]
    endpoint_url = build_url(endpoint(url, path), list(values["query"]))
    where = origin(endpoint_url)
    if where is None:
        raise OptionError('options "url" and "path" do not make a valid URL: %s'
                          % redact(endpoint_url))
    if values["allowed_hosts"] and not allowed(where, values["allowed_hosts"]):
        raise OptionError('option "url" names %s, which option "allowed_hosts" does not list'
                          % show_origin(where))
    named = placeholders(path)
    unknown = [name for name in named if name not in parsed_columns]
    if unknown:
        raise OptionError('option "path" names {%s}, which is not a column; columns: %s'
                          % (unknown[0], ", ".join(parsed_columns)))
    collection = values.pop("collection_path")
    single = values.pop("single")
    if values["records_path"] is None:
        values["records_path"] = values["records_key"]
    sort = SortStyle(values.pop("sort_style"), values.pop("sort_param"),
                     values.pop("direction_param"), values.pop("max_sort_keys"))
    if sort.style in ("separate", "direction") and sort.param and not sort.direction_param:
        raise OptionError('option "sort_style" %s needs the option "direction_param" (%s)'
                          % (sort.style, "the parameter of the directions, such as _order"
                             if sort.style == "separate" else
                             "the parameter of a descending sort, such as _sort_desc"))
    if sort.style == "direction":
        sort = sort._replace(max_keys=1)  # one parameter names one column
    if values["pagination"] == "offset" and not (values["limit_param"] and values["offset_param"]):
        raise OptionError('option "pagination" offset needs the options "limit_param" and '
                          '"offset_param"')
    credentials = auth.credentials(**{name: values.pop(name) for name in auth.CREDENTIAL_OPTIONS})
    extra = values.pop("headers")
    twice = sorted(name for name in extra
                   if name.lower() in {sent.lower() for sent in credentials.headers})
    if twice:
        # One request with two identities: whichever the service reads first would win.
        raise OptionError('option "headers" sets %s, which the credentials (token, api_key) '
                          "send already" % ", ".join(twice))
    credentials = credentials._replace(secrets=credentials.secrets + auth.header_secrets(extra))
    headers = dict(extra, **credentials.headers)
    stats_name = values.pop("table_name") or redact(endpoint_url)
    del values["openapi"]
    check_query(values["query"], values, sort, parsed_columns)
    return TableConfig(
        endpoint=endpoint_url, url=url, placeholders=named,
        collection_endpoint=build_url(endpoint(url, collection), list(values["query"]))
        if collection else "",
        single=bool(named) if single is None else single, sort=sort, headers=headers,
        stats_name=stats_name, credentials=credentials, columns=parsed_columns,
        param_columns=tuple(name for name, column in parsed_columns.items()
                            if column.query_param),
        counted=counted(values, count_given), **values)


def check_query(query, values, sort, columns):
    """OptionError when a fixed parameter (the query option) has a name the wrapper also sends.

    The service would get both values, and what it makes of that (the first,
    the last, either) is not known.
    """
    sent = {values[name] for name in ("limit_param", "offset_param", "page_param", "cursor_param",
                                      "fields_param")}
    sent.update((sort.param, sort.direction_param))
    sent.update(param.name for column in columns.values() for param in column.params.values())
    sent.update(column.query_param for column in columns.values())
    for name, _ in query:
        if name in sent:
            raise OptionError('option "query" sets the parameter "%s", which the wrapper sends '
                              "itself (a filter, sort or paging parameter)" % name)


def filter_style(values):
    """The FilterStyle the filter options describe (they are consumed from ``values``)."""
    style = values.pop("filter_style")
    words = dict(STYLE_WORDS[style], **values.pop("op_names"))
    return FilterStyle(style, words, values.pop("in_style"), values.pop("separator"),
                       values.pop("repeat_filters"))


def parse_column(name, definition, given, style, null_order="unknown"):
    """The ColumnConfig of one column, its options ``given`` (defaults included).

    ``null_order`` is the table's, for a column without its own.
    """
    prefix = 'column "%s": ' % name
    column = parse_all(COLUMN_OPTIONS, given, prefix)
    kind = types.kind(definition.base_type_name)
    key = column["field"]
    if key == WHOLE_RECORD and (kind != types.JSON or column["filters"] or column["sortable"]):
        raise OptionError('%soption "field" * (the whole record) needs a json or jsonb column '
                          "without filters or sortable" % prefix)
    if column["query_param"] and (column["filters"] or column["sortable"]
                                  or "field" in definition.options):
        raise OptionError('%soption "query_param" makes a column that is not in the records: it '
                          "takes no field, filters or sortable" % prefix)
    try:
        params = column_params(key, column["filters"], style)
    except ValueError as error:
        raise OptionError('%soption "filters" %s' % (prefix, error)) from None
    return ColumnConfig(
        name=name, field=key, filters=frozenset(item[0] for item in column["filters"]),
        sortable=column["sortable"], null_order=column["null_order"] or null_order,
        collation=column["collation"], kind=kind,
        type_name=definition.base_type_name,
        width=types.width(definition.base_type_name), params=params,
        query_param=column["query_param"])


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
        elif option.default is ABSENT:
            values[name] = None
            continue
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
