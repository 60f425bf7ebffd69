"""Noticing a query cancel, statement_timeout or termination while the wrapper waits.

The engine delivers a cancel into Python (a KeyboardInterrupt, even inside a
socket wait). Multicorn2, and the engine's Multicorn2 stand-in mode, do
not: PostgreSQL's signal handlers only set the backend's flags
``QueryCancelPending`` and ``ProcDiePending``, which PostgreSQL acts on
once the wrapper returns. So every wait (transport.py, ``sleep``) is cut
into slices of at most SLICE seconds, and between slices ``check`` reads
those flags (globals of the postgres executable, found with ctypes only
when this process is a PostgreSQL backend) and ends the wait with
PostgreSQL's own message for the cause. The flags are only read, never
cleared: PostgreSQL still raises its own ERROR when it next checks them.
"""
import time

from .errors import FdwError
from .multicorn_compat import multicorn2_behaviour

SLICE = 0.25  # seconds: the longest wait between two checks
STATEMENT_TIMEOUT, LOCK_TIMEOUT = 3, 2  # PostgreSQL's TimeoutId values (utils/timeout.h)

_backend = None  # the postgres executable's symbols, False outside a backend


class Interrupted(FdwError):
    """A cancel or termination PostgreSQL has pending; the message is PostgreSQL's own."""


def backend():
    """(QueryCancelPending, ProcDiePending, get_timeout_indicator) of this backend, or False."""
    global _backend
    if _backend is None:
        import ctypes  # here: only a host that does not deliver cancels needs it

        try:
            program = ctypes.CDLL(None)
            indicator = program.get_timeout_indicator
            indicator.argtypes, indicator.restype = (ctypes.c_int, ctypes.c_bool), ctypes.c_bool
            _backend = (ctypes.c_int.in_dll(program, "QueryCancelPending"),
                        ctypes.c_int.in_dll(program, "ProcDiePending"), indicator)
        except (OSError, ValueError, AttributeError):  # not a PostgreSQL backend
            _backend = False
    return _backend


def check():
    """Raise Interrupted when the host does not deliver cancels and one is pending; else None.

    Under the engine (not its stand-in mode) a cancel arrives as a
    KeyboardInterrupt by itself, with PostgreSQL's SQLSTATE; nothing is read.
    """
    if not multicorn2_behaviour():
        return
    found = backend()
    if not found:
        return
    cancel, die, indicator = found
    if die.value:
        raise Interrupted("terminating connection due to administrator command")
    if cancel.value:
        if indicator(LOCK_TIMEOUT, False):
            raise Interrupted("canceling statement due to lock timeout")
        if indicator(STATEMENT_TIMEOUT, False):
            raise Interrupted("canceling statement due to statement timeout")
        raise Interrupted("canceling statement due to user request")


def sleep(seconds):
    """time.sleep(``seconds``) in slices, checking for a pending cancel between them."""
    end = time.monotonic() + seconds
    while True:
        check()
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(SLICE, left))
