"""Properties of the engine over whole kinds of input (hypothesis), through
real PostgreSQL: exact qual values under any session settings, and
LIMIT/OFFSET of any int8 size, with or without a filter left to PostgreSQL.
"""
import datetime
import decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from test_engine import calls, make_table

UTC = datetime.timezone.utc
PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

session_settings = st.fixed_dictionaries({
    "DateStyle": st.sampled_from(["ISO", "German", "SQL, DMY", "SQL, MDY", "Postgres, YMD"]),
    "IntervalStyle": st.sampled_from(["postgres", "postgres_verbose", "sql_standard", "iso_8601"]),
    "extra_float_digits": st.integers(-15, 3).map(str),
    "TimeZone": st.sampled_from(["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"]),
})

numerics = st.builds(lambda digits, scale: decimal.Decimal(digits).scaleb(-scale),
                     st.integers(-10 ** 40, 10 ** 40), st.integers(0, 40))
timestamps = st.datetimes(min_value=datetime.datetime(2, 1, 1),
                          max_value=datetime.datetime(9998, 12, 31))
offsets = st.integers(-14 * 60, 14 * 60).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes)))


def received(db, table, clause):
    """The value of the one qual the wrapper got for ``clause``."""
    db.rows("SELECT * FROM %s WHERE %s" % (table, clause))
    (types,) = calls(db, "types")
    ((_, _, value),) = eval(types, {"Decimal": decimal.Decimal, "datetime": datetime,  # noqa: S307
                                    "inf": float("inf")})
    return value


@pytest.fixture
def values_table(db):
    return make_table(db, "n numeric, ts timestamp, tz timestamptz, f float8",
                      table_options="report_types 'true', rows '0'")


@PROPERTY
@given(number=numerics, timestamp=timestamps, offset=offsets, real=st.floats(allow_nan=False),
       setting=session_settings)
def test_qual_values_are_exact_under_any_settings(db, values_table, number, timestamp, offset,
                                                  real, setting):
    for name, value in setting.items():
        db.execute("SET %s = '%s'" % (name, value))
    got = received(db, values_table, "n = '%s'::numeric" % number)
    assert isinstance(got, decimal.Decimal) and got == number
    assert received(db, values_table, "ts = '%s'::timestamp" % timestamp.isoformat()) == timestamp
    aware = timestamp.replace(tzinfo=offset)
    got = received(db, values_table, "tz = '%s'::timestamptz" % aware.isoformat())
    assert got == aware and got.tzinfo == UTC
    assert received(db, values_table, "f = '%r'::float8" % real) == real


limits = st.one_of(st.none(), st.integers(0, 20), st.integers(0, 2 ** 63 - 1))


@pytest.fixture
def limit_table(db):
    """A 10-row table whose wrapper applies LIMIT/OFFSET, and a view filtering it."""
    table = make_table(db, table_options="limit 'true', rows '10'")
    db.execute("CREATE VIEW filtered_%s AS SELECT * FROM %s WHERE id %% 3 <> 1" % (table, table))
    return table


@PROPERTY
@given(limit=limits, offset=limits)
def test_limit_and_offset_of_any_size_are_exact(db, limit_table, limit, offset):
    clause = "LIMIT %s OFFSET %s" % ("ALL" if limit is None else limit, offset or 0)
    start = offset or 0
    stop = None if limit is None else start + limit
    assert [r[0] for r in db.rows("SELECT id FROM %s %s" % (limit_table, clause))] == \
        list(range(10))[start:stop]
    assert [r[0] for r in db.rows("SELECT id FROM filtered_%s %s" % (limit_table, clause))] == \
        [i for i in range(10) if i % 3 != 1][start:stop]
