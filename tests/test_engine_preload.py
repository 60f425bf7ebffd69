"""restcorn.preload: Python and the allowed wrappers' modules started once in the
postmaster (restcorn in shared_preload_libraries), inherited by every backend.

A cluster of its own, since the setting is the server's. The same queries give
the same rows; a cancel, a statement_timeout and PL/Python in either order
work in each backend as without preloading; a module that fails to import
leaves a WARNING and a server that starts.
"""
import contextlib
import os
import shutil
import tempfile

import psycopg
import pytest

from conftest import REPO, TEST_WRAPPERS, WRAPPERS, Connection
from tools.pgcluster import Cluster


def preloaded_cluster(postgresql, wrappers=TEST_WRAPPERS, pythonpath=WRAPPERS,
                      preload_timeout=None):
    """A cluster preloading the modules of ``wrappers``, found on ``pythonpath`` (or the venv)."""
    settings = {"shared_preload_libraries": "'restcorn'", "restcorn.preload": "on",
                "restcorn.venv": "'%s'" % os.path.join(REPO, ".venv"),
                "restcorn.wrappers": "'%s'" % wrappers}
    if preload_timeout is not None:
        settings["restcorn.preload_timeout"] = str(preload_timeout)
    return Cluster(settings=settings, env={"PYTHONPATH": pythonpath}, bindir=postgresql["bindir"])


def starts_with_warning(pg, logged):
    """Start ``pg``: it must serve queries, and its log must hold ``logged``; then stop it."""
    try:
        pg.start()
        with psycopg.connect(pg.dsn(), autocommit=True) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert logged in pg.log()
    finally:
        pg.stop()


@contextlib.contextmanager
def module_folder(name, source):
    """A folder the server's OS user can read, holding module ``name`` of ``source``."""
    folder = tempfile.mkdtemp()
    os.chmod(folder, 0o755)
    path = os.path.join(folder, name + ".py")
    with open(path, "w") as module:
        module.write(source)
    os.chmod(path, 0o644)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def preloaded(postgresql, service):
    pg = preloaded_cluster(postgresql)
    try:
        pg.start()
        with psycopg.connect(pg.dsn(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION restcorn")
            conn.execute("CREATE SERVER dict_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
                         "(wrapper 'fdw.DictionaryFDW', url '%s')" % service.url)
            conn.execute('CREATE FOREIGN TABLE dictionary (id int, word varchar COLLATE "C") '
                         "SERVER dict_srv")
            try:
                conn.execute("CREATE EXTENSION plpython3u")
            except psycopg.Error:
                pass
            else:
                conn.execute("CREATE FUNCTION loaded(module text) RETURNS boolean "
                             "LANGUAGE plpython3u AS $$\nimport sys\n"
                             "return module in sys.modules\n$$")
        yield pg
    finally:
        pg.stop()


@pytest.fixture
def conn(preloaded):
    connection = Connection(preloaded.dsn())
    yield connection
    connection.close()


def has_plpython(conn):
    return conn.value("SELECT count(*) FROM pg_language WHERE lanname = 'plpython3u'") == 1


def test_every_backend_gets_the_same_rows(preloaded, words):
    for _ in range(3):
        connection = Connection(preloaded.dsn())
        try:
            assert connection.rows("SELECT id, word FROM dictionary WHERE id IN (1, 42) "
                                   "ORDER BY id") == [(1, words[0]), (42, words[41])]
            assert connection.value("SELECT count(*) FROM dictionary") == len(words)
        finally:
            connection.close()


def test_the_wrappers_are_imported_before_the_first_query(conn):
    if not has_plpython(conn):
        pytest.skip("PL/Python is not installed here")
    assert conn.value("SELECT loaded('fdw.rest')") is True
    assert conn.value("SELECT loaded('engine_test_wrappers')") is True
    assert conn.value("SELECT count(*) FROM dictionary WHERE id = 7") == 1


def test_the_json_decoder_of_large_answers_is_imported_at_server_start(conn):
    """fdw.http imports msgspec (about 40 ms) at server start under preload; without it, only at
    a backend's first large answer (tests/test_speed.py checks a small query's imports)."""
    if not has_plpython(conn):
        pytest.skip("PL/Python is not installed here")
    assert conn.value("SELECT loaded('msgspec.json')") is True


def test_plpython_after_a_foreign_query(conn):
    if not has_plpython(conn):
        pytest.skip("PL/Python is not installed here")
    assert conn.value("SELECT count(*) FROM dictionary WHERE id < 10") == 9
    conn.execute("DO LANGUAGE plpython3u $$ plpy.notice('from plpython') $$")
    assert conn.take_notices("from plpython") == ["from plpython"]
    assert conn.value("SELECT count(*) FROM dictionary WHERE id < 10") == 9


def test_cancel_and_statement_timeout_in_each_backend(preloaded):
    for _ in range(2):
        connection = Connection(preloaded.dsn())
        try:
            connection.execute("CREATE SERVER IF NOT EXISTS slow_srv FOREIGN DATA WRAPPER "
                               "restcorn OPTIONS (wrapper 'engine_test_wrappers.CallsFDW')")
            connection.execute("CREATE FOREIGN TABLE IF NOT EXISTS slow (id int) SERVER slow_srv "
                               "OPTIONS (sleep '30', rows '1')")
            connection.execute("SET statement_timeout = '300ms'")
            with pytest.raises(psycopg.errors.QueryCanceled):
                connection.execute("SELECT * FROM slow")
            assert connection.value("SELECT 1") == 1
        finally:
            connection.close()


def test_a_module_that_fails_to_import_is_a_warning(postgresql, service):
    starts_with_warning(preloaded_cluster(postgresql,
                                          wrappers="fdw.RestFDW, no_such_module.Wrapper"),
                        'could not import module "no_such_module"')


def test_each_backend_has_its_own_random_state_before_any_foreign_query(preloaded):
    """Python's state is made the backend's at fork, not at its first foreign query."""
    first = []
    for _ in range(3):
        connection = Connection(preloaded.dsn())
        try:
            if not has_plpython(connection):
                pytest.skip("PL/Python is not installed here")
            connection.execute("CREATE OR REPLACE FUNCTION rand() RETURNS float8 "
                               "LANGUAGE plpython3u AS $$\nimport random\nreturn random.random()\n$$")
            first.append(connection.value("SELECT rand()"))
        finally:
            connection.close()
    assert len(set(first)) == 3


def test_a_wrong_venv_is_a_warning_and_the_server_starts(postgresql, service):
    pg = preloaded_cluster(postgresql)
    pg.settings["restcorn.venv"] = "'/nonexistent/venv'"
    starts_with_warning(pg, "restcorn.preload: could not start Python")


def test_engine_calls_at_server_start_are_python_errors(postgresql):
    """A module asking the backend something at import, in the postmaster: a WARNING."""
    source = "import _restcorn\n_restcorn.can_read_server_files()\n"
    with module_folder("asks_at_import", source) as folder:
        starts_with_warning(preloaded_cluster(postgresql, "asks_at_import.*, fdw.RestFDW", folder),
                            "can_read_server_files() is for queries only")


def test_a_python_that_cannot_start_is_a_warning(postgresql):
    """Python ends the process it cannot start in: tried in a child first."""
    pg = preloaded_cluster(postgresql)
    pg.env = dict(pg.env, PYTHONHOME="/nonexistent")
    starts_with_warning(pg, "importing the wrappers ended the process")


@pytest.mark.parametrize("source, logged", [
    ("import time\ntime.sleep(600)\n", "took more than 2 s; not preloading"),
    ("import os\nos._exit(0)\n", "ended the process (exit status 0); not preloading"),
    ("import ctypes\nctypes.CDLL(None).exit(0)\n", "ended the process (exit status 0)"),
])
def test_an_import_that_blocks_or_ends_the_process_is_given_up_on(postgresql, source, logged):
    with module_folder("bad_at_import", source) as folder:
        starts_with_warning(preloaded_cluster(postgresql, "bad_at_import.*, fdw.RestFDW", folder,
                                              preload_timeout=2),
                            logged)
