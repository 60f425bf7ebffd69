"""Where records and their values are in a JSON answer: dotted paths and the whole record.

A path is a dotted string of object keys (``data.items``, ``owner.login``);
the empty path is the value itself. A key holding a dot cannot be named. A
column whose ``field`` is ``*`` reads the whole record.
"""
import functools
from operator import itemgetter

WHOLE_RECORD = "*"


@functools.lru_cache(maxsize=256)  # asked for the same few paths on every page
def keys_of(path):
    """The keys of a dotted path; () for the empty path."""
    return tuple(path.split(".")) if path else ()


def lookup(value, keys):
    """The value at ``keys`` inside ``value``; KeyError or TypeError when there is none.

    A null on the way gives null: ``owner.login`` of a record whose owner is null.
    """
    for key in keys:
        if value is None:
            return None
        if type(value) is not dict:
            raise TypeError("not an object")
        value = value[key]
    return value


def find(value, keys, default=None):
    """The value at ``keys`` inside ``value``, or ``default`` when there is none."""
    try:
        return lookup(value, keys)
    except (KeyError, TypeError):
        return default


def reader(field):
    """A function record -> the value of ``field``; KeyError or TypeError when the record has none.

    A plain key gets ``itemgetter`` (C speed, used on every record of a page).
    """
    if field == WHOLE_RECORD:
        return lambda record: record
    keys = keys_of(field)
    if len(keys) == 1:
        return itemgetter(field)
    return lambda record: lookup(record, keys)


def getter(field, default=None):
    """A function record -> the value of ``field``, ``default`` when the record has none."""
    if field == WHOLE_RECORD:
        return lambda record: record
    keys = keys_of(field)
    if len(keys) == 1:
        return lambda record: record.get(field, default) if type(record) is dict else default
    return lambda record: find(record, keys, default)


def records_in(body, keys, single=False):
    """The record list at ``keys`` in an answer's ``body``; None when there is none.

    ``single``: the request named one record, so an object is that record (the
    object at ``keys`` when there is one, else the body itself).
    """
    found = find(body, keys)
    if isinstance(found, list):
        return found
    if single:
        if isinstance(found, dict):
            return [found]
        if isinstance(body, dict):
            return [body]
    return None
