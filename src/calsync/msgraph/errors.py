"""Typed Microsoft Graph errors.

The tree::

    GraphError                 any failed Graph call; .status, .code, .message, .request_id
     +-- NetworkError          no HTTP answer at all (connection refused, dropped, timed out)
     +-- BadRequest            400
     +-- Unauthorized          401 (expired, invalid or revoked access token)
     +-- Forbidden             403
     +-- NotFound              404
     +-- Conflict              409
     +-- SyncStateNotFound     410 (a delta/sync token Graph no longer knows: start a new round)
     +-- PreconditionFailed    412 (If-Match: the item changed since it was read)
     +-- Throttled             come back later: .retry_after (seconds), .until (UTC datetime);
     |    |                    429 after the retries, or a Retry-After longer than the client
     |    |                    waits (whatever the status), or a client still inside one
     |    +-- RetryBudgetSpent the client's retries budget (one per sync run) is spent
     +-- ServerError           5xx; .retry_after when Graph sent one

``code`` and ``message`` are Graph's own (``{"error": {"code", "message"}}``); callers branch on
the class or on ``code``, never on ``message``. A caller that must end a run politely catches
:class:`Throttled` and comes back at its ``until``. No error ever carries a request's headers, so an
access token cannot leak through an exception's text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx


class GraphError(Exception):
    """A Graph request failed. ``status`` is the HTTP status (``None`` without an answer)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        request_id: str = "",
        retry_after: float | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body

    def __str__(self) -> str:
        parts = [str(self.status) if self.status is not None else "no response"]
        if self.code:
            parts.append(self.code)
        return f"{' '.join(parts)}: {self.message}"


class NetworkError(GraphError):
    """The request got no HTTP answer (connection refused or dropped, timeout)."""


class BadRequest(GraphError):
    """400: Graph refused the request as malformed."""


class Unauthorized(GraphError):
    """401: the access token is missing, expired or revoked."""


class Forbidden(GraphError):
    """403: the token lacks a permission, or the mailbox is not the caller's."""


class NotFound(GraphError):
    """404: no such item (or not visible to this caller)."""


class Conflict(GraphError):
    """409: the write conflicts with the item's current state."""


class SyncStateNotFound(GraphError):
    """410: the delta/sync state expired or is unknown; a fresh round is needed."""


class PreconditionFailed(GraphError):
    """412: ``If-Match`` did not match the item's current etag."""


class Throttled(GraphError):
    """Graph wants us to come back later: ``retry_after`` seconds from now, at ``until``.

    Raised for a 429 still refused after the client's retries, for any answer whose
    ``Retry-After`` is longer than the client will wait (nothing was slept), and for every
    request of a client that is still inside such a wait (nothing was sent). ``until`` is
    ``now + retry_after`` (UTC) unless given; ``None`` when Graph named no time."""

    def __init__(self, message: str, *, until: datetime | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        if until is None and self.retry_after is not None:
            until = datetime.now(UTC) + timedelta(seconds=self.retry_after)
        self.until = until


class RetryBudgetSpent(Throttled):
    """The client's budget of retries (a count and seconds of waiting) is spent: the call
    failed with an error worth retrying, and was not retried. ``status``/``code`` are those
    of that last answer (``None``/"" when there was none); ``until`` is when the retry
    would have gone."""


class ServerError(GraphError):
    """5xx: Graph (or a gateway in front of it) failed."""


_BY_STATUS: dict[int, type[GraphError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: SyncStateNotFound,
    412: PreconditionFailed,
    429: Throttled,
}


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds (fractional
    allowed) or an HTTP date (seconds from ``now``, default the clock; a past date is 0);
    ``None`` if absent or unreadable (NaN, negative, garbage)."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return _seconds_until_date(value.strip(), now)
    if seconds != seconds or seconds < 0 or seconds == float("inf"):  # NaN, negative, inf
        return None
    return seconds


def _seconds_until_date(value: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_class_for(status: int) -> type[GraphError]:
    """The error class for an HTTP status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, GraphError)


def error_from_response(response: httpx.Response) -> GraphError:
    """Build the typed error for a failed ``response``, reading Graph's error envelope."""
    body: Any = None
    code = ""
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        code = str(error.get("code") or "")
        message = str(error.get("message") or "")
        inner = error.get("innerError") or error.get("innererror") or {}
        request_id = str(inner.get("request-id") or "") if isinstance(inner, dict) else ""
    else:
        request_id = ""
    request_id = response.headers.get("request-id", request_id)
    if not message:
        message = response.reason_phrase or f"HTTP {response.status_code}"
    cls = error_class_for(response.status_code)
    return cls(
        message,
        status=response.status_code,
        code=code,
        request_id=request_id,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        body=body,
    )
