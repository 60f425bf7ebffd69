"""RestFDW: the ForeignDataWrapper that PostgreSQL talks to.

Glue only: options are parsed once in __init__ (options.py), quals, sort
keys and LIMIT become parameters in pushdown.py, requests and paging live in
http.py, and records become rows in types.py.
"""
import time
from itertools import chain, repeat

from . import http
from .errors import reported, reports_errors
from .multicorn_compat import ForeignDataWrapper
from .options import parse_table
from .pushdown import (FIRST_PAGE, GROWTH, WHOLE_RESULT, count_params, page_params,
                       page_windows, scan_params, sortable_prefix)
from .types import row_builder
from .urls import build_url, redact

EMPTY_ROW = {}


class RestFDW(ForeignDataWrapper):
    """A foreign table over a JSON web service; options say what the service can filter and sort.

    Subclasses for a known service set ``default_options`` and
    ``default_column_options`` (column name -> options); the user's options
    still override them.
    """

    default_options = {}
    default_column_options = {}
    size_cache_seconds = 60

    @reports_errors
    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.table = parse_table(options, columns, self.default_options,
                                 self.default_column_options)
        self._sizes = {}  # tuple(params) -> (monotonic time, count)

    @reports_errors
    def get_rel_size(self, quals, columns):
        """(matching rows, row width): the count comes from the service, one limit=0 request."""
        width = sum(self.table.columns[name].width for name in columns
                    if name in self.table.columns)
        params = count_params(self.table, quals)
        return (0 if params is None else self.count(params), width)

    def count(self, params):
        """The service's count for ``params``, remembered for size_cache_seconds."""
        cached = self.known_count(params)
        if cached is None:
            cached = http.fetch_total(self.table, params)
            self._sizes[tuple(params)] = (time.monotonic(), cached)
        return cached

    def known_count(self, params):
        """The count planning fetched for ``params``, if still fresh; None otherwise."""
        cached = self._sizes.get(tuple(params))
        if cached is None or time.monotonic() - cached[0] > self.size_cache_seconds:
            return None
        return cached[1]

    def first_page(self, quals):
        """The whole result in one request when planning counted it small, else the default."""
        params = count_params(self.table, quals)
        expected = None if params is None else self.known_count(params)
        return expected if expected is not None and 0 < expected <= WHOLE_RESULT else None

    def can_sort(self, sortkeys):
        """The prefix of ``sortkeys`` sent as ``order``; PostgreSQL trusts it, never re-sorts."""
        if not self.table.pushdown:
            return []
        return sortable_prefix(sortkeys, self.table.columns, self.table.default_collation)

    def can_limit(self, limit, offset):
        """Always with pushdown: asked only without WHERE, and paging honours any limit/offset."""
        return self.table.pushdown

    def plan_scan(self, quals, columns, sortkeys):
        """(params, count_only) of a scan; params is None when no row can match.

        count_only: PostgreSQL wants no column at all (``SELECT count(*)``
        without WHERE), so one limit=0 request for the total is enough.
        """
        if self.table.pushdown and not columns and not quals:
            return count_params(self.table, []), True
        return scan_params(self.table, quals, columns, sortkeys), False

    @reports_errors
    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        """An iterator of rows; pages are fetched as PostgreSQL reads them."""
        columns = set(columns).union(qual.field_name for qual in quals)
        params, count_only = self.plan_scan(quals, columns, sortkeys)
        if params is None or limit == 0:
            return iter(())
        if count_only:
            rows = max(0, http.fetch_total(self.table, params) - (offset or 0))
            return repeat(EMPTY_ROW, rows if limit is None else min(rows, limit))
        pages = http.fetch_pages(self.table, params, offset, limit, columns,
                                 self.first_page(quals))
        records = chain.from_iterable(reported(pages))
        build = row_builder(self.table.columns, columns)
        return records if build is None else map(build, records)

    @reports_errors
    def explain(self, quals, columns, sortkeys=None, verbose=False, limit=None, offset=None):
        """The first request the scan makes; with VERBOSE also the paging and pushdown settings."""
        columns = set(columns).union(qual.field_name for qual in quals)
        params, count_only = self.plan_scan(quals, columns, sortkeys)
        first_page = next(page_windows(offset, limit, self.table.page_size,
                                       self.first_page(quals)), None)
        if params is None:
            lines = ["no request: the pushed conditions match no row"]
        elif first_page is None:
            lines = ["no request: LIMIT 0"]
        elif count_only:
            lines = ["GET %s (count only)" % redact(build_url(self.table.endpoint, params))]
        else:
            lines = ["GET %s" % redact(build_url(self.table.endpoint,
                                                 params + page_params(*first_page)))]
        if verbose:
            lines.append("pushdown: %s" % ("on" if self.table.pushdown
                                           else "off (no filters, sort or limit sent)"))
            lines.append("pages: %d records first, then %dx larger up to page_size %d"
                         % (min(FIRST_PAGE, self.table.page_size), GROWTH, self.table.page_size))
        return lines
