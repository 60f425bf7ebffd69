"""URLs are built, read and redacted with per-request shortcuts: each must give exactly what the
standard library's full reading gives, for any text (no service, no cluster)."""
import os
import sys
from urllib.parse import quote, urlencode, urlsplit

from hypothesis import given, settings, strategies as st

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))
from fdw import urls  # noqa: E402
from fdw.pushdown import most_length  # noqa: E402

# Pieces that URLs are made of, the awkward ones included: separators, escapes, credentials,
# brackets, ports, whitespace and control characters, non-ASCII text.
PIECES = ["http", "https", "HTTP", "ftp", ":", "//", "/", "?", "#", "@", "[", "]", "::1", "h",
          "host.example", "127.0.0.1", ":80", ":0", ":65536", ":8080", "a=b", "&", "=", "%20",
          "%zz", "token=abc", "api_key=1", "Key=2", "k%65y=3", "user:pw@", ".", "-", " ", "\t",
          "\n", "\x00", "\\", "é", "€", "\U0001f600", ""]
url_texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
urls_like = st.one_of(url_texts, st.builds(lambda scheme, rest: scheme + rest,
                                           st.sampled_from(["http://", "https://", " http://"]),
                                           url_texts))
texts = st.text(st.one_of(st.sampled_from("az09_.-~ %&=#/?+;,:@!$()*'\"\\"),
                          st.characters(blacklist_categories=("Cs",))), max_size=12)


def read(function, *args):
    try:
        return function(*args)
    except ValueError as error:
        return ("ValueError", str(error))


@settings(max_examples=2000, deadline=None)
@given(base=st.sampled_from(["http://h/p", "http://h/p?x=1", "", "http://h/p?"]),
       params=st.lists(st.tuples(texts, texts), max_size=4))
def test_build_url_is_urlencode(base, params):
    query = urlencode(params, quote_via=quote)
    expected = base if not query else base + ("&" if urlsplit(base).query else "?") + query
    assert urls.build_url(base, params) == expected
    assert len(expected) <= most_length(base, params)


@settings(max_examples=3000, deadline=None)
@given(url=urls_like)
def test_parse_reads_as_urlsplit_does(url):
    """parse remembers the reading of the part before "?"; target_of reads the whole URL."""
    expected = read(urls.target_of, url)
    if urls.REFUSED_CHARACTER.search(url):
        assert read(urls.parse, url)[0] == "ValueError"
    else:
        assert read(urls.parse, url) == expected
        assert urls.origin(url) == (None if expected[0] == "ValueError" else expected[:3])


@settings(max_examples=3000, deadline=None)
@given(url=urls_like, secret_params=st.sampled_from([(), ("a",), ("P", "api_key")]))
def test_redact_writes_as_urlunsplit_does(url, secret_params):
    """redact remembers the part before "?"; redacted writes the whole URL again."""
    hidden = urls.SECRET_PARAMS.union(name.lower() for name in secret_params)
    try:
        expected = urls.redacted(url, hidden)
    except ValueError:
        expected = urls.MASK if "@" in url or "?" in url else url
    assert urls.redact(url, secret_params) == expected
