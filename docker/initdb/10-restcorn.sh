#!/bin/sh
# Sets up restcorn in $POSTGRES_DB when the data directory is first created:
# the dictionary foreign table on the api service, its materialized view,
# logged refreshes and the pg_cron job that refreshes it.
set -e

sql_dir=${RESTCORN_SQL_DIR:-/restcorn/sql}
service_url=${RESTCORN_SERVICE_URL:-http://api:9999}

run() {
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" "$@"
}

run -v url="$service_url" -f "$sql_dir/install.sql"
run -f "$sql_dir/mv_dictionary.sql"
run -f "$sql_dir/refresh.sql"
# pg_cron schedules from cron.database_name, which docker-compose.yml sets to $POSTGRES_DB.
run -v schedule="${RESTCORN_REFRESH_SCHEDULE:-*/15 * * * *}" -f "$sql_dir/schedule.sql"
