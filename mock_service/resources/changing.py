"""GET /changing/<name>: a source whose records change over time, under the caller's control.

    {"records": [Record...], "total": <matching records>, "limit": n, "offset": n}

Record: {"id", "name", "version", "updated_at": "2026-01-31T12:00:00.000000Z"}.
Each source is named by the caller and starts empty; POST /_changes/<name>
applies one batch of changes to it, atomically (a request never sees half a
batch):

    {"reset": 1000,                      replace the source by records 1..1000 (version 1)
     "insert": 5 | [{"name": "..."}],    new records, ids after the largest ever used
     "update": [3, {"id": 4, "name": "..."}],   version + 1, a new updated_at (and name)
     "delete": [7, 8],                   the records are gone
     "at": "2026-01-31T12:00:00Z",       updated_at of this batch's records; default: now
     "step": 0}                          microseconds between the updated_at of one record of
                                         the batch and the next (updates, then inserts)

and answers {"name", "total", "at", "inserted": [ids], "updated": [ids],
"deleted": [ids]}. Updating or deleting an id the source does not hold, or
naming one twice in a batch, is a 400 and changes nothing. reset gives
record i the updated_at ``at`` minus (n - i) milliseconds, so they are
distinct and increase with the id. GET /_changes/<name> shows the source's
state, DELETE /_changes/<name> removes it.

Filters, all of which must hold (repeated range filters: all must hold):
id (repeated: any may equal), id_gt, id_gte, id_lt, id_lte; version_gt,
version_gte, version_lt, version_lte (integers); updated_at_gt,
updated_at_gte, updated_at_lt, updated_at_lte (ISO 8601 timestamps, naive
ones in UTC, compared as instants to the microsecond). fields=id,name,...
chooses the keys (default all), order=id|-id|updated_at|-updated_at sorts
(ties in id order; default id), limit (0-MAX_LIMIT, default DEFAULT_LIMIT;
0 answers only the total) and offset page. An unknown source is a 404.
"""

import bisect
import random
import threading
from array import array
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, g, request

from . import names
from .common import (NotFound, Parameter, ParameterError, check_arguments, encode_json, parse_integer,
                     parse_timestamp)

MAX_LIMIT = 10000
DEFAULT_LIMIT = 1000
FIELDS = ("id", "name", "version", "updated_at")
ORDERS = ("id", "-id", "updated_at", "-updated_at")
RANGES = {"gt": (bisect.bisect_right, 0), "gte": (bisect.bisect_left, 0),
          "lt": (bisect.bisect_left, 1), "lte": (bisect.bisect_right, 1)}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SYLLABLES = (1, 3)


def _build_parameters() -> tuple[Parameter, ...]:
    parameters = [
        Parameter("fields", "string", "Comma list of the keys each record has; default all.", list=True),
        Parameter("order", "string", f"One of {', '.join(ORDERS)}; ties in id order. Default: id."),
        Parameter("limit", "integer", "Records per page; 0 answers only the total.",
                  schema={"minimum": 0, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        Parameter("offset", "integer", "Matching records to skip.", schema={"minimum": 0}),
        Parameter("id", "integer", "The id equals one of these values.", repeatable=True),
    ]
    for field, kind in (("id", "integer"), ("version", "integer"), ("updated_at", "string")):
        for op in RANGES:
            parameters.append(Parameter(f"{field}_{op}", kind, f"{field} {op} the value; repeated "
                                        "values must all hold.", repeatable=True))
    return tuple(parameters)


PARAMETERS = _build_parameters()


def to_micros(moment: datetime) -> int:
    """Microseconds since 1970-01-01 UTC, exactly (no float on the way)."""
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def format_micros(micros: int) -> str:
    """'2026-01-31T12:00:00.000000Z': UTC, always six fraction digits."""
    seconds, fraction = divmod(micros, 1_000_000)
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % fraction


VOCABULARY = names.unique_words(random.Random(6_077), 4096, SYLLABLES)


def generated_name(record_id: int, version: int) -> str:
    """The name of a record no batch named: two made-up words, fixed by (id, version)."""
    mixed = (record_id * 2_654_435_761 + version * 40_503) % 2 ** 32
    return "%s %s" % (VOCABULARY[mixed % 4096], VOCABULARY[(mixed >> 12) % 4096])


class Source:
    """The records of one source, in id order, as parallel arrays (a million fit in ~30 MB).

    ``by_time`` lists positions in (updated_at, id) order, rebuilt after each
    batch, so an ``updated_at`` range is found by bisection.
    """

    def __init__(self):
        self.ids = array("q")
        self.versions = array("q")
        self.updated = array("q")
        self.names: dict[int, str] = {}  # names given by a batch; others are generated_name()
        self.next_id = 1
        self.by_time = array("q")  # positions in (updated_at, id) order
        self.times = array("q")    # updated_at in that order
        self.batches = 0

    def reset(self, count: int, at: int) -> None:
        self.ids = array("q", range(1, count + 1))
        self.versions = array("q", [1]) * count
        self.updated = array("q", range(at - (count - 1) * 1000, at + 1, 1000))
        self.names = {}
        self.next_id = count + 1

    def position(self, record_id: int) -> int | None:
        at = bisect.bisect_left(self.ids, record_id)
        return at if at < len(self.ids) and self.ids[at] == record_id else None

    def name(self, at: int) -> str:
        record_id = self.ids[at]
        found = self.names.get(record_id)
        return found if found is not None else generated_name(record_id, self.versions[at])

    def reindex(self) -> None:
        updated = self.updated
        # sorted() is stable: records updated at the same time stay in id order.
        self.by_time = array("q", sorted(range(len(updated)), key=updated.__getitem__))
        self.times = array("q", (updated[at] for at in self.by_time))

    def record(self, at: int, fields: tuple[str, ...]) -> dict:
        values = {"id": self.ids[at], "version": self.versions[at]}
        record = {}
        for field in fields:
            if field == "name":
                record[field] = self.name(at)
            elif field == "updated_at":
                record[field] = format_micros(self.updated[at])
            else:
                record[field] = values[field]
        return record

    def state(self, name: str) -> dict:
        return {"name": name, "total": len(self.ids), "next_id": self.next_id, "batches": self.batches,
                "max_updated_at": format_micros(max(self.updated)) if self.updated else None}


class Sources:
    """Every source of one app, by name; one lock makes each batch atomic for readers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sources: dict[str, Source] = {}


def sources() -> Sources:
    found = current_app.extensions.get("changing_sources")
    if found is None:
        found = current_app.extensions.setdefault("changing_sources", Sources())
    return found


# Applying a batch

class BatchError(ValueError):
    """A batch that cannot be applied; becomes a 400 and changes nothing."""


def _ids_and_names(items, what: str) -> list[tuple[int, str | None]]:
    if not isinstance(items, list):
        raise BatchError(f"{what} must be a list of ids or of objects with an id")
    found = []
    for item in items:
        if isinstance(item, dict):
            record_id, name = item.get("id"), item.get("name")
        else:
            record_id, name = item, None
        if type(record_id) is not int or (name is not None and not isinstance(name, str)):
            raise BatchError(f"{what}: {item!r} is not an integer id or {{\"id\": int, \"name\": str}}")
        found.append((record_id, name))
    return found


def apply_batch(source: Source, batch: dict, now: int) -> dict:
    """Apply one batch (see the module's docstring) to ``source``; what it did."""
    unknown = set(batch) - {"reset", "insert", "update", "delete", "at", "step"}
    if unknown:
        raise BatchError(f"unknown keys {sorted(unknown)}; known: reset, insert, update, delete, at, "
                         "step")
    step = batch.get("step", 0)
    if type(step) is not int or not 0 <= step <= 3_600_000_000:
        raise BatchError("step must be an integer number of microseconds from 0 to 3600000000")
    at = now
    if "at" in batch:
        try:
            at = to_micros(parse_timestamp("at", str(batch["at"])))
        except ParameterError as error:
            raise BatchError(error.message) from None
    reset = batch.get("reset")
    if reset is not None and (type(reset) is not int or not 0 <= reset <= 10_000_000):
        raise BatchError("reset must be an integer from 0 to 10000000")
    inserts = batch.get("insert", [])
    if type(inserts) is int:
        inserts = [{}] * inserts
    if not isinstance(inserts, list) or not all(
            isinstance(item, dict) and set(item) <= {"name"} and isinstance(item.get("name", ""), str)
            for item in inserts):
        raise BatchError('insert must be a count or a list of {"name": str} objects')
    updates = _ids_and_names(batch.get("update", []), "update")
    deletes = [record_id for record_id, _ in _ids_and_names(batch.get("delete", []), "delete")]

    # Check everything before changing anything.
    if reset is not None:
        held = set(range(1, reset + 1))
        def holds(record_id):
            return record_id in held
    else:
        def holds(record_id):
            return source.position(record_id) is not None
    named = [record_id for record_id, _ in updates] + deletes
    for record_id in named:
        if not holds(record_id):
            raise BatchError(f"the source holds no record with id {record_id}")
    if len(set(named)) != len(named):
        raise BatchError("a batch may name each id once (in update or delete)")

    if reset is not None:
        source.reset(reset, at)
    stamp = at
    for record_id, name in updates:
        position = source.position(record_id)
        source.versions[position] += 1
        source.updated[position] = stamp
        stamp += step
        if name is not None:
            source.names[record_id] = name
        else:
            source.names.pop(record_id, None)
    if deletes:
        gone = set(deletes)
        keep = [at_ for at_, record_id in enumerate(source.ids) if record_id not in gone]
        source.ids = array("q", (source.ids[i] for i in keep))
        source.versions = array("q", (source.versions[i] for i in keep))
        source.updated = array("q", (source.updated[i] for i in keep))
        for record_id in gone:
            source.names.pop(record_id, None)
    inserted = []
    for item in inserts:
        record_id = source.next_id
        source.next_id += 1
        source.ids.append(record_id)
        source.versions.append(1)
        source.updated.append(stamp)
        stamp += step
        if "name" in item:
            source.names[record_id] = item["name"]
        inserted.append(record_id)
    source.reindex()
    source.batches += 1
    return {"total": len(source.ids), "at": format_micros(at), "inserted": inserted,
            "updated": [record_id for record_id, _ in updates], "deleted": deletes}


# Answering a query

def _range(args, name: str, parse) -> tuple[int | None, int | None]:
    """The [low, high] bounds (inclusive, integers) that name_gt/_gte/_lt/_lte ask for."""
    low = high = None
    for op in RANGES:
        for text in args.getlist(f"{name}_{op}"):
            value = parse(f"{name}_{op}", text)
            if op in ("gt", "gte"):
                value += op == "gt"
                low = value if low is None else max(low, value)
            else:
                value -= op == "lt"
                high = value if high is None else min(high, value)
    return low, high


def _micros(name: str, text: str) -> int:
    return to_micros(parse_timestamp(name, text))


def _fields(text: str) -> tuple[str, ...]:
    if text == "":
        return ()
    fields = tuple(text.split(","))
    for field in fields:
        if field not in FIELDS:
            raise ParameterError("fields", f"parameter 'fields' has unknown field {field!r}; "
                                 f"known fields: {', '.join(FIELDS)}")
    if len(set(fields)) != len(fields):
        raise ParameterError("fields", f"parameter 'fields' names a field twice in {text!r}")
    return fields


def select(source: Source, args) -> tuple[list[int], str]:
    """The positions of the matching records in the asked order, and the order."""
    check_arguments(args, PARAMETERS)
    order = args.get("order", "id")
    if order not in ORDERS:
        raise ParameterError("order", f"parameter 'order' must be one of {', '.join(ORDERS)}, got {order!r}")
    id_low, id_high = _range(args, "id", parse_integer)
    version_low, version_high = _range(args, "version", parse_integer)
    time_low, time_high = _range(args, "updated_at", _micros)
    wanted_ids = {parse_integer("id", text) for text in args.getlist("id")} if "id" in args else None

    if time_low is not None or time_high is not None or order.endswith("updated_at"):
        start = 0 if time_low is None else bisect.bisect_left(source.times, time_low)
        end = len(source.times) if time_high is None else bisect.bisect_right(source.times, time_high)
        positions = source.by_time[start:end].tolist()
        if not order.endswith("updated_at"):
            positions.sort()
    else:
        start = 0 if id_low is None else bisect.bisect_left(source.ids, id_low)
        end = len(source.ids) if id_high is None else bisect.bisect_right(source.ids, id_high)
        positions = range(start, end)
    ids, versions = source.ids, source.versions
    if wanted_ids is not None or id_low is not None or id_high is not None \
            or version_low is not None or version_high is not None:
        positions = [at for at in positions
                     if (wanted_ids is None or ids[at] in wanted_ids)
                     and (id_low is None or ids[at] >= id_low) and (id_high is None or ids[at] <= id_high)
                     and (version_low is None or versions[at] >= version_low)
                     and (version_high is None or versions[at] <= version_high)]
    if order.startswith("-"):
        positions = list(positions)
        if order == "-id":
            positions.reverse()
        else:  # newest first, ties in id order
            updated = source.updated
            positions.sort(key=lambda at: (-updated[at], ids[at]))
    return positions, order


def error(status: int, message: str, parameter: str | None = None) -> Response:
    body = {"error": message}
    if parameter is not None:
        body["parameter"] = parameter
    return Response(encode_json(body), status=status, mimetype="application/json")


def answer(name: str):
    store = sources()
    try:
        limit = parse_integer("limit", request.args["limit"], 0, MAX_LIMIT) \
            if "limit" in request.args else DEFAULT_LIMIT
        offset = parse_integer("offset", request.args["offset"], 0) if "offset" in request.args else 0
        fields = _fields(request.args["fields"]) if "fields" in request.args else FIELDS
        with store.lock:
            source = store.sources.get(name)
            if source is None:
                raise NotFound(f"no changing source named {name!r}; create it with POST /_changes/{name}")
            positions, _ = select(source, request.args)
            page = [source.record(at, fields) for at in positions[offset:offset + limit]]
            total = len(positions)
    except ParameterError as problem:
        return error(400, problem.message, problem.parameter)
    except NotFound as problem:
        return error(404, str(problem))
    g.rows = len(page)
    return Response(encode_json({"records": page, "total": total, "limit": limit, "offset": offset}),
                    mimetype="application/json")


def change(name: str):
    store = sources()
    if request.method == "DELETE":
        with store.lock:
            store.sources.pop(name, None)
        return Response(status=204)
    if request.method == "GET":
        with store.lock:
            source = store.sources.get(name)
            if source is None:
                return error(404, f"no changing source named {name!r}")
            return Response(encode_json(source.state(name)), mimetype="application/json")
    batch = request.get_json(silent=True)
    if not isinstance(batch, dict):
        return error(400, "the body must be a JSON object (a batch of changes)")
    now = to_micros(datetime.now(timezone.utc))
    with store.lock:
        source = store.sources.get(name) or Source()
        try:
            done = apply_batch(source, batch, now)
        except BatchError as problem:
            return error(400, str(problem))
        store.sources[name] = source
    return Response(encode_json(dict(done, name=name)), mimetype="application/json")


def register(bp: Blueprint) -> set[str]:
    """Add GET /changing/<name> and /_changes/<name> to ``bp``; the endpoint to log."""
    bp.add_url_rule("/changing/<name>", "changing", answer, methods=["GET"])
    bp.add_url_rule("/_changes/<name>", "changes", change, methods=["GET", "POST", "DELETE"])
    return {f"{bp.name}.changing"}
