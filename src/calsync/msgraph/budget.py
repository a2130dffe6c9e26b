"""A per-mailbox request budget that Graph clients ask before every request.

Outlook throttles each (app, mailbox): at most 4 requests in flight and 10,000 requests per
10 minutes, a ``$batch`` counting each of its sub-requests. A client given a
:class:`RequestGate` asks it before each HTTP request (:meth:`RequestGate.admit`, with the
request's cost) and tells it when the answer came (the function ``admit`` returned), so any
number of clients in any number of processes sharing one gate store stay inside those limits
together. This module holds the protocol and the numbers; the stores live with the app (a
Redis one and a database one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

IN_FLIGHT = 4
"""Requests one (app, mailbox) may have in flight at once."""
WINDOW_REQUESTS = 10_000
"""Requests (sub-requests of a ``$batch`` each) one (app, mailbox) may send per window."""
WINDOW_SECONDS = 600
"""The window: ten minutes."""


class RequestGate(Protocol):
    """Admits Graph requests for one (app, mailbox)."""

    def admit(self, cost: int) -> Callable[[], None]:
        """Wait for a free place (at most a short while) and count ``cost`` requests in the
        window; returns the function that frees the place once the answer came. Raises
        :class:`~calsync.msgraph.errors.Throttled` (with ``until``) when the window is full
        or no place frees in time: the caller ends its run as Outlook would make it."""
        ...


def cost_of(method: str, path: str, json: Any) -> int:
    """What a request counts against the window: a ``$batch`` its sub-requests, else 1."""
    if method == "POST" and path.rstrip("/").endswith("/$batch") and isinstance(json, Mapping):
        requests = json.get("requests")
        if isinstance(requests, list) and requests:
            return len(requests)
    return 1
