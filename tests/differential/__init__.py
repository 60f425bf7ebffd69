"""The differential test: the same rows in a local table and behind foreign tables, queries compared.

data.py makes the rows, tables.py the tables (one per service convention),
queries.py the queries, harness.py runs and compares them. tests/
test_differential.py runs a fixed, seeded budget; ``python -m
tests.differential`` (``make fuzz``) runs unseeded until stopped.
"""
