"""Errors a user can act on, and their hand-over to PostgreSQL.

Inside the wrapper, problems are raised as FdwError so that plain unit tests
can catch them. At the boundary (the methods PostgreSQL calls) they become
log_to_postgres(..., ERROR, hint, detail): a normal ERROR with HINT and DETAIL
lines, instead of Multicorn's generic "Error in python: ...". On the way the
table's secrets are masked, whatever put them there (a service that quotes
the token back in its error, say): ERRORs reach clients and the server log.
Each one counts as an error of its table (stats.py).
"""
import functools
import re

from . import stats
from .auth import mask
from .multicorn_compat import log_to_postgres

ERROR = 40  # logging.ERROR, the level log_to_postgres raises at (logging is not imported for it)


class FdwError(Exception):
    """A problem with the foreign table's options or with the remote service."""

    def __init__(self, message, hint=None, detail=None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail


def without_secrets(error, secrets):
    """``error`` as an FdwError whose message, hint and detail show no secret (masked as ***)."""
    if not secrets:
        return error
    return FdwError(mask(error.message, secrets), hint=mask(error.hint, secrets),
                    detail=mask(error.detail, secrets))


def report(error, table=None):
    """Raise ``error`` as a PostgreSQL ERROR (log_to_postgres raises), counted for ``table``.

    ``table`` is the TableConfig, whose secrets are masked; None before the
    options are parsed. A NUL or a lone UTF-16 surrogate, which a service's
    text may hold and PostgreSQL's messages cannot, is written as its escape
    (``\\x00``), so the ERROR is this one and not an encoding error.
    """
    if table is not None:
        stats.counters(table.stats_name).errors += 1
        error = without_secrets(error, table.credentials.secrets)
    log_to_postgres(escape_unstorable(error.message), ERROR,
                    hint=escape_unstorable(error.hint), detail=escape_unstorable(error.detail))


UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # what PostgreSQL's text cannot hold


def escape_unstorable(text):
    """``text`` with each NUL and lone surrogate written as Python escapes it; None stays None."""
    if text is None:
        return None
    return UNSTORABLE.sub(lambda found: ascii(found.group())[1:-1], str(text))


GENERATOR = 0x20  # inspect.CO_GENERATOR: the code flag of a generator function


def reports_errors(method):
    """Decorate a method (or generator method) so FdwError reaches PostgreSQL via report()."""
    if method.__code__.co_flags & GENERATOR:
        @functools.wraps(method)
        def generator(self, *args, **kwargs):
            try:
                yield from method(self, *args, **kwargs)
            except FdwError as error:
                report(error, getattr(self, "table", None))
        return generator

    @functools.wraps(method)
    def function(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except FdwError as error:
            report(error, getattr(self, "table", None))
    return function


def reported(iterable, table=None):
    """``iterable``, with the FdwErrors raised while iterating reaching PostgreSQL via report()."""
    try:
        yield from iterable
    except FdwError as error:
        report(error, table)


def excerpt(text, limit=300):
    """``text`` cut to ``limit`` characters, marked when cut."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."
