"""The PostgreSQL versions the engine is built and tested against (tools/pgversions.py).

``make test`` runs this file with the whole suite on Debian's PostgreSQL 15,
then again with the engine's and the dictionary's tests on each fetched
version (16 and 18), PG_CONFIG naming that version's pg_config. A version that
could not be fetched, built or started here is skipped with the reason.
"""
import os
import subprocess

import pytest

from tools import pgversions

SQL = os.path.join(pgversions.REPO, "sql")


@pytest.mark.parametrize("major", pgversions.VERSIONS)
def test_engine_builds_without_warnings(major):
    status = pgversions.read_status(major)
    if not status.get("ok"):
        reason = "PostgreSQL %d: %s" % (major, status.get("reason"))
        if major == pgversions.SYSTEM and "not set up" not in reason:
            pytest.fail(reason)  # Debian's 15 is always there: a failed build is a failure
        pytest.skip(reason)
    assert status["version"].startswith("PostgreSQL %d." % major)
    assert status["warnings"] == []


def test_the_server_is_the_version_asked_for(db, postgresql):
    """A run meant for PostgreSQL 16 or 18 never passes on another version."""
    wanted = subprocess.run([postgresql["pg_config"], "--version"], check=True,
                            capture_output=True, text=True).stdout.split()[1]
    assert db.value("SHOW server_version").split()[0] == wanted  # "15.20 (Debian ...)"
    assert db.value("SELECT extversion FROM pg_extension WHERE extname = 'restcorn'") == "0.1"


def test_schedule_without_pg_cron_prints_the_crontab_line(cluster, postgresql):
    """Where pg_cron is not installed (16 and 18 here), schedule.sql says how to use cron."""
    if postgresql["pg_cron"]:
        pytest.skip("pg_cron is installed here: tests/test_sql_scripts.py schedules with it")
    command = [os.path.join(postgresql["bindir"], "psql"), "-X", "-v", "ON_ERROR_STOP=1",
               "-d", cluster.dsn(), "-f", os.path.join(SQL, "schedule.sql")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "pg_cron is not installed; schedule the refresh with cron instead" in result.stderr
    assert ("*/15 * * * * psql \"$DATABASE_URL\" -c "
            "\"SELECT refresh_materialized_view('mv_dictionary')\"") in result.stderr
