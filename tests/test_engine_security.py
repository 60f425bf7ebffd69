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
            conn.execute("CREATE ROLE %s LOGIN" % role)
        conn.execute("GRANT USAGE ON FOREIGN DATA WRAPPER restcorn TO rc_alice")
        conn.execute("GRANT CREATE ON SCHEMA public TO rc_bob")
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


# --- whose user mapping: the user the scan checks permissions as -------------------------------

def test_a_view_uses_its_owners_user_mapping(db, roles):
    """alice reads bob's view: bob's mapping (his token) is used, as postgres_fdw does."""
    table = make_table(db)
    server = db.value("SELECT srvname FROM pg_foreign_table JOIN pg_foreign_server s "
                      "ON s.oid = ftserver WHERE ftrelid = %s::regclass", (table,))
    db.execute("CREATE USER MAPPING FOR rc_bob SERVER %s OPTIONS (token 'bob-token')" % server)
    db.execute("CREATE USER MAPPING FOR rc_alice SERVER %s OPTIONS (token 'alice-token')" % server)
    db.execute("ALTER FOREIGN TABLE %s OWNER TO rc_bob" % table)
    db.execute("SET ROLE rc_bob")
    db.execute("CREATE VIEW bobs_%s AS SELECT * FROM %s" % (table, table))
    db.execute("GRANT SELECT ON bobs_%s TO rc_alice" % table)
    db.execute("GRANT SELECT ON %s TO rc_alice" % table)
    db.execute("RESET ROLE")
    db.execute("SET ROLE rc_alice")
    try:
        assert len(db.rows("SELECT * FROM bobs_%s" % table)) == 20
        (init,) = calls(db, "init")
        assert "('token', 'bob-token')" in init
        # her own query of the table: her mapping, in an instance of its own
        assert len(db.rows("SELECT * FROM %s" % table)) == 20
        (init,) = calls(db, "init")
        assert "('token', 'alice-token')" in init
        # both again, cached per user: no new instance, each its own mapping
        db.rows("SELECT * FROM bobs_%s UNION ALL SELECT * FROM %s" % (table, table))
        assert calls(db, "init") == []
        # a prepared statement keeps the view owner's mapping at execution
        db.execute("PREPARE viaview AS SELECT * FROM bobs_%s" % table)
        db.execute("EXECUTE viaview")
        assert calls(db, "init") == []
    finally:
        db.execute("RESET ROLE")


def test_a_security_invoker_view_uses_the_callers_mapping(db, roles):
    table = make_table(db)
    server = db.value("SELECT srvname FROM pg_foreign_table JOIN pg_foreign_server s "
                      "ON s.oid = ftserver WHERE ftrelid = %s::regclass", (table,))
    db.execute("CREATE USER MAPPING FOR rc_bob SERVER %s OPTIONS (token 'bob-token')" % server)
    db.execute("CREATE USER MAPPING FOR rc_alice SERVER %s OPTIONS (token 'alice-token')" % server)
    db.execute("CREATE VIEW inv_%s WITH (security_invoker) AS SELECT * FROM %s" % (table, table))
    db.execute("GRANT SELECT ON inv_%s, %s TO rc_alice" % (table, table))
    db.execute("SET ROLE rc_alice")
    try:
        db.rows("SELECT * FROM inv_%s" % table)
        (init,) = calls(db, "init")
        assert "('token', 'alice-token')" in init
    finally:
        db.execute("RESET ROLE")


# --- who may read server files -------------------------------------------------------------------

def test_can_read_server_files_is_postgres_rule(db, roles):
    table = make_table(db, table_options="report_files 'true', rows '0'")
    db.execute("GRANT SELECT ON %s TO rc_carol" % table)
    db.rows("SELECT * FROM %s" % table)
    assert calls(db, "files") == ["True"]  # a superuser
    db.execute("SET ROLE rc_carol")
    try:
        db.rows("SELECT * FROM %s" % table)
        assert calls(db, "files") == ["False"]
        db.execute("RESET ROLE")
        db.execute("GRANT pg_read_server_files TO rc_carol")
        db.execute("SET ROLE rc_carol")
        db.rows("SELECT * FROM %s" % table)
        assert calls(db, "files") == ["True"]
    finally:
        db.execute("RESET ROLE")
        db.execute("REVOKE pg_read_server_files FROM rc_carol")


# --- option levels (server_options, user_mapping_options) ----------------------------------------

def levels_table(db, table_options="", mapping_options=""):
    table = make_table(db, wrapper="LevelsFDW", server_options="url 'http://127.0.0.1:1'",
                       table_options=table_options)
    server = db.value("SELECT srvname FROM pg_foreign_table JOIN pg_foreign_server s "
                      "ON s.oid = ftserver WHERE ftrelid = %s::regclass", (table,))
    if mapping_options:
        db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (%s)"
                   % (server, mapping_options))
    return table


@pytest.mark.parametrize("table_options, mapping_options, message", [
    ("url 'http://127.0.0.2:2'", "",
     'option "url" may be set only on the foreign server, not on the foreign table'),
    ("", "url 'http://127.0.0.2:2'",
     'option "url" may be set only on the foreign server, not in a user mapping'),
    ("", "allowed_hosts '*'",
     'option "allowed_hosts" may be set only on the foreign server, not in a user mapping'),
    ("", "token 'secret-value', rows '5'", 'option "rows" may not be set in a user mapping'),
])
def test_options_set_where_they_may_not_be_are_errors(db, table_options, mapping_options, message):
    table = levels_table(db, table_options, mapping_options)
    with pytest.raises(psycopg.Error) as info:
        db.rows("SELECT * FROM %s" % table)
    assert info.value.diag.message_primary == message
    assert "secret-value" not in str(info.value)


def test_options_set_where_they_may_be_are_merged(db):
    table = levels_table(db, "rows '3'", "token 'secret-value'")
    assert len(db.rows("SELECT * FROM %s" % table)) == 3
    (init,) = calls(db, "init")
    assert "('token', 'secret-value')" in init and "('url', 'http://127.0.0.1:1')" in init


def test_an_option_on_both_the_table_and_its_server_is_an_error(db):
    """Multicorn2's order (table < server) would drop the table's value without a word."""
    table = make_table(db, server_options="rows '5'", table_options="rows '3'")
    with pytest.raises(psycopg.Error) as info:
        db.rows("SELECT * FROM %s" % table)
    assert info.value.diag.message_primary == (
        'option "rows" is set on both the foreign table and its server, with different values; '
        "the server's would win")
    assert "OPTIONS (DROP rows)" in info.value.diag.message_hint
    db.execute("ALTER SERVER %s OPTIONS (DROP rows)" % db.value(
        "SELECT srvname FROM pg_foreign_table JOIN pg_foreign_server s ON s.oid = ftserver "
        "WHERE ftrelid = %s::regclass", (table,)))
    assert len(db.rows("SELECT * FROM %s" % table)) == 3


def test_the_same_option_value_at_both_levels_is_fine(db):
    table = make_table(db, server_options="rows '2'", table_options="rows '2'")
    assert len(db.rows("SELECT * FROM %s" % table)) == 2
