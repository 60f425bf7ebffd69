"""Incremental sync (sql/sync.sql) against REFRESH MATERIALIZED VIEW CONCURRENTLY of the same data.

The source is the mock service's changing resource with ``rows`` records.
Side by side, with the same indexes (the unique key and a GIN trigram index
on name): ``sync_target``, kept by sync_table(), and ``mv_sync_source``, a
materialized view of the same foreign table. Each round changes
``changed_fraction`` of the records in one batch, then times one sync and
one concurrent refresh over the same state of the source, and checks that
the table and the view hold the same rows. Then a run with nothing changed
(its HTTP requests are the number that matters), and one reconcile pass
(every key fetched) for scale.
"""
import os
import subprocess
import time

import requests

from tools.pgcluster import REPO, pg_bindir

from . import measure

SOURCE = "bench_sync"
COLUMNS = "id, name, version, updated_at"
SYNC_SQL = "SELECT status, fetched, inserted, updated, deleted, requests FROM sync_table(" \
           "'sync_target', 'sync_source', 'id', 'updated_at'%s)"
REFRESH_SQL = "REFRESH MATERIALIZED VIEW CONCURRENTLY mv_sync_source"
DIGEST_SQL = ("SELECT count(*), sum(id), md5(string_agg(concat_ws(':', %s), ',' ORDER BY id)) FROM %%s"
              % COLUMNS)


class SyncMismatch(Exception):
    """The synced table and the refreshed view do not hold the same rows."""


def change(env, **batch):
    response = requests.post("%s/_changes/%s" % (env.service.url, SOURCE), json=batch)
    response.raise_for_status()
    return response.json()


def create(env, conn, rows):
    """The source with ``rows`` records, the foreign table, the synced table and the view, filled."""
    subprocess.run([os.path.join(pg_bindir(), "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-d", env.dsn(), "-f", os.path.join(REPO, "sql", "sync.sql")],
                   check=True, capture_output=True)
    requests.delete("%s/_changes/%s" % (env.service.url, SOURCE))
    change(env, reset=rows, at="2026-01-01T00:00:00Z")
    run = conn.execute
    run("CREATE SERVER IF NOT EXISTS changing_srv FOREIGN DATA WRAPPER restcorn "
        "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % env.service.url)
    run("CREATE FOREIGN TABLE sync_source ("
        " id bigint OPTIONS (filters 'eq,in,lt,le,gt,ge', sortable 'true'),"
        " name text, version bigint,"
        " updated_at timestamptz OPTIONS (filters 'ge')"
        ") SERVER changing_srv OPTIONS (path '/changing/%s', page_size '10000', "
        "use_remote_estimate 'false')" % SOURCE)
    run("CREATE TABLE sync_target (id bigint PRIMARY KEY, name text, version bigint, "
        "updated_at timestamptz)")
    first = run(SYNC_SQL % "").fetchone()
    if first[:3] != ("ok", rows, rows):
        raise SyncMismatch("the first sync of %d rows gave %r" % (rows, first))
    # Built once here, after the first fill; from now on both sides maintain the same indexes.
    run("CREATE INDEX sync_target_name_trgm ON sync_target USING gin (name gin_trgm_ops)")
    run("CREATE MATERIALIZED VIEW mv_sync_source AS SELECT %s FROM sync_source" % COLUMNS)
    run("CREATE UNIQUE INDEX mv_sync_source_id ON mv_sync_source (id)")
    run("CREATE INDEX mv_sync_source_name_trgm ON mv_sync_source USING gin (name gin_trgm_ops)")
    run("VACUUM ANALYZE sync_target")
    run("VACUUM ANALYZE mv_sync_source")
    run("CHECKPOINT")


def timed(conn, sql):
    started = time.perf_counter()
    row = conn.execute(sql).fetchone() if sql.startswith("SELECT") else conn.execute(sql)
    return (time.perf_counter() - started) * 1000, row


def same_rows(conn):
    synced, refreshed = (conn.execute(DIGEST_SQL % table).fetchone()
                         for table in ("sync_target", "mv_sync_source"))
    if synced != refreshed:
        raise SyncMismatch("sync_target holds %r, mv_sync_source %r" % (synced, refreshed))


def run_sync(env, rows, repeat, changed_fraction=0.01, progress=print):
    """The results of the sync rows: medians of ``repeat`` rounds, the quiet run, a reconcile."""
    changed = max(1, int(rows * changed_fraction))
    with env.connect() as conn:
        progress("sync: a source of %d records" % rows)
        create(env, conn, rows)
        sync_ms, refresh_ms, runs = [], [], []
        for number in range(repeat):
            progress("sync: round %d of %d, %d records changed" % (number + 1, repeat, changed))
            inserts = changed // 10
            ids = list(range(1 + number, rows + 1, rows // (changed - inserts)))[:changed - inserts]
            # One write a millisecond, as a busy service's records would be stamped.
            change(env, update=ids, insert=inserts, at="2026-01-01T00:%02d:00Z" % (number + 1),
                   step=1000)
            elapsed, result = timed(conn, SYNC_SQL % "")
            if result[0] != "ok" or (result[2], result[3]) != (inserts, len(ids)):
                raise SyncMismatch("sync after changing %d records gave %r" % (changed, result))
            sync_ms.append(elapsed)
            runs.append(dict(zip(("status", "fetched", "inserted", "updated", "deleted", "requests"),
                                 result)))
            refresh_ms.append(timed(conn, REFRESH_SQL)[0])
            same_rows(conn)

        progress("sync: nothing changed")
        env.clear_log()
        elapsed, quiet = timed(conn, SYNC_SQL % "")
        sent = [entry for entry in env.log() if entry["path"] == "/changing/" + SOURCE]
        progress("sync: a reconcile pass")
        reconcile_ms, reconcile = timed(conn, SYNC_SQL % ", reconcile_every => '0'")
        same_rows(conn)
    return {
        "rows": rows, "changed": changed, "sql": SYNC_SQL % "", "refresh_sql": REFRESH_SQL,
        "sync": dict(measure.summary([ms / 1000 for ms in sync_ms]), runs=runs),
        "refresh": measure.summary([ms / 1000 for ms in refresh_ms]),
        "quiet": {"ms": round(elapsed, 3), "requests": len(sent), "logged_requests": quiet[5],
                  "fetched": quiet[1], "urls": [entry["path"] + "?" + entry["query"] for entry in sent]},
        "reconcile": {"ms": round(reconcile_ms, 3), "deleted": reconcile[4],
                      "requests": reconcile[5]},
    }
