"""sql/sync.sql against a real PostgreSQL and the mock service's changing source (/changing/<name>).

The source is changed between runs through POST /_changes/<name>; after each
run the table must hold exactly the source's records (the mock's own answer
is the reference), the log must say what happened, and the service's request
log shows what crossed the wire.
"""
import os
import subprocess
import threading
from datetime import datetime, timezone

import psycopg
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.pgcluster import REPO, free_port, pg_bindir

DATABASE = "restcorn_sync"
COLUMNS = "id, name, version, updated_at"


def psql(dsn, script):
    command = [os.path.join(pg_bindir(), "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn,
               "-f", os.path.join(REPO, "sql", script)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def connect(dsn, autocommit=True):
    conn = psycopg.connect(dsn, autocommit=autocommit)
    conn.notices = []
    conn.add_notice_handler(lambda d: conn.notices.append((d.severity, d.message_primary)))
    return conn


def value(conn, sql, params=None):
    return conn.execute(sql, params).fetchone()[0]


@pytest.fixture(scope="module")
def dsn(cluster, service):
    """A database of its own with sql/sync.sql run twice (it must allow it) and a server on the mock."""
    with connect(cluster.dsn()) as admin:
        admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DATABASE)
        admin.execute("CREATE DATABASE %s" % DATABASE)
    dsn = cluster.dsn(DATABASE)
    with connect(dsn) as conn:
        conn.execute("CREATE EXTENSION restcorn")
        conn.execute("CREATE EXTENSION pg_trgm")
        conn.execute("CREATE SERVER changing FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % service.url)
    psql(dsn, "sync.sql")
    psql(dsn, "sync.sql")
    yield dsn
    with connect(cluster.dsn()) as admin:
        admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DATABASE)


@pytest.fixture
def db(dsn):
    with connect(dsn) as conn:
        yield conn


class Source:
    """One named source of the mock's /changing resource, with its foreign and local tables."""

    def __init__(self, service, conn, name, **table_options):
        self.url, self.conn, self.name = service.url, conn, name
        self.remote, self.local = "remote_" + name, "local_" + name
        requests.delete("%s/_changes/%s" % (self.url, name)).raise_for_status()
        options = dict({"path": "/changing/" + name, "page_size": "10000"}, **table_options)
        conn.execute("DROP FOREIGN TABLE IF EXISTS %s" % self.remote)
        conn.execute("DROP TABLE IF EXISTS %s" % self.local)
        conn.execute(
            "CREATE FOREIGN TABLE %s ("
            " id bigint OPTIONS (filters 'eq,in,lt,le,gt,ge', sortable 'true'),"
            " name text,"
            " version bigint OPTIONS (filters 'lt,le,gt,ge'),"
            " updated_at timestamptz OPTIONS (filters 'lt,le,gt,ge')"
            ") SERVER changing OPTIONS (%s)"
            % (self.remote, ", ".join("%s '%s'" % item for item in options.items())))
        conn.execute("CREATE TABLE %s (id bigint PRIMARY KEY, name text, version bigint, "
                     "updated_at timestamptz)" % self.local)
        conn.execute("CREATE INDEX ON %s USING gin (name gin_trgm_ops)" % self.local)
        conn.execute("DELETE FROM sync_log WHERE target_table = %s", ["public." + self.local])

    def change(self, **batch):
        response = requests.post("%s/_changes/%s" % (self.url, self.name), json=batch)
        assert response.status_code == 200, response.text
        return response.json()

    def records(self):
        """The source's records as rows, straight from the service."""
        body = requests.get("%s/changing/%s" % (self.url, self.name), params={"limit": 10000}).json()
        assert body["total"] == len(body["records"])
        return [(r["id"], r["name"], r["version"], datetime.fromisoformat(r["updated_at"]))
                for r in body["records"]]

    def rows(self, conn=None):
        return (conn or self.conn).execute("SELECT %s FROM %s ORDER BY id"
                                           % (COLUMNS, self.local)).fetchall()

    def sync(self, conn=None, change_column="updated_at", overlap="0", reconcile_every=None):
        """sync_table(...) as a dict of the returned log row."""
        cursor = (conn or self.conn).execute(
            "SELECT * FROM sync_table(%s, %s, 'id', %s, %s, %s)",
            [self.local, self.remote, change_column, overlap, reconcile_every])
        return dict(zip([c.name for c in cursor.description], cursor.fetchone()))


def service_log(service):
    return requests.get(service.url + "/_log").json()["requests"]


def clear_service_log(service):
    requests.delete(service.url + "/_log")


def changing_requests(service, name):
    return [entry for entry in service_log(service) if entry["path"] == "/changing/" + name]


def counts(run):
    return {key: run[key] for key in ("status", "fetched", "inserted", "updated", "deleted")}


# The changing source itself


def test_changing_source_applies_batches_exactly(service):
    url = service.url
    requests.delete(url + "/_changes/probe")
    assert requests.get(url + "/changing/probe").status_code == 404
    first = requests.post(url + "/_changes/probe", json={"reset": 3, "at": "2026-01-01T00:00:00Z"}).json()
    assert (first["total"], first["at"]) == (3, "2026-01-01T00:00:00.000000Z")
    batch = requests.post(url + "/_changes/probe", json={
        "update": [{"id": 2, "name": "twenty two"}], "delete": [1], "insert": [{"name": "four"}],
        "at": "2026-01-01T00:00:01.000001+00:00"}).json()
    assert (batch["inserted"], batch["updated"], batch["deleted"], batch["total"]) == ([4], [2], [1], 3)

    def get(**params):
        response = requests.get(url + "/changing/probe", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    assert [(r["id"], r["version"]) for r in get()["records"]] == [(2, 2), (3, 1), (4, 1)]
    assert get(id=3, fields="id,name")["records"] == [{"id": 3, "name": get()["records"][1]["name"]}]
    # updated_at compares as an instant, to the microsecond, in any ISO 8601 spelling.
    changed = get(updated_at_gte="2026-01-01 00:00:01.000001+00", fields="id,updated_at")
    assert changed["records"] == [{"id": 2, "updated_at": "2026-01-01T00:00:01.000001Z"},
                                  {"id": 4, "updated_at": "2026-01-01T00:00:01.000001Z"}]
    assert get(updated_at_gt="2026-01-01T00:00:01.000001Z")["total"] == 0
    assert get(updated_at_gte="2026-01-01T01:00:01.000001+01:00")["total"] == 2
    assert get(updated_at_gte="2026-01-01T00:00:01.000002Z")["total"] == 0
    assert get(limit=0) == {"records": [], "total": 3, "limit": 0, "offset": 0}
    assert [r["id"] for r in get(limit=1, offset=1)["records"]] == [3]
    assert [r["id"] for r in get(order="-updated_at", fields="id")["records"]] == [2, 4, 3]
    assert [r["id"] for r in get(version_gte=2, fields="id")["records"]] == [2]
    # step: the batch's records are stamped one after another, in update-then-insert order.
    stepped = requests.post(url + "/_changes/probe", json={
        "update": [3, 2], "insert": 1, "at": "2026-01-01T00:00:02Z", "step": 250}).json()
    assert get(updated_at_gte="2026-01-01T00:00:02Z", fields="id,updated_at",
               order="updated_at")["records"] == [
        {"id": 3, "updated_at": "2026-01-01T00:00:02.000000Z"},
        {"id": 2, "updated_at": "2026-01-01T00:00:02.000250Z"},
        {"id": stepped["inserted"][0], "updated_at": "2026-01-01T00:00:02.000500Z"}]
    # A batch naming an id the source does not hold changes nothing.
    refused = requests.post(url + "/_changes/probe", json={"insert": 1, "delete": [1]})
    assert refused.status_code == 400 and "no record with id 1" in refused.json()["error"]
    assert get()["total"] == 4
    assert requests.get(url + "/changing/probe", params={"since": "x"}).status_code == 400
    requests.delete(url + "/_changes/probe")


# sync_table


def test_first_run_fills_an_empty_table(db, service):
    source = Source(service, db, "first")
    source.change(reset=500, at="2026-02-01T00:00:00Z")
    clear_service_log(service)
    run = source.sync()
    assert counts(run) == {"status": "ok", "fetched": 500, "inserted": 500, "updated": 0, "deleted": 0}
    assert run["since"] is None  # everything: there was no watermark yet
    assert run["watermark"] == "2026-02-01 00:00:00+00"
    sent = changing_requests(service, "first")
    assert all("updated_at_gte" not in entry["args"] for entry in sent)
    assert run["requests"] == len(sent)
    assert source.rows() == source.records()
    # Emptied, the table is filled again from scratch, whatever the last watermark.
    db.execute("TRUNCATE %s" % source.local)
    again = source.sync()
    assert (again["since"], again["inserted"]) == (None, 500)
    assert source.rows() == source.records()


def test_updates_and_inserts_are_synced(db, service):
    source = Source(service, db, "updates")
    source.change(reset=1000, at="2026-02-01T00:00:00Z")
    source.sync()
    source.change(update=[5, 500, {"id": 999, "name": "renamed house"}], insert=2,
                  at="2026-02-01T00:00:10.250001Z")
    clear_service_log(service)
    run = source.sync()
    # Only what changed crossed the wire: the filter went to the service with full precision.
    sent = changing_requests(service, "updates")
    assert {datetime.fromisoformat(value) for entry in sent for value in entry["args"]["updated_at_gte"]} \
        == {datetime(2026, 2, 1, tzinfo=timezone.utc)}
    assert sum(entry["rows"] for entry in sent) == 6  # 5 changed and the one at the old watermark
    assert counts(run) == {"status": "ok", "fetched": 6, "inserted": 2, "updated": 3, "deleted": 0}
    assert run["watermark"] == "2026-02-01 00:00:10.250001+00"
    assert source.rows() == source.records()
    assert db.execute("SELECT id FROM %s WHERE name LIKE '%%renamed house%%'"
                      % source.local).fetchall() == [(999,)]


def test_overlap_fetches_late_writes(db, service):
    source = Source(service, db, "overlap")
    source.change(reset=10, at="2026-03-01T12:00:00Z")
    source.sync(overlap="5 minutes")
    # Written later, but stamped before the watermark (another writer's clock is behind).
    source.change(update=[3], at="2026-03-01T11:57:00Z")
    run = source.sync(overlap="5 minutes")
    assert run["since"] == "2026-03-01 11:55:00+00"
    assert (run["fetched"], run["updated"], run["watermark"]) == (10, 1, "2026-03-01 12:00:00+00")
    assert source.rows() == source.records()
    # Without the overlap such a write is missed until a later change: the reason for the option.
    source.change(update=[4], at="2026-03-01T11:58:00Z")
    assert source.sync()["updated"] == 0
    assert source.rows() != source.records()


def test_reconcile_deletes_rows_gone_from_the_source(db, service):
    source = Source(service, db, "deletes")
    source.change(reset=300, at="2026-02-01T00:00:00Z")
    source.sync()
    source.change(delete=[1, 150, 300], update=[2], at="2026-02-01T00:01:00Z")
    plain = source.sync()
    assert counts(plain) == {"status": "ok", "fetched": 1, "inserted": 0, "updated": 1, "deleted": 0}
    assert not plain["reconciled"]
    assert len(source.rows()) == 300  # no reconcile asked: deleted records stay

    clear_service_log(service)
    run = source.sync(reconcile_every="0")
    # The reconcile pass asked only for the keys.
    key_fetches = [entry for entry in changing_requests(service, "deletes")
                   if "updated_at_gte" not in entry["args"] and entry["args"].get("limit") != ["0"]]
    assert key_fetches and all(entry["args"]["fields"] == ["id"] for entry in key_fetches)
    assert run["reconciled"] and run["deleted"] == 3
    assert source.rows() == source.records()
    # reconcile_every: not again within the hour.
    source.change(delete=[2])
    assert not source.sync(reconcile_every="1 hour")["reconciled"]
    assert source.sync(reconcile_every="0")["deleted"] == 1


def test_version_column_as_the_watermark(db, service):
    source = Source(service, db, "versions")
    source.change(reset=50)
    assert source.sync(change_column="version")["inserted"] == 50
    source.change(update=[7, 8])
    clear_service_log(service)
    run = source.sync(change_column="version", overlap="1")
    assert run["since"] == "0" and run["watermark"] == "2"
    source.change(update=[7])
    run = source.sync(change_column="version")
    assert (run["since"], run["fetched"], run["updated"], run["watermark"]) == ("2", 2, 1, "3")
    assert source.rows() == source.records()


def test_failed_run_changes_nothing_and_is_logged(db, dsn, service):
    source = Source(service, db, "failing")
    source.change(reset=1000, at="2026-02-01T00:00:00Z")
    ok = source.sync()
    before = source.rows()
    source.change(update=[1, 2, 3], delete=[10], at="2026-02-01T00:05:00Z")
    # The change fetch (one page) works; the reconcile's key fetch needs more pages than allowed,
    # after the upsert already ran: both must be undone.
    db.execute("ALTER FOREIGN TABLE %s OPTIONS (SET page_size '100', ADD max_pages '2')" % source.remote)
    failed = source.sync(reconcile_every="0")
    assert (failed["status"], failed["watermark"], failed["fetched"]) == ("failed", None, None)
    assert "pages" in failed["error"]
    assert ("WARNING", "sync of %s from %s failed; it changed nothing"
            % (source.local, source.remote)) in db.notices
    assert source.rows() == before
    with connect(dsn) as other:  # the log row was committed, not only returned
        assert other.execute("SELECT status, error FROM sync_log WHERE id = %s",
                             [failed["id"]]).fetchone() == ("failed", failed["error"])
        assert value(other, "SELECT status FROM sync_status WHERE target_table = %s",
                     ["public." + source.local]) == "failed"

    # The service down: the same.
    db.execute("ALTER FOREIGN TABLE %s OPTIONS (SET page_size '10000', DROP max_pages)" % source.remote)
    db.execute("ALTER SERVER changing OPTIONS (SET url 'http://127.0.0.1:%d')" % free_port())
    try:
        down = source.sync()
    finally:
        db.execute("ALTER SERVER changing OPTIONS (SET url '%s')" % service.url)
    assert down["status"] == "failed" and "127.0.0.1" in down["error"]
    assert source.rows() == before

    # The next good run starts from the last good watermark and catches up.
    run = source.sync(reconcile_every="0")
    assert run["since"] == ok["watermark"]
    assert counts(run) == {"status": "ok", "fetched": 4, "inserted": 0, "updated": 3, "deleted": 1}
    assert source.rows() == source.records()


def test_overlapping_runs_are_refused(dsn, service, db):
    source = Source(service, db, "overlapping")
    source.change(reset=100)
    with connect(dsn, autocommit=False) as first, connect(dsn) as second:
        # The first run's transaction stays open: it holds the target's lock until it ends.
        assert source.sync(first)["status"] == "ok"
        pid = value(first, "SELECT pg_backend_pid()")
        skipped = source.sync(second)
        assert skipped["status"] == "skipped"
        assert skipped["error"] == ("another sync of %s is running (backend %d); this run changed "
                                    "nothing" % (source.local, pid))
        assert ("WARNING", "sync of %s from %s skipped" % (source.local, source.remote)) in second.notices
        assert value(second, "SELECT count(*) FROM %s" % source.local) == 0
        first.commit()
        assert value(second, "SELECT count(*) FROM %s" % source.local) == 100
        assert source.sync(second)["status"] == "ok"  # the lock went with the transaction


def test_readers_are_not_blocked(dsn, service, db):
    source = Source(service, db, "readers")
    source.change(reset=200)
    source.sync()
    source.change(update=[1], delete=[2], insert=1)
    with connect(dsn, autocommit=False) as syncer, connect(dsn) as reader:
        run = source.sync(syncer, reconcile_every="0")
        assert (run["updated"], run["inserted"], run["deleted"]) == (1, 1, 1)
        reader.execute("SET lock_timeout = '10s'")
        # The run's transaction is open: readers see the rows before it, without waiting.
        assert value(reader, "SELECT count(*) FROM %s" % source.local) == 200
        assert value(reader, "SELECT count(*) FROM %s WHERE id = 2" % source.local) == 1
        syncer.commit()
        assert source.rows(reader) == source.records()


def test_indexes_are_maintained_not_rebuilt(db, service):
    source = Source(service, db, "indexes")
    source.change(reset=2000)
    source.sync()
    files = "SELECT indexrelid::regclass::text, pg_relation_filenode(indexrelid) FROM pg_index " \
            "WHERE indrelid = '%s'::regclass ORDER BY 1" % source.local
    before = db.execute(files).fetchall()
    source.change(insert=[{"name": "lighthouse keeper"}], update=[{"id": 7, "name": "boathouse"}])
    source.sync()
    assert db.execute(files).fetchall() == before
    db.execute("ANALYZE %s" % source.local)
    query = "SELECT id, name FROM %s WHERE name LIKE '%%house%%'" % source.local
    db.execute("SET enable_seqscan = off")
    plan = "\n".join(row[0] for row in db.execute("EXPLAIN " + query))
    db.execute("RESET enable_seqscan")
    assert "Bitmap Index Scan on local_indexes_name_idx" in plan
    assert sorted(db.execute(query).fetchall()) == [(7, "boathouse"), (2001, "lighthouse keeper")]


@pytest.mark.parametrize("remote_estimate, requests_sent", [("true", 2), ("false", 1)])
def test_nothing_changed_is_one_small_fetch(db, service, remote_estimate, requests_sent):
    source = Source(service, db, "quiet", use_remote_estimate=remote_estimate)
    source.change(reset=5000)
    source.sync()
    clear_service_log(service)
    run = source.sync()
    sent = changing_requests(service, "quiet")
    assert counts(run) == {"status": "ok", "fetched": 1, "inserted": 0, "updated": 0, "deleted": 0}
    assert run["requests"] == len(sent) == requests_sent
    # One page, holding the one record at the watermark; with the remote estimate on, the
    # planner's count (limit=0) comes first.
    pages = [entry for entry in sent if entry["args"].get("limit") != ["0"]]
    assert len(pages) == 1 and pages[0]["rows"] == 1
    assert source.rows() == source.records()


def test_session_settings_do_not_change_the_run(db, service):
    source = Source(service, db, "settings")
    source.change(reset=20, at="2026-04-01T00:00:00.5Z")
    source.sync()
    source.change(update=[3], at="2026-04-01T00:00:01.000007Z")
    db.execute("SET DateStyle = 'German, DMY'")
    db.execute("SET TimeZone = 'Asia/Kathmandu'")
    db.execute("SET IntervalStyle = 'sql_standard'")
    db.execute("SET extra_float_digits = -15")
    run = db.execute("SELECT since, fetched, updated, watermark FROM sync_table(%s, %s, 'id', "
                     "'updated_at', '0.01 seconds')", [source.local, source.remote]).fetchone()
    db.execute("RESET ALL")
    # Records 10-20 were stamped from 00:00:00.49 on, and record 3 changed.
    assert run == ("2026-04-01 00:00:00.49+00", 12, 1, "2026-04-01 00:00:01.000007+00")
    assert source.rows() == source.records()


def test_bad_arguments_are_errors(db, service):
    source = Source(service, db, "arguments")
    db.execute("CREATE TABLE no_key (id bigint, name text, updated_at timestamptz)")
    try:
        with pytest.raises(psycopg.errors.RaiseException, match="has no unique index on its key"):
            db.execute("SELECT sync_table('no_key', %s, 'id', 'updated_at')", [source.remote])
        with pytest.raises(psycopg.errors.RaiseException, match='column "nope" is not in both'):
            db.execute("SELECT sync_table(%s, %s, 'id', 'nope')", [source.local, source.remote])
        with pytest.raises(psycopg.errors.RaiseException, match="not a timestamp, date or number"):
            db.execute("SELECT sync_table(%s, %s, 'id', 'name')", [source.local, source.remote])
    finally:
        db.execute("DROP TABLE no_key")


# Any sequence of batches: after a run with reconcile, the table is the source.

BATCH = st.fixed_dictionaries({
    "insert": st.integers(0, 5),
    "update": st.lists(st.integers(1, 60), max_size=6, unique=True),
    "delete": st.lists(st.integers(1, 60), max_size=4, unique=True),
    # The batch's updated_at, from the latest one before: a writer's clock may be behind by up to
    # the overlap (3 minutes), never more.
    "seconds": st.integers(-180, 60),
})


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches=st.lists(BATCH, min_size=1, max_size=4))
def test_property_table_equals_source_after_every_run(db, service, batches):
    source = Source(service, db, "property")
    source.change(reset=40, at="2026-05-01T00:00:00Z")
    source.sync(overlap="3 minutes", reconcile_every="0")
    held = {row[0] for row in source.records()}
    latest = datetime(2026, 5, 1, tzinfo=timezone.utc).timestamp()
    for batch in batches:
        updates = [i for i in batch["update"] if i in held]
        deletes = [i for i in batch["delete"] if i in held and i not in updates]
        at = latest + batch["seconds"]
        latest = max(latest, at)
        done = source.change(insert=batch["insert"], update=updates, delete=deletes,
                             at=datetime.fromtimestamp(at, timezone.utc).isoformat())
        held = (held - set(deletes)) | set(done["inserted"])
        assert source.sync(overlap="3 minutes", reconcile_every="0")["status"] == "ok"
        assert source.rows() == source.records()


def test_concurrent_runs_from_many_sessions_never_overlap(dsn, service, db):
    source = Source(service, db, "many")
    source.change(reset=3000)
    results = []

    def run():
        with connect(dsn) as conn:
            results.append(source.sync(conn)["status"])

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") >= 1 and set(results) <= {"ok", "skipped"}
    assert source.rows() == source.records()
    assert value(db, "SELECT sum(inserted) FROM sync_log WHERE target_table = 'public.local_many' "
                     "AND status = 'ok'") == 3000


# The changing source's filters, order and pages against a model: the unfiltered listing.

QUERY = st.fixed_dictionaries({}, optional={
    "id_gte": st.integers(0, 30), "id_lt": st.integers(0, 30), "version_gte": st.integers(1, 3),
    "updated_at_gte": st.integers(-5, 25), "updated_at_gt": st.integers(-5, 25),
    "updated_at_lte": st.integers(-5, 25), "order": st.sampled_from(
        ["id", "-id", "updated_at", "-updated_at"]),
    "limit": st.integers(0, 12), "offset": st.integers(0, 12),
    "id": st.lists(st.integers(1, 30), min_size=1, max_size=3)})
BASE = datetime(2026, 6, 1, tzinfo=timezone.utc)


_apps = []


def mock_client():
    """A test client of one mock service app, made once (it reads the word list)."""
    if not _apps:
        from mock_service import create_app
        _apps.append(create_app({"REQUEST_LOG": False}))
    return _apps[0].test_client()


def stamp(seconds):
    return datetime.fromtimestamp(BASE.timestamp() + seconds, timezone.utc).isoformat()


@settings(max_examples=150, deadline=None)
@given(updates=st.lists(st.tuples(st.integers(1, 20), st.integers(0, 20)), max_size=8),
       deletes=st.sets(st.integers(1, 20), max_size=4), query=QUERY)
def test_property_changing_source_answers_exactly(updates, deletes, query):
    client = mock_client()
    assert client.post("/_changes/p", json={"reset": 20, "at": stamp(0)}).status_code == 200
    for record_id, seconds in updates:  # one batch each: an id may change several times
        client.post("/_changes/p", json={"update": [record_id], "at": stamp(seconds)})
    client.post("/_changes/p", json={"delete": sorted(deletes), "insert": 2, "at": stamp(3)})
    everything = client.get("/changing/p?limit=10000").get_json()["records"]

    def moment(record):
        return datetime.fromisoformat(record["updated_at"])

    matching = [r for r in everything
                if ("id" not in query or r["id"] in query["id"])
                and ("id_gte" not in query or r["id"] >= query["id_gte"])
                and ("id_lt" not in query or r["id"] < query["id_lt"])
                and ("version_gte" not in query or r["version"] >= query["version_gte"])
                and ("updated_at_gte" not in query or moment(r) >= datetime.fromisoformat(
                    stamp(query["updated_at_gte"])))
                and ("updated_at_gt" not in query or moment(r) > datetime.fromisoformat(
                    stamp(query["updated_at_gt"])))
                and ("updated_at_lte" not in query or moment(r) <= datetime.fromisoformat(
                    stamp(query["updated_at_lte"])))]
    order = query.get("order", "id")
    if order == "-id":
        matching.reverse()
    elif order == "updated_at":
        matching.sort(key=lambda r: (moment(r), r["id"]))
    elif order == "-updated_at":
        matching.sort(key=lambda r: (-moment(r).timestamp(), r["id"]))
    offset, limit = query.get("offset", 0), query.get("limit", 1000)
    params = [(name, str(value) if not name.startswith("updated_at") else stamp(value))
              for name, value in query.items() if name != "id"]
    params += [("id", str(value)) for value in query.get("id", [])]
    body = client.get("/changing/p", query_string=params).get_json()
    assert body["total"] == len(matching)
    assert body["records"] == matching[offset:offset + limit]
