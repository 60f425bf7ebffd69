"""The rows of the differential test: one seeded generator, the same rows for the local table and the service.

Every value is chosen to sit where wrappers go wrong: integers at 2^31 and
2^53, numerics with more digits than a double holds, floats at the ends of
their range, text full of LIKE and regular-expression metacharacters, mixed
case and non-ASCII letters, dates, timestamps with microseconds, instants
in several offsets, JSON with exact numbers, and NULLs everywhere but ``id``.

A row is a dict of JSON values (Decimal for exact numbers); the JSON text of
the rows (mock_service.resources.tables.dumps) is what both the service and
the local table (json_populate_recordset) read.
"""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

# (column, SQL type, the service's column type). id is the unique key.
COLUMNS = [
    ("id", "integer", "integer"),
    ("i4", "integer", "integer"),
    ("i8", "bigint", "integer"),
    ("n", "numeric", "number"),
    ("f", "double precision", "number"),
    ("t", "text", "text"),
    ("tu", 'text COLLATE "%(icu)s"', "text"),
    ("b", "boolean", "boolean"),
    ("d", "date", "date"),
    ("ts", "timestamp", "timestamp"),
    ("tz", "timestamptz", "timestamptz"),
    ("j", "jsonb", "json"),
    ("js", "json", "json"),
]
NAMES = [name for name, _, _ in COLUMNS]
SQL_TYPES = {name: sql for name, sql, _ in COLUMNS}
SERVICE_TYPES = {name: kind for name, _, kind in COLUMNS}

INT4 = [0, 1, -1, 7, 42, 2 ** 31 - 1, -2 ** 31, 2 ** 31 - 2, -2 ** 31 + 1, 1000, 65536, -65537]
INT8 = [0, 2 ** 53, 2 ** 53 + 1, -2 ** 53 - 1, 2 ** 53 - 1, 2 ** 63 - 1, -2 ** 63, 2 ** 31,
        2 ** 32, 4294967297, -1, 9007199254740993, 123456789012]
NUMERICS = ["12345678901234567.89", "0.1000000000000000055511151231257827", "0.1", "0",
            "-0.0", "1E-30", "123456789012345678901234567890", "-98765.4321000", "2.5", "3",
            "99999999999999999999.99999999999999999999", "1e20", "-1", "0.30000000000000004",
            "1.10", "1.1"]
FLOATS = [0.1, 0.30000000000000004, 1e300, -1e-300, 5e-324, 1.7976931348623157e308, -0.0, 0.0,
          2.0 ** 53, 2.0 ** 53 + 2, 1.0, -2.5, 3.0, 1e-7, 123456.789, 1 / 3]
TEXT_PIECES = ["a", "b", "A", "B", "abc", "ABC", "house", "House", "%", "_", "\\", ".", "*", "+",
               "?", "(", ")", "[", "]", "{", "}", "^", "$", "|", "a{2}", "x$y", "C++", "é", "É",
               "ß", "Straße", "STRASSE", "İ", "ı", "ǅ", "ﬀ", "🐘", "日本", " ", "a b", "'", '"',
               ",", "\t", "~", "-", "0", "10", "9", "zz", "Zz", "aa", "AA", "Ω", "ω", "ŉ", "K"]
OFFSETS = [timedelta(0), timedelta(hours=5, minutes=30), timedelta(hours=-8), timedelta(hours=14),
           timedelta(hours=-12), timedelta(minutes=45)]
MICROSECONDS = [0, 0, 0, 500000, 123456, 1, 999999, 100]


def maybe_null(rng, value, chance=0.15):
    return None if rng.random() < chance else value


def text(rng):
    pieces = rng.choice([1, 1, 2, 2, 3])
    return "".join(rng.choice(TEXT_PIECES) for _ in range(pieces))


def numeric(rng):
    if rng.random() < 0.6:
        return Decimal(rng.choice(NUMERICS))
    digits = rng.randint(1, 38)
    scale = rng.randint(0, min(digits, 20))
    number = Decimal(rng.randrange(10 ** digits)).scaleb(-scale)
    return -number if rng.random() < 0.3 else number


def floating(rng):
    value = rng.choice(FLOATS) if rng.random() < 0.6 else rng.uniform(-1e6, 1e6)
    return Decimal(repr(value))  # JSON's shortest round-trip text of the double


def moment(rng):
    day = datetime(1999, 12, 31) + timedelta(days=rng.randint(0, 15000),
                                             seconds=rng.choice([0, 1, 3600, 86399,
                                                                 rng.randint(0, 86399)]))
    return day.replace(microsecond=rng.choice(MICROSECONDS))


def json_value(rng):
    kind = rng.random()
    if kind < 0.5:
        return {"k": text(rng), "n": numeric(rng), "a": [1, Decimal("2.50"), None, True]}
    if kind < 0.7:
        return [text(rng), numeric(rng)]
    if kind < 0.8:
        return text(rng)
    return {"nested": {"deep": [{"x": rng.randint(-5, 5)}]}, "e": {}}


def row(rng, number):
    stamp = moment(rng)
    offset = rng.choice(OFFSETS)
    instant = moment(rng).replace(tzinfo=timezone(offset))
    day = date(1970, 1, 1) + timedelta(days=rng.randint(0, 30000))
    if rng.random() < 0.05:
        day = rng.choice([date(1, 1, 1), date(2000, 2, 29), date(9999, 12, 31)])
    return {
        "id": number,
        "i4": maybe_null(rng, rng.choice(INT4) if rng.random() < 0.6 else rng.randint(-99, 99)),
        "i8": maybe_null(rng, rng.choice(INT8) if rng.random() < 0.6
                         else rng.randint(-2 ** 62, 2 ** 62)),
        "n": maybe_null(rng, numeric(rng)),
        "f": maybe_null(rng, floating(rng)),
        "t": maybe_null(rng, text(rng)),
        "tu": maybe_null(rng, text(rng)),
        "b": maybe_null(rng, rng.random() < 0.5),
        "d": maybe_null(rng, day.isoformat()),
        "ts": maybe_null(rng, stamp.isoformat()),
        "tz": maybe_null(rng, instant.isoformat()),
        "j": maybe_null(rng, json_value(rng)),
        "js": maybe_null(rng, json_value(rng)),
    }


def rows(rng, count):
    """``count`` rows; ids 1..count in a shuffled load order (so no order is the id order)."""
    ids = list(range(1, count + 1))
    rng.shuffle(ids)
    return [row(rng, number) for number in ids]
