"""Outlook's throttling model, per (app id, mailbox).

* at most ``mailbox_concurrency`` requests in flight (default 4): the next one is answered
  429 ``ApplicationThrottled`` "Application is over its MailboxConcurrency limit.";
* at most ``requests_per_10_minutes`` requests (default 10,000) in a rolling 10-minute window
  of the world clock: the next is answered 429 ``TooManyRequests`` with a ``Retry-After`` that
  says when the oldest request leaves the window. Throttled attempts are not added to the
  window (so ``Retry-After`` is exact; Graph may count them, the docs say "usage accrues").
Limits are read from the fault plan at each call, so ``PUT /_emulator/faults`` applies at once.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from graph_emulator.faults import FaultPlan

WINDOW = timedelta(minutes=10)
Key = tuple[str, str]


class Throttled(Exception):
    """A request over a limit; carries Graph's code, message and Retry-After seconds."""

    def __init__(self, code: str, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


class Throttle:
    """Concurrency slots and rolling windows per (app, mailbox)."""

    def __init__(self, faults: FaultPlan, clock: Callable[[], datetime]) -> None:
        self._faults = faults
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight: defaultdict[Key, int] = defaultdict(int)
        self._window: defaultdict[Key, deque[datetime]] = defaultdict(deque)

    def reset(self) -> None:
        with self._lock:
            self._in_flight.clear()
            self._window.clear()

    def acquire(self, key: Key) -> None:
        """Take a slot or raise Throttled; pair with ``release``."""
        settings = self._faults.settings
        now = self._clock()
        with self._lock:
            if self._in_flight[key] >= settings.mailbox_concurrency:
                raise Throttled(
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                    settings.retry_after,
                )
            window = self._window[key]
            while window and window[0] <= now - WINDOW:
                window.popleft()
            if len(window) >= settings.requests_per_10_minutes:
                wait = (window[0] + WINDOW - now).total_seconds()
                raise Throttled(
                    "TooManyRequests", "Please retry again later.", max(1, math.ceil(wait))
                )
            window.append(now)
            self._in_flight[key] += 1

    def release(self, key: Key) -> None:
        with self._lock:
            self._in_flight[key] -= 1
            if self._in_flight[key] <= 0:
                del self._in_flight[key]

    @contextmanager
    def slot(self, key: Key) -> Iterator[None]:
        self.acquire(key)
        try:
            yield
        finally:
            self.release(key)

    def in_flight(self, key: Key) -> int:
        with self._lock:
            return self._in_flight.get(key, 0)
