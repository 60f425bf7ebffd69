"""IMPORT FOREIGN SCHEMA from an OpenAPI 3 document: a foreign table per GET collection endpoint.

The document is the server's ``openapi`` option (or the IMPORT's): an http(s)
URL, or a file on the database server; by default ``<url>/openapi.json``.
The remote schema name is not used: LIMIT TO and EXCEPT pick tables by name.

Who may read what: a URL obeys the URL rules and ``allowed_hosts`` like any
request; the user mapping's credentials go with it only to the url option's
scheme, host and port, and another origin must be listed in
``allowed_hosts``. A file is read only for a role PostgreSQL lets read
server files (a superuser, or with the privileges of pg_read_server_files,
as COPY FROM a file asks), only when it is a regular file, at most
``max_response_bytes`` of it, and a cancel stops the read. Every refused
or unreadable file gives one and the same error, so an ERROR never tells
whether a path exists.

How large: a document is read whole, so ``max_response_bytes`` bounds it
twice, as it bounds an answer: its bytes, and the memory it takes once read,
estimated before anything is built (http.parsed_size as JSON; for YAML a
count of the parser's events, check_yaml). YAML aliases may not make it
recursive nor expand it past MAX_YAML_NODES nodes.

For each GET path without ``{placeholders}`` whose answer holds a list of
objects, a table named after the path's segments (``/v1/books`` ->
``v1_books``):

* columns: the record's properties; integer -> bigint (integer for int32),
  number -> double precision, string -> text (date-time -> timestamptz, date
  -> date), boolean -> boolean, objects and arrays -> jsonb. A filter on a
  nested field (``owner.login``) adds a column for it (``owner_login``).
* filters, from each query parameter's ``x-filter`` (vocabulary in
  mock_service/resources/common.py), else from the names ``{field}``,
  ``{field}_gte``, ``_gt``, ``_lte``, ``_lt``; text ILIKE tests only where the
  document says the service compares lower-cased text.
* sorting, from the ``x-pagination`` sort parameters: ``-field`` values,
  ``field.desc`` values, or a sort and a direction parameter. Only columns the
  schema says are always there and never null are sortable.
* pagination, from ``x-pagination`` (style offset, page, cursor, next_url or
  link), else from parameter names (limit/offset, page, cursor); page_size is
  the service's largest page.
* text sorts and ranges are pushed only under a code point collation: give
  such columns ``COLLATE "C"`` afterwards (ALTER FOREIGN TABLE ... ALTER
  COLUMN ... TYPE text COLLATE "C"), or set ``default_collation 'C'`` when the
  database's collation is C. (A column's COLLATE cannot follow its OPTIONS.)

``/things/{id}`` next to ``/things``, its placeholder a field of the records,
becomes the ``things`` table's path (``collection_path '/things'``): a query
with ``WHERE id = ...`` asks for the one record. Other paths with
placeholders are skipped. The IMPORT's options other than ``openapi`` are
table options given to every table.
"""
import datetime
import json
import logging
import os
import re
import stat
import sys

from . import auth, http, interrupts
from .errors import UNSTORABLE, FdwError
from .multicorn_compat import ColumnDefinition, TableDefinition, log_to_postgres
from .options import SERVER_OPTIONS, TABLE_OPTIONS, OptionError, parse_table
from .pushdown import STYLE_WORDS, param_key
from .records import WHOLE_RECORD
from .urls import endpoint, origin, placeholders, redact

DEFAULT_DOCUMENT = "/openapi.json"
FILE_CHUNK = 1024 * 1024  # bytes read between two checks for a cancel
CREDENTIALS = auth.CREDENTIAL_OPTIONS + ("headers",)  # what goes only to the url's origin
MAX_REF_DEPTH = 32
MAX_RESOLUTIONS = 100_000  # schemas resolved for one document: far more than a real API needs
# The most nodes (mappings, sequences, scalars) a YAML document may expand to, each alias
# counted as the nodes it stands for: far more than a real API needs, and a bound on the
# work a document of aliases of aliases ("billion laughs") could make.
MAX_YAML_NODES = 5_000_000
# The memory a YAML document takes while PyYAML reads it (its nodes with their marks, and
# the Python values made from them), per node, alias and end of a collection, beyond its
# text: measured with tracemalloc (CPython 3.11, PyYAML 6 with libyaml) at 350-440 bytes
# for scalars, mappings and sequences and 490 for !!binary; a fifth more for the allocator.
YAML_EVENT_BYTES = 600
INTERRUPT_EVENTS = 4096  # YAML events counted between two checks for a cancel
DOCUMENT_HINT = ("Set the openapi option to the service's OpenAPI 3 or Swagger 2.0 document "
                 "(JSON or YAML).")
LARGE_DOCUMENT_HINT = ("The document is read whole into memory: raise max_response_bytes (an "
                       "option of the server, or of IMPORT FOREIGN SCHEMA) to read it.")
INTERRUPT_EVERY = 256  # schemas resolved between two checks for a cancel
SQL_WILDCARDS = {"any_run": "%", "any_char": "_", "escape": "\\"}
CONVENTIONS = {"": "eq", "_gte": "ge", "_gt": "gt", "_lte": "le", "_lt": "lt"}
ORDERED = ("lt", "le", "gt", "ge")
ALWAYS_SET = ("path", "records_path", "pagination")  # other options only when not the default
PAGINATION_KEYS = {  # x-pagination key -> table option, per style
    "offset": {"total": "total_key", "limit_param": "limit_param", "offset_param": "offset_param"},
    "page": {"total": "total_key", "page_param": "page_param", "limit_param": "limit_param",
             "first_page": "first_page_number"},
    "cursor": {"next_cursor": "cursor_path", "cursor_param": "cursor_param",
               "limit_param": "limit_param"},
    "next_url": {"next": "next_path", "limit_param": "limit_param"},
    "link": {"limit_param": "limit_param"},
}


def import_schema(srv_options, options, restriction_type, restricts):
    """The TableDefinitions of IMPORT FOREIGN SCHEMA (see the module's docstring)."""
    extra = {name: value for name, value in options.items() if name != "openapi"}
    unknown = sorted(set(extra) - set(TABLE_OPTIONS))
    if unknown:
        raise OptionError('IMPORT FOREIGN SCHEMA: unknown option "%s"; it takes openapi and '
                          "table options" % unknown[0])
    misplaced = sorted(set(extra) & set(SERVER_OPTIONS + auth.CREDENTIAL_OPTIONS))
    if misplaced:
        raise OptionError('IMPORT FOREIGN SCHEMA: option "%s" belongs to the server or a user '
                          "mapping, not to tables" % misplaced[0])
    location = options.get("openapi") or srv_options.get("openapi") \
        or endpoint(srv_options.get("url", ""), DEFAULT_DOCUMENT)
    tables = table_definitions(load(location, dict(srv_options, **extra)), extra)
    wanted = set(restricts or ())
    if restriction_type == "limit":
        tables = [table for table in tables if table.table_name in wanted]
    elif restriction_type == "except":
        tables = [table for table in tables if table.table_name not in wanted]
    return tables


def load(location, srv_options):
    """The OpenAPI document at an http(s) URL (fetched like any page) or in a file."""
    if re.match(r"https?://", location, re.IGNORECASE):
        try:
            document = fetch(location, srv_options)
        except http.TooLarge as error:
            error.hint = LARGE_DOCUMENT_HINT
            raise
        except FdwError as error:
            if " answered HTTP 404" in error.message:
                error.hint = ("No OpenAPI document there: set the openapi option (of the server "
                              "or of IMPORT FOREIGN SCHEMA) to the document's URL%s."
                              % (", such as <url>/openapi.yaml or <url>/swagger.json"
                                 if location.endswith(DEFAULT_DOCUMENT) else ""))
            raise
        location = redact(location)
    else:
        config = parse_table(dict(srv_options, url=srv_options.get("url") or "http://localhost",
                                  path="", collection_path=""), {})
        document = read_file(location, config.max_response_bytes)
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise FdwError("%s is not an OpenAPI document (it has no paths)" % location,
                       hint=DOCUMENT_HINT)
    return document


def fetch(location, srv_options):
    """The document at an http(s) URL, JSON or YAML: the credentials go only to the url option's
    origin. FdwError when it cannot be fetched or read (http.TooLarge when it is larger than
    max_response_bytes allows, raw or once parsed as JSON)."""
    where = origin(location)
    if where is None or where != origin(srv_options.get("url", "")):
        srv_options = {name: value for name, value in srv_options.items()
                       if name not in CREDENTIALS}
        if where is not None and not srv_options.get("allowed_hosts"):
            raise FdwError("the OpenAPI document %s is not on the url option's scheme, host and "
                           "port" % redact(location),
                           hint="List its origin in the server's allowed_hosts option (it is "
                                "then fetched without credentials), or use the default "
                                "<url>/openapi.json.")
    config = parse_table(dict(srv_options, url=location, path="", collection_path=""), {})
    text = http.get_text(config, location)
    try:
        return parse_document(text, config.max_response_bytes)
    except NotADocument as error:
        raise FdwError("the OpenAPI document %s cannot be read: %s"
                       % (redact(location), http.quoted(config, str(error))),
                       hint=error.hint) from None
    except RecursionError:
        raise FdwError("the OpenAPI document %s cannot be read: it is nested too deeply"
                       % redact(location), hint=DOCUMENT_HINT) from None


def may_read_server_files():
    """PostgreSQL's answer for the current user (restcorn_engine.can_read_server_files).

    False where the host cannot say (Multicorn2): files are then refused.
    """
    engine = sys.modules.get("restcorn_engine")
    check = getattr(engine, "can_read_server_files", None)
    return bool(check()) if check is not None else False


def read_file(location, limit):
    """The JSON or YAML document in the server file ``location``: at most ``limit`` bytes, and
    at most ``limit`` bytes once parsed (http.parsed_size as JSON; YAML as parse_document reads it).

    One FdwError, the same for every refusal or failure (not allowed, no such
    file, not a regular file, unreadable, too large, not a document): it
    shows the path as given and nothing about the file.
    """
    refused = FdwError("cannot read the OpenAPI document %s" % location,
                       hint="A file is read only for superusers and members of "
                            "pg_read_server_files, when it is a regular JSON file of at most "
                            "max_response_bytes; others give the service's URL.")
    if not may_read_server_files():
        raise refused
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer.
        descriptor = os.open(location, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, ValueError):
        raise refused from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            raise refused
        data = bytearray()
        while len(data) <= limit:
            interrupts.check()
            chunk = os.read(descriptor, FILE_CHUNK)
            if not chunk:
                break
            data += chunk
        if len(data) > limit or http.parsed_size(data) > limit:
            raise refused
        return parse_document(data.decode("utf-8"), limit)
    except (OSError, ValueError, RecursionError):
        raise refused from None
    finally:
        os.close(descriptor)


class NotADocument(ValueError):
    """A text that is no document this module reads; the message says why, ``hint`` what to do."""

    def __init__(self, message, hint=DOCUMENT_HINT):
        super().__init__(message)
        self.hint = hint


def parse_document(text, budget):
    """A JSON or YAML document (a str); NotADocument (or RecursionError) when it is neither, or
    when reading it as YAML would take more than ``budget`` bytes.

    The caller has checked that it takes at most ``budget`` bytes once parsed
    as JSON (http.parsed_size). YAML is read by PyYAML's safe loader (no tags
    that build objects; libyaml's when PyYAML has it), and only when the text
    is not JSON, so that a JSON document never imports it; check_yaml bounds
    it before a node is built.
    """
    try:
        return json.loads(text)
    except ValueError:
        pass
    import yaml  # here: JSON documents, and queries, never need it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        check_yaml(text, budget, loader)
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        raise NotADocument("it is neither JSON nor YAML (%s)" % " ".join(str(error).split())
                           ) from None


def check_yaml(text, budget, loader):
    """NotADocument when reading the YAML ``text`` (with PyYAML's ``loader``) would take more
    than ``budget`` bytes, when its aliases expand it past MAX_YAML_NODES nodes, or when an
    alias is inside its own anchor (a recursive document); yaml.YAMLError when it is no YAML.

    One pass over the parser's events, which builds no node: each node, alias
    and end of a collection counts YAML_EVENT_BYTES, and the text three times
    (the parser's UTF-8 copy of it, and the strings read from that). Each
    alias counts as the nodes it stands for towards MAX_YAML_NODES. The pass
    stops at the first bound passed; a pending cancel ends it (interrupts.check).
    """
    import yaml

    most = (budget - 3 * sys.getsizeof(text)) // YAML_EVENT_BYTES  # events the budget allows
    events = nodes = aliases = 0
    anchored = {}  # anchor -> the nodes its node stands for
    open_anchors = set()  # anchors of the collections being read
    stack = [[None, 0]]  # per open collection (the stream's at the bottom): anchor, nodes so far
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent,
                              yaml.DocumentStartEvent, yaml.DocumentEndEvent)):
            continue
        events += 1
        if events > most:
            raise NotADocument("its YAML would take more than max_response_bytes (%d) once read: "
                               "about %d bytes for its text and %d for its first %d nodes"
                               % (budget, 3 * sys.getsizeof(text), events * YAML_EVENT_BYTES,
                                  nodes), hint=LARGE_DOCUMENT_HINT)
        if events % INTERRUPT_EVENTS == 0:
            interrupts.check()
        if isinstance(event, yaml.CollectionStartEvent):
            nodes += 1
            stack.append([event.anchor, 1])
            open_anchors.add(event.anchor)
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
            open_anchors.discard(anchor)
        elif isinstance(event, yaml.AliasEvent):
            nodes += 1
            aliases += 1
            if event.anchor in open_anchors:
                raise NotADocument("a YAML alias makes it recursive")
            anchor, size = None, anchored.get(event.anchor, 1)
        else:  # a scalar
            nodes += 1
            anchor, size = event.anchor, 1
        if anchor is not None:
            anchored[anchor] = size
        stack[-1][1] += size
        if stack[-1][1] > MAX_YAML_NODES:
            raise NotADocument("its YAML aliases expand it to more than %d nodes" % MAX_YAML_NODES
                               if aliases else
                               "its YAML has more than %d nodes" % MAX_YAML_NODES)


def skipped(path, reason):
    """A NOTICE that the GET endpoint ``path`` becomes no table, and why."""
    log_to_postgres("IMPORT FOREIGN SCHEMA: GET %s skipped: %s" % (shown_path(path), reason),
                    logging.INFO)


def skipped_property(path, name, reason):
    """A NOTICE that the record property ``name`` of GET ``path`` gets no column, and why."""
    log_to_postgres("IMPORT FOREIGN SCHEMA: GET %s: property %s gets no column: %s"
                    % (shown_path(path), json.dumps(name, ensure_ascii=not storable(name)),
                       reason), logging.INFO)


def shown_path(path):
    """A path as NOTICEs show it: as is, or as JSON when it is no string (as YAML may make it:
    ``null``) or one PostgreSQL cannot store."""
    return path if storable(path) else json.dumps(path, default=str)


def storable(text):
    """True when ``text`` is a string PostgreSQL can store: no NUL, no lone UTF-16 surrogate
    (which a JSON document may hold as ``\\u0000`` and ``\\ud800``)."""
    return isinstance(text, str) and not UNSTORABLE.search(text)


MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1: PostgreSQL cuts longer names to this
SYSTEM_COLUMNS = frozenset({"tableoid", "ctid", "xmin", "cmin", "xmax", "cmax"})


def identifier(name):
    """``name`` as PostgreSQL keeps it as a column name: cut to MAX_IDENTIFIER_BYTES bytes of
    UTF-8 at a character's end (pg_mbcliplen); the column then reads the field by option."""
    if not isinstance(name, str):  # a YAML key (1:): refused by not_strings
        return name
    data = name.encode("utf-8", "surrogatepass")
    return name if len(data) <= MAX_IDENTIFIER_BYTES else \
        data[:MAX_IDENTIFIER_BYTES].decode("utf-8", "ignore")


# What a part of a document of the wrong kind raises where it is read (a list where an object
# belongs has no .get, a number no .split): its endpoint is skipped, with the reason.
MALFORMED = (AttributeError, TypeError, ValueError, KeyError)


def table_definitions(document, extra=None):
    """A TableDefinition per GET collection endpoint of ``document``, by name.

    Every GET endpoint that becomes no table is named in a NOTICE with the
    reason, those with a path that is not a string and those with a part of
    the wrong kind (a list where OpenAPI has an object: YAML makes any kind)
    included.
    """
    spec = Spec(document)
    endpoints = []  # (path, operation) of each GET
    for path, item in document["paths"].items():
        operation = item.get("get") if isinstance(item, dict) else None
        if operation is None:
            continue
        if not isinstance(path, str):
            skipped(path, "its path is %s, not a string" % kind(path))
        elif not isinstance(operation, dict):
            skipped(path, "its operation is %s, not an object" % kind(operation))
        else:
            endpoints.append((path, operation))
    tables = {}
    for path, operation in endpoints:
        if not placeholders(path):
            try:
                table = spec.table(path, operation)
            except MALFORMED as error:
                table = malformed(error)
            if isinstance(table, str):
                skipped(path, table)
            elif table is None:
                skipped(path, "its answer holds no list of objects with properties")
            elif table.table_name in tables:
                skipped(path, "its table name %s is taken" % table.table_name)
            else:
                tables[table.table_name] = table
    for path, operation in endpoints:
        if placeholders(path):
            try:
                found = spec.single_path(tables, path, operation)
            except MALFORMED as error:
                skipped(path, malformed(error))
                continue
            if not found:
                skipped(path, "a path with {placeholders} other than the record key of a "
                              "listed collection")
    for table in tables.values():
        table.options.update(extra or {})
    return [tables[name] for name in sorted(tables)]


def malformed(error):
    """The reason an endpoint is skipped when reading it raised ``error`` (one of MALFORMED)."""
    return "a part of its description is not of the kind OpenAPI gives it (%s: %s)" % (
        type(error).__name__, error)


def kind(value):
    """What a document's value is, in JSON's words: ``a number (1)``, ``null``, ``an array``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean (%s)" % ("true" if value else "false")
    if isinstance(value, (int, float)):
        return "a number (%s)" % value
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bytes):
        return "binary data (!!binary)"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date (%s)" % value.isoformat()
    return "a %s" % type(value).__name__  # a set (!!set)


def table_name(path):
    """``/v1/books`` -> ``v1_books``: the path's segments, other characters as ``_``."""
    segments = [segment for segment in path.split("/") if segment and not placeholders(segment)]
    return re.sub(r"[^a-z0-9_]", "_", "_".join(segments).lower())


def column_type(schema):
    """The PostgreSQL type of a JSON schema's values."""
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1: ["string", "null"]
        kind = next((item for item in kind if item != "null"), None)
    if kind == "integer":
        return "integer" if schema.get("format") == "int32" else "bigint"
    if kind == "number":
        return "double precision"
    if kind == "boolean":
        return "boolean"
    if kind == "string":
        return {"date-time": "timestamp with time zone", "date": "date"}.get(
            schema.get("format"), "text")
    return "jsonb"


class Spec:
    """The document, with $ref resolution, and the rules that read one operation."""

    def __init__(self, document):
        self.document = document
        self.resolved = {}  # ($ref, depth) -> its resolution: each is worked out once
        self.work = 0  # schemas resolved so far, at most MAX_RESOLUTIONS

    def resolve(self, schema, depth=0):
        """``schema`` with local ``$ref``s followed ({} for one that leads nowhere).

        FdwError past MAX_RESOLUTIONS schemas (a document whose references
        multiply); a pending cancel ends the work (interrupts.check).
        """
        self.work += 1
        if self.work % INTERRUPT_EVERY == 0:
            interrupts.check()
        if self.work > MAX_RESOLUTIONS:
            raise FdwError("the OpenAPI document needs more than %d schema resolutions"
                           % MAX_RESOLUTIONS,
                           hint="Its $ref, allOf, oneOf and anyOf references multiply; simplify "
                                "the document, or create the foreign tables by hand.")
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str) \
                and depth < MAX_REF_DEPTH:
            key = (schema["$ref"], depth)
            if key not in self.resolved:
                self.resolved[key] = self._resolve(schema, depth)
            return self.resolved[key]
        return self._resolve(schema, depth)

    def _resolve(self, schema, depth):
        while isinstance(schema, dict) and "$ref" in schema and depth < MAX_REF_DEPTH:
            reference = schema["$ref"]
            if not isinstance(reference, str) or not reference.startswith("#/"):
                return {}
            schema = self.document
            for key in reference[2:].split("/"):
                key = key.replace("~1", "/").replace("~0", "~")
                schema = schema.get(key) if isinstance(schema, dict) else None
            depth += 1
        if not isinstance(schema, dict):
            return {}
        if "allOf" in schema:
            return self.merged(schema, depth)
        if "oneOf" in schema or "anyOf" in schema:
            return self.alternatives(schema, depth)
        return schema

    def alternatives(self, schema, depth):
        """A ``oneOf`` / ``anyOf`` of object schemas as one: every part's properties, none required.

        Any other mix gives {} (no record shape fits every alternative).
        """
        parts = [self.resolve(part, depth + 1)
                 for part in schema.get("oneOf") or schema.get("anyOf") or ()
                 if depth < MAX_REF_DEPTH]
        if not parts or any(part.get("type", "object") != "object" or not part.get("properties")
                            for part in parts):
            return {}
        properties = {}
        for part in parts:
            for name, value in part["properties"].items():
                properties.setdefault(name, value)
        return {"type": "object", "properties": properties}

    def merged(self, schema, depth):
        """An ``allOf`` schema as one: the parts' properties and required lists together.

        A part that is itself an object schema of another type gives {}.
        """
        parts = [self.resolve(part, depth + 1) for part in schema.get("allOf") or ()
                 if depth < MAX_REF_DEPTH]
        parts.append({key: value for key, value in schema.items() if key != "allOf"})
        kinds = {part.get("type") for part in parts} - {None}
        if len(kinds) > 1:
            return {}
        result = {"properties": {}, "required": []}
        for part in parts:
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    result["properties"].update(value)
                elif key == "required" and isinstance(value, list):
                    result["required"] += value
                elif key not in ("properties", "required"):
                    result[key] = value
        if kinds or result["properties"]:
            result.setdefault("type", next(iter(kinds), "object"))
        return result

    def answer_schema(self, operation):
        """(the schema of the 200 answer's JSON body, the answer object); Swagger 2.0 too.

        The status codes are read as strings: YAML reads an unquoted ``200:`` as a number.
        """
        responses = {str(code): answer
                     for code, answer in (operation.get("responses") or {}).items()}
        answer = self.resolve(responses.get("200") or responses.get("2XX") or {})
        if "schema" in answer:  # Swagger 2.0: the schema is on the response itself
            return self.resolve(answer["schema"]), answer
        content = answer.get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), {})
        return self.resolve(media.get("schema")), answer

    def records(self, schema, path):
        """The object schema of the records at the dotted ``path`` of an answer, or None."""
        for key in path.split(".") if path else ():
            schema = self.resolve((schema.get("properties") or {}).get(key))
        if schema.get("type") != "array":
            return None
        items = self.resolve(schema.get("items"))
        return items if items.get("type") == "object" and items.get("properties") else None

    def find_records(self, schema):
        """The dotted path of the first list of objects in an answer (at most two levels down)."""
        if self.records(schema, "") is not None:
            return ""
        for name, child in (schema.get("properties") or {}).items():
            if self.records(schema, name) is not None:
                return name
            for inner in (self.resolve(child).get("properties") or {}):
                if self.records(schema, name + "." + inner) is not None:
                    return name + "." + inner
        return None

    def parameters(self, operation):
        return [parameter for parameter in map(self.resolve, operation.get("parameters") or ())
                if parameter.get("in") == "query" and parameter.get("name")]

    def table(self, path, operation):
        """The TableDefinition of one GET operation; None when it lists no records, or the reason
        it becomes no table."""
        name = table_name(path)
        responses = operation.get("responses")
        if responses is not None and not isinstance(responses, dict):
            return "its responses are %s, not an object" % kind(responses)
        schema, answer = self.answer_schema(operation)
        paging = operation.get("x-pagination") or guess_paging(self, operation, schema, answer)
        records_path = paging.get("records")
        if records_path is None:
            records_path = self.find_records(schema)
        record = self.records(schema, records_path) if records_path is not None else None
        if not name or record is None:
            return None
        if paging.get("style") == "cursor" and not paging.get("next_cursor"):
            return "it pages by cursor, but its answer has no property for the next cursor"
        builder = TableBuilder(self, record)
        parameters = {p["name"]: p for p in self.parameters(operation)}
        for parameter in parameters.values():
            builder.add_filter(parameter)
        builder.add_sort(paging, parameters)
        options = {"path": path, "records_path": records_path}
        options.update(paging_options(paging))
        used = {value for option, value in options.items() if option.endswith("_param")}
        used.update(value for key, value in paging.items() if key.endswith("_param"))
        for parameter in parameters.values():
            if parameter.get("required") is True and parameter["name"] not in used:
                builder.add_required(parameter)
        maximum = one_value(self, parameters.get(options.get("limit_param"))).get("maximum")
        if isinstance(maximum, int) and not isinstance(maximum, bool) and maximum > 0 \
                and int(options.get("page_size", TABLE_OPTIONS["page_size"].default)) > maximum:
            options["page_size"] = str(maximum)  # the spec's largest page
        options.update(builder.options())
        if not any(parameter["name"] == "fields" for parameter in self.parameters(operation)):
            options["fields_param"] = ""
        options = {option: value for option, value in options.items()
                   if option in ALWAYS_SET or value != TABLE_OPTIONS[option].default}
        columns = builder.columns(path)
        wrong = next(not_strings(columns, options), None)
        if wrong is not None:
            return "%s %s is %s, not a string" % (wrong[0], wrong[1], kind(wrong[2]))
        wrong = next((option for option, value in options.items() if not storable(value)), None) \
            or next((option for column in columns for option, value in column.options.items()
                     if not storable(value)), None)
        if wrong is not None:
            return "its %s option would hold a character PostgreSQL cannot store (NUL, or a " \
                "lone UTF-16 surrogate)" % wrong
        return TableDefinition(name, columns=columns, options=options)

    def single_path(self, tables, path, operation):
        """Make ``/things/{id}`` the path of the ``things`` table, when it names one record."""
        parent, _, last = path.rstrip("/").rpartition("/")
        names = placeholders(last)
        table = tables.get(table_name(parent))
        if table is None or placeholders(parent) or len(names) != 1 or last != "{%s}" % names[0]:
            return False
        parameter = next((p for p in map(self.resolve, operation.get("parameters") or ())
                          if p.get("in") == "path" and p.get("name") == names[0]), {})
        field = (parameter.get("x-filter") or {}).get("field", names[0])
        column = next((c.column_name for c in table.columns
                       if c.options.get("field", c.column_name) == field), None)
        if column is None or table.options["path"] != parent:
            return False
        table.options.update(path="%s/{%s}" % (parent, column), collection_path=parent)
        return True


def not_strings(columns, options):
    """(whose, which, value) of each column name and option value that is not a string (a
    document's number or list, where a table needs text)."""
    for column in columns:
        if not isinstance(column.column_name, str):
            yield "a property's", "name", column.column_name
        for option, value in column.options.items():
            if not isinstance(value, str):
                yield "its column %s's" % column.column_name, option, value
    for option, value in options.items():
        if not isinstance(value, str):
            yield "its table's", option, value


def guess_paging(spec, operation, schema, answer):
    """An x-pagination object from parameter names and the answer, for documents without one."""
    names = {parameter["name"] for parameter in spec.parameters(operation)}
    size = next((name for name in ("limit", "per_page", "page_size", "size") if name in names), "")
    total = find_property(spec, schema, ("total", "total_count", "count")) or None
    if {"limit", "offset"} <= names:
        return {"style": "offset", "limit_param": "limit", "offset_param": "offset",
                "total": total}
    if "cursor" in names:
        return {"style": "cursor", "cursor_param": "cursor", "limit_param": size,
                "next_cursor": find_property(spec, schema, ("next_cursor", "cursor"))}
    if "page" in names:
        return {"style": "page", "page_param": "page", "limit_param": size, "total": total}
    if "link" in {header.lower() for header in answer.get("headers") or {}}:
        return {"style": "link", "limit_param": size}
    next_path = find_property(spec, schema, ("next",))
    if next_path:
        return {"style": "next_url", "next": next_path, "limit_param": size}
    return {"style": "none"}


def find_property(spec, schema, names):
    """The dotted path of the first property named one of ``names``, at most two levels down."""
    for name, child in (schema.get("properties") or {}).items():
        if name in names:
            return name
        for inner in (spec.resolve(child).get("properties") or {}):
            if inner in names:
                return name + "." + inner
    return ""


def paging_options(paging):
    """Table options for an x-pagination object."""
    style = paging.get("style")
    if style not in PAGINATION_KEYS:
        return {"pagination": "none"}
    options = {}
    for key, option in PAGINATION_KEYS[style].items():
        if key in paging:
            options[option] = "" if paging[key] is None else str(paging[key])
    size = paging.get("max_limit") or paging.get("default_limit")
    if size:
        options["page_size"] = str(size)
    return dict(options, pagination=style)


class TableBuilder:
    """The columns and filter, sort and style options of one table, built from one operation."""

    def __init__(self, spec, record):
        self.spec = spec
        self.record = record
        self.properties = record.get("properties") or {}
        required = set(record.get("required") or ())
        self.always = {name for name, schema in self.properties.items()
                       if name in required and not spec.resolve(schema).get("nullable")}
        self.missing = set(self.properties) - required
        self.types = {name: column_type(spec.resolve(schema))
                      for name, schema in self.properties.items()}
        self.fields = {name: name for name in self.properties}  # column -> field
        self.filters = {}  # column -> [filters items]
        self.sortable = set()
        self.style = None  # "suffix" or "prefix_op", from the first filter
        self.op_names = {}
        self.separator = None
        self.single_use = False  # a range or text filter the service takes only once
        self.sort = {}  # sort options
        self.required = {}  # column -> the required query parameter it fills
        self.filter_names = set()  # the query parameters read as filters

    def add_required(self, parameter):
        """A column for a required query parameter: its ``=`` value fills it (query_param)."""
        if parameter["name"] in self.filter_names:
            return
        column = re.sub(r"[^a-z0-9_]", "_", parameter["name"].lower())
        while column in self.fields or column in SYSTEM_COLUMNS:
            column += "_param"
        kind = column_type(one_value(self.spec, parameter))
        self.fields[column] = None
        self.types[column] = "text" if kind == "jsonb" else kind
        self.required[column] = parameter["name"]

    def column_for(self, field):
        """The column of a record field (a nested field gets its own column), or None."""
        if field in self.fields.values():
            return next(column for column, known in self.fields.items() if known == field)
        keys = field.split(".")
        if keys[0] not in self.properties or len(keys) == 1:
            return None
        schema = self.spec.resolve(self.properties[keys[0]])
        for key in keys[1:]:
            schema = self.spec.resolve((schema.get("properties") or {}).get(key))
        if not schema:
            return None
        column = "_".join(keys)
        while column in self.fields:  # a property's own name: that column reads the property
            column += "_nested"
        self.fields[column] = field
        self.types[column] = column_type(schema)
        return column

    def add_filter(self, parameter):
        """Read one query parameter's x-filter (or its name) into filters items."""
        described = parameter.get("x-filter")
        if described is None:
            described = convention(parameter["name"], self.properties)
            if described is None:
                return
        column = self.column_for(described.get("field", ""))
        if column is None or self.types[column] == "jsonb":
            return
        style = "prefix_op" if "ops" in described else "suffix"
        if self.style is None:
            self.style = style
        if style != self.style:
            return
        name = parameter["name"]
        if style == "prefix_op":
            items = self.prefix_op_items(described, name, column)
        else:
            items = self.suffix_items(described, name, column)
        self.filters.setdefault(column, []).extend(
            item for item in items if item not in self.filters.get(column, []))
        if items:
            self.filter_names.add(name)

    def item(self, key, name, column):
        """A filters item for operator ``key`` sent as ``name`` (named unless the default)."""
        word = STYLE_WORDS["suffix"].get(param_key(*key.partition(":")[::2]))
        default = self.fields[column] if self.style == "prefix_op" else self.fields[column] + word
        return key if name == default else "%s=%s" % (key, name)

    def suffix_items(self, described, name, column):
        op = described.get("op")
        repeat = described.get("repeat")
        if op == "eq":
            return [self.item("eq", name, column)] + (
                [self.item("in", name, column)] if repeat == "any" else [])
        if op == "in":
            separator = described.get("separator")
            if separator is None:
                return [self.item("in", name, column)]
            if self.separator not in (None, separator):
                return []
            self.separator = separator
            return [self.item("in:join", name, column)]
        if repeat != "all":
            self.single_use = True
        if op in ORDERED:
            return [self.item(op, name, column)]
        key = text_test(described)
        return [] if key is None else [self.item(key, name, column)]

    def prefix_op_items(self, described, name, column):
        items = []
        for op, template in (described.get("ops") or {}).items():
            key = text_test(dict(described, op=op)) if op == "like" else op
            word, dot, rest = str(template).partition(".")
            if key is None or not dot or rest not in ("{value}", "({values})"):
                continue
            standard = param_key(*key.partition(":")[::2])
            if word != STYLE_WORDS["prefix_op"].get(standard):
                if self.op_names.get(standard, word) != word:
                    continue
                self.op_names[standard] = word
            items.append(self.item(key, name, column))
        if described.get("repeat") != "all":
            self.single_use = True
        return items

    def add_sort(self, paging, parameters):
        """sort_style and sortable columns from x-pagination's sort_param / order_param."""
        sort, order = paging.get("sort_param"), paging.get("order_param")
        if sort and order:
            values = allowed_values(self.spec, parameters.get(sort))
            self.sort = {"sort_style": "separate", "sort_param": sort, "direction_param": order}
        elif sort or order:
            parameter = parameters.get(sort or order)
            values = allowed_values(self.spec, parameter)
            pattern = one_value(self.spec, parameter).get("pattern", "")
            if any(value.startswith("-") for value in values):
                self.sort = {"sort_style": "dash", "sort_param": sort or order}
                values = [value for value in values if not value.startswith("-")]
            elif "desc" in pattern or any(value.endswith(".desc") for value in values):
                self.sort = {"sort_style": "dot", "sort_param": sort or order}
                values = [value.rpartition(".")[0] for value in values if value.endswith(".asc")]
                if not values:  # no list of keys: the fields the service compares
                    values = [self.fields[column] for column, items in self.filters.items()
                              if any(item.partition("=")[0] in ORDERED for item in items)]
            else:
                return
            if not is_list(self.spec, parameter):
                self.sort["max_sort_keys"] = "1"
        else:
            return
        for value in values:
            column = self.column_for(value)
            if column is not None and self.types[column] != "jsonb" \
                    and value.split(".")[0] in self.always:
                self.sortable.add(column)

    def columns(self, path):
        """The ColumnDefinitions of the table of GET ``path``; a property no column can read
        is left out, with a NOTICE saying why."""
        definitions, names = [], set()
        for column, field in self.fields.items():
            if field == column and isinstance(field, str) and ("." in field
                                                               or field == WHOLE_RECORD):
                skipped_property(path, field, "no field option can name a key holding a dot"
                                 if "." in field else "a field * reads the whole record")
                continue
            if any(isinstance(text, str) and not storable(text) for text in (column, field)):
                skipped_property(path, field or column, "its name holds a character PostgreSQL "
                                 "cannot store (NUL, or a lone UTF-16 surrogate)")
                continue
            name = identifier(column)
            if name in SYSTEM_COLUMNS or name == "":
                skipped_property(path, field or column, "PostgreSQL has a column of that name "
                                 "itself" if name else "a column needs a name")
                continue
            if name in names:
                skipped_property(path, field or column, "its first %d bytes, %s, name another "
                                 "column" % (MAX_IDENTIFIER_BYTES, json.dumps(name)))
                continue
            names.add(name)
            options = {}
            if column in self.required:
                options["query_param"] = self.required[column]
            elif field != name:
                options["field"] = field
            if self.filters.get(column):
                options["filters"] = ",".join(self.filters[column])
            if column in self.sortable:  # never null, by the schema
                options["sortable"] = "true"
                options["null_order"] = "none"
            definitions.append(ColumnDefinition(name, type_name=self.types[column],
                                                options=options))
        return definitions

    def options(self):
        options = dict(self.sort)
        if self.style == "prefix_op":
            options["filter_style"] = "prefix_op"
        if self.op_names:
            options["op_names"] = ",".join("%s=%s" % pair for pair in self.op_names.items())
        if self.separator not in (None, ","):
            options["separator"] = self.separator
        if self.single_use:
            options["repeat_filters"] = "false"
        if self.missing:
            options["missing_fields"] = "null"
        return options


def text_test(described):
    """The filters key (like:form or ilike:form) of an x-filter text test, or None."""
    op = "like" if described.get("case_sensitive", True) else "ilike"
    if described.get("op") == "prefix":
        return op + ":prefix"
    match = described.get("match")
    if match in ("contains", "suffix"):
        return "%s:%s" % (op, match)
    if match == "pattern":
        wildcards = described.get("wildcards") or {}
        if wildcards == {"any_run": "*"}:
            return op + ":star"
        if all(wildcards.get(key) == value for key, value in SQL_WILDCARDS.items()):
            return op
    return None


def convention(name, properties):
    """An x-filter for a parameter named ``{field}`` or ``{field}_gte`` (and _gt, _lte, _lt)."""
    for suffix, op in sorted(CONVENTIONS.items(), key=lambda pair: -len(pair[0])):
        field = name[:len(name) - len(suffix)] if suffix else name
        if name.endswith(suffix) and field in properties:
            return {"field": field, "op": op, "repeat": "all"}
    return None


def one_value(spec, parameter):
    """The schema of one value of a parameter (the items of an array)."""
    parameter = parameter or {}
    # Swagger 2.0 puts type, items, enum and maximum on the parameter itself.
    schema = spec.resolve(parameter["schema"]) if "schema" in parameter else parameter
    return spec.resolve(schema.get("items")) if schema.get("type") == "array" else schema


def allowed_values(spec, parameter):
    return [str(value) for value in one_value(spec, parameter).get("enum") or ()]


def is_list(spec, parameter):
    parameter = parameter or {}
    schema = spec.resolve(parameter["schema"]) if "schema" in parameter else parameter
    return schema.get("type") == "array"
