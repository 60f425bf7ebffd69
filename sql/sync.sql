-- Incremental sync: keep a regular table in step with a foreign table, with a log of every run.
--
--   psql -f sql/sync.sql          (after sql/install.sql, or anywhere the foreign table exists)
--
--   SELECT * FROM sync_table('tickets', 'remote_tickets', 'id', 'updated_at');
--   SELECT * FROM sync_table('tickets', 'remote_tickets', 'id', 'updated_at',
--                            overlap => '2 minutes', reconcile_every => '1 hour');
--   SELECT * FROM sync_status;                                  -- the latest run per table
--
-- The target is a regular table with a unique index on the key column; its
-- columns are those of the source it has, by name. Each run:
--   1. fetches the source's rows whose change column (an updated_at timestamp or
--      an increasing version number) is >= the watermark minus `overlap`: a
--      WHERE clause the wrapper sends to the service (declare the filter on the
--      column: OPTIONS (filters 'ge')); the first run, and any run into an empty
--      table, fetches everything;
--   2. inserts the new keys and updates the rows that differ (INSERT ... ON
--      CONFLICT), so indexes, trigram ones included, are maintained row by row
--      and never rebuilt, and readers are never blocked;
--   3. when `reconcile_every` is set and that long has passed since the last
--      reconcile ('0' = every run), fetches only the keys (the wrapper then
--      asks for fields=<key>) and deletes the rows whose key the source no
--      longer has;
--   4. logs the lower bound it fetched from, the new watermark (the largest
--      change value seen), row counts, HTTP requests and duration in sync_log.
--
-- With the source table's option use_remote_estimate 'false' (the sync needs no row estimate), a
-- run with nothing changed is one HTTP request: the page holding the rows at the watermark.
--
-- overlap: how far before the watermark to fetch again, for records written
-- late (clock skew between the service's writers, transactions committed
-- after a later one): an interval for a timestamp or date column
-- ('2 minutes'), a number for a version column. Rows fetched again that did
-- not change are not rewritten.
--
-- A failed run changes nothing: the work runs in a subtransaction that is
-- rolled back; the function emits a WARNING and returns the log row with
-- status 'failed' (raising would roll the log row back too, as in
-- refresh.sql). Two runs for one target never overlap: a run that finds
-- another one running (an advisory lock, held to the end of the running
-- one's transaction) changes nothing and is logged as 'skipped', with a
-- WARNING naming the other backend.
--
-- Scheduled with pg_cron (in the database named by cron.database_name):
--   SELECT cron.schedule('sync-tickets', '*/5 * * * *',
--     $$SELECT sync_table('tickets', 'remote_tickets', 'id', 'updated_at', '2 minutes', '1 hour')$$);
--
-- Safe to run again: the log is kept, the functions and the view are replaced.

\set ON_ERROR_STOP on

CREATE TABLE IF NOT EXISTS sync_log (
  id bigserial PRIMARY KEY,
  target_table text NOT NULL,   -- schema-qualified
  source_table text NOT NULL,   -- schema-qualified
  key_column text NOT NULL,
  change_column text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('ok', 'failed', 'skipped')),
  since text,                   -- the run fetched change_column >= this; NULL: everything
  watermark text,               -- the largest change value synced so far; NULL unless ok
  fetched bigint,               -- rows the source sent (after the overlap's duplicates)
  inserted bigint,
  updated bigint,               -- rows that differed and were rewritten
  deleted bigint,               -- rows gone from the source, deleted by the reconcile pass
  reconciled boolean NOT NULL DEFAULT false,
  requests bigint,              -- HTTP requests the run sent; NULL when not known
  error text                    -- message, detail and hint of the error; NULL when ok
);

CREATE INDEX IF NOT EXISTS sync_log_target_id ON sync_log (target_table, id);

-- The run's HTTP requests come from the wrapper's per-session counts
-- (fdw.StatsFDW), over whichever wrapper extension this database uses.
DO $$
DECLARE
  wrapper_extension text;
BEGIN
  IF to_regclass('sync_http_stats') IS NOT NULL THEN
    RETURN;
  END IF;
  SELECT extname INTO wrapper_extension
    FROM pg_extension WHERE extname IN ('multicorn', 'restcorn')
   ORDER BY extname = 'multicorn' DESC LIMIT 1;
  IF wrapper_extension IS NULL THEN
    RAISE NOTICE 'neither multicorn nor restcorn is installed here: sync_log will not count requests';
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_foreign_server WHERE srvname = 'sync_stats_srv') THEN
    EXECUTE format('CREATE SERVER sync_stats_srv FOREIGN DATA WRAPPER %I OPTIONS (wrapper %L)',
                   wrapper_extension, 'fdw.StatsFDW');
  END IF;
  CREATE FOREIGN TABLE sync_http_stats (table_name text, requests bigint) SERVER sync_stats_srv;
END
$$;

-- The HTTP requests this session has sent so far; NULL when they cannot be counted.
CREATE OR REPLACE FUNCTION sync_requests_sent() RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  sent bigint;
BEGIN
  IF to_regclass('sync_http_stats') IS NULL THEN
    RETURN NULL;
  END IF;
  BEGIN
    EXECUTE 'SELECT coalesce(sum(requests), 0) FROM sync_http_stats' INTO sent;
  EXCEPTION WHEN OTHERS THEN
    RETURN NULL;  -- counting must never fail a run
  END;
  RETURN sent;
END
$$;

CREATE OR REPLACE FUNCTION sync_table(target regclass, source regclass, key_column name,
                                      change_column name, overlap text DEFAULT '0',
                                      reconcile_every interval DEFAULT NULL)
RETURNS sync_log
LANGUAGE plpgsql
-- Values become text (the watermark, the WHERE clause's constant) the same way whatever the
-- caller's session settings.
SET datestyle = 'ISO, YMD' SET timezone = 'UTC' SET intervalstyle = 'postgres'
SET extra_float_digits = 3
AS $$
DECLARE
  -- The advisory lock of a target: this constant in the high 32 bits, the table's oid below.
  lock_class constant bigint := 1919251316;  -- 'rest'
  entry sync_log;
  columns text[];
  change_type text;
  overlap_type text;
  previous text;
  last_reconcile timestamptz;
  holder int;
  needed name;
  target_empty boolean;
  requests_before bigint;
  max_fetched text;
  assignments text;
  detail text;
  hint text;
BEGIN
  entry.started_at := clock_timestamp();
  SELECT format('%I.%I', nspname, relname) INTO entry.target_table
    FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace WHERE c.oid = target;
  SELECT format('%I.%I', nspname, relname) INTO entry.source_table
    FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace WHERE c.oid = source;
  entry.key_column := key_column;
  entry.change_column := change_column;

  -- Arguments that cannot work are the caller's mistake: an ERROR, not a logged run.
  IF (SELECT relkind FROM pg_class WHERE oid = target) NOT IN ('r', 'p') THEN
    RAISE EXCEPTION 'sync target % is not a regular table', target;
  END IF;
  SELECT array_agg(quote_ident(t.attname) ORDER BY t.attnum) INTO columns
    FROM pg_attribute t JOIN pg_attribute s ON s.attrelid = source AND s.attname = t.attname
                                             AND s.attnum > 0 AND NOT s.attisdropped
   WHERE t.attrelid = target AND t.attnum > 0 AND NOT t.attisdropped AND t.attgenerated = '';
  FOREACH needed IN ARRAY ARRAY[key_column, change_column] LOOP
    IF NOT quote_ident(needed) = ANY (coalesce(columns, '{}')) THEN
      RAISE EXCEPTION 'column "%" is not in both % and %', needed, target, source
        USING HINT = 'The key and change columns must have the same name in the table and its source.';
    END IF;
  END LOOP;
  IF NOT EXISTS (SELECT FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
                                                           AND a.attnum = i.indkey[0]
                  WHERE i.indrelid = target AND i.indisunique AND i.indnkeyatts = 1
                    AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attname = key_column) THEN
    RAISE EXCEPTION 'sync target % has no unique index on its key column "%"', target, key_column
      USING HINT = format('CREATE UNIQUE INDEX ON %s (%I);', target, key_column);
  END IF;
  SELECT format_type(atttypid, atttypmod) INTO change_type
    FROM pg_attribute WHERE attrelid = source AND attname = change_column;
  overlap_type := CASE
    WHEN change_type IN ('date', 'timestamp without time zone', 'timestamp with time zone')
      THEN 'interval'
    WHEN change_type IN ('smallint', 'integer', 'bigint', 'numeric') OR change_type LIKE 'numeric(%'
      THEN change_type
  END;
  IF overlap_type IS NULL THEN
    RAISE EXCEPTION 'change column "%" of % is %, not a timestamp, date or number',
                    change_column, source, change_type;
  END IF;

  -- One run per target at a time.
  IF NOT pg_try_advisory_xact_lock(lock_class << 32 | target::oid::bigint) THEN
    SELECT pid INTO holder FROM pg_locks
     WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database
                                                 WHERE datname = current_database())
       AND classid = lock_class AND objid = target::oid AND objsubid = 1 AND granted
     LIMIT 1;
    entry.status := 'skipped';
    entry.error := format('another sync of %s is running (backend %s); this run changed nothing',
                          target, coalesce(holder::text, 'unknown'));
  ELSE
    SELECT l.watermark INTO previous FROM sync_log l
     WHERE l.target_table = entry.target_table AND l.source_table = entry.source_table
       AND l.change_column = entry.change_column AND l.status = 'ok'
     ORDER BY l.id DESC LIMIT 1;
    -- An empty table is filled from scratch, whatever an earlier run's watermark says.
    IF previous IS NOT NULL THEN
      EXECUTE format('SELECT NOT EXISTS (SELECT FROM %s)', target) INTO target_empty;
      IF target_empty THEN
        previous := NULL;
      END IF;
    END IF;
    SELECT max(l.started_at) INTO last_reconcile FROM sync_log l
     WHERE l.target_table = entry.target_table AND l.source_table = entry.source_table
       AND l.status = 'ok' AND l.reconciled;
    requests_before := sync_requests_sent();

    -- The block is a subtransaction: on error every change is rolled back.
    BEGIN
      IF previous IS NOT NULL THEN
        EXECUTE format('SELECT ((%L::%s - %L::%s)::%s)::text', previous, change_type,
                       overlap, overlap_type, change_type) INTO entry.since;
      END IF;
      SELECT string_agg(format('%s = EXCLUDED.%s', c, c), ', ') INTO assignments
        FROM unnest(columns) AS c WHERE c <> quote_ident(key_column);
      -- The constant is in the statement's text, so the wrapper sees it when it plans the scan.
      EXECUTE format(
        'WITH fetched AS MATERIALIZED ('
        '  SELECT DISTINCT ON (%1$I) %2$s FROM %3$s %4$s ORDER BY %1$I, %5$I DESC NULLS LAST), '
        'upserted AS ('
        '  INSERT INTO %6$s AS t (%2$s) SELECT %2$s FROM fetched '
        '  ON CONFLICT (%1$I) DO %7$s '
        '  RETURNING t.xmax = 0 AS inserted) '
        'SELECT (SELECT count(*) FROM fetched), (SELECT max(%5$I)::text FROM fetched), '
        '       count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) '
        '  FROM upserted',
        key_column, array_to_string(columns, ', '), source,
        CASE WHEN entry.since IS NULL THEN ''
             ELSE format('WHERE %I >= %L::%s', change_column, entry.since, change_type) END,
        change_column, target,
        CASE WHEN assignments IS NULL THEN 'NOTHING'
             ELSE format('UPDATE SET %s WHERE (%s) IS DISTINCT FROM (%s)', assignments,
                         (SELECT string_agg('t.' || c, ', ') FROM unnest(columns) AS c),
                         (SELECT string_agg('EXCLUDED.' || c, ', ') FROM unnest(columns) AS c))
        END)
        INTO entry.fetched, max_fetched, entry.inserted, entry.updated;
      IF max_fetched IS NULL THEN
        entry.watermark := previous;
      ELSE
        EXECUTE format('SELECT greatest(%L::%s, %L::%s)::text', previous, change_type,
                       max_fetched, change_type) INTO entry.watermark;
      END IF;

      entry.deleted := 0;
      IF reconcile_every IS NOT NULL
         AND (last_reconcile IS NULL OR last_reconcile <= entry.started_at - reconcile_every) THEN
        -- Only the keys cross the wire; a key the source no longer sends is a deleted row.
        EXECUTE format(
          'WITH keys AS MATERIALIZED (SELECT %1$I FROM %2$s) '
          'DELETE FROM %3$s AS t WHERE NOT EXISTS (SELECT FROM keys k WHERE k.%1$I = t.%1$I)',
          key_column, source, target);
        GET DIAGNOSTICS entry.deleted = ROW_COUNT;
        entry.reconciled := true;
      END IF;
      entry.status := 'ok';
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
      entry.status := 'failed';
      entry.error := concat_ws(E'\n', SQLERRM, nullif(detail, ''), nullif(hint, ''));
      entry.watermark := NULL;
      entry.fetched := NULL;
      entry.inserted := NULL;
      entry.updated := NULL;
      entry.deleted := NULL;
      entry.reconciled := false;
    END;
    entry.requests := sync_requests_sent() - requests_before;
  END IF;
  entry.reconciled := coalesce(entry.reconciled, false);
  entry.finished_at := clock_timestamp();

  INSERT INTO sync_log (target_table, source_table, key_column, change_column, started_at,
                        finished_at, status, since, watermark, fetched, inserted, updated, deleted,
                        reconciled, requests, error)
  VALUES (entry.target_table, entry.source_table, entry.key_column, entry.change_column,
          entry.started_at, entry.finished_at, entry.status, entry.since, entry.watermark,
          entry.fetched, entry.inserted, entry.updated, entry.deleted, entry.reconciled,
          entry.requests, entry.error)
  RETURNING * INTO entry;

  IF entry.status = 'failed' THEN
    RAISE WARNING 'sync of % from % failed; it changed nothing', target, source
      USING DETAIL = entry.error;
  ELSIF entry.status = 'skipped' THEN
    RAISE WARNING 'sync of % from % skipped', target, source USING DETAIL = entry.error;
  END IF;
  RETURN entry;
END
$$;

COMMENT ON FUNCTION sync_table(regclass, regclass, name, name, text, interval) IS
  'Upsert the rows of source changed since the last run (change_column >= watermark - overlap) '
  'into target, delete rows gone from source every reconcile_every, log the run in sync_log; '
  'on failure nothing changes and the failed log row is returned (with a WARNING), not raised';

CREATE OR REPLACE VIEW sync_status AS
  SELECT DISTINCT ON (target_table)
         target_table, source_table, status, watermark, fetched, inserted, updated, deleted,
         reconciled, requests, started_at, finished_at, finished_at - started_at AS took, error, id
    FROM sync_log
   ORDER BY target_table, id DESC;
