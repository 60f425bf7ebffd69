"""A record of recent requests, so tests can see exactly what a query pushed down to the service."""

import threading
from collections import deque

CAPACITY = 10000


class RequestLog:
    """Thread-safe; keeps the newest CAPACITY entries."""

    def __init__(self, capacity: int = CAPACITY):
        self._entries: deque[dict] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def append(self, entry: dict) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
