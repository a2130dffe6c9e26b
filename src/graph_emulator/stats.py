"""Request counters for the control plane's ``GET /_emulator/stats``.

``requests`` counts Graph HTTP requests only (a ``$batch`` is one); ``batch_subrequests``
counts the items of batches; ``by_route`` and ``by_mailbox`` count every Graph operation,
including batch items, keyed ``"GET /me/calendarView/delta"`` (``/users/{user}`` folded into
``/me``) and by the addressed mailbox's email. Thread-safe.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Counters; every method is safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.requests = 0
            self.identity_requests = 0
            self.batch_subrequests = 0
            self.throttled = 0
            self.faults_injected = 0
            self.notifications_sent = 0
            self.by_mailbox: Counter[str] = Counter()
            self.by_route: Counter[str] = Counter()

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_identity(self) -> None:
        with self._lock:
            self.identity_requests += 1

    def count_subrequest(self) -> None:
        with self._lock:
            self.batch_subrequests += 1

    def count_route(self, route_key: str) -> None:
        with self._lock:
            self.by_route[route_key] += 1

    def count_mailbox(self, email: str) -> None:
        with self._lock:
            self.by_mailbox[email] += 1

    def count_throttled(self) -> None:
        with self._lock:
            self.throttled += 1

    def count_fault(self) -> None:
        with self._lock:
            self.faults_injected += 1

    def count_notifications(self, n: int) -> None:
        with self._lock:
            self.notifications_sent += n

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "identity_requests": self.identity_requests,
                "by_mailbox": dict(self.by_mailbox),
                "by_route": dict(self.by_route),
                "batch_subrequests": self.batch_subrequests,
                "throttled": self.throttled,
                "faults_injected": self.faults_injected,
                "notifications_sent": self.notifications_sent,
            }
