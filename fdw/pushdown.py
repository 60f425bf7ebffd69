"""PostgreSQL's quals, sort keys, LIMIT and OFFSET -> the service's query parameters.

Pure functions, so every rule can be unit-tested without a service. The rules
follow from what PostgreSQL does with the answer:

* every WHERE qual is re-checked on the rows returned, so a pushed filter may
  be wider than the qual (never narrower): anything not evaluated exactly as
  PostgreSQL would is simply not pushed;
* a pushed sort, LIMIT or OFFSET is trusted as is, so it must be exact.

Parameters are lists of (name, value) pairs: names repeat (``id=1&id=2``).
"""
from .types import INTEGER, NUMBER, TEXT

# The operators a column's ``filters`` option may list.
OPERATORS = ("eq", "in", "lt", "le", "gt", "ge", "like", "ilike")

# Parameter names, the dictionary service's style: eq/in repeat ``{field}``
# (one value each, meaning "any of"), the others append a suffix.
PARAM_SUFFIXES = {"eq": "", "in": "", "lt": "_lt", "le": "_lte", "gt": "_gt", "ge": "_gte",
                  "like": "_like", "ilike": "_ilike"}
FIELDS = "fields"
ORDER = "order"
LIMIT = "limit"
OFFSET = "offset"

# PostgreSQL operator names (pg_operator.oprname) -> OPERATORS.
SCALAR_OPERATORS = {"=": "eq", "<": "lt", "<=": "le", ">": "gt", ">=": "ge",
                    "~~": "like", "~~*": "ilike"}
RANGE_OPERATORS = ("lt", "le", "gt", "ge")

# Collations whose order is code point order, the order the service sorts
# and compares text in (UTF-8 byte order is code point order).
CODE_POINT_COLLATIONS = ("c", "posix", "ucs_basic", "pg_c_utf8")

# Paging: a small first page, so LIMIT-like early stops and EXISTS fetch
# little, then each page GROWTH times larger up to the page_size option.
FIRST_PAGE = 100
GROWTH = 4
WHOLE_RESULT = 1000  # a result the planner's count puts at most this large: one request


def param_name(field, operator):
    """The parameter carrying ``operator`` (one of OPERATORS) for the JSON key ``field``."""
    return field + PARAM_SUFFIXES[operator]


def param_value(value):
    """A qual value as parameter text, or None for values never sent (NULL, bytes, arrays)."""
    if value is None or isinstance(value, (bytes, bytearray, list, tuple, dict)):
        return None
    return value if isinstance(value, str) else str(value)


def operator_of(qual):
    """The qual's operator as one of OPERATORS, or None for those never pushed.

    Never pushed: ``<>`` (and IS NOT NULL), NOT LIKE / NOT ILIKE, ``IS``, any
    ``ALL(...)`` form (NOT IN) and ANY with an operator other than ``=``.
    """
    if qual.is_list_operator:
        return "in" if tuple(qual.operator) == ("=", True) else None
    return SCALAR_OPERATORS.get(qual.operator)


def is_code_point_collation(name):
    return name is not None and name.lower() in CODE_POINT_COLLATIONS


def exact_order(column, collate, default_collation):
    """True when the service orders ``column`` exactly as PostgreSQL does under ``collate``.

    Numbers compare by value on both sides. Text compares by code point on the
    service, which is PostgreSQL's order only under a C-like collation;
    ``collate`` None means the database's default, which PostgreSQL does not
    tell the wrapper: the ``default_collation`` option does.
    """
    if column.kind in (INTEGER, NUMBER):
        return True
    if column.kind == TEXT:
        return is_code_point_collation(default_collation if collate is None else collate)
    return False


def equality_values(qual, operator):
    """The values an ``eq`` / ``in`` qual allows (NULLs dropped: they never compare equal)."""
    if operator == "eq":
        return [qual.value]
    # During plain EXPLAIN an array parameter arrives as the string "?".
    values = qual.value if isinstance(qual.value, (list, tuple)) else [qual.value]
    return [value for value in values if value is not None]


def filter_params(quals, columns, default_collation=""):
    """Parameters for the quals the service evaluates exactly; None when no row can match.

    ``columns`` maps column names to ColumnConfig; a qual is pushed only when
    its operator is in the column's ``filters``. Several equality / IN quals on
    one column push the intersection of their values (the service ORs repeated
    values); an empty intersection, or an empty IN list, matches nothing.
    Range quals on text are pushed only under a code point collation.
    """
    equal = {}  # column name -> (Python type of the values, {text: None} in first-seen order)
    others = []
    for qual in quals:
        column = columns.get(qual.field_name)
        operator = operator_of(qual)
        if column is None or operator not in column.filters:
            continue
        if operator in RANGE_OPERATORS and column.kind == TEXT \
                and not exact_order(column, None, default_collation):
            continue
        if operator in ("eq", "in"):
            values = equality_values(qual, operator)
            texts = [param_value(value) for value in values]
            if None in texts:
                continue
            if not texts:
                return None
            value_type = type(values[0])
            if column.name not in equal:
                equal[column.name] = (value_type, dict.fromkeys(texts))
                continue
            seen_type, current = equal[column.name]
            if seen_type is not value_type:
                # Equal values of different types may print differently (date
                # vs timestamp): intersecting texts could wrongly come out empty.
                continue
            keep = set(texts)
            current = {text: None for text in current if text in keep}
            if not current:
                return None
            equal[column.name] = (seen_type, current)
        else:
            text = param_value(qual.value)
            if text is not None:
                others.append((param_name(column.field, operator), text))
    params = []
    for name, (_, texts) in equal.items():
        column = columns[name]
        operator = "eq" if len(texts) == 1 and "eq" in column.filters else "in"
        params.extend((param_name(column.field, operator), text) for text in texts)
    return params + others


def sortable_prefix(sortkeys, columns, default_collation=""):
    """The longest prefix of ``sortkeys`` the service sorts exactly as PostgreSQL would.

    Only columns with ``sortable`` set, and only in an exact order (see
    exact_order). ``nulls_first`` is accepted as asked: the service has no
    NULL ordering parameter, so a sortable column must hold no NULLs.
    """
    prefix = []
    for key in sortkeys:
        column = columns.get(key.attname)
        if column is None or not column.sortable \
                or not exact_order(column, key.collate, default_collation):
            break
        prefix.append(key)
    return prefix


def order_params(sortkeys, columns):
    """``order=field,-field2`` for pushed sort keys (``-`` = descending); [] when none."""
    if not sortkeys:
        return []
    return [(ORDER, ",".join(("-" if key.is_reversed else "") + columns[key.attname].field
                             for key in sortkeys))]


def fields_params(names, columns):
    """``fields=`` listing the JSON keys of the columns ``names``, in table order."""
    fields = dict.fromkeys(column.field for column in columns.values() if column.name in names)
    return [(FIELDS, ",".join(fields))]


def scan_params(table, quals, names, sortkeys=None):
    """The parameters of a scan before paging; None when no row can match.

    ``table`` is a TableConfig, ``names`` the columns PostgreSQL reads. With
    the ``pushdown`` option off nothing is pushed, not even ``fields``: whole
    records, unfiltered, in the service's own order.
    """
    if not table.pushdown:
        return []
    filters = filter_params(quals, table.columns, table.default_collation)
    if filters is None:
        return None
    return filters + fields_params(names, table.columns) + order_params(sortkeys, table.columns)


def count_params(table, quals):
    """Parameters asking only for the number of matching records; None when none can match."""
    filters = filter_params(quals, table.columns, table.default_collation) if table.pushdown else []
    return None if filters is None else filters + [(LIMIT, "0")]


def page_windows(offset, limit, page_size, first_page=None):
    """(offset, count) of each page a scan may request, in order.

    Starts at ``offset`` (None = 0) and never asks past ``limit`` (None = no
    limit). The caller stops early when the service runs out of records.
    The first page is small (``first_page``, default FIRST_PAGE) so that a
    scan PostgreSQL stops early fetches little; later pages grow.
    """
    start = offset or 0
    size = min(first_page or FIRST_PAGE, page_size)
    remaining = limit
    while remaining is None or remaining > 0:
        count = size if remaining is None else min(size, remaining)
        yield start, count
        start += count
        if remaining is not None:
            remaining -= count
        size = min(size * GROWTH, page_size)


def page_params(start, count):
    """``limit`` and (when not 0) ``offset`` of one page."""
    params = [(LIMIT, str(count))]
    if start:
        params.append((OFFSET, str(start)))
    return params
