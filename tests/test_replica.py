"""Read replicas: a primary and a streaming hot standby (pg_basebackup), both on loopback.

Refreshes and syncs run on the primary; the standby serves what the WAL
brings: the materialized view and the synced table, with their trigram
indexes and the new rows. Foreign tables work on the standby too (reads
only), and pg_cron runs its schedule on the primary only.
"""
import os
import subprocess

import psycopg
import pytest
import requests

from tools.pgcluster import REPO, Cluster, Standby, pg_bindir, wait_for

SOURCE = "replica"  # the mock's changing source
SYNC_CALL = "sync_table('local_replica', 'remote_replica', 'id', 'updated_at', '1 minute', '0')"
SYNC = "SELECT " + SYNC_CALL
CRON_SYNC = ("SELECT sync_table('local_replica_cron', 'remote_replica', 'id', 'updated_at', "
             "'1 minute', '0')")


def psql(dsn, script, **variables):
    command = [os.path.join(pg_bindir(), "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn]
    for name, value in variables.items():
        command += ["-v", "%s=%s" % (name, value)]
    result = subprocess.run(command + ["-f", os.path.join(REPO, "sql", script)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def change(service, **batch):
    response = requests.post("%s/_changes/%s" % (service.url, SOURCE), json=batch)
    assert response.status_code == 200, response.text
    return response.json()


def source_rows(service):
    body = requests.get("%s/changing/%s" % (service.url, SOURCE),
                        params={"limit": 10000, "fields": "id,name"}).json()
    return [(record["id"], record["name"]) for record in body["records"]]


def plan(conn, sql):
    return "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql))


@pytest.fixture(scope="module")
def primary(service):
    """A cluster like the session's, set up with every script, a changing source and a cron job."""
    settings = {
        "restcorn.venv": "'%s'" % os.path.join(REPO, ".venv"),
        "shared_preload_libraries": "'pg_cron'",
        "cron.database_name": "'postgres'",
        "cron.use_background_workers": "on",
    }
    requests.delete("%s/_changes/%s" % (service.url, SOURCE))
    change(service, reset=3000)
    with Cluster(settings=settings) as pg:
        dsn = pg.dsn()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION restcorn")
        psql(dsn, "install.sql", url=service.url)
        psql(dsn, "mv_dictionary.sql")
        psql(dsn, "refresh.sql")
        psql(dsn, "sync.sql")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE SERVER changing FOREIGN DATA WRAPPER restcorn "
                         "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % service.url)
            conn.execute("CREATE FOREIGN TABLE remote_replica ("
                         " id bigint OPTIONS (filters 'eq,in,lt,le,gt,ge', sortable 'true'),"
                         " name text, version bigint,"
                         " updated_at timestamptz OPTIONS (filters 'ge')"
                         ") SERVER changing OPTIONS (path '/changing/%s', page_size '10000')" % SOURCE)
            for table in ("local_replica", "local_replica_cron"):
                conn.execute("CREATE TABLE %s (id bigint PRIMARY KEY, name text, version bigint, "
                             "updated_at timestamptz)" % table)
                conn.execute("CREATE INDEX %s_name_trgm ON %s USING gin (name gin_trgm_ops)"
                             % (table, table))
            conn.execute("CREATE MATERIALIZED VIEW mv_replica AS SELECT id, name FROM remote_replica")
            conn.execute("CREATE UNIQUE INDEX mv_replica_id ON mv_replica (id)")
            conn.execute("CREATE INDEX mv_replica_name_trgm ON mv_replica USING gin (name gin_trgm_ops)")
            assert conn.execute(SYNC).fetchone()[0] is not None
            # The shortest schedule pg_cron 1.4 takes; the job's table is its own, so the job and
            # the tests' runs never meet on one lock.
            conn.execute("CREATE EXTENSION pg_cron")
            conn.execute("SELECT cron.schedule('sync-replica', '* * * * *', %s)", [CRON_SYNC])
        yield pg


@pytest.fixture(scope="module")
def standby(primary):
    with Standby(primary) as pg:
        yield pg


@pytest.fixture
def on_primary(primary):
    with psycopg.connect(primary.dsn(), autocommit=True) as conn:
        yield conn


@pytest.fixture
def on_standby(standby):
    with psycopg.connect(standby.dsn(), autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")  # small tables: show that the indexes serve reads
        yield conn


def caught_up(on_primary, on_standby):
    """Wait until the standby has replayed everything the primary has written so far.

    The insert position, not pg_current_wal_lsn() (the write position): with
    synchronous_commit off a commit record can be inserted and not yet written.
    """
    lsn = on_primary.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
    replayed = wait_for(lambda: on_standby.execute(
        "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0], timeout=60)
    assert replayed, "the standby did not replay the primary's WAL up to %s" % lsn


def test_the_standby_streams_from_the_primary(on_primary, on_standby):
    assert on_standby.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
    assert on_primary.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
    assert on_primary.execute("SELECT host(client_addr), state FROM pg_stat_replication").fetchall() == [
        ("127.0.0.1", "streaming")]


def test_the_standby_serves_the_refreshed_view_with_its_trigram_index(on_primary, on_standby, service,
                                                                      words):
    change(service, insert=[{"name": "lighthouse keeper"}], update=[{"id": 12, "name": "boathouse"}])
    assert on_primary.execute("SELECT status FROM refresh_materialized_view('mv_replica')"
                              ).fetchone() == ("ok",)
    assert on_primary.execute("SELECT status FROM refresh_materialized_view('mv_dictionary')"
                              ).fetchone() == ("ok",)
    caught_up(on_primary, on_standby)

    query = "SELECT id, name FROM mv_replica WHERE name LIKE '%house%'"
    assert "Bitmap Index Scan on mv_replica_name_trgm" in plan(on_standby, query)
    expected = sorted(row for row in source_rows(service) if "house" in row[1])
    assert (12, "boathouse") in expected and (3001, "lighthouse keeper") in expected
    assert sorted(on_standby.execute(query).fetchall()) == expected

    query = "SELECT id, word FROM mv_dictionary WHERE word LIKE '%house%'"
    assert "Bitmap Index Scan on mv_dictionary_word_trgm" in plan(on_standby, query)
    assert sorted(on_standby.execute(query).fetchall()) == [
        (number, word) for number, word in enumerate(words, 1) if "house" in word]
    assert on_standby.execute("SELECT status FROM mv_refresh_status WHERE view_name = 'mv_replica'"
                              ).fetchone() == ("ok",)


def test_the_standby_serves_the_synced_table_with_its_trigram_index(on_primary, on_standby, service):
    change(service, insert=[{"name": "greenhouse gas"}], update=[{"id": 40, "name": "farmhouse"}],
           delete=[41])
    run = on_primary.execute("SELECT status, inserted, updated, deleted FROM " + SYNC_CALL).fetchone()
    assert run[0] == "ok" and run[2] >= 1 and run[3] >= 1
    caught_up(on_primary, on_standby)

    query = "SELECT id, name FROM local_replica WHERE name LIKE '%house%'"
    assert "Bitmap Index Scan on local_replica_name_trgm" in plan(on_standby, query)
    assert sorted(on_standby.execute(query).fetchall()) == sorted(
        row for row in source_rows(service) if "house" in row[1])
    assert on_standby.execute("SELECT id, name FROM local_replica ORDER BY id").fetchall() \
        == source_rows(service)
    assert on_standby.execute("SELECT status FROM sync_status WHERE target_table = "
                              "'public.local_replica'").fetchone() == ("ok",)
    # Syncing is the primary's job: on the standby it is refused, and nothing changes.
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        on_standby.execute(SYNC)


def test_foreign_tables_work_on_the_standby(on_standby, service, words):
    assert on_standby.execute("SELECT id, word FROM dictionary WHERE word LIKE 'house%' ORDER BY id"
                              ).fetchall() == [(number, word) for number, word in enumerate(words, 1)
                                               if word.startswith("house")]
    assert on_standby.execute("SELECT count(*) FROM dictionary").fetchone() == (len(words),)
    assert on_standby.execute("SELECT id, name FROM remote_replica ORDER BY id").fetchall() \
        == source_rows(service)
    assert on_standby.execute("SELECT count(*) FROM remote_replica WHERE updated_at >= now() - "
                              "interval '1 day' AND name LIKE '%house%'").fetchone()[0] >= 3
    assert on_standby.execute("SHOW transaction_read_only").fetchone() == ("on",)


def test_pg_cron_runs_on_the_primary_only(on_primary, on_standby):
    launchers = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher'"
    assert on_primary.execute(launchers).fetchone() == (1,)
    assert on_standby.execute(launchers).fetchone() == (0,)  # pg_cron waits for promotion
    # The job came with the WAL, but the standby cannot schedule anything itself.
    assert on_standby.execute("SELECT jobname, command FROM cron.job").fetchall() == [
        ("sync-replica", CRON_SYNC)]
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        on_standby.execute("SELECT cron.schedule('on-standby', '* * * * *', 'SELECT 1')")

    # The primary runs it (every minute); its run reaches the standby through the WAL.
    ran = wait_for(lambda: on_primary.execute(
        "SELECT count(*) FROM sync_log WHERE target_table = 'public.local_replica_cron'"
    ).fetchone()[0] > 0, timeout=75, interval=0.5)
    assert ran, on_primary.execute("SELECT status, return_message FROM cron.job_run_details").fetchall()
    assert on_primary.execute("SELECT status FROM sync_status WHERE target_table = "
                              "'public.local_replica_cron'").fetchone() == ("ok",)
    caught_up(on_primary, on_standby)
    assert on_standby.execute("SELECT count(*) FROM local_replica_cron").fetchone() == \
        on_primary.execute("SELECT count(*) FROM local_replica_cron").fetchone()
    assert on_standby.execute("SELECT count(*) > 0 FROM local_replica_cron").fetchone() == (True,)
