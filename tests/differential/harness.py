"""Run generated queries on a local table and on foreign tables over the same rows; report differences.

One Harness per data seed: it loads the rows into the mock service
(PUT /tables/<name>) and into a local table, creates one foreign table per
Convention, then runs each generated Case on the local table and on a
foreign table in the same session (so under the same settings), and
compares the results as the Case says (queries.py). Values are compared in
PostgreSQL's text output, so every digit and every DateStyle detail counts.

When the server has the setting ``restcorn.multicorn2_behaviour`` (the
engine's stand-in for Multicorn2's behaviour), each foreign query runs a
second time with it on; its rows must be the local rows too.
"""
import random
import re
import time
from collections import Counter
from dataclasses import dataclass

import psycopg
import requests

from mock_service.resources.tables import dumps

from . import data, queries
from .tables import CONVENTIONS, describe, foreign_ddl, local_ddl, server_ddl

ROWS = 100
SIDE_KEYS = list(range(0, 13)) + [50, 99, 100, 101]
SHOWN_ROWS = 12


@dataclass
class Outcome:
    """What a Case gave: rows (tuples of text or None), or an error."""

    rows: list = None
    sqlstate: str = ""
    error: str = ""

    def show(self):
        if self.error:
            return "ERROR %s: %s" % (self.sqlstate, self.error)
        shown = "\n".join("    %r" % (row,) for row in self.rows[:SHOWN_ROWS])
        more = "\n    ... (%d rows)" % len(self.rows) if len(self.rows) > SHOWN_ROWS else ""
        return "%d rows\n%s%s" % (len(self.rows), shown, more)


@dataclass
class Mismatch:
    kind: str
    report: str
    sql: str
    case: object = None
    convention: object = None
    problem: str = ""
    mode: str = ""


def normalized(message):
    """An error message with its numbers and quoted values blanked: the kind of an error."""
    message = re.sub(r"https?://\S+", "URL", message)
    message = re.sub(r'"[^"]*"|\'[^\']*\'', "?", message)
    return re.sub(r"[0-9]+", "#", message)[:90]


class Harness:
    """The tables of one data seed in one database, and one session that runs Cases on them."""

    def __init__(self, dsn, service_url, seed, rows=ROWS, conventions=CONVENTIONS):
        self.dsn, self.service_url, self.seed = dsn, service_url.rstrip("/"), seed
        self.conventions = conventions
        self.data_name = "diff%s" % seed
        self.schema = "diff_%s" % seed
        self.rng_rows = data.rows(random.Random(seed), rows)
        self.conn = None
        self.settings = {}
        self.stand_in = False
        self.icu = "C"
        self.count = 0

    # --- setup ------------------------------------------------------------------------------------

    def connect(self):
        self.conn = psycopg.connect(self.dsn, autocommit=True)
        self.conn.prepare_threshold = None  # only the Cases' own PREPAREs
        return self.conn

    def setup(self):
        """Load the rows into the service and the database; create the tables."""
        body = dumps({"columns": data.SERVICE_TYPES, "records": self.rng_rows})
        answer = requests.put("%s/tables/%s" % (self.service_url, self.data_name),
                              data=body.encode("utf-8"), timeout=30)
        answer.raise_for_status()
        conn = self.connect()
        self.icu = conn.execute(
            "SELECT coalesce((SELECT collname FROM pg_collation WHERE collname IN "
            "('en-x-icu', 'und-x-icu', 'en_US.utf8') ORDER BY collname LIMIT 1), 'POSIX')"
        ).fetchone()[0]
        conn.execute("DROP SCHEMA IF EXISTS %s CASCADE" % self.schema)
        conn.execute("CREATE SCHEMA %s" % self.schema)
        conn.execute("SET search_path = %s, public" % self.schema)
        conn.execute("DROP SERVER IF EXISTS %s_srv CASCADE" % self.schema)
        conn.execute(server_ddl(self.schema + "_srv", self.service_url))
        conn.execute(local_ddl("loc", self.icu))
        conn.execute("INSERT INTO loc SELECT * FROM json_populate_recordset(NULL::loc, %s)",
                     (body_records(body),))
        conn.execute("CREATE TABLE side (k int)")
        conn.execute("INSERT INTO side SELECT unnest(%s::int[]) UNION ALL SELECT NULL",
                     (SIDE_KEYS,))
        for convention in self.conventions:
            conn.execute(foreign_ddl("f_" + convention.name, self.schema + "_srv", convention,
                                     self.data_name, self.icu))
        conn.execute("ANALYZE loc")
        conn.execute("ANALYZE side")
        try:
            conn.execute("SHOW restcorn.multicorn2_behaviour")
            self.stand_in = True
        except psycopg.Error:
            self.stand_in = False
        self.settings = {}
        return self

    def close(self):
        if self.conn is not None:
            self.conn.close()

    # --- running ----------------------------------------------------------------------------------

    def apply(self, settings):
        for name, value in settings.items():
            if self.settings.get(name) != value:
                self.conn.execute("SET %s = '%s'" % (name, value))
                self.settings[name] = value

    def run(self, case, table):
        """The Outcome of ``case`` with ``table`` for {t}."""
        rows = []
        names = {"{t}": table, "{v}": "dv_" + table}
        results = sum(1 for _, is_result in case.steps if is_result)
        for sql, is_result in case.steps:
            for placeholder, name in names.items():
                sql = sql.replace(placeholder, name)
            try:
                cursor = self.conn.execute(sql)
            except psycopg.Error as error:
                self.clean_up(case)
                return Outcome(sqlstate=error.sqlstate or "", error=str(error).split("\n")[0])
            if is_result:
                result = cursor.pgresult
                if results > 1:
                    rows.append(("--",))
                if cursor.description is not None and result is not None:
                    rows.extend(tuple(text(result.get_value(r, c)) for c in range(result.nfields))
                                for r in range(result.ntuples))
        return Outcome(rows=rows)

    def clean_up(self, case):
        if case.needs_transaction:
            self.conn.execute("ROLLBACK")
        if any(sql.startswith("PREPARE") for sql, _ in case.steps):
            self.conn.execute("DEALLOCATE ALL")
            self.conn.execute("RESET plan_cache_mode")

    def check(self, case, convention):
        """The Mismatch of ``case`` on ``convention``'s foreign table (None when the rows agree)."""
        self.count += 1
        self.apply(case.settings)
        table = "f_" + convention.name
        local = self.run(case, "loc")
        base = self.run_base(case) if case.compare == "limited" else None
        foreign = self.run(case, table)
        problem = self.differ_or_plan(case, local, foreign, base)
        mode = ""
        if problem is None and self.stand_in:
            foreign = self.run_stand_in(case, table)
            problem = self.differ_or_plan(case, local, foreign, base)
            mode = STAND_IN if problem else ""
        if problem is None:
            return None
        return self.mismatch(case, convention, local, foreign, problem, mode)

    def differ_or_plan(self, case, local, foreign, base):
        """differ(), except that an evaluation error the local table also meets is no mismatch.

        An overflow or a division by zero met on the foreign table only may be
        the plan's doing: the local table's indexes let it stop before the row
        that raises it (ORDER BY id LIMIT n). The local query planned without
        indexes reads every row, as the foreign scan does: when it raises the
        same error, both tables agree.
        """
        problem = differ(case, local, foreign, base)
        if problem == "ERROR on the foreign table only" and foreign.sqlstate in EVALUATION_ERRORS:
            whole = self.run_without_indexes(case)
            if whole.error and whole.sqlstate == foreign.sqlstate:
                return None
        return problem

    def run_without_indexes(self, case):
        """The Outcome of ``case`` on the local table, planned without its indexes."""
        scans = ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan")
        for name in scans:
            self.conn.execute("SET %s = off" % name)
        try:
            return self.run(case, "loc")
        finally:
            for name in scans:
                self.conn.execute("RESET %s" % name)

    def run_stand_in(self, case, table):
        self.conn.execute("SET restcorn.multicorn2_behaviour = on")
        try:
            return self.run(case, table)
        finally:
            self.conn.execute("RESET restcorn.multicorn2_behaviour")

    def reproduces(self, case, convention, problem, mode):
        """True when ``case`` still shows ``problem`` (the same words) on ``convention``."""
        self.apply(case.settings)
        local = self.run(case, "loc")
        base = self.run_base(case) if case.compare == "limited" else None
        table = "f_" + convention.name
        foreign = self.run_stand_in(case, table) if mode else self.run(case, table)
        return self.differ_or_plan(case, local, foreign, base) == problem

    def minimize(self, mismatch):
        """The Mismatch of the smallest plain query found that still shows it (or itself).

        Drops, one at a time while the problem stays: the ORDER BY, the LIMIT and
        OFFSET, each top-level AND term of the WHERE clause, and the select list
        (for count(*) or id).
        """
        case = mismatch.case
        if case is None or len(case.steps) != 1 or case.shape != "plain":
            return mismatch
        parts = plain_parts(case.steps[0][0])
        if parts is None:
            return mismatch
        improved = True
        while improved:
            improved = False
            for candidate in smaller(parts, case.compare):
                smaller_case = queries.Case([(plain_sql(candidate), True)], compare=candidate["compare"],
                                            keys=case.keys, base=plain_sql(dict(candidate, limit="")),
                                            settings=case.settings, shape="plain")
                if self.reproduces(smaller_case, mismatch.convention, mismatch.problem,
                                   mismatch.mode):
                    parts, improved = candidate, True
                    break
        final = queries.Case([(plain_sql(parts), True)], compare=parts["compare"], keys=case.keys,
                             base=plain_sql(dict(parts, limit="")), settings=case.settings,
                             shape="plain (minimized)")
        return self.detailed(Mismatch("", "", "", final, mismatch.convention, mismatch.problem,
                                      mismatch.mode))

    def run_base(self, case):
        return self.run(queries.Case([(case.base, True)]), "loc")

    def mismatch(self, case, convention, local, foreign, problem, mode, requests_too=False):
        kind = "%s%s on %s: %s" % (problem, mode, convention.name,
                                   normalized(foreign.error) if foreign.error else
                                   normalized(local.error) if local.error else "")
        sql = case.text().replace("{t}", "f_" + convention.name).replace("{v}", "dv_f_" +
                                                                            convention.name)
        report = "\n".join([
            "MISMATCH: %s%s (seed %s, query %d, shape %s)" % (problem, mode, self.seed, self.count,
                                                            case.shape),
            "settings: " + ", ".join("%s = '%s'" % item for item in sorted(case.settings.items())),
            "table f_%s: %s" % (convention.name, describe(convention, self.service_url,
                                                           self.data_name)),
            "SQL (the local table is loc):", sql,
            "local: " + local.show(),
            "foreign: " + foreign.show(),
            difference(local, foreign),
            "requests: " + (self.requests_of(case, "f_" + convention.name, mode) if requests_too
                            else "(in the summary's example)"),
        ])
        return Mismatch(kind, report, sql, case, convention, problem, mode)

    def detailed(self, mismatch):
        """The Mismatch again, its report with the requests the foreign query makes."""
        case = mismatch.case
        self.apply(case.settings)
        local = self.run(case, "loc")
        table = "f_" + mismatch.convention.name
        foreign = self.run_stand_in(case, table) if mismatch.mode else self.run(case, table)
        return self.mismatch(case, mismatch.convention, local, foreign, mismatch.problem,
                             mismatch.mode, requests_too=True)

    def requests_of(self, case, table, mode=""):
        """The service's requests when the foreign query runs again (the request log)."""
        try:
            requests.delete(self.service_url + "/_log", timeout=10)
            if mode:
                self.run_stand_in(case, table)
            else:
                self.run(case, table)
            log = requests.get(self.service_url + "/_log", timeout=10).json()["requests"]
        except (requests.RequestException, psycopg.Error) as error:
            return "(not available: %s)" % error
        lines = ["GET %s?%s -> %s, %s rows" % (entry["path"], entry["query"], entry["status"],
                                               entry["rows"]) for entry in log[:12]]
        return "\n  " + "\n  ".join(lines) if lines else "none"

    def clear_log(self):
        requests.delete(self.service_url + "/_log", timeout=10)


STAND_IN = " (restcorn.multicorn2_behaviour on)"
PLAIN = re.compile(r"SELECT (?P<columns>.*?) FROM \{t\}(?: WHERE (?P<where>.*?))?"
                   r"(?: ORDER BY (?P<order>.*?))?(?P<limit>(?: LIMIT \S+)?(?: OFFSET \S+)?)", re.S)


def plain_parts(sql):
    """The parts of a plain generated SELECT, or None when it is not one."""
    match = PLAIN.fullmatch(sql)
    if match is None:
        return None
    parts = {name: value or "" for name, value in match.groupdict().items()}
    parts["terms"] = top_level_terms(parts.pop("where"))
    parts["compare"] = None
    return parts


def top_level_terms(where):
    """The terms of a WHERE clause joined by AND outside parentheses and quotes."""
    terms, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(where):
        char = where[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and where.startswith(" AND ", i) \
                and "BETWEEN" not in where[start:i].split(" AND ")[-1][-60:]:
            terms.append(where[start:i])
            start = i + 5
            i += 4
        i += 1
    if where:
        terms.append(where[start:])
    return terms


def plain_sql(parts):
    sql = "SELECT %s FROM {t}" % parts["columns"]
    if parts["terms"]:
        sql += " WHERE " + " AND ".join(parts["terms"])
    if parts["order"]:
        sql += " ORDER BY " + parts["order"]
    return sql + parts["limit"]


def smaller(parts, compare):
    """Simpler variants of a plain query's parts, each with the comparison it needs."""
    compare = parts["compare"] or compare
    if parts["order"] and compare != "keys":
        yield dict(parts, order="", compare="limited" if parts["limit"] else "multiset")
    if parts["limit"]:
        yield dict(parts, limit="", compare="multiset" if compare == "limited" else compare)
    for i in range(len(parts["terms"])):
        yield dict(parts, terms=parts["terms"][:i] + parts["terms"][i + 1:], compare=compare)
    if compare != "keys":
        for columns in ("count(*)", "id"):
            if parts["columns"] not in ("count(*)", "id") and \
                    (columns != "count(*)" or not parts["order"]):
                yield dict(parts, columns=columns, compare=compare)


def body_records(body):
    """The JSON text of the records array inside the PUT body (the very text the service got)."""
    return body[body.index('"records":') + len('"records":'):-1]


def difference(local, foreign):
    """The rows only one side has (the first few of each), when both gave rows."""
    if local.error or foreign.error:
        return "difference: (an error)"
    only_local = list((Counter(local.rows) - Counter(foreign.rows)).elements())[:5]
    only_foreign = list((Counter(foreign.rows) - Counter(local.rows)).elements())[:5]
    if not only_local and not only_foreign:
        return "difference: the same rows, in another order"
    return "difference: only local %r\n            only foreign %r" % (only_local, only_foreign)


def text(value):
    return None if value is None else value.decode("utf-8")


# Errors PostgreSQL raises only when it evaluates the expression on a row (a bad regular
# expression, a comparison without a collation): a local scan meets rows that a pushed
# filter rightly never returns, so the local table alone may raise them.
# Likewise an overflow or a division by zero in an expression.
EVALUATION_ERRORS = ("2201B", "42P22", "22003", "22012")


def differ(case, local, foreign, base=None):
    """None when ``foreign`` is what ``local`` allows; else what is wrong, in a few words."""
    if local.error or foreign.error:
        if local.error and foreign.error:
            # Another plan may meet another error first, so an evaluation error
            # on either side may face any error on the other.
            if local.sqlstate[:2] == foreign.sqlstate[:2] or \
                    EVALUATION_ERRORS.count(local.sqlstate) + EVALUATION_ERRORS.count(foreign.sqlstate):
                return None
            return "ERROR of another SQLSTATE class on the foreign table"
        if local.sqlstate in EVALUATION_ERRORS:
            return None
        return "ERROR on the foreign table only" if foreign.error else "ERROR on the local table only"
    if case.compare == "ordered":
        return None if local.rows == foreign.rows else "rows differ (ordered)"
    if Counter(local.rows) != Counter(foreign.rows) and case.compare != "limited":
        return "rows differ"
    if case.compare == "keys":
        keys = case.keys
        if [row[-keys:] for row in local.rows] != [row[-keys:] for row in foreign.rows]:
            return "order differs"
    if case.compare == "limited":
        if len(local.rows) != len(foreign.rows):
            return "row count differs (LIMIT/OFFSET)"
        if base is None or (base.error and base.sqlstate not in EVALUATION_ERRORS):
            return "the query without LIMIT/OFFSET fails on the local table"
        if not base.error and Counter(foreign.rows) - Counter(base.rows):
            return "rows not in the unlimited result (LIMIT/OFFSET)"
    return None


class Run:
    """A budget of Cases over the conventions; collects the Mismatches by kind."""

    def __init__(self, harness, seed, progress=None, stop_at_first=False):
        self.harness = harness
        self.generator = queries.generator(seed, harness.rng_rows, harness.icu)
        self.progress = progress
        self.stop_at_first = stop_at_first
        self.mismatches = {}  # kind -> [Mismatch]
        self.done = 0

    def step(self):
        case = self.generator.case()
        conventions = self.harness.conventions
        convention = conventions[self.done % len(conventions)]
        found = self.harness.check(case, convention)
        self.done += 1
        if found is not None:
            self.mismatches.setdefault(found.kind, []).append(found)
        if self.done % 500 == 0:
            self.harness.clear_log()
        return found

    def run(self, budget=None):
        started = time.monotonic()
        while budget is None or self.done < budget:
            found = self.step()
            if self.progress and (self.done % 200 == 0 or found is not None):
                self.progress(self.done, len(self.mismatches), time.monotonic() - started)
            if found is not None and self.stop_at_first:
                return found
        return None

    def summary(self, minimize=True, seconds=30):
        """Each kind of mismatch once, with its shortest SQL.

        Plain queries are minimized (Harness.minimize) while ``seconds`` last,
        the kinds seen most often first.
        """
        parts = ["%d queries, %d kinds of mismatch" % (self.done, len(self.mismatches))]
        deadline = time.monotonic() + seconds
        shown = {}
        for kind, found in sorted(self.mismatches.items(), key=lambda item: -len(item[1])):
            shortest = min(found, key=lambda mismatch: len(mismatch.sql))
            plain = [mismatch for mismatch in found if mismatch.case.shape == "plain"]
            if minimize and plain and time.monotonic() < deadline:
                shortest = self.harness.minimize(min(plain, key=lambda m: len(m.sql)))
            elif time.monotonic() < deadline:
                shortest = self.harness.detailed(shortest)
            shown[kind] = "=== %d x %s\n%s" % (len(found), kind, shortest.report)
        parts += [shown[kind] for kind in sorted(shown)]
        return "\n\n".join(parts)
