"""One person's requests take a fair share of the server, not all of it.

calsync serves from one process whose threads share the interpreter: a person who sends
many costly requests at once (a script, or an attacker) would slow everyone else's. So at
most ``CALSYNC_REQUESTS_AT_ONCE`` (2) requests of one person run at a time; the next ones
wait their turn, in order, and beyond ``CALSYNC_REQUESTS_WAITING`` (6) waiting, or after
``WAIT_SECONDS`` of waiting, a request is answered at once with a 429 that says why, with
``Retry-After``.

A person is the signed-in user (session or API token). Requests of nobody signed in (the
sign-in page, the change-notification webhook) are not counted: behind a proxy whose
forwarded headers are not trusted they would all share the proxy's address, and one
stranger could keep everyone from signing in; their cost is bounded instead by the sign-in
throttle and the webhook's per-source limits. Static files are served before this
(WhiteNoise) and are not counted either. The server's thread count
(``calsync run --threads``) must leave room for the other people while one person's
requests wait: it defaults to 32.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from calsync.accounts.tokens import user_for_request_token

WAIT_SECONDS = 10.0
"""The longest a request waits for its turn before its 429."""


@dataclass
class _Lane:
    """One person's requests: ``turns`` running at once, ``present`` running or waiting."""

    turns: threading.Semaphore
    present: int = 0


@dataclass
class FairShare:
    """Turns per person: at most ``running`` requests of a key at a time, ``waiting`` more
    queued (thread-safe)."""

    running: int
    waiting: int
    _lanes: dict[str, _Lane] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, key: str, timeout: float = WAIT_SECONDS) -> bool:
        """Wait for a turn of ``key``; False (no turn taken) when too many are waiting
        already or the wait passed ``timeout``. A True must be followed by :meth:`leave`."""
        with self._lock:
            lane = self._lanes.setdefault(key, _Lane(threading.Semaphore(self.running)))
            if lane.present >= self.running + self.waiting:
                return False
            lane.present += 1
        if lane.turns.acquire(timeout=timeout):
            return True
        self._gone(key, lane)
        return False

    def leave(self, key: str) -> None:
        """End a turn taken by :meth:`enter`."""
        lane = self._lanes[key]
        lane.turns.release()
        self._gone(key, lane)

    def _gone(self, key: str, lane: _Lane) -> None:
        with self._lock:
            lane.present -= 1
            if lane.present == 0:  # nobody holds or waits for its turns: forget it
                del self._lanes[key]


def person_of(request: HttpRequest) -> str | None:
    """Whose request this is: the session's user, the API token's (an active user's: the
    one lookup DRF's authentication reuses), else None."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() == "token" and token.strip():
        owner = user_for_request_token(request, token.strip())  # DRF then reuses it
        if owner is not None:
            return f"user:{owner.pk}"
    return None


class FairShareMiddleware:
    """Runs each request in its person's turn (see module); 429 when none comes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.share = FairShare(settings.CALSYNC_REQUESTS_AT_ONCE, settings.CALSYNC_REQUESTS_WAITING)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = person_of(request)
        if key is None:
            return self.get_response(request)
        if not self.share.enter(key):
            return _busy()
        try:
            return self.get_response(request)
        finally:
            self.share.leave(key)


def _busy() -> HttpResponse:
    answer = JsonResponse(
        {
            "detail": _(
                "You have too many requests in progress at once: wait for them to finish, "
                "then try again."
            )
        },
        status=429,
    )
    answer["Retry-After"] = "1"
    return answer
