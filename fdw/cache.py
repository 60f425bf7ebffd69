"""Answers kept in the backend for ``cache_seconds``, then revalidated with their ETag.

Off unless a table sets ``cache_seconds``. An answer is keyed by its full
request URL and every header the request carried, credentials included, so
it is never served for another token or API key. Once expired, an answer
with an ETag is asked for again with If-None-Match: a 304 renews it without
a body crossing the wire. The cache lives in the backend's memory (one per
session) and holds answers whose parsed form takes at most MAX_BYTES (as
http.parsed_size estimates it: what is kept, not the bytes received),
dropping the oldest first; a larger answer is not kept.
"""
import time
from collections import OrderedDict

MAX_BYTES = 64 * 1024 * 1024  # memory of the parsed answers kept, in bytes

_entries = OrderedDict()  # key -> Entry, oldest first
_size = 0


class Entry:
    def __init__(self, answer, seconds):
        self.answer = answer
        self.size = answer.size  # estimated memory of the parsed answer
        self.etag = answer.headers.get("ETag")
        self.renew(seconds)

    def renew(self, seconds):
        self.expires = time.monotonic() + seconds

    def fresh(self):
        return time.monotonic() < self.expires


def key(url, headers):
    """The cache key of a request: its URL and all its headers (the credentials among them)."""
    return url, tuple(sorted(headers.items()))


def get(key):
    """The Entry for ``key`` (fresh or expired), or None."""
    return _entries.get(key)


def put(key, answer, seconds):
    """Keep ``answer`` for ``seconds``, dropping the oldest answers beyond MAX_BYTES of memory."""
    global _size
    drop(key)
    size = answer.size
    if size > MAX_BYTES:
        return
    _entries[key] = Entry(answer, seconds)
    _size += size
    while _size > MAX_BYTES:
        drop(next(iter(_entries)))


def renew(key, seconds):
    """The entry for ``key``, fresh for another ``seconds`` (its ETag was confirmed)."""
    entry = _entries[key]
    entry.renew(seconds)
    _entries.move_to_end(key)
    return entry


def drop(key):
    global _size
    entry = _entries.pop(key, None)
    if entry is not None:
        _size -= entry.size


def clear():
    global _size
    _entries.clear()
    _size = 0
