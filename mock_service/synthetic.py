"""GET /synthetic/<rows>: a resource of any size, made on the fly, for scale benchmarks.

Record i (1 to rows) is {"id": i, "word": "word-<i>"}, in id order. Nothing
is stored, so ten million rows cost no memory; a page is one bytes join over a
format template (no per-record json.dumps), so the service stays far cheaper
than the client that decodes it. The answer has the shape of /words:
records, total, limit, offset. Only fields, limit and offset are accepted:
anything else is a 400, so a wrapper can never believe a filter was applied.
"""

from .query import ParameterError, parse_fields, parse_integer

FIELDS = ("id", "word")
PARAMETERS = ("fields", "limit", "offset")

# Each field as a template of one %d (the id), in the order the request lists the fields.
FIELD_TEMPLATES = {"id": b'"id":%d', "word": b'"word":"word-%d"'}


def page(rows: int, args, max_page_size: int, default_page_size: int) -> tuple[bytes, int]:
    """The JSON body for one request, and how many records it holds."""
    for name in args:
        if name not in PARAMETERS:
            raise ParameterError(
                name, f"unknown parameter {name!r}; known parameters: {', '.join(PARAMETERS)}")
        if len(args.getlist(name)) > 1:
            raise ParameterError(name, f"parameter {name!r} may be given only once")
    fields = parse_fields(args["fields"]) if "fields" in args else FIELDS
    limit = parse_integer("limit", args["limit"], 0, max_page_size) if "limit" in args \
        else default_page_size
    offset = parse_integer("offset", args["offset"], 0) if "offset" in args else 0

    first = min(offset, rows) + 1
    stop = min(offset + limit, rows) + 1
    template = b"{" + b",".join(FIELD_TEMPLATES[name] for name in fields) + b"}"
    per_record = len(fields)
    records = b",".join([template % ((i,) * per_record) for i in range(first, stop)])
    body = b'{"records":[%s],"total":%d,"limit":%d,"offset":%d}' % (records, rows, limit, offset)
    return body, stop - first


def openapi_path(max_page_size: int, default_page_size: int) -> dict:
    """The OpenAPI description of the resource."""
    def parameter(name, description, schema, where="query"):
        return {"name": name, "in": where, "required": where == "path",
                "description": description, "schema": schema}

    return {"get": {
        "summary": "Generated records {id, word: \"word-<id>\"}, ids 1 to rows, paginated.",
        "parameters": [
            parameter("rows", "How many records the resource has.",
                      {"type": "integer", "minimum": 0}, "path"),
            dict(parameter("fields", "Comma list of the keys each record has, in this order.",
                           {"type": "array", "items": {"type": "string", "enum": list(FIELDS)}}),
                 style="form", explode=False),
            parameter("limit", "Most records to return (0 returns only the total).",
                      {"type": "integer", "minimum": 0, "maximum": max_page_size,
                       "default": default_page_size}),
            parameter("offset", "Records to skip before the first one returned.",
                      {"type": "integer", "minimum": 0, "default": 0}),
        ],
        "responses": {
            "200": {"description": "One page of records, with total = rows.",
                    "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/WordPage"}}}},
            "400": {"description": "A bad parameter, named in 'parameter'.",
                    "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Error"}}}},
        },
    }}
