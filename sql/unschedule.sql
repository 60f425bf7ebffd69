-- Stop refreshing mv_dictionary on a schedule (undoes sql/schedule.sql).
--
--   psql -f sql/unschedule.sql
--
-- Removes the pg_cron job 'refresh-mv-dictionary' if there is one; safe to
-- run again. The view, the function and the refresh log stay.

\set ON_ERROR_STOP on

DO $$
BEGIN
  -- Nested, not AND: cron.job must not be named before pg_cron exists.
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
    IF EXISTS (SELECT FROM cron.job WHERE jobname = 'refresh-mv-dictionary') THEN
      PERFORM cron.unschedule('refresh-mv-dictionary');
      RAISE NOTICE 'pg_cron job refresh-mv-dictionary removed';
      RETURN;
    END IF;
  END IF;
  RAISE NOTICE 'no pg_cron job refresh-mv-dictionary here; if you used cron, remove its line with crontab -e';
END
$$;
