"""What is measured: the queries, the tables they run against, and the refreshes.

Every query runs against every target, so each cell of the table has a
number and a ratio to the article's wrapper from the same run; the peers
(PL/Python + requests) and the floor (run.py) are measured in the same
rounds.
"""
from collections import namedtuple

# The databases of environment.py: the foreign tables and views live in the
# first; the PL/Python peers in their own (bench/peers.py says why).
MAIN_DB = "postgres"
PLPYTHON_DB = "bench_plpython"

# name -> Target. The first is the baseline every ratio divides by. ``table``
# goes into a case's SQL; the hand-pushed peer has a statement of its own per
# case (HAND_PUSHED).
Target = namedtuple("Target", ["table", "label", "dbname"])
TARGETS = {
    "article": Target("article_dictionary", "article's wrapper", MAIN_DB),
    "restcorn": Target("dictionary", "fdw.DictionaryFDW", MAIN_DB),
    "mv": Target("mv_dictionary", "MV, no index", MAIN_DB),
    "mv_gin": Target("mv_dictionary_gin", "MV + GIN trigram", MAIN_DB),
    "mv_gist": Target("mv_dictionary_gist", "MV + GiST trigram", MAIN_DB),
    "plpython": Target("words_all()", "PL/Python + requests, unfiltered", PLPYTHON_DB),
    "plpython_pushed": Target(None, "PL/Python + requests, hand-pushed", PLPYTHON_DB),
}
BASELINE = "article"
FOREIGN_TARGETS = ("article", "restcorn")  # the ones whose HTTP traffic is counted
# What users pick instead of a foreign data wrapper (bench/peers.py), reported
# against the floor: a SELECT 1 round trip plus one bare HTTP GET.
PEERS = ("plpython", "plpython_pushed")
HTTP_TARGETS = FOREIGN_TARGETS + PEERS  # every target that asks the service

# ordered: the row order is part of the answer (ORDER BY, or LIMIT/OFFSET in the
# service's id order); otherwise rows are compared as a multiset. fresh: the
# SQL holds {value}, an id no earlier run of the benchmark has asked for.
Case = namedtuple("Case", ["name", "title", "sql", "ordered", "fresh"], defaults=(False,))

IN_IDS = (7, 42, 99, 512, 1000, 1999, 2048, 4096, 5000, 9001,
          12345, 20000, 31337, 42000, 50000, 65536, 77777, 88888, 99999, 104000)

CASES = [
    Case("limit_offset", "LIMIT 5 OFFSET 9000",
         "SELECT * FROM {table} LIMIT 5 OFFSET 9000", True),
    Case("like_contains", "WHERE word LIKE '%house%'",
         "SELECT * FROM {table} WHERE word LIKE '%house%'", False),
    Case("like_prefix", "WHERE word LIKE 'house%'",
         "SELECT * FROM {table} WHERE word LIKE 'house%'", False),
    Case("ilike_contains", "WHERE word ILIKE '%HOUSE%'",
         "SELECT * FROM {table} WHERE word ILIKE '%HOUSE%'", False),
    Case("id_eq", "WHERE id = 42",
         "SELECT * FROM {table} WHERE id = 42", False),
    Case("id_new", "WHERE id = <value never seen before>",
         "SELECT * FROM {table} WHERE id = {value}", False, fresh=True),
    Case("id_between", "WHERE id BETWEEN 1000 AND 2000",
         "SELECT * FROM {table} WHERE id BETWEEN 1000 AND 2000", False),
    Case("id_in", "WHERE id IN (20 ids)",
         "SELECT * FROM {table} WHERE id IN (%s)" % ", ".join(map(str, IN_IDS)), False),
    Case("order_desc_limit", "ORDER BY word DESC LIMIT 10",
         "SELECT * FROM {table} ORDER BY word DESC LIMIT 10", True),
    Case("count", "count(*)",
         "SELECT count(*) FROM {table}", True),
]
CASES_BY_NAME = {case.name: case for case in CASES}

# The hand-pushed peer: each case as a user who knows the service's API writes
# it, the request's parameters typed by hand (bench/peers.py has the functions).
HAND_PUSHED = {
    "limit_offset": "SELECT * FROM words_get('limit=5&offset=9000')",
    "like_contains": "SELECT * FROM words_get('word_like=%25house%25&limit=10000')",
    "like_prefix": "SELECT * FROM words_get('word_like=house%25&limit=10000')",
    "ilike_contains": "SELECT * FROM words_get('word_ilike=%25HOUSE%25&limit=10000')",
    "id_eq": "SELECT * FROM words_get('id=42')",
    "id_new": "SELECT * FROM words_get('id={value}')",
    "id_between": "SELECT * FROM words_get('id_gte=1000&id_lte=2000&limit=10000')",
    "id_in": "SELECT * FROM words_get('%s')" % "&".join("id=%d" % i for i in IN_IDS),
    "order_desc_limit": "SELECT * FROM words_get('order=-word&limit=10')",
    "count": "SELECT words_total('limit=0') AS count",
}


def target_sql(case, target, value=None):
    """The statement ``target`` runs for ``case``; ``value`` fills a fresh case's {value}."""
    template = HAND_PUSHED[case.name] if target == "plpython_pushed" else case.sql
    return template.format(table=TARGETS[target].table, value=value)

# Refreshes of the views of environment.py: plain over both sources (for the
# ratio), CONCURRENTLY over ours where the view has the unique index it needs.
Refresh = namedtuple("Refresh", ["name", "view", "source", "index", "concurrently"])

REFRESH_INDEXES = {"none": "no index", "gin": "GIN trigram", "gist": "GiST trigram"}
REFRESHES = [
    Refresh("article_none", "mv_article_dictionary", "article", "none", False),
    Refresh("restcorn_none", "mv_dictionary", "restcorn", "none", False),
    Refresh("article_gin", "mv_article_dictionary_gin", "article", "gin", False),
    Refresh("restcorn_gin", "mv_dictionary_gin", "restcorn", "gin", False),
    Refresh("restcorn_gin_concurrently", "mv_dictionary_gin", "restcorn", "gin", True),
    Refresh("article_gist", "mv_article_dictionary_gist", "article", "gist", False),
    Refresh("restcorn_gist", "mv_dictionary_gist", "restcorn", "gist", False),
    Refresh("restcorn_gist_concurrently", "mv_dictionary_gist", "restcorn", "gist", True),
]
REFRESHES_BY_NAME = {refresh.name: refresh for refresh in REFRESHES}


def refresh_sql(refresh):
    return "REFRESH MATERIALIZED VIEW %s%s" % ("CONCURRENTLY " if refresh.concurrently else "",
                                              refresh.view)


# Scale and engine queries ({table} is the synthetic / generator table).
SCAN_SQL = "SELECT count(word), sum(id) FROM {table}"
COUNT_SQL = "SELECT count(*) FROM {table}"
FIRST_ROWS_SQL = "SELECT * FROM {table} LIMIT 10"
GENERATOR_SQL = "SELECT sum(a), sum(length(b)) FROM {table}"
# A foreign scan with no I/O: what PostgreSQL and the engine cost on their own.
NO_IO_SQL = "SELECT * FROM generator LIMIT 1"
