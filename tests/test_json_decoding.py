"""Answers are decoded by msgspec first and by json where msgspec refuses (fdw/http.py).

Wherever msgspec decodes a body, its value must be exactly json's (json.loads
of the UTF-8 text, numbers with a fraction or exponent as Decimal): the same
types, keys in the same order, the last of repeated keys, Decimals with the
same digits and exponent. Bodies it refuses go to json, so their value or
error is json's as before; those checked here are the ones json reads in its
own way (NaN, lone surrogates) and the ones both refuse.
"""
import json
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from fdw.http import DECODER


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
    return json.loads(body.decode("utf-8"), parse_float=Decimal)


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
