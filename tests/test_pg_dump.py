"""Moving a database that uses the wrapper: pg_dump -Fc, pg_restore onto a fresh cluster, refresh.

The source database has everything a real one would: the extension, a server
with options, a user mapping with a token (the service refuses requests
without it), a foreign table and a materialized view over it. The target is
a second cluster started with the same settings as the session's.

A target without the extension cannot be made here: the engine is installed
machine-wide (hiding its control file would break every other cluster on the
machine), and PostgreSQL 15 has no setting to look for extensions elsewhere.
What is shown instead: the dump's table of contents creates the extension
before anything that needs it, and a restore that lacks it (the entry left
out with pg_restore -L) stops at the first statement that needs the wrapper,
leaving no foreign table or view behind.
"""
import hashlib
import os
import subprocess

import psycopg
import pytest

from tools.pgcluster import Cluster, pg_bindir

TOKEN = "tok_moving_8Jd2Kq0Xw"
SOURCE_DB = "moving_src"
ROWS = 20000


def pg_tool(cluster, tool, *args):
    command = [os.path.join(cluster.bindir, tool), "-h", "127.0.0.1", "-p", str(cluster.port),
               "-U", "postgres", *args]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.fixture(scope="module")
def dump(cluster, service, tmp_path_factory):
    """The path of a pg_dump -Fc of a database that uses the wrapper."""
    url = "%s/_fault/token-sha256-%s" % (service.url, hashlib.sha256(TOKEN.encode()).hexdigest())
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS %s" % SOURCE_DB)
        conn.execute("CREATE DATABASE %s" % SOURCE_DB)
    with psycopg.connect(cluster.dsn(dbname=SOURCE_DB), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION restcorn")
        conn.execute("CREATE SERVER dictionary_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
                     "(wrapper 'fdw.DictionaryFDW', url '%s', page_size '5000', retries '2')" % url)
        conn.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER dictionary_srv "
                     "OPTIONS (token '%s')" % TOKEN)
        conn.execute('CREATE FOREIGN TABLE dictionary (id int, word varchar COLLATE "C") '
                     "SERVER dictionary_srv")
        conn.execute("CREATE MATERIALIZED VIEW mv_dictionary AS "
                     "SELECT id, word FROM dictionary WHERE id <= %d WITH DATA" % ROWS)
        conn.execute("CREATE UNIQUE INDEX mv_dictionary_id ON mv_dictionary (id)")
    path = str(tmp_path_factory.mktemp("dump") / "moving.dump")
    result = pg_tool(cluster, "pg_dump", "-Fc", "-d", SOURCE_DB, "-f", path)
    assert result.returncode == 0, result.stderr
    yield path
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE %s" % SOURCE_DB)


@pytest.fixture(scope="module")
def target(cluster):
    """A fresh cluster with the session cluster's settings (the engine, its venv, pg_cron)."""
    with Cluster(settings=cluster.settings, env=cluster.env) as fresh:
        yield fresh


def create_database(cluster, name):
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE %s" % name)


def test_restore_onto_a_fresh_cluster_and_refresh(dump, target):
    create_database(target, "moved")
    result = pg_tool(target, "pg_restore", "--exit-on-error", "-d", "moved", dump)
    assert result.returncode == 0, result.stderr
    with psycopg.connect(target.dsn(dbname="moved"), autocommit=True) as conn:
        # the restore itself filled the view, through the restored server and user mapping
        assert conn.execute("SELECT count(*) FROM mv_dictionary").fetchone()[0] == ROWS
        conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY mv_dictionary")
        conn.execute("REFRESH MATERIALIZED VIEW mv_dictionary")
        assert conn.execute("SELECT count(*), max(id) FROM mv_dictionary").fetchone() == (
            ROWS, ROWS)
        assert conn.execute("SELECT word FROM dictionary WHERE id = 42").fetchone() == \
            conn.execute("SELECT word FROM mv_dictionary WHERE id = 42").fetchone()
        options = conn.execute("SELECT umoptions FROM pg_user_mappings "
                               "WHERE srvname = 'dictionary_srv'").fetchone()[0]
    assert options == ["token=" + TOKEN]  # pg_dump carries the secret: guard dump files as such


def toc(dump):
    """The dump's table of contents, as pg_restore -l prints it (comment lines left out)."""
    result = subprocess.run([os.path.join(pg_bindir(), "pg_restore"), "-l", dump],
                            capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if line and not line.startswith(";")]


def position(entries, *words):
    return next(n for n, line in enumerate(entries) if all(word in line for word in words))


def test_the_extension_comes_before_everything_that_needs_it(dump):
    entries = toc(dump)
    extension = position(entries, "EXTENSION", "restcorn")
    for kind in ("SERVER", "USER MAPPING", "FOREIGN TABLE", "MATERIALIZED VIEW DATA"):
        assert extension < position(entries, kind), kind


def test_a_restore_without_the_extension_stops_at_the_server(dump, target, tmp_path):
    without = tmp_path / "without-extension.list"
    without.write_text("\n".join(line for line in toc(dump)
                                 if "EXTENSION" not in line or "restcorn" not in line) + "\n")
    create_database(target, "no_wrapper")
    result = pg_tool(target, "pg_restore", "--exit-on-error", "-L", str(without),
                     "-d", "no_wrapper", dump)
    assert result.returncode != 0
    assert 'foreign-data wrapper "restcorn" does not exist' in result.stderr
    with psycopg.connect(target.dsn(dbname="no_wrapper"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_foreign_server").fetchone()[0] == 0
        assert conn.execute("SELECT to_regclass('dictionary'), to_regclass('mv_dictionary')"
                            ).fetchone() == (None, None)
