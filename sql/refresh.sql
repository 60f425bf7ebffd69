-- Refreshing materialized views, with a log of every attempt.
--
--   psql -f sql/refresh.sql
--
--   SELECT * FROM refresh_materialized_view('mv_dictionary');          -- concurrent
--   SELECT * FROM refresh_materialized_view('mv_dictionary', false);   -- plain
--   SELECT * FROM mv_refresh_status;                                   -- latest per view
--
-- A failed refresh does not raise: the view keeps its previous contents, the
-- function emits a WARNING and returns the log row with status 'failed'.
-- Raising would roll back the log row with everything else, and a scheduled
-- job would leave no trace of why it failed. Callers that must stop on
-- failure check the returned status.
--
-- Safe to run again: the log is kept, the function and view are replaced.

\set ON_ERROR_STOP on

CREATE TABLE IF NOT EXISTS mv_refresh_log (
  id bigserial PRIMARY KEY,
  view_name text NOT NULL,
  concurrent boolean NOT NULL,  -- not "concurrently": a reserved word as a column name
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  rows bigint,                  -- rows in the view after the refresh; NULL when it failed
  status text NOT NULL CHECK (status IN ('ok', 'failed')),
  error text                    -- message, detail and hint of the error; NULL when ok
);

CREATE INDEX IF NOT EXISTS mv_refresh_log_view_name_id ON mv_refresh_log (view_name, id);

CREATE OR REPLACE FUNCTION refresh_materialized_view(view regclass, concurrently boolean DEFAULT true)
RETURNS mv_refresh_log
LANGUAGE plpgsql
AS $$
DECLARE
  entry mv_refresh_log;
  detail text;
  hint text;
BEGIN
  entry.view_name := view::text;
  entry.started_at := clock_timestamp();
  -- CONCURRENTLY needs a view that holds data; the first refresh of a view
  -- created WITH NO DATA must be plain.
  entry.concurrent := refresh_materialized_view.concurrently
                      AND (SELECT relispopulated FROM pg_class WHERE oid = view);
  -- The block is a subtransaction: on error the refresh is rolled back and
  -- the view keeps its previous contents.
  BEGIN
    EXECUTE format('REFRESH MATERIALIZED VIEW %s %s',
                   CASE WHEN entry.concurrent THEN 'CONCURRENTLY' ELSE '' END, view);
    EXECUTE format('SELECT count(*) FROM %s', view) INTO entry.rows;
    entry.status := 'ok';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    entry.status := 'failed';
    entry.error := concat_ws(E'\n', SQLERRM, nullif(detail, ''), nullif(hint, ''));
  END;
  entry.finished_at := clock_timestamp();

  INSERT INTO mv_refresh_log (view_name, concurrent, started_at, finished_at, rows, status, error)
  VALUES (entry.view_name, entry.concurrent, entry.started_at, entry.finished_at, entry.rows,
          entry.status, entry.error)
  RETURNING * INTO entry;

  IF entry.status = 'failed' THEN
    RAISE WARNING 'refresh of materialized view % failed; it keeps its previous contents', view
      USING DETAIL = entry.error;
  END IF;
  RETURN entry;
END
$$;

COMMENT ON FUNCTION refresh_materialized_view(regclass, boolean) IS
  'REFRESH MATERIALIZED VIEW [CONCURRENTLY], logged in mv_refresh_log; on failure the view keeps '
  'its contents and the failed log row is returned (with a WARNING), not raised';

CREATE OR REPLACE VIEW mv_refresh_status AS
  SELECT DISTINCT ON (view_name)
         view_name, status, rows, started_at, finished_at, finished_at - started_at AS took,
         concurrent, error, id
    FROM mv_refresh_log
   ORDER BY view_name, id DESC;
