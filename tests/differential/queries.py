"""Generated queries over one table, written with ``{t}`` where the table's name goes.

A Case is one query shape with its comparison rule:

    ordered   the ORDER BY is total (it ends in the unique id): compare row lists
    multiset  no order asked: compare the rows as multisets
    keys      an ORDER BY that leaves ties: compare as multisets, and the lists of
              the sort key values (the last ``keys`` columns of each row)
    limited   a LIMIT / OFFSET without a total order: which rows is not determined;
              compare the counts, and the rows must be among those of ``base``
              (the same query without LIMIT / OFFSET) run locally

Statements run in order; the result of a Case is the concatenation of the
results of its statements marked ``result`` (prepared statements run several
times, a cursor fetches several times).

Switches: shapes that some host cannot run yet stay generated behind a named
switch in SWITCHES, so that turning one on is all it takes.
"""
import random
from dataclasses import dataclass, field
from decimal import Decimal

from .data import FLOATS, INT4, INT8, NUMERICS, TEXT_PIECES

SWITCHES = {
    # The json column (not jsonb) keeps its input's text; the service sends a value, whose
    # whitespace and escapes a wrapper cannot know. Off: the column is compared as jsonb
    # (exact numbers still count); on: as the text.
    "json_text": False,
}

SETTINGS = {
    "DateStyle": ["ISO, MDY", "German, DMY", "SQL, DMY", "Postgres, MDY", "ISO, DMY", "SQL, MDY"],
    "TimeZone": ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Etc/GMT+12",
                 "Europe/Berlin"],
    "IntervalStyle": ["postgres", "iso_8601", "sql_standard", "postgres_verbose"],
    "extra_float_digits": ["1", "0", "3", "-15", "2"],
}
DEFAULT_SETTINGS = {name: values[0] for name, values in SETTINGS.items()}

ORDERABLE = ["id", "i4", "i8", "n", "f", "t", "tu", "b", "d", "ts", "tz"]
LIKE_POOL = ["%a{2}%", "%x$y%", "C++%", "%(%", "%*%", "%\\%%", "%\\_%", "a%", "%", "_", "",
             "%a%", "A%", "%b", "%\\\\%", "_b%", "%._%", "%é%", "%ß%", "%🐘%", "__", "%[%]%",
             "%^%", "%|%", "house%", "%House", "%?%", "%+%", "%.%", "% %", "%'%"]
REGEX_POOL = ["^a", "b$", "[A-Z]", "\\.", "a|b", "\\(", "é", "^$", "a{2}", "\\$", "[[:upper:]]",
              "^.{3}$", "\\*", "x\\$y", "(", "[", "+"]
COLLATIONS = ['"C"', '"POSIX"', '"%(icu)s"', '"default"']


@dataclass
class Case:
    steps: list                  # (sql, is_result)
    compare: str = "multiset"    # ordered, multiset, keys, limited
    keys: int = 0                # keys: how many trailing columns are the sort keys
    base: str = ""               # limited: the query without LIMIT / OFFSET
    settings: dict = field(default_factory=dict)
    shape: str = ""
    needs_transaction: bool = False

    def text(self):
        return ";\n".join(sql for sql, _ in self.steps)


def quote(text):
    return "'%s'" % text.replace("'", "''")


class Generator:
    """Queries from a random.Random; ``rows`` (the loaded data) supply values that match."""

    def __init__(self, rng, rows, icu):
        self.rng = rng
        self.rows = rows
        self.icu = icu
        self.settings = dict(DEFAULT_SETTINGS)

    # --- values -------------------------------------------------------------------------------

    def data_value(self, column):
        values = [row[column] for row in self.rows if row[column] is not None]
        return self.rng.choice(values) if values else None

    def literal(self, column):
        """An SQL constant comparable with ``column``: from the data, or near it, in varied forms."""
        rng = self.rng
        value = self.data_value(column) if rng.random() < 0.7 else None
        if column in ("id", "i4"):
            number = value if value is not None else rng.choice(INT4 + [rng.randint(0, 130)])
            return rng.choice([str(number), str(number), "%s::bigint" % number,
                               "%s::numeric" % number, "%s.0" % number, "%d.5" % number,
                               "%s::smallint" % number if abs(number) < 32768 else str(number)])
        if column == "i8":
            number = value if value is not None else rng.choice(INT8)
            return rng.choice([str(number), "%s::numeric" % number, "%s::int8" % number,
                               "'%s'" % number, "%s.0" % number])
        if column == "n":
            number = value if value is not None else Decimal(rng.choice(NUMERICS))
            return rng.choice([str(number), "%s::numeric" % number, "'%s'::numeric" % number,
                               "%s::float8" % number, "(%s)::numeric(40,20)" % number])
        if column == "f":
            number = value if value is not None else Decimal(repr(rng.choice(FLOATS)))
            return rng.choice([str(number), "'%s'::float8" % number, "%s::real" % number,
                               "'Infinity'::float8", "'NaN'::float8", str(number)])
        if column in ("t", "tu"):
            text = value if value is not None and rng.random() < 0.8 else \
                "".join(rng.choice(TEXT_PIECES) for _ in range(rng.randint(0, 2)))
            form = rng.random()
            if form < 0.15:
                return "%s::varchar" % quote(text)
            if form < 0.2:
                return "%s::char(3)" % quote(text)
            if form < 0.3 and column == "t":
                return "%s::name" % quote(text)
            return quote(text)
        if column == "b":
            return rng.choice(["true", "false", "'t'", "'yes'::boolean", "'0'::boolean"])
        if column == "d":
            day = value or "2020-02-29"
            year, month, dom = day.split("-")
            return rng.choice([quote(day), "DATE %s" % quote(day), "%s::date" % quote(day),
                               quote("%s/%s/%s" % (month, dom, year)),
                               "%s::timestamp" % quote(day + " 12:00"),
                               "%s::timestamptz" % quote(day)])
        if column == "ts":
            stamp = value or "2021-01-01T00:00:00.5"
            return rng.choice([quote(stamp), quote(stamp.replace("T", " ")),
                               "%s::timestamp" % quote(stamp), "%s::timestamptz" % quote(stamp),
                               "%s::date" % quote(stamp[:10]),
                               "%s::timestamp(0)" % quote(stamp)])
        if column == "tz":
            stamp = value or "2021-01-01T00:00:00.5+00:00"
            return rng.choice([quote(stamp), "%s::timestamptz" % quote(stamp),
                               quote(stamp[:-6]), "%s::timestamp" % quote(stamp[:-6]),
                               quote(stamp[:19] + " Europe/Paris"),
                               "%s::date" % quote(stamp[:10])])
        raise ValueError(column)

    def like_pattern(self):
        rng = self.rng
        if rng.random() < 0.4:
            return rng.choice(LIKE_POOL)
        text = self.data_value(rng.choice(["t", "tu"])) or "abc"
        start = rng.randint(0, len(text))
        piece = text[start:start + rng.randint(0, 4)]
        piece = piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") \
            if rng.random() < 0.7 else piece
        if piece.endswith("\\") and not piece.endswith("\\\\"):
            piece += "\\"
        chars = list(piece)
        for i in range(len(chars)):
            if rng.random() < 0.1 and chars[i] not in "\\":
                chars[i] = "_"
        piece = "".join(chars)
        return rng.choice(["%", ""]) + piece + rng.choice(["%", "", "%", "_"])

    # --- predicates ---------------------------------------------------------------------------

    def predicate(self, alias=""):
        rng = self.rng
        kind = rng.random()
        if kind < 0.12:
            return "(%s %s %s)" % (self.predicate(alias), rng.choice(["AND", "OR", "AND"]),
                                   self.predicate(alias))
        if kind < 0.16:
            return "NOT (%s)" % self.predicate(alias)
        column = rng.choice(ORDERABLE + ["t", "t", "tu", "j", "js"])
        ref = alias + column
        if column == "js" and not SWITCHES["json_text"]:
            ref = "(%s)::jsonb" % ref
        if column in ("j", "js"):
            return rng.choice([
                "%s IS NULL" % ref, "%s IS NOT NULL" % ref,
                "%s->>'k' = %s" % (ref, self.literal("t")),
                "(%s->>'n')::numeric > %s" % (ref, self.literal("n")),
                "%s::text LIKE %s" % (ref, quote(self.like_pattern())),
                "%s::jsonb @> '{\"a\": [1]}'" % ref, "jsonb_typeof(%s::jsonb) = 'array'" % ref])
        if column == "b":
            return rng.choice(["%s" % ref, "NOT %s" % ref, "%s = true" % ref, "%s = false" % ref,
                               "%s IS TRUE" % ref, "%s IS NOT FALSE" % ref, "%s IS NULL" % ref,
                               "%s <> %s" % (ref, self.literal("b")), "%s IS UNKNOWN" % ref,
                               "%s IN (%s)" % (ref, self.literal("b"))])
        shape = rng.random()
        if shape < 0.02:
            return "%s IS %sDISTINCT FROM %s" % (ref, rng.choice(["", "NOT "]), self.literal(column))
        if shape < 0.06:
            return "%s IS NULL" % ref
        if shape < 0.1:
            return "%s IS NOT NULL" % ref
        if shape < 0.18:
            values = [self.literal(column) for _ in range(rng.randint(0, 4))]
            if not values or rng.random() < 0.15:
                values.append("NULL")
            negate = rng.choice(["", "", "NOT "])
            return "%s %sIN (%s)" % (ref, negate, ", ".join(values))
        if shape < 0.23:
            values = [self.literal(column) for _ in range(rng.randint(1, 3))]
            return "%s %s ANY (ARRAY[%s])" % (ref, rng.choice(["=", "=", "<>", "<", ">="]),
                                              ", ".join(values))
        if shape < 0.28:
            low, high = sorted([self.literal(column), self.literal(column)])
            return "%s %sBETWEEN %s%s AND %s" % (ref, rng.choice(["", "NOT "]),
                                                  rng.choice(["", "SYMMETRIC "]), low, high)
        if shape < 0.34:
            return "%s %s %s" % (self.literal(column), rng.choice(["<", ">", "=", "<=", ">="]),
                                 ref)
        if column in ("t", "tu") and shape < 0.62:
            return self.text_predicate(ref)
        if shape < 0.66:
            return self.unpushable(column, ref)
        operator = rng.choice(["=", "=", "<>", "<", "<=", ">", ">=", "!="])
        return "%s %s %s" % (ref, operator, self.literal(column))

    def text_predicate(self, ref):
        rng = self.rng
        pattern = quote(self.like_pattern())
        choice = rng.random()
        if choice < 0.45:
            return "%s %s %s" % (ref, rng.choice(["LIKE", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE",
                                                 "~~", "~~*"]), pattern)
        if choice < 0.55:
            escaped = self.like_pattern().replace("\\", "#")
            return "%s LIKE %s ESCAPE '#'" % (ref, quote(escaped))
        if choice < 0.7:
            return "%s %s %s" % (ref, rng.choice(["~", "~*", "!~", "!~*"]),
                                 quote(rng.choice(REGEX_POOL)))
        if choice < 0.85:
            collation = rng.choice(COLLATIONS) % {"icu": self.icu}
            return "%s %s %s COLLATE %s" % (ref, rng.choice(["<", ">=", "=", ">", "<="]),
                                            self.literal("t"), collation)
        if choice < 0.92:
            return "%s SIMILAR TO %s" % (ref, quote(rng.choice(["%(a|b)%", "a%", "%\\%%"])))
        return "%s %s %s" % (ref, rng.choice(["<", ">", "<=", ">="]), self.literal("t"))

    def unpushable(self, column, ref):
        rng = self.rng
        if column in ("id", "i4", "i8", "n", "f"):
            return rng.choice(["%s + 0 > %s" % (ref, self.literal(column)),
                               "%s::text = %s::text" % (ref, self.literal(column)),
                               "abs(%s) >= 1" % ref, "%s %% 2 = 0" % ref if column != "f"
                               else "%s > 0" % ref])
        if column in ("d", "ts", "tz"):
            return rng.choice(["%s::text > %s" % (ref, quote("2020")),
                               "extract(year FROM %s) > 2010" % ref,
                               "%s + interval '1 day' > %s" % (ref, self.literal(column)),
                               "%s::date = %s" % (ref, self.literal("d"))])
        return "lower(%s) = lower(%s)" % (ref, self.literal(column))

    def where(self, alias=""):
        count = self.rng.choice([0, 1, 1, 1, 2, 2, 3])
        if count == 0:
            return ""
        return " WHERE " + " AND ".join(self.predicate(alias) for _ in range(count))

    # --- ORDER BY, LIMIT ----------------------------------------------------------------------

    def sort_keys(self, alias="", total=True):
        """(ORDER BY items, key expressions) of 1-3 keys; ``total``: ends in id."""
        rng = self.rng
        items, exprs = [], []
        for column in rng.sample(ORDERABLE, rng.randint(1, 3)):
            expr = alias + column
            if column in ("t", "tu") and rng.random() < 0.3:
                expr += " COLLATE " + rng.choice(COLLATIONS) % {"icu": self.icu}
            exprs.append(expr)
            items.append(expr + rng.choice(["", "", " ASC", " DESC", " DESC"])
                         + rng.choice(["", "", "", " NULLS FIRST", " NULLS LAST"]))
        if total and alias + "id" not in exprs:
            items.append(alias + "id" + rng.choice(["", " DESC"]))
            exprs.append(alias + "id")
        return items, exprs

    def limit_clause(self):
        rng = self.rng
        limit = rng.choice([None, 0, 1, 2, 3, 5, 10, 17, 40, 99, 100, 101, 150, 2 ** 31 - 1, 2 ** 31,
                            2 ** 32, 2 ** 32 + 1, 2 ** 63 - 1, "ALL", "NULL", -1])
        offset = rng.choice([None, None, 0, 1, 3, 9, 50, 99, 100, 120, 2 ** 31, 2 ** 32 + 1, -1])
        text = ""
        if limit is not None:
            text += " LIMIT %s" % limit
        if offset is not None:
            text += " OFFSET %s" % offset
        if not text:
            text = " LIMIT 5"
        return text

    def columns(self, alias=""):
        rng = self.rng
        names = ["id", "i4", "i8", "n", "f", "t", "tu", "b", "d", "ts", "tz", "j", "js"]
        choice = rng.random()
        if choice < 0.3:
            picked = names
        elif choice < 0.35:
            return "count(*)"
        elif choice < 0.4:
            # A whole-row reference (the json column's text inside it: compared as jsonb).
            return "row_to_json(%s)::jsonb" % (alias[:-1] or "{t}")
        else:
            picked = rng.sample(names, rng.randint(1, 4))
        return ", ".join(alias + name if name != "js" or SWITCHES["json_text"]
                         else "%sjs::jsonb AS js" % alias for name in picked)

    # --- shapes -------------------------------------------------------------------------------

    def change_settings(self):
        if self.rng.random() < 0.3:
            name = self.rng.choice(list(SETTINGS))
            self.settings[name] = self.rng.choice(SETTINGS[name])
        return dict(self.settings)

    def case(self):
        rng = self.rng
        shape = rng.choices(SHAPES, weights=[weight for _, weight in SHAPE_WEIGHTS])[0]
        case = getattr(self, "shape_" + shape)()
        case.shape = shape
        case.settings = self.change_settings()
        return case

    def select(self, alias="", table="{t}"):
        """(SQL, Case fields) of one SELECT on the table with optional ORDER BY / LIMIT."""
        rng = self.rng
        columns = self.columns(alias)
        sql = "SELECT %s FROM %s%s%s" % (columns, table, " " + alias[:-1] if alias else "",
                                         self.where(alias))
        if columns == "count(*)":
            return sql, dict(compare="multiset")
        order = rng.random()
        if order < 0.35:
            items, _ = self.sort_keys(alias, total=True)
            sql += " ORDER BY " + ", ".join(items)
            if rng.random() < 0.5:
                sql += self.limit_clause()
            return sql, dict(compare="ordered")
        if order < 0.5:
            items, exprs = self.sort_keys(alias, total=False)
            sql = sql.replace("SELECT %s" % columns,
                              "SELECT %s, %s" % (columns, ", ".join(map(tie_text, exprs))), 1)
            return sql + " ORDER BY " + ", ".join(items), dict(compare="keys", keys=len(exprs))
        if order < 0.65:
            return sql + self.limit_clause(), dict(compare="limited", base=sql)
        return sql, dict(compare="multiset")

    def shape_plain(self):
        sql, fields = self.select()
        return Case([(sql, True)], **fields)

    def shape_subquery(self):
        inner = "SELECT * FROM {t}%s" % self.where()
        items, _ = self.sort_keys("s.", total=True)
        sql = "SELECT s.id, s.t, s.n FROM (%s) s%s ORDER BY %s%s" % (
            inner, self.where("s."), ", ".join(items), self.limit_clause())
        return Case([(sql, True)], compare="ordered")

    def shape_subquery_limit(self):
        """A LIMIT inside a subquery, a filter outside it (or none)."""
        items, _ = self.sort_keys("", total=True)
        inner = "SELECT * FROM {t} ORDER BY %s%s" % (", ".join(items), self.limit_clause())
        sql = "SELECT s.id, s.i8, s.ts FROM (%s) s%s" % (inner, self.where("s."))
        return Case([(sql, True)], compare="multiset")

    def shape_cte(self):
        materialized = self.rng.choice(["", "MATERIALIZED ", "NOT MATERIALIZED "])
        inner = "SELECT * FROM {t}%s" % self.where()
        items, _ = self.sort_keys("", total=True)
        sql = "WITH s AS %s(%s) SELECT id, tz, f FROM s%s ORDER BY %s%s" % (
            materialized, inner, self.where(), ", ".join(items), self.limit_clause())
        return Case([(sql, True)], compare="ordered")

    def shape_view(self):
        inner = "SELECT * FROM {t}%s" % self.where()
        sql, fields = self.select(table="{v}")
        return Case([("DROP VIEW IF EXISTS {v}", False), ("CREATE TEMP VIEW {v} AS " + inner, False),
                     (sql, True)], **fields)

    def shape_join(self):
        rng = self.rng
        join = rng.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"])
        on = rng.choice(["a.id = b.id", "a.id = b.id + 1", "a.i4 = b.i4", "a.t = b.tu",
                         "a.d = b.ts::date", "a.id = b.id AND %s" % self.predicate("b.")])
        sql = "SELECT a.id, b.id, a.t, b.n FROM {t} a %s {t} b ON %s%s" % (
            join, on, self.where("a."))
        if rng.random() < 0.5:
            sql += " ORDER BY a.id, b.id NULLS FIRST LIMIT %d" % rng.choice([1, 3, 10, 50])
            return Case([(sql, True)], compare="ordered")
        return Case([(sql, True)], compare="multiset")

    def shape_side_join(self):
        rng = self.rng
        # the engine may read side's keys first (semi-join reduction): every join
        # type, a key of either type, and a condition on side in the ON clause
        side_condition = rng.choice(["", "", " AND s.k < %d" % rng.randint(-5, 60),
                                     " AND s.k IS NOT NULL", " AND s.k %% 3 = 1"])
        sql = "SELECT s.k, x.id, x.t FROM side s %s {t} x ON x.%s = s.k%s%s" % (
            rng.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN"]), rng.choice(["id", "i4"]),
            side_condition, self.where("x."))
        if rng.random() < 0.4:
            sql += " ORDER BY s.k, x.id LIMIT %d" % rng.choice([1, 2, 5])
            return Case([(sql, True)], compare="ordered")
        return Case([(sql, True)], compare="multiset")

    def shape_lateral(self):
        items, _ = self.sort_keys("x.", total=True)
        sql = ("SELECT s.k, l.id, l.t FROM side s %s LATERAL (SELECT x.id, x.t FROM {t} x "
               "WHERE x.id > s.k%s ORDER BY %s LIMIT %d) l ON true") % (
            self.rng.choice(["LEFT JOIN", "JOIN"]),
            "" if self.rng.random() < 0.5 else " AND " + self.predicate("x."),
            ", ".join(items), self.rng.choice([1, 2, 3]))
        return Case([(sql, True)], compare="multiset")

    def shape_exists(self):
        sql = "SELECT s.k FROM side s WHERE %sEXISTS (SELECT 1 FROM {t} x WHERE x.%s = s.k%s)" % (
            self.rng.choice(["", "NOT "]), self.rng.choice(["id", "i4"]),
            "" if self.rng.random() < 0.3 else " AND " + self.predicate("x."))
        return Case([(sql, True)], compare="multiset")

    def shape_union(self):
        first, _ = self.select_ids()
        second, _ = self.select_ids()
        return Case([("(%s) UNION ALL (%s)" % (first, second), True)], compare="multiset")

    def select_ids(self):
        items, _ = self.sort_keys("", total=True)
        sql = "SELECT id, t FROM {t}%s" % self.where()
        if self.rng.random() < 0.5:
            sql += " ORDER BY %s%s" % (", ".join(items), self.limit_clause())
        return sql, None

    def shape_aggregate(self):
        rng = self.rng
        aggregate = rng.choice(["count(*)", "count(t)", "sum(n)", "min(t)", "max(tu)", "avg(i8)",
                                "sum(f::numeric)", "bool_or(b)", "max(ts)", "min(tz)", "count(DISTINCT d)",
                                "string_agg(t, ',' ORDER BY id)", "max(id)"])
        group = rng.choice(["", " GROUP BY b", " GROUP BY d IS NULL", " GROUP BY i4 > 0"])
        columns = aggregate if not group else "%s, %s" % (group[10:], aggregate)
        sql = "SELECT %s FROM {t}%s%s" % (columns, self.where(), group)
        return Case([(sql, True)], compare="multiset")

    def shape_fetch_first(self):
        items, _ = self.sort_keys("", total=False)
        sql = "SELECT id, i4, t FROM {t}%s ORDER BY %s FETCH FIRST %d ROWS WITH TIES" % (
            self.where(), ", ".join(items), self.rng.choice([1, 2, 5]))
        return Case([(sql, True)], compare="multiset")

    def shape_distinct_on(self):
        items, _ = self.sort_keys("", total=True)
        first = items[0].split()[0]
        sql = "SELECT DISTINCT ON (%s) %s, id FROM {t}%s ORDER BY %s" % (
            first, first, self.where(), ", ".join(items))
        return Case([(sql, True)], compare="ordered")

    def shape_window(self):
        items, _ = self.sort_keys("", total=True)
        sql = ("SELECT id, row_number() OVER (ORDER BY %s), count(*) OVER () FROM {t}%s "
               "ORDER BY id%s") % (", ".join(items), self.where(), self.limit_clause())
        return Case([(sql, True)], compare="ordered")

    def shape_in_subquery(self):
        sql = "SELECT s.k FROM side s WHERE s.k %sIN (SELECT x.%s FROM {t} x%s)" % (
            self.rng.choice(["", "NOT "]), self.rng.choice(["id", "i4"]), self.where("x."))
        return Case([(sql, True)], compare="multiset")

    def shape_prepared(self):
        rng = self.rng
        column = rng.choice(["id", "i4", "i8", "n", "t", "d", "ts", "tz"])
        types = {"id": "int", "i4": "int", "i8": "bigint", "n": "numeric", "t": "text",
                 "d": "date", "ts": "timestamp", "tz": "timestamptz"}
        operator = rng.choice(["=", "<", ">=", "<>"])
        items, _ = self.sort_keys("", total=True)
        limit = rng.choice(["", " LIMIT $2", " OFFSET $2"])
        extra = " AND " + self.predicate() if rng.random() < 0.3 else ""
        sql = "PREPARE p(%s, bigint) AS SELECT id, %s FROM {t} WHERE %s %s $1%s ORDER BY %s%s" % (
            types[column], column, column, operator, extra, ", ".join(items), limit)
        mode = rng.choice(["auto", "force_generic_plan", "force_custom_plan"])
        steps = [("SET plan_cache_mode = %s" % mode, False), (sql, False)]
        for _ in range(rng.randint(1, 7)):
            value = self.data_value(column)
            steps.append(("EXECUTE p(%s, %s)" % ("NULL" if value is None else quote(str(value)),
                                                 rng.choice([0, 1, 3, 2 ** 31, 2 ** 32 + 1])), True))
        steps += [("DEALLOCATE p", False), ("RESET plan_cache_mode", False)]
        return Case(steps, compare="ordered")

    def shape_cursor(self):
        rng = self.rng
        items, _ = self.sort_keys("", total=True)
        sql = "DECLARE c SCROLL CURSOR FOR SELECT id, t, n FROM {t}%s ORDER BY %s" % (
            self.where(), ", ".join(items))
        if rng.random() < 0.3:
            sql += self.limit_clause()
        steps = [("BEGIN", False), (sql, False)]
        for _ in range(rng.randint(2, 6)):
            steps.append((rng.choice(["FETCH 3 FROM c", "FETCH BACKWARD 2 FROM c", "FETCH FIRST FROM c",
                                      "FETCH LAST FROM c", "FETCH ABSOLUTE 5 FROM c",
                                      "FETCH RELATIVE -1 FROM c", "FETCH ALL FROM c",
                                      "FETCH BACKWARD ALL FROM c", "FETCH PRIOR FROM c",
                                      "MOVE 2 IN c"]), True))
        steps.append(("COMMIT", False))
        return Case(steps, compare="ordered", needs_transaction=True)


SHAPE_WEIGHTS = [("plain", 40), ("subquery", 6), ("subquery_limit", 5), ("cte", 6), ("view", 5),
                 ("join", 5), ("side_join", 4), ("lateral", 4), ("exists", 4), ("union", 3),
                 ("aggregate", 5), ("fetch_first", 2), ("prepared", 5), ("cursor", 5),
                 ("distinct_on", 2), ("window", 2), ("in_subquery", 2)]
SHAPES = [name for name, _ in SHAPE_WEIGHTS]


def tie_text(expr):
    """A sort key as text that is the same for values the sort ties (0.0 and 0, -0 and 0)."""
    column = expr.split()[0].split(".")[-1]
    if column == "n":
        return "trim_scale(%s)" % expr
    if column == "f":
        return "(%s + 0)" % expr
    return expr


def generator(seed, rows, icu):
    return Generator(random.Random(seed), rows, icu)
