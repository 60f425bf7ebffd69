"""What is measured: the queries, the tables they run against, and the refreshes.

Every query runs against every target, so each cell of the table has a
number and a ratio to the article's wrapper from the same run.
"""
from collections import namedtuple

# name -> (table, label). The first is the baseline every ratio divides by.
TARGETS = {
    "article": ("article_dictionary", "article's wrapper"),
    "restcorn": ("dictionary", "fdw.DictionaryFDW"),
    "mv": ("mv_dictionary", "MV, no index"),
    "mv_gin": ("mv_dictionary_gin", "MV + GIN trigram"),
    "mv_gist": ("mv_dictionary_gist", "MV + GiST trigram"),
}
BASELINE = "article"
FOREIGN_TARGETS = ("article", "restcorn")  # the ones whose HTTP traffic is counted

# ordered: the row order is part of the answer (ORDER BY, or LIMIT/OFFSET in the
# service's id order); otherwise rows are compared as a multiset.
Case = namedtuple("Case", ["name", "title", "sql", "ordered"])

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
FIRST_ROWS_SQL = "SELECT * FROM {table} LIMIT 10"
GENERATOR_SQL = "SELECT sum(a), sum(length(b)) FROM {table}"
# A foreign scan with no I/O: what PostgreSQL and the engine cost on their own.
NO_IO_SQL = "SELECT * FROM generator LIMIT 1"
