-- A local, indexed copy of the dictionary foreign table.
--
--   psql -f sql/mv_dictionary.sql          (after sql/install.sql)
--
-- The first run reads the whole word list from the service, so the view is
-- ready to query when the script ends (and a service that is down fails it
-- here, not later). Running it again changes nothing: new contents come from
-- refresh_materialized_view('mv_dictionary') (sql/refresh.sql).

\set ON_ERROR_STOP on

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_dictionary AS
  SELECT id, word FROM dictionary
  WITH DATA;

-- REFRESH ... CONCURRENTLY needs a unique index on plain columns.
CREATE UNIQUE INDEX IF NOT EXISTS mv_dictionary_id ON mv_dictionary (id);

-- Trigram index: LIKE / ILIKE '%part%' and regular expressions without a full scan.
CREATE INDEX IF NOT EXISTS mv_dictionary_word_trgm ON mv_dictionary USING gin (word gin_trgm_ops);

-- Statistics now, so the planner weighs the trigram index right away.
ANALYZE mv_dictionary;
