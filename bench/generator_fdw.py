"""A wrapper that makes rows in pure Python, with no I/O: what is left is the engine's own cost.

Scanning it measures how fast rows cross from Python into PostgreSQL; the
same class runs under Multicorn2 when that is installed, for a like-for-like
ratio.
"""
from fdw.multicorn_compat import ForeignDataWrapper


class GeneratorFDW(ForeignDataWrapper):
    """Yields ``rows`` (an option) rows {a: i, b: "row <i>"} for a table (a int, b text)."""

    def __init__(self, options, columns):
        super(GeneratorFDW, self).__init__(options, columns)
        self.rows = int(options.get("rows", "1000000"))

    def execute(self, quals, columns, **kwargs):
        for i in range(self.rows):
            yield {"a": i, "b": "row %d" % i}
