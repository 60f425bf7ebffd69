"""The options of any service: defaults that keep the dictionary's behaviour, and clear errors."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import psycopg  # noqa: E402
import pytest  # noqa: E402
from restcorn_engine import ColumnDefinition, MulticornException  # noqa: E402

from fdw import RestFDW  # noqa: E402
from fdw.pushdown import Param  # noqa: E402


def columns(**types_and_options):
    return {name: ColumnDefinition(name, 0, -1, type_name, type_name, options)
            for name, (type_name, options) in types_and_options.items()}


ONE = columns(code=("text", {}))


def error_of(options, cols=ONE):
    with pytest.raises(MulticornException) as raised:
        RestFDW(dict({"url": "http://svc"}, **options), cols)
    return raised.value.message


def test_defaults_are_the_dictionary_style():
    cols = columns(id=("integer", {"filters": "eq,in,ge,like"}))
    config = RestFDW({"url": "http://svc"}, cols).table
    assert (config.pagination, config.limit_param, config.offset_param, config.fields_param) == (
        "offset", "limit", "offset", "fields")
    assert (config.sort.style, config.sort.param, config.records_path, config.cache_seconds) == (
        "dash", "order", "records", 0)
    assert config.columns["id"].params == {
        "eq": Param("id"), "in": Param("id", form="repeat"), "ge": Param("id_gte"),
        "like:pattern": Param("id_like", form="pattern")}
    assert config.headers == {} and not config.single and config.placeholders == ()


def test_records_key_is_an_alias_of_records_path():
    cols = columns(id=("integer", {}))
    assert RestFDW({"url": "http://svc", "records_key": "data"}, cols).table.records_path == "data"
    assert RestFDW({"url": "http://svc", "records_path": ""}, cols).table.records_path == ""
    assert RestFDW({"url": "http://svc", "records_key": "data", "records_path": "a.b"},
                   cols).table.records_path == "a.b"


def test_headers_and_credentials():
    config = RestFDW({"url": "http://svc", "headers": "Accept: application/json; charset=utf-8; "
                      "X-Client: restcorn", "token": "t0k"}, ONE).table
    assert config.headers == {"Accept": "application/json; charset=utf-8", "X-Client": "restcorn",
                              "Authorization": "Bearer t0k"}


def test_path_templates():
    config = RestFDW({"url": "http://svc/v1", "path": "/c/{code}"}, ONE).table
    assert (config.placeholders, config.single, config.collection_endpoint) == (("code",), True, "")
    config = RestFDW({"url": "http://svc", "path": "/c/{code}/items", "single": "false",
                      "collection_path": "/items"}, ONE).table
    assert (config.single, config.collection_endpoint) == (False, "http://svc/items")


@pytest.mark.parametrize("options, cols, message", [
    ({"pagination": "pages"}, ONE, 'option "pagination" must be offset, page, cursor, next_url, '
                                   'link or none, got "pages"'),
    ({"filter_style": "postgrest"}, ONE, 'option "filter_style" must be suffix or prefix_op'),
    ({"sort_style": "plus"}, ONE, 'option "sort_style" must be dash, dot, separate or direction'),
    ({"sort_style": "separate", "sort_param": "_sort"}, ONE,
     'option "sort_style" separate needs the option "direction_param"'),
    ({"in_style": "comma"}, ONE, 'option "in_style" must be repeat or join'),
    ({"separator": ""}, ONE, 'option "separator" must be one or more characters'),
    ({"op_names": "gte"}, ONE, 'option "op_names" must be operator=word pairs'),
    ({"op_names": "regex=_re"}, ONE, 'option "op_names" must be operator=word pairs'),
    ({"max_sort_keys": "0"}, ONE, 'option "max_sort_keys" must be a whole number greater than 0'),
    ({"cache_seconds": "-1"}, ONE, 'option "cache_seconds" must be a number of seconds, 0'),
    ({"first_page_number": "one"}, ONE,
     'option "first_page_number" must be a whole number, 0 or more'),
    ({"limit_param": "a&b"}, ONE, 'option "limit_param" must be a query parameter name'),
    ({"pagination": "offset", "offset_param": ""}, ONE,
     'option "pagination" offset needs the options "limit_param" and "offset_param"'),
    ({"records_path": "data..items"}, ONE, 'option "records_path" must be a dotted path'),
    ({"path": "/c/{nope}"}, ONE,
     'option "path" names {nope}, which is not a column; columns: code'),
    ({"collection_path": "/c/{code}"}, ONE, 'option "collection_path" must be a path without '
                                            '{placeholders}'),
    ({"single": "yes"}, ONE, 'option "single" must be true or false'),
    ({"headers": "Accept application/json"}, ONE, 'option "headers" must be Name: value pairs'),
    ({"headers": "Host: evil.example"}, ONE, 'option "headers" may not set Host'),
    ({}, columns(c=("text", {"field": "*"})),
     'column "c": option "field" * (the whole record) needs a json or jsonb column'),
    ({}, columns(c=("text", {"field": "a..b"})), 'column "c": option "field" must be a key, '
                                                'a dotted path such as owner.login, or *'),
    ({}, columns(c=("text", {"filters": "like:shell"})),
     'column "c": option "filters" has "like:shell"; like takes the forms pattern, regex, glob, '
     'star, prefix, suffix, contains'),
    ({}, columns(c=("text", {"filters": "eq:join"})),
     'column "c": option "filters" has "eq:join"; eq takes no form'),
    ({"filter_style": "prefix_op"}, columns(c=("text", {"filters": "like:prefix"})),
     'column "c": option "filters" has like:prefix, which filter_style prefix_op has no operator '
     'for; name one in the op_names option (like:prefix=word)'),
    ({"filter_style": "prefix_op"}, columns(c=("text", {"filters": "in:join"})),
     'column "c": option "filters" has in:join, which needs filter_style suffix'),
    ({}, columns(c=("text", {"filters": "ge=a b"})),
     'column "c": option "filters" must be a query parameter name'),
])
def test_bad_options_name_the_option(options, cols, message):
    assert error_of(options, cols).startswith(message)


@pytest.mark.parametrize("options, twice", [
    ({"token": "t0k", "headers": "authorization: Bearer other"}, "authorization"),
    ({"api_key": "k3y", "api_key_header": "X-Key", "headers": "x-key: other; Accept: a/b"},
     "x-key"),
])
def test_headers_may_not_repeat_a_credential(options, twice):
    """A table's headers adding a second Authorization (or key header) to the mapping's
    credentials: two identities in one request, the first read winning."""
    message = error_of(options)
    assert message.startswith('option "headers" sets %s, which the credentials' % twice)
    assert "t0k" not in message and "k3y" not in message


def test_op_names_complete_a_style():
    config = RestFDW({"url": "http://svc", "filter_style": "prefix_op",
                      "op_names": "like:prefix=sw,ge=min"},
                     columns(c=("text", {"filters": "like:prefix,ge"}))).table
    assert config.columns["c"].params == {
        "like:prefix": Param("c", "sw", "prefix"), "ge": Param("c", "min")}


def test_errors_through_postgresql(db, service):
    db.execute("DROP SERVER IF EXISTS opt_srv CASCADE")
    db.execute("CREATE SERVER opt_srv FOREIGN DATA WRAPPER restcorn "
               "OPTIONS (wrapper 'fdw.RestFDW', url '%s')" % service.url)
    db.execute("CREATE FOREIGN TABLE opt_bad (code text OPTIONS (filters 'in:join')) "
               "SERVER opt_srv OPTIONS (path '/countries', pagination 'paged')")
    with pytest.raises(psycopg.Error) as raised:
        db.rows("SELECT * FROM opt_bad")
    diag = raised.value.diag
    assert diag.message_primary.startswith('option "pagination" must be offset, page, cursor')
    assert "ALTER" in diag.message_hint
    db.execute("ALTER FOREIGN TABLE opt_bad OPTIONS (SET pagination 'page', ADD records_path "
               "'results', ADD fields_param '', ADD limit_param 'page_size', ADD page_size '100')")
    assert db.value("SELECT count(*) FROM opt_bad WHERE code IN ('AA', 'AB')") == 2
    db.execute("DROP SERVER opt_srv CASCADE")
