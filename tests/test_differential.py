"""The differential test (tests/differential/): a fixed, seeded budget of generated queries.

The same rows are in a local table and behind one foreign table per service
convention (every pagination style, both filter styles, capped pages); each
generated query runs on the local table and on a foreign table in the same
session, and the results must be the same (or both an ERROR). When the
server has restcorn.multicorn2_behaviour, each foreign query runs again with
it on. A failure prints every kind of mismatch once, with its SQL, the
settings, the table's options, both results and the requests the service got.

``make fuzz`` runs the same harness unseeded, for as long as wanted.
"""
import pytest

from differential.harness import Harness, Run
from differential.tables import CONVENTIONS

SEED = 20261129
QUERIES = 2000


@pytest.fixture(scope="module")
def harness(cluster, service):
    harness = Harness(cluster.dsn(), service.url, SEED).setup()
    yield harness
    harness.close()


def test_tables_hold_the_same_rows(harness):
    """Before any generated query: a whole scan of every foreign table is the local table."""
    local = harness.conn.execute("SELECT count(*) FROM loc").fetchone()[0]
    assert local == len(harness.rng_rows)
    for convention in CONVENTIONS:
        counted = harness.conn.execute("SELECT count(*) FROM f_%s" % convention.name).fetchone()[0]
        assert counted == local, convention.name


def test_generated_queries_agree(harness):
    run = Run(harness, SEED)
    run.run(QUERIES)
    assert run.done == QUERIES
    assert not run.mismatches, run.summary()
