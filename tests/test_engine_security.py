"""Least privilege in the engine (issue: least privilege and bounded resources):
which wrapper classes a server may name, whose user mapping a scan uses, who
may read server files, and at which level an option may be set.
"""
import itertools

import psycopg
import pytest

from test_engine import calls, make_table

_names = itertools.count()

HINT_SETTING = "restcorn.wrappers"


@pytest.fixture(scope="module")
def roles(cluster):
    """Three non-superuser roles; alice has USAGE on the restcorn FDW."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        for role in ("rc_alice", "rc_bob", "rc_carol"):
            conn.execute("DROP OWNED BY %s" % role) if conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() else None
            conn.execute("DROP ROLE IF EXISTS %s" % role)
            conn.execute("CREATE ROLE %s LOGIN" % role)
        conn.execute("GRANT USAGE ON FOREIGN DATA WRAPPER restcorn TO rc_alice")
    return ("rc_alice", "rc_bob", "rc_carol")


def side_effect(db):
    """(the import-time side effect, the module in sys.modules), seen in db's backend."""
    table = make_table(db, table_options="report_side_effect 'true', rows '0'")
    db.rows("SELECT * FROM %s" % table)
    (report,) = calls(db, "side_effect")
    return report


# --- the wrapper allow-list (restcorn.wrappers) ------------------------------------------------

@pytest.mark.parametrize("wrapper", [
    "pydoc.pipepager", "os.system", "subprocess.Popen", "builtins.eval",
    "import_side_effect.Wrapper", "engine_test_wrappers", "engine_test_wrappers.sub.X", ".X",
])
def test_a_wrapper_not_allowed_is_refused_before_import(db, roles, wrapper):
    db.execute("SET ROLE rc_alice")
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as info:
        db.execute("CREATE SERVER evil_%d FOREIGN DATA WRAPPER restcorn OPTIONS (wrapper '%s')"
                   % (next(_names), wrapper))
    assert info.value.diag.message_primary == 'wrapper "%s" is not an allowed wrapper class' % wrapper
    assert HINT_SETTING in info.value.diag.message_hint
    db.execute("RESET ROLE")
    assert side_effect(db) == "None False"


def test_alter_server_by_its_owner_is_checked(db, roles):
    n = next(_names)
    db.execute("CREATE SERVER owned_%d FOREIGN DATA WRAPPER restcorn OPTIONS "
               "(wrapper 'engine_test_wrappers.CallsFDW')" % n)
    db.execute("ALTER SERVER owned_%d OWNER TO rc_alice" % n)
    db.execute("REVOKE USAGE ON FOREIGN DATA WRAPPER restcorn FROM rc_alice")
    try:
        db.execute("SET ROLE rc_alice")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not an allowed wrapper"):
            db.execute("ALTER SERVER owned_%d OPTIONS (SET wrapper 'import_side_effect.Wrapper')" % n)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not an allowed wrapper"):
            db.execute("ALTER SERVER owned_%d OPTIONS (SET wrapper 'os.system')" % n)
    finally:
        db.execute("RESET ROLE")
        db.execute("GRANT USAGE ON FOREIGN DATA WRAPPER restcorn TO rc_alice")
    assert side_effect(db) == "None False"


def test_a_server_naming_a_class_no_longer_allowed_is_refused_at_use(db):
    """As after the superuser narrowed restcorn.wrappers: checked again at every use."""
    table = make_table(db)
    server = db.value("SELECT srvname FROM pg_foreign_table JOIN pg_foreign_server s "
                      "ON s.oid = ftserver WHERE ftrelid = %s::regclass", (table,))
    db.execute("UPDATE pg_foreign_server SET srvoptions = '{wrapper=import_side_effect.Wrapper}' "
               "WHERE srvname = %s", (server,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not an allowed wrapper"):
        db.rows("SELECT * FROM %s" % table)
    db.execute("CREATE SCHEMA imp_%s" % table)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not an allowed wrapper"):
        db.execute("IMPORT FOREIGN SCHEMA remote FROM SERVER %s INTO imp_%s" % (server, table))
    assert side_effect(db) == "None False"


@pytest.mark.parametrize("wrapper", ["engine_test_wrappers.NOT_A_CLASS",
                                     "engine_test_wrappers.NotAWrapper"])
def test_an_allowed_name_must_be_a_wrapper_class(db, wrapper):
    with pytest.raises(psycopg.Error) as info:
        db.execute("CREATE SERVER notclass_%d FOREIGN DATA WRAPPER restcorn OPTIONS (wrapper '%s')"
                   % (next(_names), wrapper))
    assert info.value.diag.message_primary == "wrapper '%s' is not a ForeignDataWrapper class" % wrapper


def test_the_allow_list_is_the_superusers(connect):
    early = connect()  # a SET before the engine is loaded is only a placeholder: ignored
    early.execute("SET restcorn.wrappers = 'import_side_effect.Wrapper'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not an allowed wrapper"):
        early.execute("CREATE SERVER early_%d FOREIGN DATA WRAPPER restcorn OPTIONS "
                      "(wrapper 'import_side_effect.Wrapper')" % next(_names))
    assert "engine_test_wrappers.*" in early.value("SHOW restcorn.wrappers")
    assert side_effect(early) == "None False"
    for statement in ("SET restcorn.wrappers = 'os.system'",
                      "SET SESSION restcorn.wrappers = 'os.system'",
                      "ALTER ROLE CURRENT_USER SET restcorn.wrappers = 'os.system'"):
        with pytest.raises(psycopg.Error, match="cannot be (changed now|set)"):
            early.execute(statement)
