"""The memory estimate of a JSON body before it is parsed (fdw/http.py): the
bytes per body byte its strings may take never fall short of what Python's
strings (PEP 393: 1, 2 or 4 bytes a character, one more for a UTF-8 copy of
non-ASCII text) then take."""
import json

from hypothesis import given, strategies as st

from fdw.http import text_bytes_per_byte


def needed(strings):
    widest = max((ord(c) for s in strings for c in s), default=0)
    width = 1 if widest < 0x100 else 2 if widest < 0x10000 else 4
    return width + (1 if widest >= 0x80 else 0)


@given(st.lists(st.text()), st.booleans())
def test_the_estimate_is_never_short(strings, ensure_ascii):
    body = json.dumps(strings, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
    assert text_bytes_per_byte(body) >= needed(json.loads(body))


def test_each_width():
    assert text_bytes_per_byte(b'["abc"]') == 1
    assert text_bytes_per_byte('["é"]'.encode()) == 2
    assert text_bytes_per_byte('["ā"]'.encode()) == 3
    assert text_bytes_per_byte('["😀"]'.encode()) == 5
    assert text_bytes_per_byte(b'["\\u0101"]') == 3
    assert text_bytes_per_byte(b'["\\ud83d\\ude00"]') == 5
