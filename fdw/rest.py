"""RestFDW: the ForeignDataWrapper that PostgreSQL talks to.

Glue only: options are parsed once in __init__ (options.py), quals, sort
keys and LIMIT become parameters in pushdown.py, requests live in http.py,
paging in pagination.py, and records become rows in types.py. The table
schemas of IMPORT FOREIGN SCHEMA come from openapi.py.
"""
import time
from itertools import chain, islice, repeat

from .errors import FdwError, excerpt, report, reported, reports_errors
from .multicorn_compat import ForeignDataWrapper, host_checks_rows, multicorn2_behaviour
from .options import SERVER_OPTIONS, USER_MAPPING_OPTIONS, parse_table
from .pagination import STYLES, fetch_count, fetch_pages
from .pushdown import (FIRST_PAGE, GROWTH, count_params, scan_params, sortable_prefix,
                       table_filters, template_values)
from .types import host_checks, page_checker, row_builder
from .urls import build_url, endpoint, fill_template, redact, request_url

EMPTY_ROW = {}
UNCOUNTED_ROWS = 1000  # the planner's estimate where the service gives no count
# The estimate of a scan that lacks the equalities its requests need: so large
# that a join prefers looking the table up by them (get_path_keys).
UNSCANNABLE_ROWS = 10.0 ** 12


def shape_of(quals, placeholders=()):
    """What a row estimate may be shared by: each qual's column, operator and whether it is a list.

    Values are left out, except those that fill a path placeholder (another
    path is another collection).
    """
    return tuple(sorted((qual.field_name, str(qual.operator), isinstance(qual.value, (list, tuple)),
                         repr(qual.value) if qual.field_name in placeholders else "")
                        for qual in quals))


class RestFDW(ForeignDataWrapper):
    """A foreign table over a JSON web service; options say what the service can filter and sort.

    Subclasses for a known service set ``default_options`` and
    ``default_column_options`` (column name -> options); the user's options
    still override them.
    """

    default_options = {}
    # Where options may be set, enforced by the host (options.py says why).
    server_options = SERVER_OPTIONS
    user_mapping_options = USER_MAPPING_OPTIONS
    default_column_options = {}
    size_cache_seconds = 60

    @reports_errors
    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.table = parse_table(options, columns, self.default_options,
                                 self.default_column_options)
        self._sizes = {}  # tuple(params) -> (monotonic time, count)
        self._shapes = {}  # shape_of(quals) -> (monotonic time, count of the latest such query)

    @classmethod
    def import_schema(cls, schema, srv_options, options, restriction_type, restricts):
        """Foreign tables for the GET endpoints of the service's OpenAPI document (openapi.py)."""
        from . import openapi  # here, not at import: a query never needs it (nor YAML)

        try:
            return openapi.import_schema(dict(cls.default_options, **srv_options), options,
                                         restriction_type, restricts)
        except FdwError as error:
            report(error)

    @reports_errors
    def get_rel_size(self, quals, columns):
        """(matching rows, row width): the count comes from the service, one limit=0 request.

        A query whose quals have the shape of one counted before (the same
        columns and operators, other values: ``WHERE id = 42`` after
        ``WHERE id = 7``) is estimated at that count, without a request, so
        a lookup of a new value is one request, the data's. Neither is asked
        for a scan that needs no column and has no filter (``SELECT count(*)``,
        which the engine asks count_rows for).

        Every paging style whose answers report a count (total_header or
        total_key) and take a page size asks for it, with the
        use_remote_estimate option on; a request for one record counts as one
        row, anything else as UNCOUNTED_ROWS.
        """
        width = sum(self.table.columns[name].width for name in columns
                    if name in self.table.columns)
        target = self.target(quals)
        if target is not None and target[1]:
            return (1, width)
        if target is None:  # only a lookup by the path keys can run (get_path_keys)
            return (UNSCANNABLE_ROWS, width)
        if not self.table.counted or not self.table.use_remote_estimate:
            return (UNCOUNTED_ROWS, width)
        params = count_params(self.table, quals)
        if params is None:
            return (0, width)
        estimate = self.known_count(params)
        if estimate is None:
            estimate = self.fresh(self._shapes.get(shape_of(quals, self.table.placeholders)))
        if estimate is None and not quals and not columns and not multicorn2_behaviour() \
                and self.can_count():
            # SELECT count(*): the engine asks count_rows, the one request it needs
            return (UNCOUNTED_ROWS, width)
        return (self.count(params, target[0], quals) if estimate is None else estimate, width)

    def count(self, params, base=None, quals=()):
        """The service's count for ``params``, remembered for size_cache_seconds.

        It is remembered for the shape of ``quals`` too (shape_of): a later
        query of the same shape with other values is estimated from it,
        without a request of its own.
        """
        cached = self.known_count(params)
        if cached is None:
            cached = fetch_count(self.table, params, base)
            self._sizes[tuple(params)] = (time.monotonic(), cached)
            self._shapes[shape_of(quals, self.table.placeholders)] = (time.monotonic(), cached)
        return cached

    def fresh(self, cached):
        """The count of a (monotonic time, count) pair still within size_cache_seconds, or None."""
        if cached is None or time.monotonic() - cached[0] > self.size_cache_seconds:
            return None
        return cached[1]

    def known_count(self, params):
        """The count planning fetched for ``params``, if still fresh; None otherwise."""
        return self.fresh(self._sizes.get(tuple(params)))

    def first_page(self, quals, filters):
        """The whole result in one request when planning counted it within page_size, else
        the default (a small first page).

        ``filters``: the quals' table_filters (not None).
        """
        expected = self.known_count(count_params(self.table, quals, filters))
        return expected if expected is not None and 0 < expected <= self.table.page_size else None

    @reports_errors
    def can_count(self):
        """True when count_rows can give the number of records with one request.

        Asked by the engine for ``SELECT count(*)`` with nothing to filter
        (never under Multicorn2, which has no such call): with pushdown, a
        paging style whose answers report a count, and a path that needs no
        equality.
        """
        target = self.target([])
        return bool(self.table.pushdown and self.table.counted and target is not None
                    and not target[1])

    @reports_errors
    def count_rows(self):
        """The number of records of the whole table: the service's count, one request."""
        base, _ = self.target([])
        return fetch_count(self.table, count_params(self.table, []), base)

    def can_sort(self, sortkeys):
        """The prefix of ``sortkeys`` sent as the sort parameter; PostgreSQL trusts it as is."""
        if not self.table.pushdown or not self.table.sort.param:
            return []
        return sortable_prefix(sortkeys, self.table.columns, self.table.default_collation,
                               self.table.sort.max_keys)

    def can_limit(self, limit, offset):
        """True when the scan skips ``offset`` rows and returns at most ``limit`` itself.

        Only with pushdown, in the offset style (the one that can skip rows),
        and not under a host with Multicorn2 3.2's behaviour: it offers LIMIT
        past filters in views, subqueries and joins that this wrapper never
        sees, and the rows PostgreSQL would drop must not count. The engine
        offers LIMIT only when no filter on the scan is left to PostgreSQL;
        ``limit`` and ``offset`` are then Python ints of any size (None: none).
        """
        return (self.table.pushdown and self.table.pagination == "offset"
                and not multicorn2_behaviour())

    def target(self, quals):
        """(URL, single) the scan's requests go to; None when it needs an equality it lacks.

        The path, its {column} placeholders filled from ``=`` quals (with
        pushdown on), else collection_path; then the query_param columns'
        parameters, filled the same way (they have no fallback). single: the
        URL names one record.
        """
        table = self.table
        base, single = table.endpoint, table.single
        if table.placeholders:
            path = None
            if table.pushdown:
                path = fill_template(table.path, template_values(quals, table.placeholders,
                                                                 table.columns))
            if path is not None:
                base = build_url(endpoint(table.url, path), list(table.query))
            elif table.collection_endpoint:
                base, single = table.collection_endpoint, False
            else:
                return None
        if table.param_columns:
            values = (template_values(quals, table.param_columns, table.columns)
                      if table.pushdown else {})
            if len(values) < len(table.param_columns):
                return None
            base = build_url(base, [(table.columns[name].query_param, values[name])
                                    for name in table.param_columns])
        return base, single

    def needs_equality(self):
        table = self.table
        if table.param_columns and not table.pushdown:
            return FdwError("the table's query_param columns (%s) need pushdown 'true'"
                            % ", ".join(table.param_columns),
                            hint="Their values are sent as the service's query parameters.")
        if not table.placeholders:
            wanted = " AND ".join("%s = ..." % name for name in table.param_columns)
            return FdwError("the table %s needs WHERE %s: the service requires its parameter"
                            % (table.stats_name, wanted),
                            hint="Add the condition to the query.")
        wanted = " AND ".join("%s = ..." % name for name in table.placeholders)
        return FdwError("the path %s needs WHERE %s (with a value that can be a path segment)"
                        % (table.path, wanted),
                        hint="Add the condition to the query, or set the table's collection_path "
                             "option to the path that lists every record.")

    def get_path_keys(self):
        """[((columns...), expected rows)]: the equalities a nested loop may look this table up by.

        The path's {column} placeholders and the query_param columns, whose
        values go into the request (without them a table with no
        collection_path cannot be scanned at all): each outer row is one
        lookup. A lookup by a placeholder that names one record is one row.
        Outer keys are not batched into one IN request: the host looks the
        table up once per outer row.
        """
        table = self.table
        keys = table.placeholders + table.param_columns
        if not keys or not table.pushdown:
            return []
        return [(keys, 1 if table.single and not table.param_columns else UNCOUNTED_ROWS)]

    def param_values(self, quals):
        """Column name -> the value of the first ``=`` qual of each query_param column."""
        values = {}
        if not self.table.param_columns:
            return values
        for qual in quals:
            if qual.field_name in self.table.param_columns and qual.operator == "=" \
                    and qual.field_name not in values:
                values[qual.field_name] = qual.value
        return values

    def wanted(self, columns):
        """The columns a scan returns: every one under Multicorn2's behaviour.

        Multicorn2 leaves a whole-row reference (``SELECT t FROM t``,
        ``row_to_json(t)``) out of ``columns``: it gives none for it, as for
        ``count(*)``, or only the columns of the WHERE clause. The scan cannot
        tell, so there every column is fetched and returned.
        """
        return set(self.table.columns) if multicorn2_behaviour() else set(columns)

    def plan_scan(self, quals, columns, sortkeys, filters):
        """(params, count_only) of a scan whose quals' table_filters are ``filters`` (not None).

        count_only: PostgreSQL wants no column at all (``SELECT count(*)``
        without WHERE), so one limit=0 request for the total is enough.
        """
        if self.table.pushdown and not columns and not quals and self.table.counted:
            return count_params(self.table, [], filters), True
        return scan_params(self.table, quals, columns, sortkeys, filters), False

    @reports_errors
    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        """An iterator of rows; pages are fetched as PostgreSQL reads them."""
        # The sort keys' columns too: their values are checked (null_order none).
        columns = self.wanted(columns).union(qual.field_name for qual in quals)
        columns.update(key.attname for key in sortkeys or ())
        filters = table_filters(self.table, quals)
        if filters is None or limit == 0:  # no row can match, or none is wanted
            return iter(())
        params, count_only = self.plan_scan(quals, columns, sortkeys, filters)
        target = self.target(quals)
        if target is None:
            raise self.needs_equality()
        base, single = target
        # query_param columns are not in the records: each row gets its qual's value.
        filled = {name: value for name, value in self.param_values(quals).items()
                  if name in columns}
        columns.difference_update(self.table.param_columns)
        build = row_builder(self.table.columns, columns)
        if single:
            pages = fetch_pages(self.table, [], columns=columns, base=base, single=True)
            records = islice(chain.from_iterable(reported(pages, self.table)), offset or 0,
                             None if limit is None else (offset or 0) + limit)
        elif count_only:
            rows = max(0, fetch_count(self.table, params, base) - (offset or 0))
            return repeat(EMPTY_ROW, rows if limit is None else min(rows, limit))
        else:
            checked_rows = self.checked_rows() if build is None and not filled else None
            checks = host_checks(self.table.columns, columns, self.table.missing_fields) \
                if checked_rows else {}
            last_page = []  # (records, source) of the page being read, for misfit
            pages = fetch_pages(self.table, params, offset, limit, columns,
                                self.first_page(quals, filters), base, host_checked=checks,
                                last_page=last_page)
            records = chain.from_iterable(reported(pages, self.table))
            if checks:
                return checked_rows(records, checks, self.misfit(columns, last_page))
        rows = records if build is None else map(build, records)
        return map(lambda row: dict(row, **filled), rows) if filled else rows

    def checked_rows(self):
        """The host's CheckedRows class when it checks rows as it converts them (the engine,
        multicorn_compat.host_checks_rows), else None: the wrapper checks each page itself."""
        return host_checks_rows()

    def misfit(self, columns, last_page):
        """What the engine calls with the first row whose values fail host_checks: the ERROR
        the whole check of that row's page (``last_page``, the one being read) gives."""
        table = self.table

        def misfit(row):
            try:
                records, source = last_page
                page_checker(table.columns, columns, table.missing_fields)(records, source)
                raise FdwError("a record from %s does not fit its columns: %s"
                               % (source, excerpt(repr(row), 200)),
                               hint="The engine and the wrapper disagree on what fits; "
                                    "report this as a bug.")
            except FdwError as error:
                report(error, table)
        return misfit

    @reports_errors
    def explain(self, quals, columns, sortkeys=None, verbose=False, limit=None, offset=None):
        """The first request the scan makes; with VERBOSE also the paging and pushdown settings."""
        table = self.table
        columns = self.wanted(columns).union(qual.field_name for qual in quals)
        filters = table_filters(table, quals)
        params, count_only = (None, False) if filters is None else \
            self.plan_scan(quals, columns, sortkeys, filters)
        target = self.target(quals)
        if params is None:
            lines = ["no request: the pushed conditions match no row"]
        elif limit == 0:
            lines = ["no request: LIMIT 0"]
        elif target is None:
            lines = ["no request: " + self.needs_equality().message]
        elif target[1]:
            lines = ["GET %s (one record)" % self.shown(request_url(table, [], target[0]))]
        elif count_only:
            lines = ["GET %s (count only)" % self.shown(request_url(table, params, target[0]))]
        else:
            first = STYLES[table.pagination](table, target[0], params, offset, limit,
                                             self.first_page(quals, filters)).first()
            lines = ["GET %s" % self.shown(first.url)]
        if verbose:
            lines.append("pushdown: %s" % ("on" if table.pushdown
                                           else "off (no filters, sort or limit sent)"))
            if table.pagination == "offset":
                lines.append("pages: %d records first, then page_size %d (under a pushed LIMIT "
                             "%dx larger each, up to page_size)"
                             % (min(FIRST_PAGE, table.page_size), table.page_size, GROWTH))
            else:
                lines.append("pages: %s pagination, page_size %d"
                             % (table.pagination, table.page_size))
        return lines

    def shown(self, url):
        return redact(url, self.table.credentials.secret_params)
