"""One request rate per service for every backend of the cluster: the ``rate_limit`` option.

``rate_limit`` is ``<count>/<unit>``: ``50/s``, ``3000/min``, ``5000/hour``
(units s, sec, second, m, min, minute, h, hour). Every backend of the cluster
that sends a request to the same scheme, host and port under the same rate
limit takes a turn from one schedule (a server declaring another rate has a
schedule of its own, so no role's server can slow another's requests):
requests go out evenly spaced, one every ``unit / count`` seconds stretched
by GUARD, so that the service, which sees them after varying network and
queueing delays, never counts more than ``count`` in any window of one
``unit``. A ``Retry-After`` the service sends
(with a 429 or 503) holds every backend's next turn on that schedule until it
has passed, not only the one that got it; a hold is never longer than the
table's ``retry_max_seconds``.

The schedule lives in a small file per (cluster, service, rate) in a folder
of the server's OS user under the system's temporary folder, locked (fcntl) for the
few microseconds of taking a turn, so it works the same under the restcorn
engine and under Multicorn2, where backends share no memory. Times are
CLOCK_MONOTONIC (the same clock in every process); the file's name holds the
boot id, so a schedule never outlives a reboot. The cluster is told apart by
the backend's working directory, which PostgreSQL sets to the data directory.

Waiting for a turn is interrupts.sleep: it counts against statement_timeout
and ends on a cancel, under any host. A turn taken and not used (a cancel
during the wait) is given back when no later turn has been taken since. A
turn further away than the table's ``retry_max_seconds`` is not taken: the
request is an ERROR at once, instead of a wait that could not end in time.
"""
import fcntl
import os
import re
import stat
import struct
import time

from . import interrupts
from .errors import FdwError
from .urls import show_origin

GUARD = 0.05  # turns are this much further apart than count per unit needs
UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
RATE = re.compile(r"\s*([0-9]+)\s*/\s*([a-z]+)\s*")
STATE = struct.Struct("=dd")  # next free turn, held until (CLOCK_MONOTONIC seconds)


def parse_rate_limit(value):
    """``'50/s'`` -> (50, 1.0): requests per seconds; '' -> None (no limit). ValueError otherwise."""
    if value.strip() == "":
        return None
    found = RATE.fullmatch(value.lower())
    if found is None or found.group(2) not in UNITS or int(found.group(1)) < 1:
        raise ValueError("must be <count>/<unit>, count a whole number from 1, unit one of s, min, "
                         "hour (e.g. 50/s, 3000/min, 5000/hour)")
    return int(found.group(1)), float(UNITS[found.group(2)])


def spacing(rate):
    """Seconds between two turns under ``rate`` (count, seconds)."""
    count, seconds = rate
    return seconds / count * (1 + GUARD)


def _boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as file:
            return file.read().strip()
    except OSError:
        return ""


def _folder():
    """The server's OS user's own folder for schedules; FdwError when it is not safely ours."""
    import tempfile  # here: a backend whose tables have no rate_limit never needs it

    folder = os.path.join(tempfile.gettempdir(), "restcorn-rate-%d" % os.getuid())
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise FdwError("the rate_limit schedules' folder %s is not a private folder of this user"
                       % folder, hint="Remove it; it is made again, mode 0700.")
    return folder


def schedule_path(origin, rate):
    """The schedule file of ``origin`` (scheme, host, port) under ``rate`` (count, seconds), for
    this cluster and boot."""
    import hashlib

    key = "\0".join([os.getcwd(), _boot_id(), *map(str, origin), *map(repr, rate)])
    return os.path.join(_folder(), hashlib.sha256(key.encode()).hexdigest()[:32])


def _update(path, change):
    """Read the (next, held) state of ``path``, write ``change(next, held, now)``'s, return it."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.lockf(descriptor, fcntl.LOCK_EX)
        data = os.pread(descriptor, STATE.size, 0)
        state = STATE.unpack(data) if len(data) == STATE.size else (0.0, 0.0)
        now = time.monotonic()
        new = change(*state, now)
        os.pwrite(descriptor, STATE.pack(*new[:2]), 0)
        return new
    finally:
        os.close(descriptor)  # also releases the lock


def take_turn(origin, rate, budget, sleep=interrupts.sleep):
    """Wait for this request's turn on ``origin``'s schedule under ``rate``; seconds waited.

    ``budget`` (seconds, the table's retry_max_seconds): a turn further away
    is not taken and FdwError is raised at once. A wait ended by an exception
    (a cancel) gives its turn back when no later one has been taken since.
    """
    gap = spacing(rate)
    path = schedule_path(origin, rate)

    def reserve(following, held, now):
        start = max(now, following, held)
        if start - now > budget:
            return following, held, start - now
        return start + gap, held, start - now
    following, _, wait = _update(path, reserve)
    if wait > budget:
        raise FdwError("the next request to %s under rate_limit %d/%gs could be sent only "
                       "in %.0f s, past retry_max_seconds (%g)"
                       % (show_origin(origin), rate[0], rate[1], wait, budget),
                       hint="Raise the table's retry_max_seconds to wait that long, or send "
                            "fewer requests.")
    if wait > 0:
        waited = False
        try:
            sleep(wait)
            waited = True
        finally:
            if not waited:  # a cancel or timeout ended the wait: the turn is not used
                _give_back(path, following, gap)
    return max(wait, 0.0)


def _give_back(path, taken_until, gap):
    """Return the turn ending at ``taken_until`` to the schedule if it is still the last one."""
    def release(following, held, now):
        return (following - gap if following == taken_until else following), held
    _update(path, release)


def hold(origin, rate, seconds, budget):
    """Every backend's next turn on ``origin`` under ``rate`` waits ``seconds`` from now
    (Retry-After), at most ``budget`` seconds (retry_max_seconds)."""
    seconds = min(seconds, budget)

    def extend(following, held, now):
        return following, max(held, now + seconds)
    _update(schedule_path(origin, rate), extend)
