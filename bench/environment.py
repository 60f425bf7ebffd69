"""Everything the benchmark queries, in one cluster and one service, so every ratio is same-run.

Starts the mock service and a throwaway PostgreSQL 15 whose backends import
``bench.*`` and ``fdw.*`` from the repository (PYTHONPATH) and their
packages from the venv (restcorn.venv), then creates side by side:

* ``article_dictionary``: the article's wrapper (bench/article_fdw.py);
* ``dictionary``: the project's fdw.DictionaryFDW, word in the "C" collation
  so ORDER BY word is pushed down;
* materialized views ``SELECT * FROM`` each of those two, three ways: no
  index, a GIN trigram index, a GiST trigram index (the indexed ones also
  have the unique index on id that REFRESH ... CONCURRENTLY needs);
* ``synthetic_<rows>``: fdw.RestFDW over the service's generated resource;
* ``generator``: bench/generator_fdw.py, and the same table under Multicorn2
  in its own database when that extension is available;
* ``probe``: bench/probe_fdw.py, HTTP round trips timed inside a backend;
* in the database ``bench_plpython``, the PL/Python peers (bench/peers.py).
"""
import os

import psycopg
import requests

from tools.pgcluster import REPO, Cluster
from tools.service import Service

from . import peers as peer_functions

VENV = os.path.join(REPO, ".venv")

# MV index variants: name suffix -> index statement ({mv} is the view's name).
INDEXES = {
    "": None,
    "_gin": "CREATE INDEX ON {mv} USING GIN (word gin_trgm_ops)",
    "_gist": "CREATE INDEX ON {mv} USING GIST (word gist_trgm_ops)",
}
MULTICORN_DB = "bench_multicorn"


def connect(dsn):
    """A connection as the benchmark uses it: autocommit, and never a server-side prepared plan.

    psycopg prepares a statement after a few runs; a prepared plan would skip
    planning (and the wrapper's get_rel_size) in later runs only.
    """
    return psycopg.connect(dsn, autocommit=True, prepare_threshold=None)


class Environment:
    """Start with ``start()`` (or ``with``); ``stop()`` ends the cluster and the service."""

    def __init__(self, synthetic_sizes=(), generator_rows=1000000, views=True, peers=True):
        self.synthetic_sizes = list(synthetic_sizes)
        self.generator_rows = generator_rows
        self.views = views
        self.peers = peers
        self.service = Service()
        self.cluster = Cluster(
            settings={
                "restcorn.venv": "'%s'" % VENV,
                # the project's wrappers and the benchmark's own
                "restcorn.wrappers": "'fdw.RestFDW, fdw.DictionaryFDW, fdw.StatsFDW, "
                                     "bench.article_fdw.DictionaryFDW, bench.probe_fdw.ProbeFDW, "
                                     "bench.generator_fdw.GeneratorFDW'",
                # Python and the wrappers started once at server start and
                # inherited by every backend, as the README advises for
                # applications that connect per request.
                "shared_preload_libraries": "'restcorn'",
                "restcorn.preload": "on",
                # The article's wrapper reports a huge row estimate; JIT compiling
                # its plans would add time that is not the wrapper's.
                "jit": "off",
            },
            env={"PYTHONPATH": REPO})
        self.multicorn = False

    def start(self):
        self.service.start()
        try:
            self.cluster.start()
            with connect(self.dsn()) as conn:
                self.create(conn)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        self.cluster.stop()
        self.service.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def dsn(self, dbname="postgres"):
        return self.cluster.dsn(dbname)

    def connect(self, dbname="postgres"):
        return connect(self.dsn(dbname))

    # The service's request log

    def clear_log(self):
        requests.delete(self.service.url + "/_log").raise_for_status()

    def log(self):
        response = requests.get(self.service.url + "/_log")
        response.raise_for_status()
        return response.json()["requests"]

    # What is created

    def create(self, conn):
        url = self.service.url
        run = conn.execute
        run("CREATE EXTENSION restcorn")
        run("CREATE EXTENSION pg_trgm")
        run("CREATE SERVER article_srv FOREIGN DATA WRAPPER restcorn "
            "OPTIONS (wrapper 'bench.article_fdw.DictionaryFDW', url %s)" % literal(url + "/"))
        run("CREATE FOREIGN TABLE article_dictionary (id int, word varchar) SERVER article_srv")
        run("CREATE SERVER restcorn_srv FOREIGN DATA WRAPPER restcorn "
            "OPTIONS (wrapper 'fdw.DictionaryFDW', url %s)" % literal(url))
        run('CREATE FOREIGN TABLE dictionary (id int, word varchar COLLATE "C") SERVER restcorn_srv')
        if self.views:
            for source in ("article_dictionary", "dictionary"):
                for suffix in INDEXES:
                    self.create_view(conn, source, "mv_" + source + suffix, INDEXES[suffix])
            # Leave no work behind for autovacuum and the checkpointer to do during the timings.
            run("VACUUM ANALYZE")
            run("CHECKPOINT")

        run("CREATE SERVER synthetic_srv FOREIGN DATA WRAPPER restcorn "
            "OPTIONS (wrapper 'fdw.RestFDW', url %s)" % literal(url))
        for rows in self.synthetic_sizes:
            run("CREATE FOREIGN TABLE %s (id int, word text) SERVER synthetic_srv "
                "OPTIONS (path '/synthetic/%d', page_size '10000')" % (synthetic_table(rows), rows))

        self.create_generator(conn, "restcorn")
        run("CREATE SERVER probe_srv FOREIGN DATA WRAPPER restcorn "
            "OPTIONS (wrapper 'bench.probe_fdw.ProbeFDW')")
        run("CREATE FOREIGN TABLE probe (url text, client text, median_ms float8, min_ms float8) "
            "SERVER probe_srv OPTIONS (runs '30')")
        if self.peers:
            peer_functions.create(self, conn)
        self.multicorn = bool(conn.execute(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'multicorn'").fetchone()[0])
        if self.multicorn:
            run("CREATE DATABASE %s" % MULTICORN_DB)
            with self.connect(MULTICORN_DB) as other:
                other.execute("CREATE EXTENSION multicorn")
                self.create_generator(other, "multicorn")

    @staticmethod
    def create_view(conn, source, name, index):
        conn.execute("CREATE MATERIALIZED VIEW %s AS SELECT * FROM %s" % (name, source))
        if index:
            conn.execute("CREATE UNIQUE INDEX ON %s (id)" % name)
            conn.execute(index.format(mv=name))

    def create_generator(self, conn, fdw):
        conn.execute("CREATE SERVER generator_srv FOREIGN DATA WRAPPER %s "
                     "OPTIONS (wrapper 'bench.generator_fdw.GeneratorFDW')" % fdw)
        conn.execute("CREATE FOREIGN TABLE generator (a int, b text) SERVER generator_srv "
                     "OPTIONS (rows '%d')" % self.generator_rows)


def synthetic_table(rows):
    return "synthetic_%d" % rows


def literal(text):
    return "'%s'" % text.replace("'", "''")
