"""Option validation of RestFDW and DictionaryFDW: defaults, overrides, clear errors."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import pytest  # noqa: E402
from restcorn_engine import ColumnDefinition, MulticornException  # noqa: E402

from fdw import DictionaryFDW, RestFDW  # noqa: E402
from fdw.types import INTEGER, JSON, TEXT  # noqa: E402

COLUMNS = {
    "id": ColumnDefinition("id", 23, -1, "integer", "integer"),
    "word": ColumnDefinition("word", 1043, -1, "character varying", "character varying"),
}


def columns(**options_by_column):
    return {name: ColumnDefinition(name, c.type_oid, c.typmod, c.type_name, c.base_type_name,
                                   options_by_column.get(name, {}))
            for name, c in COLUMNS.items()}


def error_of(cls, options, cols=None):
    with pytest.raises(MulticornException) as raised:
        cls(options, cols or COLUMNS)
    return raised.value


def test_rest_defaults():
    config = RestFDW({"url": "https://api.example.com/v1"}, COLUMNS).table
    assert config.endpoint == "https://api.example.com/v1"
    assert (config.records_key, config.total_key, config.page_size, config.pushdown) == (
        "records", "total", 1000, True)
    assert (config.connect_timeout, config.read_timeout, config.default_collation) == (5.0, 30.0, "")
    word = config.columns["word"]
    assert (word.field, word.filters, word.sortable, word.kind) == ("word", frozenset(), False, TEXT)


def test_rest_options():
    config = RestFDW({"url": "http://h:1", "path": "/items", "records_key": "data",
                      "total_key": "count", "page_size": "500", "pushdown": "False",
                      "connect_timeout": "0.5", "read_timeout": "60", "default_collation": "C"},
                     columns(id={"field": "ID", "filters": " eq , in ", "sortable": "TRUE"})).table
    assert config.endpoint == "http://h:1/items"
    assert (config.records_key, config.total_key, config.page_size, config.pushdown) == (
        "data", "count", 500, False)
    assert (config.connect_timeout, config.read_timeout, config.default_collation) == (0.5, 60.0, "C")
    ident = config.columns["id"]
    assert (ident.field, ident.filters, ident.sortable, ident.kind) == (
        "ID", frozenset({"eq", "in"}), True, INTEGER)


def test_dictionary_needs_no_options():
    config = DictionaryFDW({}, COLUMNS).table
    assert config.endpoint == "http://127.0.0.1:9999/words"
    assert config.page_size == 10000
    assert config.columns["id"].filters == frozenset({"eq", "in", "lt", "le", "gt", "ge"})
    assert config.columns["word"].filters == frozenset(
        {"eq", "in", "lt", "le", "gt", "ge", "like", "ilike"})
    assert config.columns["id"].sortable and config.columns["word"].sortable


def test_dictionary_options_override_defaults():
    config = DictionaryFDW({"url": "http://10.0.0.5:8080", "page_size": "200"},
                           columns(word={"filters": "eq", "sortable": "false"})).table
    assert config.endpoint == "http://10.0.0.5:8080/words"
    assert config.page_size == 200
    assert config.columns["word"].filters == frozenset({"eq"})
    assert not config.columns["word"].sortable


def test_dictionary_extra_columns_get_no_pushdown():
    cols = dict(COLUMNS, extra=ColumnDefinition("extra", 3802, -1, "jsonb", "jsonb"))
    extra = DictionaryFDW({}, cols).table.columns["extra"]
    assert (extra.filters, extra.sortable, extra.kind) == (frozenset(), False, JSON)


def test_url_is_required_for_rest():
    error = error_of(RestFDW, {})
    assert error.message == 'option "url" is required'
    assert "ALTER" in error.hint


@pytest.mark.parametrize("url", ["ftp://h/x", "127.0.0.1:9999", "http://", "", "http://h:port",
                                 "file:///etc/passwd"])
def test_bad_url(url):
    error = error_of(RestFDW, {"url": url})
    assert error.message.startswith('option "url" must be an http:// or https:// URL')


def test_bad_url_hides_credentials():
    error = error_of(RestFDW, {"url": "ftp://user:secret@h/x"})
    assert "secret" not in error.message


@pytest.mark.parametrize("value", ["0", "-5", "ten", "1.5", ""])
def test_bad_page_size(value):
    error = error_of(RestFDW, {"url": "http://h", "page_size": value})
    assert error.message == 'option "page_size" must be a whole number greater than 0, got "%s"' % value


@pytest.mark.parametrize("name", ["connect_timeout", "read_timeout"])
@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_bad_timeouts(name, value):
    error = error_of(RestFDW, {"url": "http://h", name: value})
    assert error.message.startswith('option "%s" must be a number of seconds' % name)


def test_bad_pushdown():
    error = error_of(RestFDW, {"url": "http://h", "pushdown": "yes"})
    assert error.message == 'option "pushdown" must be true or false, got "yes"'


def test_empty_records_key():
    error = error_of(RestFDW, {"url": "http://h", "records_key": ""})
    assert error.message == 'option "records_key" must not be empty, got ""'


def test_unknown_option():
    error = error_of(RestFDW, {"url": "http://h", "page_sise": "10"})
    assert error.message.startswith('unknown option "page_sise"; known options: url, path,')


def test_unknown_filter_operator():
    error = error_of(RestFDW, {"url": "http://h"}, columns(word={"filters": "eq,regex"}))
    assert error.message == ('column "word": option "filters" has unknown operator "regex"; '
                             'allowed: eq,in,lt,le,gt,ge,like,ilike (comma-separated), got "eq,regex"')


def test_bad_column_options():
    error = error_of(DictionaryFDW, {}, columns(id={"sortable": "maybe"}))
    assert error.message == 'column "id": option "sortable" must be true or false, got "maybe"'
    error = error_of(DictionaryFDW, {}, columns(id={"field": ""}))
    assert error.message == 'column "id": option "field" must not be empty, got ""'
    error = error_of(DictionaryFDW, {}, columns(id={"filter": "eq"}))
    assert error.message == 'column "id": unknown option "filter"; known options: field, filters, sortable, null_order, collation, query_param'
