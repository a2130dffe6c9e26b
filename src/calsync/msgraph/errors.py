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
     +-- Throttled             429 still refused after the client's bounded retries; .retry_after
     +-- ServerError           5xx; .retry_after when Graph sent one

``code`` and ``message`` are Graph's own (``{"error": {"code", "message"}}``); callers branch on
the class or on ``code``, never on ``message``. No error ever carries a request's headers, so an
access token cannot leak through an exception's text.
"""

from __future__ import annotations

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
    """429 after the client's retries ran out; ``retry_after`` says how long to wait."""


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


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (fractional allowed); ``None`` if absent or not a
    number of seconds (an HTTP date is not used by Graph and is ignored)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return seconds


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
