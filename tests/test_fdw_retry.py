"""fdw.retry: what is retried, how long it waits, when it gives up; a cancel gets through."""
import os
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import pytest  # noqa: E402
from hypothesis import given, strategies as st  # noqa: E402

from fdw.errors import FdwError  # noqa: E402
from fdw.retry import (FIRST_WAIT, MAX_WAIT, Retryable, backoff, retry_after_seconds,  # noqa: E402
                       with_retries)


class Clock:
    """A fake monotonic clock that sleep() moves forward; it records the waits."""

    def __init__(self):
        self.now = 100.0
        self.waits = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += seconds


def failing(times, error=None):
    """A request raising ``error`` (a Retryable 503 by default) ``times`` times, then answering."""
    calls = []

    def request():
        calls.append(1)
        if len(calls) <= times:
            raise error or Retryable("u answered HTTP 503", hint="The service failed.", detail="d")
        return "answer"
    request.calls = calls
    return request


def run(request, retries=3, max_seconds=30.0, rng=lambda: 0.5):
    clock = Clock()
    result = with_retries(request, retries, max_seconds, sleep=clock.sleep, clock=clock, rng=rng)
    return result, clock


def test_success_needs_no_wait():
    result, clock = run(failing(0))
    assert result == "answer" and clock.waits == []


def test_retries_until_it_works():
    request = failing(3)
    result, clock = run(request, retries=3)
    assert result == "answer"
    assert len(request.calls) == 4
    assert clock.waits == [backoff(retry, lambda: 0.5) for retry in (1, 2, 3)]


def test_gives_up_after_retries():
    request = failing(10)
    with pytest.raises(FdwError) as raised:
        run(request, retries=2)
    assert len(request.calls) == 3
    error = raised.value
    assert not isinstance(error, Retryable)
    assert error.message.startswith("u answered HTTP 503 (3 attempts in ")
    assert error.hint.startswith("The service failed. ") and "retry_max_seconds" in error.hint
    assert error.detail == "d"


def test_no_retries_keeps_the_message():
    with pytest.raises(FdwError) as raised:
        run(failing(1), retries=0)
    assert raised.value.message == "u answered HTTP 503"


def test_gives_up_before_a_wait_that_ends_past_the_budget():
    request = failing(100)
    with pytest.raises(FdwError) as raised:
        run(request, retries=100, max_seconds=2.0, rng=lambda: 1.0)
    # waits of 0.5 and 1.0 fit in 2 s; the next (2.0) would end at 3.5 s
    assert len(request.calls) == 3
    assert "past retry_max_seconds (2)" in raised.value.message


def test_retry_after_is_used_as_the_wait():
    error = Retryable("u answered HTTP 429", retry_after=7.0)
    result, clock = run(failing(2, error))
    assert result == "answer" and clock.waits == [7.0, 7.0]


def test_retry_after_beyond_the_budget_fails_at_once():
    request = failing(1, Retryable("u answered HTTP 429", retry_after=120.0))
    with pytest.raises(FdwError) as raised:
        run(request, max_seconds=30)
    assert len(request.calls) == 1
    assert "would start 120.0 s in" in raised.value.message


def test_other_errors_are_never_retried():
    request = failing(1, FdwError("u answered HTTP 404"))
    with pytest.raises(FdwError) as raised:
        run(request)
    assert len(request.calls) == 1 and raised.value.message == "u answered HTTP 404"


class QueryCanceled(KeyboardInterrupt):
    """What the engine raises inside Python when PostgreSQL cancels the statement."""


def test_a_cancel_during_the_request_gets_through():
    request = failing(1, QueryCanceled("canceling statement"))
    with pytest.raises(QueryCanceled):
        run(request)
    assert len(request.calls) == 1


def test_a_cancel_during_the_wait_gets_through():
    def sleep(seconds):
        raise QueryCanceled("canceling statement")
    request = failing(5)
    with pytest.raises(QueryCanceled):
        with_retries(request, 5, 30, sleep=sleep)
    assert len(request.calls) == 1


@given(st.integers(min_value=1, max_value=60), st.floats(min_value=0, max_value=1))
def test_backoff_grows_with_jitter_and_a_cap(retry, random_value):
    wait = backoff(retry, lambda: random_value)
    ceiling = min(MAX_WAIT, FIRST_WAIT * 2 ** (retry - 1))
    assert ceiling / 2 <= wait <= ceiling


@pytest.mark.parametrize("header, seconds", [
    ("1", 1.0), ("0", 0.0), (" 2 ", 2.0), ("1.5", 1.5), ("-3", 0.0),
    (None, None), ("", None), ("soon", None), ("inf", None), ("nan", None),
])
def test_retry_after_seconds(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_a_date():
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(header, now=now) == 90.0
    past = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(past, now=now) == 0.0
