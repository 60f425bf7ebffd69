"""tools.load runs concurrent pushdown queries through the wrapper without a single error."""
import psycopg

from tools.load import default_queries, run_load


def test_a_short_load_has_no_errors(cluster, service):
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS load CASCADE")
        conn.execute("DROP SERVER IF EXISTS load_srv CASCADE")
        conn.execute("CREATE SCHEMA load")
        conn.execute("CREATE SERVER load_srv FOREIGN DATA WRAPPER restcorn "
                     "OPTIONS (wrapper 'fdw.DictionaryFDW', url '%s')" % service.url)
        conn.execute('CREATE FOREIGN TABLE load.dictionary (id int, word varchar COLLATE "C") '
                     "SERVER load_srv")
    result = run_load(cluster.dsn(), sessions=4, seconds=3,
                      queries=default_queries("load.dictionary"))
    assert result["errors"] == 0, result["sample_errors"]
    assert result["queries"] > 0
    assert result["p50_ms"] <= result["p99_ms"]
