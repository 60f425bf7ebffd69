-- Refresh mv_dictionary on a schedule.
--
--   psql -v schedule='*/15 * * * *' -f sql/schedule.sql     (after sql/refresh.sql)
--
-- schedule: a cron expression (default every 15 minutes); pg_cron 1.5 and
-- later also take '[1-59] seconds'.
--
-- With pg_cron (shared_preload_libraries = 'pg_cron'), this adds the job
-- 'refresh-mv-dictionary'; pg_cron runs jobs from the database named by
-- cron.database_name, so run this script there. Running it again replaces
-- the job (the name is the key), so a new schedule takes the old one's place.
-- Without pg_cron it prints the equivalent crontab line instead.
-- sql/unschedule.sql removes the job.

\set ON_ERROR_STOP on
\if :{?schedule}
\else
  \set schedule '*/15 * * * *'
\endif

-- psql variables are not visible inside DO blocks; a session setting is.
SELECT set_config('restcorn_install.schedule', :'schedule', false) AS schedule \gset

DO $$
DECLARE
  schedule text := current_setting('restcorn_install.schedule');
  command text := $cmd$SELECT refresh_materialized_view('mv_dictionary')$cmd$;
  crontab_line text;
BEGIN
  crontab_line := format('%s psql "$DATABASE_URL" -c "%s"', schedule, command);
  IF NOT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_cron') THEN
    RAISE NOTICE 'pg_cron is not installed; schedule the refresh with cron instead (crontab -e):%',
      E'\n' || crontab_line;
    RETURN;
  END IF;
  -- pg_cron defines cron.database_name only when the server preloaded it.
  IF current_setting('cron.database_name', true) IS NULL THEN
    RAISE NOTICE 'pg_cron is installed but not loaded; add it to shared_preload_libraries, restart '
                 'and run this script again, or schedule the refresh with cron (crontab -e):%',
      E'\n' || crontab_line;
    RETURN;
  END IF;
  IF current_setting('cron.database_name') <> current_database() THEN
    RAISE EXCEPTION 'pg_cron schedules jobs from database "%", not "%"',
                    current_setting('cron.database_name'), current_database()
      USING HINT = 'Run the restcorn scripts in that database, or set cron.database_name to this one.';
  END IF;

  CREATE EXTENSION IF NOT EXISTS pg_cron;
  PERFORM cron.schedule('refresh-mv-dictionary', schedule, command);
  RAISE NOTICE 'pg_cron job refresh-mv-dictionary: % %', schedule, command;
END
$$;
