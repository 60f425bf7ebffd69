"""Wrappers the engine tests run inside PostgreSQL.

They report every call they receive as a NOTICE (log_to_postgres at INFO), so
a test sees exactly what the host passed, and behave as their options say.
Loaded by the backend through PYTHONPATH, which the test cluster sets.
"""
import datetime
import json
import logging
import os
import sys
import time

from fdw.multicorn_compat import (ColumnDefinition, ForeignDataWrapper, TableDefinition,
                                  log_to_postgres, multicorn2_behaviour)


def report(what, *args):
    log_to_postgres("%s %s" % (what, " ".join(repr(a) for a in args)), logging.INFO)


def sample_value(column, i):
    """A deterministic value of the column's type for row i."""
    base = column.base_type_name
    if base in ("integer", "bigint", "smallint"):
        return i
    if base in ("text", "character varying", "character"):
        return "row %05d" % i
    if base == "boolean":
        return i % 2 == 0
    if base.startswith("timestamp"):
        return datetime.datetime(2020, 1, 1) + datetime.timedelta(hours=i)
    if base == "date":
        return datetime.date(2020, 1, 1) + datetime.timedelta(days=i)
    if base == "numeric" or base.startswith("double"):
        return i * 1.5
    if base == "jsonb":
        return json.dumps({"i": i})
    if base.endswith("[]"):
        return [i, i + 1]
    return str(i)


class CallsFDW(ForeignDataWrapper):
    """Reports each call; yields `rows` generated rows (options say what else)."""

    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.options = options
        self.columns = columns
        self.rows = int(options.get("rows", "20"))
        if options.get("fail") == "init":
            raise ValueError("failing in __init__ as asked")
        if options.get("report_init", "true") == "true":
            report("init", sorted(options.items()),
                   [(c.column_name, c.type_oid, c.typmod, c.type_name, c.base_type_name, c.options)
                    for c in columns.values()])

    def get_rel_size(self, quals, columns):
        report("get_rel_size", quals, sorted(columns))
        if self.options.get("fail") == "get_rel_size":
            raise RuntimeError("failing in get_rel_size as asked")
        if self.options.get("rel_size") == "bad":
            return [1]
        return (self.rows, 10 * max(len(columns), 1))

    def can_sort(self, sortkeys):
        report("can_sort", sortkeys)
        accept = self.options.get("sort", "none")
        if accept == "all":
            return sortkeys
        if accept.isdigit():
            return sortkeys[:int(accept)]
        return []

    def can_limit(self, limit, offset):
        report("can_limit", limit, offset)
        return self.options.get("limit") == "true"

    def get_path_keys(self):
        keys = self.options.get("path_keys")
        return [((key,), 1) for key in keys.split(",")] if keys else []

    def explain(self, quals, columns, sortkeys=None, verbose=False, limit=None, offset=None):
        return ["quals=%r" % (quals,), "columns=%r" % (sorted(columns),),
                "sortkeys=%r limit=%r offset=%r verbose=%r" % (sortkeys, limit, offset, verbose)]

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None, **kwargs):
        report("execute", quals, sorted(columns), sortkeys, limit, offset, sorted(kwargs))
        if self.options.get("report_types") == "true":
            report("types", [(q.field_name, type(q.value).__name__, q.value) for q in quals])
        if self.options.get("report_side_effect") == "true":
            report("side_effect", os.environ.get("RESTCORN_TEST_SIDE_EFFECT"),
                   "import_side_effect" in sys.modules)
        if self.options.get("report_files") == "true":
            import restcorn_engine
            report("files", restcorn_engine.can_read_server_files())
        if self.options.get("report_behaviour") == "true":
            report("behaviour", multicorn2_behaviour())
        if self.options.get("report_collations") == "true":
            report("collations", [(q.field_name, getattr(q, "collation", "absent")) for q in quals])
        fail_at = int(self.options["fail_at_row"]) if "fail_at_row" in self.options else -1
        sleep = float(self.options.get("sleep", "0"))
        order = range(self.rows)
        if sortkeys and sortkeys[0].is_reversed:
            order = reversed(order)
        produced = 0
        for n, i in enumerate(order):
            if offset and n < offset:
                continue
            if limit is not None and produced >= limit:
                return
            if n == fail_at:
                raise KeyError("failing in execute at row %d as asked" % n)
            if sleep:
                time.sleep(sleep)
            if self.options.get("shape") == "sequence":
                yield [sample_value(c, i) for c in self.columns.values()]
            else:
                yield {name: sample_value(c, i) for name, c in self.columns.items() if name in columns}
            produced += 1

    def end_scan(self):
        report("end_scan")

    def begin(self, serializable):
        if self.options.get("report_xact") == "true":
            report("begin", serializable)

    def pre_commit(self):
        if self.options.get("report_xact") == "true":
            report("pre_commit")

    def rollback(self):
        if self.options.get("report_xact") == "true":
            report("rollback")

    @classmethod
    def import_schema(cls, schema, srv_options, options, restriction_type, restricts):
        report("import_schema", schema, sorted(srv_options.items()), sorted(options.items()),
               restriction_type, restricts)
        tables = [
            TableDefinition("alpha", columns=[ColumnDefinition("id", type_name="integer"),
                                              ColumnDefinition("name", type_name="text",
                                                               options={"field": "n"})],
                            options={"path": "/alpha"}),
            TableDefinition("beta", columns=[ColumnDefinition("x", type_name="bigint")]),
        ]
        if restriction_type == "limit":
            tables = [t for t in tables if t.table_name in restricts]
        elif restriction_type == "except":
            tables = [t for t in tables if t.table_name not in restricts]
        return tables


class ValuesFDW(ForeignDataWrapper):
    """Yields the rows of the Python expression in option `rows` (test data only)."""

    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.expression = options["rows"]

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        scope = {"datetime": datetime, "json": json}
        return eval(self.expression, scope)  # noqa: S307 - the tests' own expressions


class EndlessFDW(ForeignDataWrapper):
    """Rows without end (or `count` rows), optionally `sleep` seconds apart."""

    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.count = int(options["count"]) if "count" in options else None
        self.sleep = float(options.get("sleep", "0"))

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        i = 0
        while self.count is None or i < self.count:
            if self.sleep:
                time.sleep(self.sleep)
            yield (i, "value %d" % i)
            i += 1


class BusyFDW(ForeignDataWrapper):
    """Spins in pure Python before each row, to test cancelling compute-bound code."""

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        while True:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                pass
            yield (1, "x")


class TwoArgFDW(ForeignDataWrapper):
    """The article's two-argument execute: must keep working (no unasked keywords)."""

    def execute(self, quals, columns):
        report("execute", quals, sorted(columns))
        for i in range(3):
            yield {"id": i, "name": "n%d" % i}


class LogFDW(ForeignDataWrapper):
    """Sends `message` to PostgreSQL at logging level `level` from execute."""

    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.level = getattr(logging, options.get("level", "INFO"))
        self.message = options.get("message", "hello")

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        log_to_postgres(self.message, self.level, hint="a hint", detail="some detail")
        yield (1, "after")


SLEEPS_COMPLETED = []


class SleepFDW(ForeignDataWrapper):
    """Sleeps `sleep` seconds, notes that the sleep completed, yields one row;
    with `report 'true'`, yields instead how many sleeps completed in this backend."""

    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.sleep = float(options.get("sleep", "0"))
        self.report = options.get("report") == "true"

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        if self.report:
            yield (len(SLEEPS_COMPLETED),)
            return
        time.sleep(self.sleep)
        SLEEPS_COMPLETED.append(self.sleep)
        yield (1,)


NOT_A_CLASS = len


class NotAWrapper:
    """A class, but no ForeignDataWrapper."""


class LevelsFDW(CallsFDW):
    """CallsFDW with option levels: url and allowed_hosts only on the server, a
    user mapping only token."""

    server_options = ("url", "allowed_hosts")
    user_mapping_options = ("token",)


class CountFDW(CallsFDW):
    """CallsFDW that can count: can_count() says the `can_count` option (default true),
    count_rows() returns the `count` option evaluated (default: `rows`)."""

    def can_count(self):
        report("can_count")
        return self.options.get("can_count", "true") == "true"

    def count_rows(self):
        report("count_rows")
        return eval(self.options["count"]) if "count" in self.options else self.rows


# --- CheckedRows (tests/test_engine_checked_rows.py) ---------------------------------------------

from fdw import RestFDW  # noqa: E402


class SelfCheckingRestFDW(RestFDW):
    """RestFDW checking every page itself, as under Multicorn2: what the engine's checks of
    RestFDW's rows are compared with."""

    def checked_rows(self):
        return None


class BadChecksFDW(ForeignDataWrapper):
    """Returns CheckedRows as its ``case`` option says: a malformed check, or a misfit
    callback that does not raise."""

    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.case = options.get("case", "")

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        from restcorn_engine import CheckedRows

        rows = [{"a": 1}, {"a": "two"}]
        checks = {
            "unknown column": {"zzz": ({int}, None, False)},
            "not a tuple": {"a": [int]},
            "not a type": {"a": ({"int"}, None, False)},
            "bad bits": {"a": ({int}, 99, False)},
            "not a dict": [("a", ({int}, None, False))],
            "silent misfit": {"a": ({int}, 32, False)},
        }[self.case]
        return CheckedRows(rows, checks, lambda row: None)


class ReportsCheckedRowsFDW(RestFDW):
    """RestFDW that says, in a NOTICE, the type of what its execute returned."""

    def execute(self, *args, **kwargs):
        rows = super().execute(*args, **kwargs)
        report("execute returned", type(rows).__name__)
        return rows
