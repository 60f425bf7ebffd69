"""The scripts in sql/, run with the real psql against a real PostgreSQL and the
real mock service: the foreign table, its materialized view with a trigram
index, logged refreshes (also failing ones) and the pg_cron schedule."""
import os
import re
import subprocess

import psycopg
import pytest

from mock_service import DEFAULT_CONFIG
from tools.pgcluster import REPO, free_port, pg_bindir, wait_for

SQL = os.path.join(REPO, "sql")
WORDS_FILE = DEFAULT_CONFIG["WORDS_FILE"]  # what the service fixture serves
DATABASE = "restcorn_sql_scripts"
JOB = "refresh-mv-dictionary"
JOB_COMMAND = "SELECT refresh_materialized_view('mv_dictionary')"


def psql(dsn, script, check=True, **variables):
    """Run sql/<script> with the real psql; the CompletedProcess (stderr has the NOTICEs)."""
    command = [os.path.join(pg_bindir(), "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-d", dsn]
    for name, value in variables.items():
        command += ["-v", "%s=%s" % (name, value)]
    command += ["-f", os.path.join(SQL, script)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError("psql -f %s failed:\n%s%s" % (script, result.stdout, result.stderr))
    return result


def connect(dsn, autocommit=True):
    conn = psycopg.connect(dsn, autocommit=autocommit)
    conn.notices = []
    conn.add_notice_handler(lambda d: conn.notices.append((d.severity, d.message_primary)))
    return conn


def value(conn, sql, params=None):
    return conn.execute(sql, params).fetchone()[0]


def read_words():
    """The service's rows: (id, word), id being the line number."""
    with open(WORDS_FILE, encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return list(enumerate(lines, start=1))


def server_url(conn):
    options = value(conn, "SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'dictionary_srv'")
    return dict(option.split("=", 1) for option in options)["url"]


@pytest.fixture(scope="module")
def words():
    return read_words()


@pytest.fixture(scope="module")
def dsn(cluster, service):
    """A database of this module's own, with every script run twice (they must allow it)."""
    with connect(cluster.dsn()) as admin:
        admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DATABASE)
        admin.execute("CREATE DATABASE %s" % DATABASE)
    dsn = cluster.dsn(DATABASE)
    for _ in range(2):
        psql(dsn, "install.sql", url=service.url)
        psql(dsn, "mv_dictionary.sql")
        psql(dsn, "refresh.sql")
    yield dsn
    with connect(cluster.dsn()) as admin:
        admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DATABASE)


@pytest.fixture
def db(dsn):
    with connect(dsn) as conn:
        yield conn


# install.sql


def test_install_creates_one_server_and_table(db, service, words):
    available = [row[0] for row in db.execute(
        "SELECT name FROM pg_available_extensions WHERE name IN ('multicorn', 'restcorn')")]
    expected_fdw = "restcorn" if "restcorn" in available else "multicorn"
    assert db.execute("SELECT fdwname, srvoptions FROM pg_foreign_server s "
                      "JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw "
                      "WHERE srvname = 'dictionary_srv'").fetchall() == [
        (expected_fdw, ["wrapper=fdw.DictionaryFDW", "url=%s" % service.url])]
    assert value(db, "SELECT count(*) FROM pg_extension WHERE extname IN ('pg_trgm', %s)",
                 [expected_fdw]) == 2
    columns = db.execute("SELECT attname, format_type(atttypid, atttypmod), collname "
                         "FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation "
                         "WHERE attrelid = 'dictionary'::regclass AND attnum > 0 "
                         "ORDER BY attnum").fetchall()
    assert columns == [("id", "integer", None), ("word", "character varying", "C")]
    assert value(db, "SELECT count(*) FROM dictionary") == len(words)


def test_install_keeps_the_server_url_in_sync(db, dsn, service):
    moved = "http://127.0.0.1:%d" % free_port()
    try:
        psql(dsn, "install.sql", url=moved)
        assert server_url(db) == moved
        psql(dsn, "install.sql")  # no url: the server keeps its own
        assert server_url(db) == moved
    finally:
        psql(dsn, "install.sql", url=service.url)
    assert server_url(db) == service.url


def test_install_picks_the_engine_when_both_hosts_are_available(cluster, service):
    """With Multicorn2 installed beside the engine, install.sql still picks the engine.

    Multicorn2 cannot be installed here, so its extension is stood in for by
    a control file of that name (only its availability is read), removed
    afterwards; a machine with the real one is left untouched (skipped).
    """
    sharedir = subprocess.run([os.path.join(pg_bindir(), "pg_config"), "--sharedir"],
                              capture_output=True, text=True, check=True).stdout.strip()
    control = os.path.join(sharedir, "extension", "multicorn.control")
    script = os.path.join(sharedir, "extension", "multicorn--0.0.sql")
    if os.path.exists(control):
        pytest.skip("a multicorn extension is installed here; not standing in for it")
    name = DATABASE + "_both"
    with open(control, "w") as f:
        f.write("comment = 'stand-in: only its availability is read'\n"
                "default_version = '0.0'\nrelocatable = true\n")
    with open(script, "w") as f:
        f.write("CREATE FOREIGN DATA WRAPPER multicorn;\n")
    try:
        with connect(cluster.dsn()) as admin:
            admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
            admin.execute("CREATE DATABASE %s" % name)
            try:
                with connect(cluster.dsn(name)) as conn:
                    assert value(conn, "SELECT count(*) FROM pg_available_extensions "
                                       "WHERE name IN ('multicorn', 'restcorn')") == 2
                psql(cluster.dsn(name), "install.sql", url=service.url)
                with connect(cluster.dsn(name)) as conn:
                    assert value(conn, "SELECT fdwname FROM pg_foreign_server s "
                                       "JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw "
                                       "WHERE srvname = 'dictionary_srv'") == "restcorn"
                    assert value(conn, "SELECT word FROM dictionary WHERE id = 42") is not None
            finally:
                admin.execute("DROP DATABASE %s WITH (FORCE)" % name)
    finally:
        os.remove(control)
        os.remove(script)


def test_install_without_url_uses_the_default_address(cluster):
    name = DATABASE + "_default"
    with connect(cluster.dsn()) as admin:
        admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        admin.execute("CREATE DATABASE %s" % name)
        try:
            psql(cluster.dsn(name), "install.sql")
            with connect(cluster.dsn(name)) as conn:
                assert server_url(conn) == "http://127.0.0.1:9999"
        finally:
            admin.execute("DROP DATABASE %s WITH (FORCE)" % name)


def test_sort_on_word_is_pushed_and_exact(db, words):
    plan = "\n".join(row[0] for row in db.execute(
        "EXPLAIN SELECT word FROM dictionary ORDER BY word LIMIT 5").fetchall())
    assert "Sort" not in plan
    first = [row[0] for row in db.execute("SELECT word FROM dictionary ORDER BY word LIMIT 5")]
    assert first == sorted(word for _, word in words)[:5]


# mv_dictionary.sql


def test_view_has_every_row_and_both_indexes(db, words):
    assert value(db, "SELECT relispopulated FROM pg_class WHERE oid = 'mv_dictionary'::regclass")
    assert value(db, "SELECT count(*) FROM mv_dictionary") == len(words)
    indexes = dict(db.execute("SELECT indexname, indexdef FROM pg_indexes "
                              "WHERE tablename = 'mv_dictionary'").fetchall())
    assert set(indexes) == {"mv_dictionary_id", "mv_dictionary_word_trgm"}
    assert "CREATE UNIQUE INDEX" in indexes["mv_dictionary_id"]
    assert "USING gin (word gin_trgm_ops)" in indexes["mv_dictionary_word_trgm"]


def test_like_uses_the_trigram_index(db, words):
    plan = "\n".join(row[0] for row in db.execute(
        "EXPLAIN SELECT * FROM mv_dictionary WHERE word LIKE '%house%'").fetchall())
    assert "Bitmap Index Scan on mv_dictionary_word_trgm" in plan
    rows = db.execute("SELECT id, word FROM mv_dictionary WHERE word LIKE '%house%' ORDER BY id")
    expected = [(i, word) for i, word in words if "house" in word]
    assert expected and rows.fetchall() == expected


# refresh.sql


def test_refresh_plain_and_concurrent_is_logged(db, words):
    before = value(db, "SELECT coalesce(max(id), 0) FROM mv_refresh_log")
    plain = db.execute("SELECT view_name, concurrent, status, rows, error "
                       "FROM refresh_materialized_view('mv_dictionary', false)").fetchone()
    concurrent = db.execute("SELECT view_name, concurrent, status, rows, error "
                            "FROM refresh_materialized_view('mv_dictionary')").fetchone()
    assert plain == ("mv_dictionary", False, "ok", len(words), None)
    assert concurrent == ("mv_dictionary", True, "ok", len(words), None)
    logged = db.execute("SELECT view_name, concurrent, status, rows, error, started_at <= finished_at "
                        "FROM mv_refresh_log WHERE id > %s ORDER BY id", [before]).fetchall()
    assert logged == [plain + (True,), concurrent + (True,)]
    assert db.execute("SELECT status, rows, concurrent FROM mv_refresh_status "
                      "WHERE view_name = 'mv_dictionary'").fetchall() == [("ok", len(words), True)]
    assert value(db, "SELECT count(*) FROM mv_dictionary") == len(words)


def test_first_refresh_of_an_empty_view_is_plain(db):
    db.execute("CREATE MATERIALIZED VIEW mv_first AS SELECT id, word FROM dictionary WHERE id <= 10 "
               "WITH NO DATA")
    try:
        db.execute("CREATE UNIQUE INDEX ON mv_first (id)")
        first = db.execute("SELECT concurrent, status, rows FROM refresh_materialized_view('mv_first')")
        assert first.fetchone() == (False, "ok", 10)
        second = db.execute("SELECT concurrent, status, rows FROM refresh_materialized_view('mv_first')")
        assert second.fetchone() == (True, "ok", 10)
    finally:
        db.execute("DROP MATERIALIZED VIEW mv_first")


@pytest.mark.parametrize("concurrently", [True, False])
def test_failed_refresh_keeps_the_view_and_is_logged(db, dsn, service, words, concurrently):
    sample = "SELECT id, word FROM mv_dictionary WHERE mod(id, 997) = 1 ORDER BY id"
    rows_before = db.execute(sample).fetchall()
    closed = "http://127.0.0.1:%d" % free_port()
    db.execute("ALTER SERVER dictionary_srv OPTIONS (SET url '%s')" % closed)
    try:
        failed = db.execute("SELECT id, view_name, concurrent, status, rows, error "
                            "FROM refresh_materialized_view('mv_dictionary', %s)",
                            [concurrently]).fetchone()
    finally:
        psql(dsn, "install.sql", url=service.url)
    log_id, view_name, concurrent, status, rows, error = failed
    assert (view_name, concurrent, status, rows) == ("mv_dictionary", concurrently, "failed", None)
    assert closed in error
    assert ("WARNING", "refresh of materialized view mv_dictionary failed; "
                       "it keeps its previous contents") in db.notices
    assert value(db, "SELECT count(*) FROM mv_dictionary") == len(words)
    assert db.execute(sample).fetchall() == rows_before
    with connect(dsn) as other:  # the log row was committed, not only returned
        assert other.execute("SELECT status, error FROM mv_refresh_log WHERE id = %s",
                             [log_id]).fetchone() == ("failed", error)
        assert value(other, "SELECT status FROM mv_refresh_status "
                            "WHERE view_name = 'mv_dictionary'") == "failed"
    # With the service back, the next refresh works again.
    assert value(db, "SELECT status FROM refresh_materialized_view('mv_dictionary')") == "ok"


def test_readers_are_not_blocked_by_a_concurrent_refresh(dsn, words):
    with connect(dsn, autocommit=False) as refresher, connect(dsn) as reader:
        # The refresh's transaction stays open: it keeps the locks it took.
        assert value(refresher, "SELECT status FROM refresh_materialized_view('mv_dictionary')") == "ok"
        reader.execute("SET lock_timeout = '10s'")
        assert value(reader, "SELECT count(*) FROM mv_dictionary") == len(words)
        refresher.commit()

        # A plain refresh, by contrast, locks readers out until it ends.
        assert value(refresher, "SELECT status FROM refresh_materialized_view('mv_dictionary', "
                                "false)") == "ok"
        reader.execute("SET lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            reader.execute("SELECT count(*) FROM mv_dictionary")
        refresher.commit()
        assert value(reader, "SELECT count(*) FROM mv_dictionary") == len(words)


# schedule.sql and unschedule.sql


def test_schedule_needs_the_cron_database(dsn, pg_cron):
    result = psql(dsn, "schedule.sql", check=False)
    assert result.returncode != 0
    assert 'pg_cron schedules jobs from database "postgres", not "%s"' % DATABASE in result.stderr


@pytest.fixture
def cron_db(cluster, service, pg_cron):
    """Database postgres (cron.database_name) with the scripts run; all removed afterwards."""
    dsn = cluster.dsn()
    with connect(dsn) as conn:
        had_pg_cron = value(conn, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'") > 0
        try:
            psql(dsn, "install.sql", url=service.url)
            psql(dsn, "mv_dictionary.sql")
            psql(dsn, "refresh.sql")
            yield conn
        finally:
            if value(conn, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'"):
                conn.execute("SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = %s", [JOB])
                if not had_pg_cron:
                    conn.execute("DROP EXTENSION pg_cron")
            conn.execute("DROP VIEW IF EXISTS mv_refresh_status")
            conn.execute("DROP FUNCTION IF EXISTS refresh_materialized_view(regclass, boolean)")
            conn.execute("DROP TABLE IF EXISTS mv_refresh_log")
            conn.execute("DROP MATERIALIZED VIEW IF EXISTS mv_dictionary")
            conn.execute("DROP FOREIGN TABLE IF EXISTS dictionary")
            conn.execute("DROP SERVER IF EXISTS dictionary_srv")


def fast_schedule(conn):
    """The shortest schedule this pg_cron takes: seconds from 1.5 on, else every minute."""
    version = value(conn, "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'")
    major, minor = (int(part) for part in re.match(r"(\d+)\.(\d+)", version).groups())
    return ("2 seconds", 30) if (major, minor) >= (1, 5) else ("* * * * *", 75)


def test_schedule_runs_the_refresh_with_pg_cron(cluster, cron_db):
    jobs = "SELECT schedule, command, database, active FROM cron.job WHERE jobname = %s"
    psql(cluster.dsn(), "schedule.sql")
    psql(cluster.dsn(), "schedule.sql")
    assert cron_db.execute(jobs, [JOB]).fetchall() == [("*/15 * * * *", JOB_COMMAND, "postgres", True)]

    # A new schedule replaces the job; a short one lets the test see it run.
    schedule, wait = fast_schedule(cron_db)
    last = value(cron_db, "SELECT coalesce(max(id), 0) FROM mv_refresh_log")
    psql(cluster.dsn(), "schedule.sql", schedule=schedule)
    assert cron_db.execute(jobs, [JOB]).fetchall() == [(schedule, JOB_COMMAND, "postgres", True)]
    ran = wait_for(lambda: value(cron_db, "SELECT count(*) FROM mv_refresh_log WHERE id > %s",
                                 [last]) > 0, timeout=wait, interval=0.2)
    assert ran, cron_db.execute("SELECT status, return_message FROM cron.job_run_details").fetchall()
    assert cron_db.execute("SELECT view_name, status, rows FROM mv_refresh_log WHERE id > %s "
                           "ORDER BY id LIMIT 1", [last]).fetchone() == (
        "mv_dictionary", "ok", len(read_words()))

    psql(cluster.dsn(), "unschedule.sql")
    assert cron_db.execute(jobs, [JOB]).fetchall() == []
    again = psql(cluster.dsn(), "unschedule.sql")
    assert "no pg_cron job %s" % JOB in again.stderr
