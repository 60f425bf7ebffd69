"""PostgreSQL's quals, sort keys, LIMIT and OFFSET -> the service's query parameters.

Pure functions, so every rule can be unit-tested without a service. The rules
follow from what PostgreSQL does with the answer:

* every WHERE qual is re-checked on the rows returned, so a pushed filter may
  be wider than the qual (never narrower): anything not evaluated exactly as
  PostgreSQL would is simply not pushed;
* a pushed sort, LIMIT or OFFSET is trusted as is, so it must be exact.

Parameters are lists of (name, value) pairs: names repeat (``id=1&id=2``).

How an operator becomes a parameter is the column's Param, made once from the
options by column_params: a filter style names the parameters, the
``op_names`` option and a column's own ``op=name`` override the names.
"""
from collections import namedtuple

from . import like, values
from .multicorn_compat import multicorn2_behaviour
from .records import WHOLE_RECORD, keys_of
from .types import INTEGER, NUMBER, TEXT
from .urls import build_url

# The operators a column's ``filters`` option may list.
OPERATORS = ("eq", "in", "lt", "le", "gt", "ge", "like", "ilike")

# The forms an operator may take (``in:join``, ``like:prefix``), the first being the default.
# like and ilike: the SQL pattern as is; a regular expression; a glob; a pattern with *
# for any run; a literal test.
LIKE_FORMS = ("pattern", "regex", "glob", "star", "prefix", "suffix", "contains")
IN_FORMS = ("repeat", "join")
FORMS = {"in": IN_FORMS, "like": LIKE_FORMS, "ilike": LIKE_FORMS}

# Filter styles: the word each operator (and like form) adds to the field.
# suffix: ``{field}{word}={value}``, eq and in repeat ``{field}``, as the dictionary service.
# prefix_op: ``{field}={word}.{value}``, IN as ``{field}=in.(a,b)``, as PostgREST.
STYLE_WORDS = {
    "suffix": {
        "eq": "", "in": "", "lt": "_lt", "le": "_lte", "gt": "_gt", "ge": "_gte",
        "like:pattern": "_like", "like:regex": "_like", "like:glob": "_glob",
        "like:star": "_like", "like:prefix": "_startswith",
        "like:suffix": "_endswith", "like:contains": "_contains",
        "ilike:pattern": "_ilike", "ilike:regex": "_ilike", "ilike:glob": "_iglob",
        "ilike:star": "_ilike", "ilike:prefix": "_istartswith",
        "ilike:suffix": "_iendswith", "ilike:contains": "_icontains",
    },
    "prefix_op": {
        "eq": "eq", "in": "in", "lt": "lt", "le": "lte", "gt": "gt", "ge": "gte",
        "like:pattern": "like", "like:regex": "match", "like:star": "like",
        "ilike:pattern": "ilike", "ilike:regex": "imatch", "ilike:star": "ilike",
    },
}
FILTER_STYLES = tuple(STYLE_WORDS)

# Sort styles: how ``ORDER BY a, b DESC`` is written.
#   dash      order=a,-b
#   dot       order=a.asc,b.desc
#   separate  _sort=a,b&_order=asc,desc  (the second parameter is direction_param)
#   direction _sort=a or _sort_desc=a: one column, the parameter says the direction
#             (sort_param ascending, direction_param descending), as Datasette
SORT_STYLES = ("dash", "dot", "separate", "direction")

# Where a service puts NULLs when it sorts (the null_order option), in
# PostgreSQL's terms: as if larger than any value (PostgreSQL's default: last
# ascending, first descending), as if smaller, always first, always last,
# nowhere (the service sends no NULLs for the column: one would be an ERROR),
# or not known (then no sort on the column is pushed).
NULL_ORDERS = ("larger", "smaller", "first", "last", "none", "unknown")

FIELDS = "fields"
ORDER = "order"
LIMIT = "limit"
OFFSET = "offset"

FilterStyle = namedtuple("FilterStyle", ["style", "words", "in_style", "separator", "repeat"])
SortStyle = namedtuple("SortStyle", ["style", "param", "direction_param", "max_keys"])
DEFAULT_SORT = SortStyle("dash", ORDER, "", None)


class Param(namedtuple("Param", [
        "name",       # the query parameter
        "operator",   # prefix_op: written before the value and a dot, as in ``gte.5``
        "form",       # for in and like / ilike: one of FORMS
        "separator",  # in:join: between the values
        "repeat",     # the service takes the parameter more than once (all must hold)
        ], defaults=("", "", ",", True))):
    """How one operator of one column is sent."""

    __slots__ = ()


# PostgreSQL operator names (pg_operator.oprname) -> OPERATORS.
SCALAR_OPERATORS = {"=": "eq", "<": "lt", "<=": "le", ">": "gt", ">=": "ge",
                    "~~": "like", "~~*": "ilike"}
RANGE_OPERATORS = ("lt", "le", "gt", "ge")

# Collations whose order is code point order, the order the service sorts
# and compares text in (UTF-8 byte order is code point order).
CODE_POINT_COLLATIONS = ("c", "posix", "ucs_basic", "pg_c_utf8")
# Collations under which PostgreSQL's lower(), and so ILIKE, folds only the
# ASCII letters A-Z (others, even C.utf8 and pg_c_utf8, fold by Unicode rules).
ASCII_FOLDING_COLLATIONS = ("c", "posix")

# Paging: a small first page, so LIMIT-like early stops and EXISTS fetch
# little, then each page GROWTH times larger up to the page_size option.
FIRST_PAGE = 100
GROWTH = 4


def param_key(operator, form=""):
    """The key of a column's params: the operator, with its form for like and ilike."""
    if operator in ("like", "ilike"):
        return "%s:%s" % (operator, form or "pattern")
    return operator


def column_params(field, items, style):
    """Operator key -> Param for one column's ``filters`` items, (operator, form, name or None).

    ValueError, saying what to set, when the style has no name for an item.
    """
    params = {}
    for operator, form, name in items:
        key = param_key(operator, form)
        word = style.words.get(key)
        if style.style == "prefix_op":
            if word is None:
                raise ValueError("has %s, which filter_style prefix_op has no operator for; "
                                 "name one in the op_names option (%s=word)" % (key, key))
            if operator == "in" and form == "join":
                raise ValueError("has in:join, which needs filter_style suffix")
            form = "list" if operator == "in" else form
        elif name is None and word is None:
            raise ValueError("has %s without a parameter name; write %s=name" % (key, key))
        if name is None:
            name = field if style.style == "prefix_op" else field + word
        if operator == "in":
            form = form or style.in_style
        elif operator in ("like", "ilike"):
            form = form or "pattern"
        params[key] = Param(name, word if style.style == "prefix_op" else "", form,
                            style.separator, style.repeat)
    return params


def encode(param, text):
    """The (name, value) pair sending one value for ``param``."""
    return param.name, (param.operator + "." + text if param.operator else text)


def in_pairs(param, texts):
    """The pairs sending "one of ``texts``"; None when they cannot be sent exactly.

    repeat: one pair per value (the service ORs them); join: one value with
    the separator between, impossible when a value holds it; list: the
    PostgREST form ``in.(a,"b,c")``, quoting values that need it.
    """
    if param.form == "join":
        if any(param.separator in text for text in texts):
            return None
        return [(param.name, param.separator.join(texts))]
    if param.form == "list":
        return [(param.name, "%s.(%s)" % (param.operator, ",".join(map(list_item, texts))))]
    return [(param.name, text) for text in texts]


def reads_as_one_value(column, text):
    """False when an equality's value would read as a list: the service takes IN
    joined by a separator under the same parameter name, and the value holds it."""
    eq, in_param = column.params["eq"], column.params.get("in")
    return not (in_param is not None and in_param.form == "join" and in_param.name == eq.name
                and in_param.separator in text)


def list_item(text):
    """One value of a PostgREST ``in.(...)`` list, double-quoted when it needs to be."""
    if text and text.strip() == text and not any(c in text for c in ',()"\\'):
        return text
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def column_value(column, value):
    """A qual value as the text of an equality on ``column``; None when not sent (values.py)."""
    return values.equality_text(column, value)


def operator_of(qual):
    """The qual's operator as one of OPERATORS, or None for those never pushed.

    Never pushed: ``<>`` (and IS NOT NULL), NOT LIKE / NOT ILIKE, ``IS``, any
    ``ALL(...)`` form (NOT IN) and ANY with an operator other than ``=``.
    """
    operator = qual.operator
    if isinstance(operator, tuple):  # qual.is_list_operator
        return "in" if operator == ("=", True) else None
    return SCALAR_OPERATORS.get(operator)


UNKNOWN = object()  # a qual without a collation attribute (Multicorn2 gives none)


def is_code_point_collation(name):
    return name is not None and name.lower() in CODE_POINT_COLLATIONS


def effective_collation(column, name, default_collation):
    """The collation a comparison or sort on ``column`` uses, by name ('' when not known).

    ``name`` is the qual's ``collation`` attribute (UNKNOWN when the host gives
    none, as Multicorn2) or a SortKey's ``collate`` (None: the database's
    default under the engine; under Multicorn2 also a column's own COLLATE).
    Where the host does not say, the column's ``collation`` option does ('':
    not declared, so not known). ``default`` means the database's default
    collation, which PostgreSQL does not tell the wrapper: the
    ``default_collation`` option does.
    """
    if name is UNKNOWN or (name is None and multicorn2_behaviour()):
        name = column.collation
    elif name is None:
        name = "default"
    return default_collation if name == "default" else name


def nulls_placed_as_asked(null_order, key):
    """True when a service placing NULLs as ``null_order`` puts them where SortKey ``key`` asks."""
    if null_order == "larger":
        return key.nulls_first == key.is_reversed
    if null_order == "smaller":
        return key.nulls_first != key.is_reversed
    if null_order == "first":
        return key.nulls_first
    if null_order == "last":
        return not key.nulls_first
    return null_order == "none"


def exact_order(column, collate, default_collation):
    """True when the service orders ``column`` exactly as PostgreSQL does under ``collate``.

    Numbers compare by value on both sides. Text compares by code point on the
    service, which is PostgreSQL's order only under a C-like collation
    (effective_collation says which one applies).
    """
    if column.kind in (INTEGER, NUMBER):
        return True
    if column.kind == TEXT and column.type_name in values.STRING_TYPES:
        return is_code_point_collation(effective_collation(column, collate, default_collation))
    return False


def exact_ilike(column, qual, default_collation):
    """True when an ILIKE on ``column`` may be sent to a service that declares ilike.

    PostgreSQL's ILIKE compares lower(value) with lower(pattern), and lower()
    depends on the collation: only under C and POSIX does it fold exactly the
    ASCII letters. A service listing ilike folds case as a superset of that
    (each character to at most one other), so its match is exact or wider
    there, and under any other or unknown collation the qual is not sent.
    """
    name = effective_collation(column, getattr(qual, "collation", UNKNOWN), default_collation)
    return name is not None and name.lower() in ASCII_FOLDING_COLLATIONS


def exact_equality(column, qual):
    """True when ``=``, IN and LIKE on ``column`` mean on the service what they mean here.

    Text equality differs only under a nondeterministic collation, which
    the wrapper cannot recognise by name, so a qual is pushed only under the
    database default (never nondeterministic) or a code point collation.
    Under Multicorn2 the qual's collation is unknown: the column's
    ``collation`` option stands for it, and a column declaring none is
    taken to have the default.
    """
    if column.kind != TEXT:
        return True
    name = getattr(qual, "collation", UNKNOWN)
    if name is UNKNOWN:
        name = column.collation or "default"
    return name is None or name == "default" or is_code_point_collation(name)


def equality_values(qual, operator):
    """The values an ``eq`` / ``in`` qual allows (NULLs dropped: they never compare equal)."""
    if operator == "eq":
        return [qual.value]
    # During plain EXPLAIN an array parameter arrives as the string "?".
    values = qual.value if isinstance(qual.value, (list, tuple)) else [qual.value]
    return [value for value in values if value is not None]


def filter_params(quals, columns, default_collation=""):
    """Parameters for the quals the service evaluates (exactly or wider); None if no row can match.

    ``columns`` maps column names to ColumnConfig; a qual is pushed only when
    its operator is in the column's ``filters`` (a range may be sent with the
    other operator of its direction, values.range_pair). Several equality / IN quals on
    one column push the intersection of their values (the service ORs repeated
    values); an empty intersection, or an empty IN list, matches nothing.
    Only quals on the types of values.quals_sent are pushed. Range quals on
    text are pushed only under a code point collation, ILIKE only under C or
    POSIX (exact_ilike), and equality and LIKE only under a known
    deterministic one (exact_equality). A parameter the service takes only
    once carries the first qual's value.
    """
    equal = {}  # column name -> (Python type of the values, [(value, text)] in first-seen order)
    others = []  # (Param, text)
    for qual in quals:
        column = columns.get(qual.field_name)
        operator = operator_of(qual)
        if column is None or operator is None or not values.quals_sent(column):
            continue
        if operator in RANGE_OPERATORS:
            collation = getattr(qual, "collation", UNKNOWN)
            if column.kind == TEXT and not exact_order(column, collation, default_collation):
                continue
            pair = values.range_pair(column, operator, qual.value, column.filters)
            if pair is not None:
                others.append((column.params[pair[0]], pair[1]))
            continue
        if operator not in column.filters or not exact_equality(column, qual):
            continue
        if operator == "ilike" and not exact_ilike(column, qual, default_collation):
            continue
        if operator in ("eq", "in"):
            allowed = equality_values(qual, operator)
            texts = [column_value(column, value) for value in allowed]
            if None in texts or any(value != value for value in allowed):
                continue  # not sendable, or a NaN (equal to itself in PostgreSQL only)
            if not texts:
                return None
            value_type = type(allowed[0])
            try:
                keep = set(allowed)
            except TypeError:
                continue  # values that cannot be compared by value
            if column.name not in equal:
                pairs = dict(zip(allowed, texts))  # equal values once (5 and 5.000 too)
                equal[column.name] = (value_type, list(pairs.items()))
                continue
            seen_type, current = equal[column.name]
            if seen_type is not value_type:
                # Equal values of different types may print differently (date
                # vs timestamp): intersecting could wrongly come out empty.
                continue
            # by value, not by text: 5 and 5.000 are one number
            current = [(value, text) for value, text in current if value in keep]
            if not current:
                return None
            equal[column.name] = (seen_type, current)
        else:
            pushed = like_param(column, operator, qual.value)
            if pushed is not None:
                others.append(pushed)
    params = []
    for name, (_, pairs) in equal.items():
        column = columns[name]
        texts = [text for _, text in pairs]
        if len(texts) == 1 and "eq" in column.filters:
            if not reads_as_one_value(column, texts[0]):
                continue
            params.append(encode(column.params["eq"], texts[0]))
        else:
            params.extend(in_pairs(column.params["in"], texts) or [])
    sent = {name for name, _ in params} if others else ()
    for param, text in others:
        if param.repeat or param.name not in sent:
            params.append(encode(param, text))
            sent.add(param.name)
    return params


def like_param(column, operator, pattern):
    """(Param, text) sending a LIKE (``like``) or ILIKE (``ilike``) pattern, or None.

    The SQL pattern as is when the service takes one; else a regular
    expression, a glob, a ``*`` pattern or a literal test (like.py), each
    with the pattern's literal text escaped for it. Only ilike forms serve
    ILIKE: a service folds case its own way, which is declared by listing
    ilike for it (a service whose regex ignores case may serve LIKE too:
    matching without case only lets more rows through).
    """
    forms = {key.partition(":")[2]: param for key, param in column.params.items()
             if key.partition(":")[0] == operator}
    if not isinstance(pattern, str):
        return None
    if "pattern" in forms:
        return forms["pattern"], pattern
    pieces = like.parse(pattern)
    if pieces is None:
        return None
    for form, translate in (("regex", like.regex_pattern), ("glob", like.glob_pattern)):
        if form in forms:
            text = translate(pieces)
            return None if text is None else (forms[form], text)
    if "star" in forms:
        return forms["star"], like.star_pattern(pieces)
    test = like.literal_test(pieces, forms)
    return None if test is None else (forms[test[0]], test[1])


def sortable_prefix(sortkeys, columns, default_collation="", max_keys=None):
    """The longest prefix of ``sortkeys`` the service sorts exactly as PostgreSQL would.

    Only columns with ``sortable`` set, and only in an exact order (see
    exact_order), at most ``max_keys`` of them. The service has no NULL
    ordering parameter, so a key is pushed only when the column's
    ``null_order`` option says the service puts NULLs where the key asks
    (``NULLS FIRST`` / ``LAST``, or PostgreSQL's default for its direction).
    """
    prefix = []
    for key in sortkeys[:max_keys]:
        column = columns.get(key.attname)
        if column is None or not column.sortable \
                or not exact_order(column, key.collate, default_collation) \
                or not nulls_placed_as_asked(column.null_order, key):
            break
        prefix.append(key)
    return prefix


def order_params(sortkeys, columns, sort=DEFAULT_SORT):
    """The sort parameters for pushed sort keys, in the SortStyle ``sort``; [] when none.

    The default is the dictionary's ``order=field,-field2`` (``-`` = descending).
    """
    if not sortkeys:
        return []
    fields = [columns[key.attname].field for key in sortkeys]
    descending = [key.is_reversed for key in sortkeys]
    if sort.style == "dot":
        return [(sort.param, ",".join(field + (".desc" if down else ".asc")
                                      for field, down in zip(fields, descending)))]
    if sort.style == "direction":
        return [(sort.direction_param if descending[0] else sort.param, fields[0])]
    if sort.style == "separate":
        return [(sort.param, ",".join(fields)),
                (sort.direction_param, ",".join("desc" if down else "asc" for down in descending))]
    return [(sort.param, ",".join(("-" if down else "") + field
                                  for field, down in zip(fields, descending)))]


def fields_params(names, columns, param=FIELDS):
    """``fields=`` listing the top-level JSON keys of the columns ``names``, in table order.

    [] when one of them reads the whole record: every key is wanted.
    """
    wanted = [column.field for column in columns.values()
              if column.name in names and not column.query_param]
    if WHOLE_RECORD in wanted:
        return []
    return [(param, ",".join(dict.fromkeys(keys_of(field)[0] for field in wanted)))]


def table_filters(table, quals):
    """filter_params of ``quals`` on ``table``: [] with the ``pushdown`` option off; None when
    no row can match. What scan_params and count_params add their parameters to."""
    if not table.pushdown:
        return []
    return filter_params(quals, table.columns, table.default_collation)


def scan_params(table, quals, names, sortkeys=None, filters=None):
    """The parameters of a scan before paging; None when no row can match.

    ``table`` is a TableConfig, ``names`` the columns PostgreSQL reads. With
    the ``pushdown`` option off nothing is pushed, not even ``fields``: whole
    records, unfiltered, in the service's own order. ``filters``: the
    quals' table_filters when already known.
    """
    if not table.pushdown:
        return []
    if filters is None:
        filters = table_filters(table, quals)
        if filters is None:
            return None
    fields = fields_params(names, table.columns, table.fields_param) if table.fields_param else []
    others = fields + order_params(sortkeys, table.columns, table.sort)
    return within_url_length(table, filters, others) + others


def count_params(table, quals, filters=None):
    """Parameters asking only for the number of matching records; None when none can match.

    The offset style asks for 0 records; the others for 1 (a page size of 0
    is not something every service accepts). ``filters``: the quals'
    table_filters when already known.
    """
    if filters is None:
        filters = table_filters(table, quals)
        if filters is None:
            return None
    size = [(table.limit_param, "0" if table.pagination == "offset" else "1")]
    return within_url_length(table, filters, size) + size


# Room left in a URL for what paging adds (limit, offset, page, cursor) and a filled path.
PAGING_ROOM = 200


def within_url_length(table, filters, others):
    """``filters`` without the parameters that would make a URL longer than ``max_url_length``.

    The longest filter (all pairs of one parameter name, such as a long IN
    list) is left out first, then the next: a filter left out is evaluated by
    PostgreSQL's re-check, so the result is wider, never wrong, and no
    request is too long for the service (json-server answers HTTP 431 past
    16 KB). ``others`` (sort, fields, page size) are always sent.
    """
    def length(pairs):
        return len(build_url(table.endpoint, pairs + list(table.credentials.params)))
    limit = table.max_url_length - PAGING_ROOM
    if most_length(table.endpoint, filters, others, table.credentials.params) <= limit \
            or length(filters + others) <= limit:
        return filters
    sizes = {}
    for name, value in filters:
        sizes[name] = sizes.get(name, 0) + len(build_url("", [(name, value)]))
    kept = list(filters)
    for name in sorted(sizes, key=sizes.get, reverse=True):
        kept = [pair for pair in kept if pair[0] != name]
        if length(kept + others) <= limit:
            break
    return kept


# The most characters one character of a name or value takes in a URL: 4 UTF-8 bytes, each
# percent-encoded (%XX).
ENCODED_CHARACTER = 12


def most_length(base, *pair_lists):
    """An upper bound of the length of build_url(base, pairs of every list), cheaper to get."""
    length = len(base)
    for pairs in pair_lists:
        for name, value in pairs:
            length += ENCODED_CHARACTER * (len(name) + len(value)) + 2
    return length


def template_values(quals, names, columns):
    """Column name -> parameter text of the first ``=`` qual on it, for the columns ``names``."""
    values = {}
    for qual in quals:
        if qual.field_name in names and qual.field_name not in values and qual.operator == "=":
            text = column_value(columns[qual.field_name], qual.value)
            if text is not None:
                values[qual.field_name] = text
    return values


def page_params(start, count, limit_param=LIMIT, offset_param=OFFSET):
    """``limit`` and (when not 0) ``offset`` of one page."""
    params = [(limit_param, str(count))]
    if start:
        params.append((offset_param, str(start)))
    return params
