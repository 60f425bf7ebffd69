"""Pagination helpers: opaque cursors, page arithmetic, next URLs and Link headers.

Every style's x-pagination object (on the OpenAPI operation) is made by
x_pagination here, so the names of its keys are the same for all resources:
records, total, next_cursor and next are dotted paths into the JSON body
(an empty path is the body itself); *_param are query parameter names.
"""

import base64
import binascii
import hashlib
import json
import math
from urllib.parse import urlencode

from .common import ParameterError

STYLES = ("cursor", "link", "page", "next_url", "offset")


def x_pagination(style: str, **details) -> dict:
    if style not in STYLES:
        raise ValueError(f"unknown pagination style {style!r}")
    return {"style": style, **details}


# Cursors

def query_fingerprint(args, ignored: tuple[str, ...]) -> str:
    """A short digest of every argument but the ignored ones, in a canonical order."""
    pairs = sorted((name, value) for name in args if name not in ignored for value in args.getlist(name))
    return hashlib.sha256(json.dumps(pairs).encode("utf-8")).hexdigest()[:16]


def encode_cursor(after: int, fingerprint: str) -> str:
    """An opaque token: the id of the last record sent and the query it belongs to."""
    data = json.dumps({"after": after, "q": fingerprint}, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_cursor(name: str, token: str, fingerprint: str) -> int:
    """The id after which the next page starts; ParameterError if the token was not made for this query."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after, issued_for = data["after"], data["q"]
        if not isinstance(after, int) or isinstance(after, bool) or not isinstance(issued_for, str):
            raise TypeError
    except (binascii.Error, ValueError, UnicodeDecodeError, TypeError, KeyError):
        raise ParameterError(name, f"parameter {name!r} is not a cursor this service issued: {token!r}") \
            from None
    if issued_for != fingerprint:
        raise ParameterError(
            name, f"parameter {name!r}: cursor {token!r} was issued for a query with other filters or order")
    return after


# Pages

def page_count(total: int, size: int) -> int:
    return math.ceil(total / size)


def url_with(base: str, args, replaced: dict[str, str], first: bool = False) -> str:
    """base?query: the request's arguments, with the replaced ones set (at the end, or first)."""
    kept = [(name, value) for name in args if name not in replaced for value in args.getlist(name)]
    pairs = list(replaced.items()) + kept if first else kept + list(replaced.items())
    return f"{base}?{urlencode(pairs)}"


def link_header(links: list[tuple[str, str]]) -> str:
    """An RFC 8288 Link header value from (url, rel) pairs."""
    return ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links)
