"""The benchmark: restcorn's wrappers against the 2017 article's wrapper and materialized views.

Run ``python -m bench`` (see __main__.py); the wrappers in this package are
also imported by the PostgreSQL backends of the benchmark's cluster.
"""
