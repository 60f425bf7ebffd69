"""Qual values through the engine: exact, and the same whatever the session's
settings (issue: exact answers, cases 4-6, the engine's part).

numeric arrives as decimal.Decimal, timestamps with their microseconds,
timestamptz as an aware datetime in UTC, floats as float, integers as int,
and every other type as its text output under fixed settings (DateStyle ISO,
IntervalStyle postgres, extra_float_digits 3), as postgres_fdw sends values.
Each qual carries the collation of its comparison.
"""
import datetime
import decimal

import pytest

from test_engine import calls, make_table

D = decimal.Decimal
UTC = datetime.timezone.utc

COLUMNS = ("n numeric, ts timestamp, tz timestamptz, f4 real, f8 float8, iv interval, d date, "
           "b bigint, s smallint, na numeric[], tza timestamptz[], u uuid, j jsonb, tm time")

# (clause, the value the wrapper must get), one qual each
CASES = [
    ("n = 12345678901234567.89", D("12345678901234567.89")),
    ("n = 0.1000000000000000055511151231257827", D("0.1000000000000000055511151231257827")),
    ("n = 'NaN'", D("NaN")),
    ("n = 'Infinity'", D("Infinity")),
    ("n = '-Infinity'", D("-Infinity")),
    ("n = 1e-40", D("1E-40")),
    ("ts = '2021-01-01 00:00:00.5'", datetime.datetime(2021, 1, 1, 0, 0, 0, 500000)),
    ("ts = '1999-12-31 23:59:59.999999'", datetime.datetime(1999, 12, 31, 23, 59, 59, 999999)),
    ("ts = 'infinity'", "infinity"),
    ("tz = '2021-01-01 00:00:00.000001+02'",
     datetime.datetime(2020, 12, 31, 22, 0, 0, 1, tzinfo=UTC)),
    ("tz = '2021-06-01 12:00:00 America/New_York'",
     datetime.datetime(2021, 6, 1, 16, 0, 0, tzinfo=UTC)),
    ("f4 = 0.1::real", 0.10000000149011612),
    ("f8 = 0.1", 0.1),
    ("f8 = 1e300", 1e300),
    ("iv = '1 day 2 hours 3.5 seconds'", "1 day 02:00:03.5"),
    ("d = '2021-03-04'", datetime.date(2021, 3, 4)),
    ("b = 9223372036854775807", 9223372036854775807),
    ("s = 7", 7),
    ("na = ARRAY[1.5, 12345678901234567.89]::numeric[]", [D("1.5"), D("12345678901234567.89")]),
    ("tza = ARRAY['2021-01-01 00:00:00.25+00']::timestamptz[]",
     [datetime.datetime(2021, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)]),
    ("u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("j = '{\"a\": 1.50}'", '{"a": 1.50}'),
    ("tm = '12:34:56.789'", "12:34:56.789"),
]

SETTINGS = [
    {},
    {"DateStyle": "German", "TimeZone": "Asia/Kolkata"},
    {"DateStyle": "SQL, DMY", "IntervalStyle": "sql_standard", "TimeZone": "America/New_York"},
    {"DateStyle": "Postgres, MDY", "IntervalStyle": "iso_8601", "extra_float_digits": "-15"},
    {"DateStyle": "ISO", "IntervalStyle": "postgres_verbose", "extra_float_digits": "3",
     "TimeZone": "Pacific/Chatham"},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join("%s=%s" % kv for kv in s.items())
                         or "defaults")
def test_qual_values_are_exact_whatever_the_settings(db, settings):
    table = make_table(db, COLUMNS, table_options="report_types 'true', rows '0'")
    for name, value in settings.items():
        db.execute("SET %s = '%s'" % (name, value))
    got = []
    for clause, _ in CASES:
        db.rows("SELECT * FROM %s WHERE %s" % (table, clause))
        (types,) = calls(db, "types")
        got.append(types)
    assert got == [repr([(clause.split()[0], type(value).__name__, value)]) for clause, value in CASES]


def test_session_settings_are_restored(db):
    """The fixed settings hold only while values are converted."""
    table = make_table(db, COLUMNS, table_options="rows '0'")
    db.execute("SET DateStyle = 'German'")
    db.execute("SET extra_float_digits = -15")
    db.rows("SELECT * FROM %s WHERE ts = '2021-01-01' AND f8 = 0.1 AND iv = '1 day'" % table)
    assert db.value("SHOW DateStyle") == "German, DMY"
    assert db.value("SHOW extra_float_digits") == "-15"
    assert db.value("SELECT '2021-01-02'::date::text") == "02.01.2021"


def test_a_prepared_statement_gets_exact_values(db):
    table = make_table(db, COLUMNS, table_options="report_types 'true', rows '0'")
    db.execute("SET plan_cache_mode = force_generic_plan")
    db.execute("SET DateStyle = 'SQL'")
    db.execute("PREPARE q(numeric, timestamp) AS SELECT * FROM %s WHERE n = $1 AND ts = $2" % table)
    db.take_notices()
    db.rows("EXECUTE q(12345678901234567.89, '2021-01-01 00:00:00.5')")
    assert calls(db, "types") == [repr([
        ("n", "Decimal", D("12345678901234567.89")),
        ("ts", "datetime", datetime.datetime(2021, 1, 1, 0, 0, 0, 500000))])]


@pytest.mark.parametrize("clause, collation", [
    ("t = 'x'", "default"),
    ("t = 'x' COLLATE \"C\"", "C"),
    ("t >= 'zy' COLLATE \"en-x-icu\"", "en-x-icu"),
    ("c < 'x'", "C"),
    ("v LIKE 'a%'", "default"),
    ("t IN ('a', 'b')", "default"),
    ("c IN ('a', 'b')", "C"),
    ("t IS NULL", None),
    ("id = 1", None),
    ("id IN (1, 2)", None),
    ("flag", None),
    ("flag IS TRUE", None),
])
def test_each_qual_has_its_collation(db, clause, collation):
    if "icu" in clause and not db.value("SELECT count(*) FROM pg_collation "
                                        "WHERE collname = 'en-x-icu'"):
        pytest.skip("this PostgreSQL is built without ICU")
    table = make_table(db, 'id int, t text, c text COLLATE "C", v varchar, flag boolean',
                       table_options="report_collations 'true', rows '0'")
    db.rows("SELECT * FROM %s WHERE %s" % (table, clause))
    assert calls(db, "collations") == [repr([(clause.split()[0], collation)])]
