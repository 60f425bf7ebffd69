-- The dictionary service as a foreign table.
--
--   psql -v url=http://HOST:PORT -f sql/install.sql
--
-- url: where the service listens. A new server gets http://127.0.0.1:9999
-- when it is not given; an existing one keeps its url unless one is given.
-- Run it as a superuser: the wrapper extensions are not trusted extensions.
-- Safe to run again: it creates only what is missing, and re-running with a
-- new url moves the table there.

\set ON_ERROR_STOP on

-- psql variables are not visible inside DO blocks; a session setting is.
\if :{?url}
  SELECT set_config('restcorn_install.url', :'url', false) AS url \gset
\else
  SELECT set_config('restcorn_install.url', '', false) AS url \gset
\endif

DO $$
DECLARE
  wrapper_extension text;
  url text := nullif(current_setting('restcorn_install.url'), '');
BEGIN
  -- The restcorn engine when the server has it (exact LIMIT pushdown,
  -- cancellation while waiting on the service, exact qual values), else real
  -- Multicorn2. One already created in this database wins, so a re-run never
  -- switches over.
  SELECT name INTO wrapper_extension
    FROM pg_available_extensions
   WHERE name IN ('multicorn', 'restcorn')
   ORDER BY installed_version IS NOT NULL DESC, name = 'restcorn' DESC
   LIMIT 1;
  IF wrapper_extension IS NULL THEN
    RAISE EXCEPTION 'neither the multicorn nor the restcorn extension is available on this server'
      USING HINT = 'Build and install the restcorn engine (make engine), or install Multicorn2 '
                || '(Debian/Ubuntu: apt-get install postgresql-15-python3-multicorn, and the fdw '
                || 'package into the Python it embeds).';
  END IF;
  -- The extension of that name provides a foreign data wrapper of the same name.
  EXECUTE format('CREATE EXTENSION IF NOT EXISTS %I', wrapper_extension);

  IF NOT EXISTS (SELECT FROM pg_foreign_server WHERE srvname = 'dictionary_srv') THEN
    EXECUTE format('CREATE SERVER dictionary_srv FOREIGN DATA WRAPPER %I OPTIONS (wrapper %L, url %L)',
                   wrapper_extension, 'fdw.DictionaryFDW', coalesce(url, 'http://127.0.0.1:9999'));
  ELSIF url IS NULL THEN
    NULL;  -- no url given: keep the server's
  ELSIF EXISTS (SELECT FROM pg_foreign_server, unnest(srvoptions) AS option
                 WHERE srvname = 'dictionary_srv' AND option LIKE 'url=%') THEN
    EXECUTE format('ALTER SERVER dictionary_srv OPTIONS (SET url %L)', url);
  ELSE
    EXECUTE format('ALTER SERVER dictionary_srv OPTIONS (ADD url %L)', url);
  END IF;
END
$$;

-- COLLATE "C": ORDER BY word is then code point order, the order the service
-- sorts in, so the wrapper can hand the sort to the service.
CREATE FOREIGN TABLE IF NOT EXISTS dictionary (
  id int,
  word varchar COLLATE "C"
) SERVER dictionary_srv;

-- Trigram indexes on the materialized views (sql/mv_dictionary.sql).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
