"""Errors a user can act on, and their hand-over to PostgreSQL.

Inside the wrapper, problems are raised as FdwError so that plain unit tests
can catch them. At the boundary (the methods PostgreSQL calls) they become
log_to_postgres(..., ERROR, hint, detail): a normal ERROR with HINT and DETAIL
lines, instead of Multicorn's generic "Error in python: ...".
"""
import functools
import inspect
import logging

from .multicorn_compat import log_to_postgres


class FdwError(Exception):
    """A problem with the foreign table's options or with the remote service."""

    def __init__(self, message, hint=None, detail=None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail


def report(error):
    """Raise ``error`` as a PostgreSQL ERROR (log_to_postgres raises at ERROR)."""
    log_to_postgres(error.message, logging.ERROR, hint=error.hint, detail=error.detail)


def reports_errors(method):
    """Decorate a method (or generator method) so FdwError reaches PostgreSQL via report()."""
    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def generator(*args, **kwargs):
            try:
                yield from method(*args, **kwargs)
            except FdwError as error:
                report(error)
        return generator

    @functools.wraps(method)
    def function(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except FdwError as error:
            report(error)
    return function


def excerpt(text, limit=300):
    """``text`` cut to ``limit`` characters, marked when cut."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."
