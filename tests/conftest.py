"""Fixtures: a real throwaway PostgreSQL cluster with the engine, and the real
mock service over HTTP. No mocks of either."""
import contextlib
import os
import subprocess
import sys
import threading

import psycopg
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "engine", "python"))

from tools import pgversions  # noqa: E402
from tools.pgcluster import Cluster, pg_bindir  # noqa: E402
from tools.service import Service  # noqa: E402

WRAPPERS = os.path.join(REPO, "tests", "wrappers")
WORDS_FILE = "/usr/share/dict/words"  # what the service fixture serves
# The wrapper classes the test cluster allows: the project's and the engine tests' own.
TEST_WRAPPERS = "fdw.RestFDW, fdw.DictionaryFDW, fdw.StatsFDW, engine_test_wrappers.*"


STAND_IN = os.environ.get("RESTCORN_TEST_HOST") == "multicorn2"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "engine_facts: asserts requests that only the engine's extra facts allow "
                   "(under Multicorn2 the same rows take other requests); skipped in the "
                   "Multicorn2 stand-in pass")


def pytest_collection_modifyitems(config, items):
    if STAND_IN:
        skip = pytest.mark.skip(reason="asserts requests only the engine's facts allow; the "
                                       "stand-in pass checks rows")
        for item in items:
            if "engine_facts" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def words():
    """The word list, read directly: what every dictionary query is checked against."""
    with open(WORDS_FILE, encoding="utf-8", newline="\n") as f:
        return [line.rstrip("\n") for line in f]


@pytest.fixture(scope="session")
def postgresql():
    """The PostgreSQL installation the session's clusters run: that of the environment's
    PG_CONFIG (``make test`` sets it for each of tools/pgversions.py's versions), else the
    PATH's pg_config. A fetched version that could not be set up here skips every test
    that needs a cluster, with the reason."""
    config = os.environ.get("PG_CONFIG") or "pg_config"
    reason = pgversions.unavailable(config)
    if reason:
        pytest.skip(reason)
    bindir = pg_bindir()
    pkglibdir = subprocess.run([config, "--pkglibdir"], check=True, capture_output=True,
                               text=True).stdout.strip()
    return {"pg_config": config, "bindir": bindir,
            "fetched": pgversions.fetched_major(config) is not None,
            "pg_cron": os.path.exists(os.path.join(pkglibdir, "pg_cron.so"))}


@pytest.fixture(scope="session")
def cluster(postgresql):
    """One cluster for the session: the engine finds the venv and the test wrappers."""
    settings = {"restcorn.venv": "'%s'" % os.path.join(REPO, ".venv"),
                "restcorn.wrappers": "'%s'" % TEST_WRAPPERS}
    if STAND_IN:
        # make test's second pass: the wrapper tests under the engine's Multicorn2 stand-in.
        settings["restcorn.multicorn2_behaviour"] = "on"
    if postgresql["pg_cron"]:
        settings.update({
            "shared_preload_libraries": "'pg_cron'",
            "cron.database_name": "'postgres'",
            "cron.use_background_workers": "on",
        })
    pg = Cluster(settings=settings, env={"PYTHONPATH": WRAPPERS}, bindir=postgresql["bindir"])
    try:
        pg.start()
    except RuntimeError as exc:
        pg.stop()
        if postgresql["fetched"]:
            pytest.skip("the server of %s does not start here: %s" % (postgresql["pg_config"], exc))
        raise
    try:
        with psycopg.connect(pg.dsn(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION restcorn")
            conn.execute("CREATE EXTENSION pg_trgm")
        yield pg
    finally:
        pg.stop()


@pytest.fixture(scope="session")
def pg_cron(postgresql, cluster):
    """For tests of the pg_cron schedule: skips where the installation has no pg_cron
    (Debian packages it for its own PostgreSQL 15 only)."""
    if not postgresql["pg_cron"]:
        pytest.skip("pg_cron is not installed for %s" % postgresql["pg_config"])


@pytest.fixture(scope="session")
def service():
    with Service() as svc:
        yield svc


class Connection:
    """A psycopg connection (a fresh backend) that keeps the NOTICEs it gets."""

    def __init__(self, dsn):
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.notices = []
        self.conn.add_notice_handler(lambda d: self.notices.append(d.message_primary))

    def execute(self, sql, params=None):
        return self.conn.execute(sql, params)

    def rows(self, sql, params=None):
        return self.conn.execute(sql, params).fetchall()

    def value(self, sql, params=None):
        return self.conn.execute(sql, params).fetchone()[0]

    def plan(self, sql, params=None):
        return "\n".join(r[0] for r in self.conn.execute("EXPLAIN " + sql, params).fetchall())

    def take_notices(self, prefix=None):
        found = [n for n in self.notices if prefix is None or n.startswith(prefix)]
        self.notices.clear()
        return found

    def close(self):
        self.conn.close()


@pytest.fixture
def db(cluster):
    conn = Connection(cluster.dsn())
    yield conn
    conn.close()


@pytest.fixture
def connect(cluster):
    """More connections (backends) for one test."""
    opened = []

    def open_connection():
        conn = Connection(cluster.dsn())
        opened.append(conn)
        return conn

    yield open_connection
    for conn in opened:
        conn.close()


@pytest.fixture
def cancel_soon(connect):
    """``with cancel_soon(db):`` cancels db's running statement from another backend after 0.5 s."""
    @contextlib.contextmanager
    def cancel(conn, seconds=0.5):
        pid = conn.value("SELECT pg_backend_pid()")
        other = connect()
        timer = threading.Timer(seconds, lambda: other.execute("SELECT pg_cancel_backend(%s)", (pid,)))
        timer.start()
        try:
            yield
        finally:
            timer.join()
    return cancel
