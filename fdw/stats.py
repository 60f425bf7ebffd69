"""Per-table counts of requests, records, bytes, cache hits and errors, since the backend started.

Module state, so the counts are those of one backend (one session): the
``StatsFDW`` wrapper shows them to SQL in that same session. A table is
counted under its ``table_name`` option, else its endpoint URL (secrets
masked).
"""
from .multicorn_compat import ForeignDataWrapper


class Counters:
    """One table's counts; ``vars()`` of it is the row StatsFDW shows (without table_name)."""

    NAMES = ("requests", "rows", "bytes", "cache_hits", "errors")

    def __init__(self):
        self.requests = 0    # HTTP requests sent (retries and revalidations included)
        self.rows = 0        # records received
        self.bytes = 0       # answer bytes received
        self.cache_hits = 0  # answers served from the cache (fresh, or confirmed by a 304)
        self.errors = 0      # ERRORs raised for the table


_counters = {}  # table name -> Counters


def counters(name):
    """The Counters of the table ``name``, created at zero on first use."""
    found = _counters.get(name)
    if found is None:
        found = _counters[name] = Counters()
    return found


def snapshot():
    """(table name, Counters as a dict) of every table counted so far, by name."""
    return [(name, vars(found).copy()) for name, found in sorted(_counters.items())]


def reset():
    _counters.clear()


class StatsFDW(ForeignDataWrapper):
    """Rows (table_name, requests, rows, bytes, cache_hits, errors) of this backend's counts.

        CREATE SERVER stats_srv FOREIGN DATA WRAPPER restcorn OPTIONS (wrapper 'fdw.StatsFDW');
        CREATE FOREIGN TABLE restcorn_stats (table_name text, requests bigint, rows bigint,
            bytes bigint, cache_hits bigint, errors bigint) SERVER stats_srv;
    """

    def __init__(self, options, columns):
        super().__init__(options, columns)

    def get_rel_size(self, quals, columns):
        return (max(len(_counters), 1), 8 * len(Counters.NAMES) + 32)

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        return [dict(counts, table_name=name) for name, counts in snapshot()]
