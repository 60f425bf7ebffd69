"""/tables/<name>: records a client loads, served in any filter, sort and pagination convention.

    PUT /tables/<name>     {"columns": {"id": "integer", "t": "text", ...}, "records": [{...}, ...]}
    GET /tables/<name>/<filtering>/<paging>

A client (the differential test) loads records once and reads them back
through URLs whose two last segments choose the convention, so that one
foreign table is one convention. Numbers are read and written with their
exact decimal text (JSON numbers have arbitrary precision): nothing goes
through a binary float.

Column types, given in "columns" (every record has exactly these keys; null
is allowed everywhere): integer, number (JSON numbers), text, boolean,
date ("2021-01-31"), timestamp ("2021-01-31T12:00:00.5", no offset),
timestamptz ("2021-01-31T12:00:00.5+02:00", an instant) and json (any
value; never filtered or sorted).

<filtering> is "suffix" or "prefix_op", then optional "-" modifiers:

    suffix     {field}=V (repeated: any may equal), {field}_lt / _lte / _gt / _gte=V,
               {field}_like / _ilike=P, {field}_startswith / _endswith / _contains=T
               and _istartswith / _iendswith / _icontains=T, {field}_glob / _iglob=G
    prefix_op  {field}=eq.V, lt.V, lte.V, gt.V, gte.V, in.(A,"B,C"), like.P, ilike.P,
               match.R, imatch.R (as PostgREST: an in item may be double-quoted, with
               \\" and \\\\ inside; match is a regular expression search)
    -join      suffix: {field}=A,B is one of A or B (the value split at every comma)
    -star      a like / ilike pattern has * for any run, every other character literal;
               without a modifier a pattern is SQL LIKE's: % any run, _ one character,
               \\ escapes
    -regex     a like / ilike pattern is a regular expression (Python's re) found anywhere
               in the text, as json-server's _like; like is case-sensitive
    -regexi    the same, like also ignoring case (json-server's _like does)

A glob (G) has * for any run, ? for one character and [...] for one of a set
(Python's fnmatch, case-sensitive). A regular expression ignoring case
compares with re.IGNORECASE.

<paging> is one of these, then optional modifiers "-nototal" (no count in
answers) and "-cap<N>" (pages never hold more than N records, whatever the
client asks, as GitHub caps per_page at 100):

    offset     limit (default 20; 0: only the total) and offset; {"records", "total"}
    page       page (from 1) and limit (default 20); {"records", "total"}
    cursor     limit, then cursor = the answer's next_cursor (null on the last page);
               {"records", "next_cursor", "total"}
    next_url   limit; the answer's "next" is the next page's URL (null on the last);
               {"records", "next", "total"}
    link       page and limit; the answer is the bare array of records, the next page's
               URL is in the Link header (rel="next", absent on the last page), the total
               in X-Total-Count
    none       every matching record in one answer; {"records", "total"}

Semantics, for every convention. Every filter parameter must hold (repeated
ones too, except the repeated {field}=V of the suffix style, of which any may
equal). A null (or missing) field passes no filter. Operands are read as the
column's type: numbers (integer and number columns) as exact decimals, also
"NaN", "Infinity" and "-Infinity" ordered as PostgreSQL orders them (NaN
above everything); booleans "true" or "false" (false < true); dates, and
timestamps as ISO 8601 (a timestamp operand with an offset is an error);
timestamptz operands are instants, a naive one read as UTC. Text compares by
Unicode code point, case-sensitive. ILIKE and the _i tests compare both
sides folded character by character, as PostgreSQL's ILIKE does: each
character becomes its Python str.lower() when that is one character, and
stays as it is otherwise (İ, whose lower case is two). A value that does not read as
the column's type, an unknown parameter or a filter on a json column is a
400 naming the parameter. order (dash "a,-b" or dot "a.asc,b.desc" items) or
sort with direction (separate: sort=a,b&direction=asc,desc) sorts; NULLs are
larger than every value (last ascending, first descending), as PostgreSQL's
default; records equal on every key keep the order they were loaded in.
fields=a,b keeps only those keys of each record.
"""

import fnmatch
import json
import operator
import re
import threading
from datetime import date, datetime, timezone
from decimal import Decimal

from flask import Blueprint, Response, current_app, g, request

from .common import ParameterError
from .operators import split_in_list
from .pagination import decode_cursor, encode_cursor, link_header, query_fingerprint, url_with
from ..patterns import WHOLE_TEXT_WILDCARDS, LikePatternError, fold, regex_source, split_like

TYPES = ("integer", "number", "text", "boolean", "date", "timestamp", "timestamptz", "json")
FILTER_STYLES = ("suffix", "prefix_op")
FILTER_MODIFIERS = ("join", "star", "regex", "regexi")
PAGINATIONS = ("offset", "page", "cursor", "next_url", "link", "none")
DEFAULT_LIMIT = 20
SUFFIX_OPS = {"lt": "lt", "lte": "le", "gt": "gt", "gte": "ge", "like": "like", "ilike": "ilike",
              "startswith": "startswith", "endswith": "endswith", "contains": "contains",
              "istartswith": "istartswith", "iendswith": "iendswith", "icontains": "icontains",
              "glob": "glob", "iglob": "iglob"}
PREFIX_OPS = {"eq": "eq", "lt": "lt", "lte": "le", "gt": "gt", "gte": "ge", "in": "in",
              "like": "like", "ilike": "ilike", "match": "match", "imatch": "imatch"}
TEXT_OPS = ("like", "ilike", "startswith", "endswith", "contains",
            "istartswith", "iendswith", "icontains", "glob", "iglob", "match", "imatch")
PAGING_PARAMS = {"offset": ("limit", "offset"), "page": ("limit", "page"),
                 "cursor": ("limit", "cursor"), "next_url": ("limit", "cursor"),
                 "link": ("limit", "page"), "none": ()}
ORDER_PARAMS = ("order", "sort", "direction", "fields")
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
OPERAND_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
SPECIAL_NUMBERS = {"-Infinity": (0, 0), "Infinity": (2, 0), "NaN": (3, 0)}

_lock = threading.Lock()


class LoadError(ValueError):
    """A PUT body that is not a table; becomes an HTTP 400."""


# --- JSON with exact numbers -------------------------------------------------------------------

def loads(text):
    """JSON text -> Python, numbers with a fraction or exponent as Decimal (exact)."""
    return json.loads(text, parse_float=Decimal)


def dumps(value):
    """Python (as loads makes it) -> JSON text; a Decimal is written with its own digits."""
    if isinstance(value, Decimal):
        text = str(value)
        if not value.is_finite():
            raise ValueError("JSON has no %s" % text)
        return text
    if isinstance(value, dict):
        return "{%s}" % ",".join("%s:%s" % (json.dumps(key, ensure_ascii=False), dumps(item))
                                 for key, item in value.items())
    if isinstance(value, list):
        return "[%s]" % ",".join(map(dumps, value))
    return json.dumps(value, ensure_ascii=False)


# --- values as keys that compare as the column's type does --------------------------------------

def number_key(value):
    return (1, Decimal(value))


def timestamptz_key(value):
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def timestamp_key(value):
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        raise ValueError("a timestamp has no offset")
    return moment


def date_key(value):
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a date is YYYY-MM-DD")
    return date.fromisoformat(value)


def boolean_key(value):
    if value not in ("true", "false"):
        raise ValueError("a boolean is true or false")
    return value == "true"


def operand_number(text):
    if text in SPECIAL_NUMBERS:
        return SPECIAL_NUMBERS[text]
    if not OPERAND_NUMBER.fullmatch(text):
        raise ValueError("not a number")
    return (1, Decimal(text))


# Record value -> key (the value is already of the JSON type the column takes).
RECORD_KEYS = {
    "integer": number_key, "number": number_key, "text": str, "boolean": bool,
    "date": date_key, "timestamp": timestamp_key, "timestamptz": timestamptz_key,
}
# Operand text -> key.
OPERAND_KEYS = {
    "integer": operand_number, "number": operand_number, "text": str, "boolean": boolean_key,
    "date": date_key, "timestamp": timestamp_key, "timestamptz": timestamptz_key,
}
JSON_TYPES = {
    "integer": (int,), "number": (int, Decimal), "text": (str,), "boolean": (bool,),
    "date": (str,), "timestamp": (str,), "timestamptz": (str,),
}


class Table:
    """Loaded records, in load order, and each one's comparison keys (None for null)."""

    def __init__(self, columns, records):
        if not isinstance(columns, dict) or not columns:
            raise LoadError('"columns" must be an object of column name -> type')
        for name, kind in columns.items():
            if kind not in TYPES:
                raise LoadError('column "%s" has type %r; types: %s' % (name, kind, ", ".join(TYPES)))
        if not isinstance(records, list):
            raise LoadError('"records" must be an array of objects')
        self.columns, self.records, self.keys = columns, records, []
        for number, record in enumerate(records, 1):
            if not isinstance(record, dict) or set(record) != set(columns):
                raise LoadError("record %d must be an object with exactly the keys %s"
                                % (number, ", ".join(columns)))
            self.keys.append({name: self.record_key(name, record[name], number)
                              for name, kind in columns.items() if kind != "json"})

    def record_key(self, name, value, number):
        kind = self.columns[name]
        if value is None:
            return None
        if type(value) not in JSON_TYPES[kind]:
            raise LoadError("record %d: %s is not a %s" % (number, dumps(value), kind))
        try:
            return RECORD_KEYS[kind](value)
        except ValueError as error:
            raise LoadError("record %d: %s is not a %s (%s)" % (number, dumps(value), kind, error))


def tables():
    return current_app.extensions.setdefault("loaded_tables", {})


def error_response(status, message, parameter=None):
    body = {"error": message}
    if parameter is not None:
        body["parameter"] = parameter
    return Response(dumps(body), status=status, mimetype="application/json")


def load(name):
    try:
        body = loads(request.get_data(as_text=True))
        if not isinstance(body, dict):
            raise LoadError('the body must be {"columns": {...}, "records": [...]}')
        table = Table(body.get("columns"), body.get("records"))
    except (ValueError, LoadError) as error:
        return error_response(400, "cannot load table %r: %s" % (name, error))
    with _lock:
        tables()[name] = table
    return Response(dumps({"table": name, "records": len(table.records)}), status=201,
                    mimetype="application/json")


def serve(name, filtering, paging):
    table = tables().get(name)
    if table is None:
        return error_response(404, "no table %r; load it with PUT /tables/%s" % (name, name))
    try:
        convention = Convention.parse(filtering, paging)
        selected = table_filter(table, request.args, convention)
        ordered = sort_rows(table, selected, request.args)
        body, rows, headers = convention.page(table, ordered, request.args,
                                              request.host_url.rstrip("/") + request.path)
    except ParameterError as error:
        return error_response(400, error.message, error.parameter)
    g.rows = rows
    return Response(body, headers=headers, mimetype="application/json")


# --- conventions -------------------------------------------------------------------------------

class Convention:
    """The filter style, its modifiers, the pagination style, whether totals are sent, the cap."""

    def __init__(self, style, join, star, pagination, total, cap, regex=""):
        self.style, self.join, self.star, self.regex = style, join, star, regex
        self.pagination, self.total, self.cap = pagination, total, cap

    @classmethod
    def parse(cls, filtering, paging):
        style, *modifiers = filtering.split("-")
        if style not in FILTER_STYLES or not set(modifiers) <= set(FILTER_MODIFIERS):
            raise ParameterError("filtering", "path segment %r must be %s, then any of -%s"
                                 % (filtering, " or ".join(FILTER_STYLES),
                                    ", -".join(FILTER_MODIFIERS)))
        if "join" in modifiers and style != "suffix":
            raise ParameterError("filtering", "-join goes with suffix only")
        if len(set(modifiers) & {"star", "regex", "regexi"}) > 1:
            raise ParameterError("filtering", "one of -star, -regex, -regexi")
        pagination, *words = paging.split("-")
        cap = None
        total = True
        for word in words:
            if word == "nototal":
                total = False
            elif re.fullmatch(r"cap[1-9][0-9]*", word):
                cap = int(word[3:])
            else:
                pagination = None
        if pagination not in PAGINATIONS:
            raise ParameterError("paging", "path segment %r must be one of %s, then any of "
                                 "-nototal, -cap<N>" % (paging, ", ".join(PAGINATIONS)))
        regex = next((word for word in modifiers if word.startswith("regex")), "")
        return cls(style, "join" in modifiers, "star" in modifiers, pagination, total, cap, regex)

    def size(self, args, low=1):
        limit = integer(args, "limit", DEFAULT_LIMIT, low)
        return limit if self.cap is None else min(limit, self.cap)

    def page(self, table, rows, args, url):
        """(JSON body, number of records, headers) of the page the paging parameters ask for."""
        fields = args.get("fields")
        records = [table.records[i] for i in rows]
        total = {"total": len(rows)} if self.total else {}
        headers = []
        if self.pagination == "none":
            chosen, extra = records, {}
        elif self.pagination == "offset":
            size, start = self.size(args, 0), integer(args, "offset", 0, 0)
            chosen, extra = records[start:start + size], {}
        elif self.pagination in ("page", "link"):
            size, number = self.size(args), integer(args, "page", 1, 1)
            chosen = records[(number - 1) * size:number * size]
            extra = {}
            if self.pagination == "link":
                if number * size < len(records):
                    headers.append(("Link", link_header(
                        [(url_with(url, args, {"page": str(number + 1)}), "next")])))
                if self.total:
                    headers.append(("X-Total-Count", str(len(records))))
        else:  # cursor, next_url: the cursor holds the position, bound to the query
            size = self.size(args)
            fingerprint = query_fingerprint(args, ("cursor",))
            start = decode_cursor("cursor", args["cursor"], fingerprint) if "cursor" in args else 0
            chosen = records[start:start + size]
            after = start + size
            token = encode_cursor(after, fingerprint) if after < len(records) else None
            if self.pagination == "cursor":
                extra = {"next_cursor": token}
            else:
                extra = {"next": None if token is None else url_with(url, args, {"cursor": token})}
        if fields is not None:
            keep = [key for key in fields.split(",") if key]
            if not set(keep) <= set(table.columns):
                raise ParameterError("fields", "parameter 'fields' names unknown keys in %r; "
                                     "columns: %s" % (fields, ", ".join(table.columns)))
            chosen = [{key: record[key] for key in keep} for record in chosen]
        if self.pagination == "link":
            return dumps(chosen), len(chosen), headers
        return dumps(dict({"records": chosen}, **extra, **total)), len(chosen), headers


def integer(args, name, default, low):
    if name not in args:
        return default
    text = args[name]
    if not re.fullmatch(r"[0-9]+", text) or int(text) < low:
        raise ParameterError(name, "parameter %r must be an integer >= %d, got %r" % (name, low, text))
    return int(text)


# --- filters -----------------------------------------------------------------------------------


def like_regex(pattern, star, lower):
    """A compiled regex fullmatching what the pattern matches (SQL LIKE, or * patterns)."""
    if lower:
        pattern = fold(pattern)
    if star:
        return re.compile(".*".join(re.escape(piece) for piece in pattern.split("*")), re.DOTALL)
    return re.compile(regex_source(split_like(pattern), WHOLE_TEXT_WILDCARDS), re.DOTALL)


COMPARE = {"eq": operator.eq, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
           "ge": operator.ge}
TEXT_TESTS = {
    "startswith": str.startswith, "endswith": str.endswith, "contains": str.__contains__,
}


def make_test(table, name, op, operand, convention, param=None):
    """A function key -> bool for one filter on column ``name``; ParameterError for a bad operand.

    ``param`` is the parameter as the request named it (for messages; default ``name``).
    """
    kind = table.columns[name]
    name = param or name
    if kind == "json":
        raise ParameterError(name, "parameter %r: json columns take no filter" % name)

    def read(text):
        try:
            return OPERAND_KEYS[kind](text)
        except ValueError:
            raise ParameterError(name, "parameter %r: %r is not a %s" % (name, text, kind)) from None

    if op in TEXT_OPS:
        if kind != "text":
            raise ParameterError(name, "parameter %r: %s applies to text only" % (name, op))
        if op in ("match", "imatch") or (op in ("like", "ilike") and convention.regex):
            ignore_case = op in ("imatch", "ilike") or convention.regex == "regexi"
            try:
                regex = re.compile(operand, re.IGNORECASE if ignore_case else 0)
            except re.error as error:
                raise ParameterError(name, "parameter %r: bad regular expression %r: %s"
                                     % (name, operand, error)) from None
            return lambda key: regex.search(key) is not None
        if op in ("glob", "iglob"):
            lower = op == "iglob"
            regex = re.compile(fnmatch.translate(fold(operand) if lower else operand))
            if lower:
                return lambda key: regex.match(fold(key)) is not None
            return lambda key: regex.match(key) is not None
        if op in ("like", "ilike"):
            try:
                regex = like_regex(operand, convention.star, op == "ilike")
            except LikePatternError as error:
                raise ParameterError(name, "parameter %r: bad pattern %r: %s"
                                     % (name, operand, error)) from None
            if op == "like":
                return lambda key: regex.fullmatch(key) is not None
            return lambda key: regex.fullmatch(fold(key)) is not None
        if op.startswith("i"):
            test, text = TEXT_TESTS[op[1:]], fold(operand)
            return lambda key: test(fold(key), text)
        test = TEXT_TESTS[op]
        return lambda key: test(key, operand)
    if op == "in":
        wanted = {read(item) for item in operand}
        return lambda key: key in wanted
    value = read(operand)
    compare = COMPARE[op]
    return lambda key: compare(key, value)


def parse_filters(table, args, convention):
    """[(column, test)] of the request's filter parameters; ParameterError for anything unknown."""
    paging = PAGING_PARAMS[convention.pagination]
    tests = []
    for param in args:
        if param in paging or param in ORDER_PARAMS:
            continue
        values = args.getlist(param)
        if convention.style == "suffix":
            column, op = suffix_param(table, param)
            if op == "eq":
                items = [item for value in values
                         for item in (value.split(",") if convention.join else [value])]
                tests.append((column, make_test(table, column, "in", items, convention, param)))
                continue
            tests += [(column, make_test(table, column, op, value, convention, param))
                      for value in values]
        else:
            if param not in table.columns:
                raise unknown(table, param)
            for value in values:
                operator, dot, text = value.partition(".")
                if not dot or operator not in PREFIX_OPS:
                    raise ParameterError(param, "parameter %r must be <operator>.<value>, operators "
                                         "%s; got %r" % (param, ", ".join(PREFIX_OPS), value))
                op = PREFIX_OPS[operator]
                operand = split_in_list(param, text) if op == "in" else text
                tests.append((param, make_test(table, param, op, operand, convention)))
    return tests


def suffix_param(table, param):
    """(column, op) of a suffix-style parameter name."""
    if param in table.columns:
        return param, "eq"
    for suffix, op in SUFFIX_OPS.items():
        if param.endswith("_" + suffix) and param[:-len(suffix) - 1] in table.columns:
            return param[:-len(suffix) - 1], op
    raise unknown(table, param)


def unknown(table, param):
    return ParameterError(param, "unknown parameter %r; columns: %s"
                          % (param, ", ".join(table.columns)))


def table_filter(table, args, convention):
    """The positions of the records passing every filter, in load order."""
    tests = parse_filters(table, args, convention)
    keys = table.keys
    return [i for i in range(len(keys))
            if all(keys[i][column] is not None and test(keys[i][column]) for column, test in tests)]


# --- sort --------------------------------------------------------------------------------------

def sort_keys(table, args):
    """[(column, descending)] from order (dash or dot items) or sort + direction."""
    if "order" in args and "sort" in args:
        raise ParameterError("sort", "give order or sort, not both")
    if "order" in args:
        items = []
        for item in args["order"].split(","):
            if item.endswith(".asc") or item.endswith(".desc"):
                column, _, direction = item.rpartition(".")
                items.append((column, direction == "desc"))
            else:
                items.append((item[1:], True) if item.startswith("-") else (item, False))
    elif "sort" in args:
        names = args["sort"].split(",")
        directions = args.get("direction", "").split(",") if "direction" in args else []
        if len(directions) > len(names) or not set(directions) <= {"asc", "desc"}:
            raise ParameterError("direction", "direction must be asc or desc items, one per sort key")
        directions += ["asc"] * (len(names) - len(directions))
        items = [(column, direction == "desc") for column, direction in zip(names, directions)]
    else:
        return []
    for column, _ in items:
        if table.columns.get(column, "json") == "json":
            raise ParameterError("order", "cannot sort by %r; sortable columns: %s" % (
                column, ", ".join(c for c, kind in table.columns.items() if kind != "json")))
    return items


def sort_rows(table, rows, args):
    """The positions sorted by the request's sort keys, NULLs larger than every value; stable."""
    result = list(rows)
    for column, descending in reversed(sort_keys(table, args)):
        result.sort(key=lambda i: (1, 0) if table.keys[i][column] is None
                    else (0, table.keys[i][column]), reverse=descending)
    return result


def register(bp: Blueprint) -> set[str]:
    """Add PUT /tables/<name> and GET /tables/<name>/<filtering>/<paging> to bp; their endpoints."""
    bp.add_url_rule("/tables/<name>", "load_table", load, methods=["PUT"])
    bp.add_url_rule("/tables/<name>/<filtering>/<paging>", "serve_table", serve, methods=["GET"])
    return {f"{bp.name}.load_table", f"{bp.name}.serve_table"}
