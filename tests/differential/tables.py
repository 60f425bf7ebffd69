"""The local table and one foreign table per service convention, over the same rows.

Each Convention is a path under the mock service's /tables/<name>/ (the
filter style and paging style the service speaks) and the fdw.RestFDW
options that describe it truthfully: what is declared is what the service
does. A mismatch is then the wrapper's (or the engine's) fault.
"""
from collections import namedtuple

from .data import COLUMNS, NAMES

Convention = namedtuple("Convention", ["name", "path", "options", "filters"])

ORDERED = "eq,in,lt,le,gt,ge"
# filters per column kind, for each like form a convention declares.
LIKE_FORMS = {
    "pattern": "like,ilike",
    "star": "like:star,ilike:star",
    "literal": "like:prefix,like:suffix,like:contains,ilike:prefix,ilike:suffix,ilike:contains",
    "regex": "like:regex,ilike:regex",
    "glob": "like:glob,ilike:glob",
}
# The service sorts like PostgreSQL's default (NULLs larger than any value) and compares text
# by code point: the database's default collation here is C, so default_collation 'C' is true.
# One convention (pagecap) leaves null_order unknown: its sorts on nullable columns stay local.
COMMON = {"default_collation": "C", "null_order": "larger"}


def filters(like_form, in_form=""):
    """Column name -> (filters option, sortable) for a convention."""
    in_item = "in:join" if in_form == "join" else "in"
    ordered = ORDERED.replace("in", in_item)
    text = "%s,%s" % (ordered, LIKE_FORMS[like_form])
    result = {}
    for name in NAMES:
        if name in ("j", "js"):
            result[name] = ("", False)
        elif name in ("t", "tu"):
            result[name] = (text, True)
        elif name == "b":
            result[name] = ("eq", True)
        else:
            result[name] = (ordered, True)
    return result


CONVENTIONS = [
    Convention("off", "suffix/offset", dict(COMMON), filters("pattern")),
    Convention("offcap", "prefix_op/offset-cap7",
               dict(COMMON, filter_style="prefix_op", sort_style="dot", page_size="50"),
               filters("pattern")),
    Convention("page", "suffix-join-star/page",
               dict(COMMON, pagination="page", page_size="30", in_style="join",
                    sort_style="separate", sort_param="sort", direction_param="direction"),
               filters("star", "join")),
    Convention("pagecap", "suffix/page-nototal-cap10",
               dict(default_collation="C", pagination="page", page_size="25"), filters("literal")),
    Convention("pagenolimit", "suffix/page", dict(COMMON, pagination="page", limit_param=""),
               filters("pattern")),
    Convention("cursor", "prefix_op/cursor",
               dict(COMMON, filter_style="prefix_op", pagination="cursor", page_size="16",
                    cursor_path="next_cursor", sort_style="dot", fields_param=""),
               filters("pattern")),
    Convention("next", "suffix/next_url-nototal",
               dict(COMMON, pagination="next_url", page_size="20", fields_param=""),
               filters("literal")),
    Convention("link", "prefix_op-star/link-cap15",
               dict(COMMON, filter_style="prefix_op", pagination="link", page_size="40",
                    records_path="", sort_style="dot"),
               filters("star")),
    Convention("none", "suffix/none", dict(COMMON, pagination="none"), filters("pattern")),
    # json-server: _like a regular expression ignoring case, a bare array, Link headers.
    Convention("jsonserver", "suffix-regexi/link", dict(COMMON, pagination="link", page_size="25",
                                                        records_path=""), filters("regex")),
    # PostgREST: match / imatch regular expressions.
    Convention("postgrest", "prefix_op/offset", dict(COMMON, filter_style="prefix_op",
                                                     sort_style="dot", page_size="30"),
               filters("regex")),
    Convention("glob", "suffix/page-cap20", dict(COMMON, pagination="page", page_size="20"),
               filters("glob")),
    Convention("nopush", "suffix/offset", dict(COMMON, pushdown="false"), filters("pattern")),
]
BY_NAME = {convention.name: convention for convention in CONVENTIONS}


def quote_literal(text):
    return "'%s'" % text.replace("'", "''")


def column_list(icu):
    return ", ".join("%s %s" % (name, sql % {"icu": icu}) for name, sql, _ in COLUMNS)


def local_ddl(table, icu):
    return "CREATE TABLE %s (%s, PRIMARY KEY (id))" % (table, column_list(icu))


def server_ddl(server, service_url):
    """The foreign server: where requests go is the server's option (url)."""
    return ("CREATE SERVER %s FOREIGN DATA WRAPPER restcorn OPTIONS (wrapper 'fdw.RestFDW', url %s)"
            % (server, quote_literal(service_url)))


def foreign_ddl(table, server, convention, data_name, icu):
    """CREATE FOREIGN TABLE for ``convention`` over the service's table ``data_name``."""
    columns = []
    for name, sql, _ in COLUMNS:
        spec, sortable = convention.filters[name]
        options = []
        if spec:
            options.append("filters %s" % quote_literal(spec))
        if sortable:
            options.append("sortable 'true'")
        # OPTIONS come before COLLATE in a column definition.
        kind, collate, collation = (sql % {"icu": icu}).partition(" COLLATE ")
        columns.append("%s %s%s%s" % (name, kind,
                                      " OPTIONS (%s)" % ", ".join(options) if options else "",
                                      collate + collation))
    options = dict(convention.options, path="/tables/%s/%s" % (data_name, convention.path))
    return "CREATE FOREIGN TABLE %s (%s) SERVER %s OPTIONS (%s)" % (
        table, ", ".join(columns), server,
        ", ".join("%s %s" % (key, quote_literal(value)) for key, value in sorted(options.items())))


def describe(convention, service_url, data_name):
    """The table's options as a mismatch report shows them (url is the server's)."""
    options = dict(convention.options, url=service_url,
                   path="/tables/%s/%s" % (data_name, convention.path))
    columns = ", ".join("%s(%s%s)" % (name, spec, ", sortable" if sortable else "")
                        for name, (spec, sortable) in convention.filters.items() if spec)
    return "options: %s\ncolumns: %s" % (
        ", ".join("%s '%s'" % item for item in sorted(options.items())), columns)
