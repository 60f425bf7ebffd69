"""Trying a request again when its failure may pass: 429, 502, 503, 504, a lost connection.

Bounded twice: at most ``retries`` more attempts, and never a wait that would
end past ``max_seconds`` after the first attempt began. Waits double from
FIRST_WAIT with jitter (so that many backends do not come back in step),
unless the service says how long with Retry-After. Waiting is
interrupts.sleep, which a query cancel or statement_timeout ends under any
host; nothing here catches the KeyboardInterrupt or Interrupted that brings.
"""
import math
import random
import time

from . import interrupts
from .errors import FdwError

RETRY_STATUSES = frozenset({429, 502, 503, 504})
FIRST_WAIT = 0.5  # seconds, before the first retry
MAX_WAIT = 10.0   # seconds, longest backoff between two attempts
LONGEST_RETRY_AFTER = 86400.0  # seconds: a longer Retry-After is read as this (past any budget)


class Retryable(FdwError):
    """A failure that may pass when the same request is made again."""

    def __init__(self, message, hint=None, detail=None, retry_after=None):
        super().__init__(message, hint=hint, detail=detail)
        self.retry_after = retry_after  # seconds the service asked to wait, or None


def backoff(retry, rng=random.random):
    """Seconds to wait before retry number ``retry`` (1, 2, ...): half fixed, half random."""
    ceiling = min(MAX_WAIT, FIRST_WAIT * 2 ** (retry - 1))
    return ceiling / 2 + rng() * ceiling / 2


def retry_after_seconds(value, now=None):
    """Retry-After (seconds or an HTTP date) as seconds to wait, at most LONGEST_RETRY_AFTER;
    None if absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from datetime import datetime, timezone  # here: only an HTTP date needs them
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(0.0, seconds), LONGEST_RETRY_AFTER) if math.isfinite(seconds) else None


def with_retries(request, retries, max_seconds, sleep=interrupts.sleep, clock=time.monotonic,
                 rng=random.random):
    """``request()``'s result, calling it again after a Retryable failure while the budget allows.

    Any other exception passes through at once. When the budget is spent the
    last failure is raised as an FdwError that says what was tried.
    """
    started = clock()
    retry = 0
    while True:
        try:
            return request()
        except Retryable as failure:
            retry += 1
            wait = failure.retry_after if failure.retry_after is not None else backoff(retry, rng)
            elapsed = clock() - started
            if retry > retries:
                raise given_up(failure, retry, elapsed, "") from None
            if elapsed + wait > max_seconds:
                why = "; the next try would start %.1f s in, past retry_max_seconds (%g)" % (
                    elapsed + wait, max_seconds)
                raise given_up(failure, retry, elapsed, why) from None
        sleep(wait)


def given_up(failure, attempts, elapsed, why):
    """``failure`` as the final FdwError, saying how many attempts were made, and for how long."""
    if attempts == 1 and not why:
        return FdwError(failure.message, hint=failure.hint, detail=failure.detail)
    message = "%s (%d attempt%s in %.1f s%s)" % (failure.message, attempts,
                                                "" if attempts == 1 else "s", elapsed, why)
    hint = (failure.hint + " " if failure.hint else "") + \
        "The retries and retry_max_seconds options set how long to keep trying."
    return FdwError(message, hint=hint, detail=failure.detail)
