"""Large answers are decoded by msgspec, and by json where msgspec refuses (fdw/http.py).

Wherever msgspec decodes a body, its value must be exactly json's (json.loads
of the UTF-8 text, numbers with a fraction or exponent as Decimal): the same
types, keys in the same order, the last of repeated keys, Decimals with the
same digits and exponent. Bodies it refuses go to json, so their value or
error is json's as before; those checked here are the ones json reads in its
own way (NaN, lone surrogates) and the ones both refuse. One difference is
left: near Python's recursion limit (about 1,000 levels) msgspec reads a few
levels deeper than json, which refuses such a body as nested too deeply.
"""
import json
import math
import os
import sys
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import pytest  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402
from restcorn_engine import ColumnDefinition, MulticornException  # noqa: E402

from fdw import RestFDW  # noqa: E402
from fdw.http import FAST_DECODE_BYTES, fast_decoder  # noqa: E402
from fdw.types import JsonNumber, json_text  # noqa: E402
from stub_http import StubHandler, serve  # noqa: E402

DECODER = fast_decoder()


def identical(a, b):
    """True when two decoded values are the same, type for type, digit for digit."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b))
    if isinstance(a, Decimal):
        return a.as_tuple() == b.as_tuple()
    if isinstance(a, float):
        return repr(a) == repr(b) or (math.isnan(a) and math.isnan(b))
    return a == b


def by_json(body):
    return json.loads(body.decode("utf-8"), parse_float=JsonNumber)


def agree(body):
    """msgspec refuses ``body``, or decodes it to json's value."""
    try:
        value = DECODER.decode(body)
    except Exception:
        return True
    return identical(value, by_json(body))


NUMBER_TEXTS = st.one_of(
    st.integers().map(str), st.integers(-10 ** 30, 10 ** 30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str).filter(
        lambda text: "E" not in text or "." in text),
    st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?\Z"))


@st.composite
def json_texts(draw, depth=0):
    """A JSON text: numbers as any valid literal, strings escaped or not, blanks anywhere."""
    blank = draw(st.sampled_from(["", " ", "\n", "\t", "\r\n  "]))
    kind = draw(st.integers(0, 6 if depth < 3 else 3))
    if kind == 0:
        text = draw(NUMBER_TEXTS)
    elif kind == 1:
        text = json.dumps(draw(st.text()), ensure_ascii=draw(st.booleans()))
    elif kind == 2:
        text = draw(st.sampled_from(["true", "false", "null", '"\\ud83d\\ude00"', '"\\/"',
                                     '"\\u0000"', '"\\uDBFF\\uDFFF"', '""']))
    elif kind == 3:
        text = draw(st.sampled_from(["0", "-0", "-0.0", "1E400", "1e-400", "0.1e1", "1" * 4300]))
    elif kind == 4:
        items = draw(st.lists(json_texts(depth + 1), max_size=4))
        text = "[" + ("," + blank).join(items) + "]"
    else:
        keys = draw(st.lists(st.sampled_from(["a", "b", "é", "", "a b", "\\u00e9"]), max_size=4))
        values = draw(st.lists(json_texts(depth + 1), min_size=len(keys), max_size=len(keys)))
        text = "{" + ",".join('"%s"%s:%s' % (key, blank, value)
                              for key, value in zip(keys, values)) + "}"
    return blank + text + blank


@settings(max_examples=2000, deadline=None)
@given(json_texts())
def test_every_json_text_decodes_to_json_s_value(text):
    body = text.encode("utf-8")
    assert identical(DECODER.decode(body), by_json(body))


@settings(max_examples=2000, deadline=None)
@given(json_texts(), st.lists(st.tuples(st.integers(0, 10 ** 6), st.binary(min_size=0, max_size=3)),
                              max_size=3))
def test_a_damaged_text_is_refused_or_decoded_as_json_does(text, damage):
    body = bytearray(text.encode("utf-8"))
    for position, replacement in damage:
        position %= len(body) + 1
        body[position:position + len(replacement)] = replacement
    assert agree(bytes(body))


@pytest.mark.parametrize("body", [
    b"NaN", b"[Infinity]", b"-Infinity", b'"\\ud800"', b'"\\udc00x"', b'["\\ud83d"]',
    b"1" * 4301, b"\xef\xbb\xbf[1]", b'"\xed\xa0\x80"', b'"\xc0\xaf"', b'"\x01"', b"[1,]",
    b"{'a': 1}", b"[1] x", b"", b" ", "[\"é\"]".encode("utf-16"), b"[" * 100000,
])
def test_what_msgspec_refuses_goes_to_json(body):
    """NaN, lone surrogates, huge integers, a BOM, bytes that are not UTF-8 and text that
    is not JSON: msgspec refuses them all, and json reads them or refuses them as before."""
    with pytest.raises((ValueError, RecursionError)):
        DECODER.decode(body)


# --- through the wrapper: a large answer (msgspec) reads as a small one (json) -------------------

class Answer(StubHandler):
    """GET /: the server's ``record`` (a JSON text) after ``filler`` plain records."""

    def do_GET(self):
        records = ['{"id":%d,"x":"%s","n":1,"f":1}' % (number, "f" * 40)
                   for number in range(self.server.filler)]
        body = '{"records":[%s]}' % ",".join(records + [self.server.record])
        self.send_body(200, body.encode("utf-8"))


@pytest.mark.parametrize("record", [
    '{"id":1,"x":"plain","n":1.10,"f":NaN}', '{"id":1,"x":"\\ud83d\\ude00","n":-0.0,"f":1E400}',
    '{"id":1,"x":"\\ud800","n":1,"f":1}', '{"id":1,"x":"a","x":"b","n":1e-2,"f":Infinity}',
    '{"id":123456789012345678901234567890,"x":"a","n":1,"f":1}', '{"id":1,"x":"a","n":1,"f":1',
    '{"id":1,"x":"a","n":1e1000000000000000000,"f":1}',
    '{"id":1,"x":"a","n":1,"f":1,"unread":1e1000000000000000000}'])
def test_a_large_answer_reads_as_a_small_one(record):
    columns = {"id": ColumnDefinition("id", 1700, -1, "numeric", "numeric"),
               "x": ColumnDefinition("x", 25, -1, "text", "text"),
               "n": ColumnDefinition("n", 1700, -1, "numeric", "numeric"),
               "f": ColumnDefinition("f", 701, -1, "double precision", "double precision")}
    found = {}
    for filler in (0, 2000):  # about 0.1 and 140 kB: json, then msgspec
        with serve(Answer, record=record, filler=filler) as url:
            table = RestFDW({"url": url, "records_path": "records", "pagination": "none",
                             "use_remote_estimate": "false", "retries": "0"}, columns)
            try:
                rows = list(table.execute([], set(columns)))
                found[filler] = ("rows", [repr(value) for value in rows[-1].values()])
            except MulticornException as error:
                found[filler] = ("error", error.message.replace(url, "URL"), error.hint)
    assert FAST_DECODE_BYTES < 2000 * 60
    assert found[0] == found[2000]


def test_an_exponent_past_decimal_s_is_an_error_naming_the_url():
    """Decimal refuses exponents from 10^18 (decimal.InvalidOperation): an ERROR saying so,
    never a Python error, whichever decoder reads the answer."""
    columns = {"id": ColumnDefinition("id", 23, -1, "integer", "integer")}
    for filler in (0, 2000):
        record = '{"id":1,"x":"a","n":1,"f":1,"big":1e1000000000000000000}'
        with serve(Answer, record=record, filler=filler) as url:
            table = RestFDW({"url": url, "records_path": "records", "pagination": "none",
                             "use_remote_estimate": "false", "retries": "0"}, columns)
            with pytest.raises(MulticornException) as raised:
                list(table.execute([], {"id"}))
            assert raised.value.message == "%s?fields=id answered HTTP 200 OK with a number " \
                "too large to read" % url


def test_values_nested_past_the_recursion_limit_are_written_and_named():
    """A misfit nested 600 deep is named in its ERROR; a jsonb value as deep, with a Decimal in
    it, is written (json_text keeps its own stack)."""
    deep_list = "[" * 600 + "1" + "]" * 600
    columns = {"id": ColumnDefinition("id", 23, -1, "integer", "integer"),
               "j": ColumnDefinition("j", 3802, -1, "jsonb", "jsonb")}
    record = '{"id":%s,"j":1}' % deep_list
    with serve(Answer, record=record, filler=0) as url:
        table = RestFDW({"url": url, "records_path": "records", "pagination": "none",
                         "use_remote_estimate": "false"}, columns)
        with pytest.raises(MulticornException) as raised:
            list(table.execute([], {"id"}))
        assert raised.value.message.startswith('column "id": value [[[[')
        assert raised.value.message.endswith("is not an integer")
    deep_decimal = "[" * 600 + "1.50" + "]" * 600
    with serve(Answer, record='{"id":1,"j":%s}' % deep_decimal, filler=0) as url:
        table = RestFDW({"url": url, "records_path": "records", "pagination": "none",
                         "use_remote_estimate": "false"}, columns)
        assert list(table.execute([], {"j"}))[0]["j"] == deep_decimal


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=4), max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(JSON_VALUES, st.booleans(), st.booleans())
def test_json_text_writes_what_json_dumps_writes(value, compact, ascii_only):
    assert json_text(value, compact, ascii_only) == json.dumps(
        value, ensure_ascii=ascii_only, separators=(",", ":") if compact else None)


def test_messages_show_a_decimal_as_no_whole_number():
    """9.99e2 into an integer column: "value 9.99E+2", not "value 999" (an integer, it would
    have fitted); json and json columns write plain digits."""
    assert [json_text(JsonNumber(text)) for text in ("9.99e2", "1e0", "1.5", "1e-7", "-1e3")] \
        == ["9.99E+2", "1E+0", "1.5", "1E-7", "-1E+3"]
    assert json_text(JsonNumber("9.99e2"), plain_numbers=True) == "999"
