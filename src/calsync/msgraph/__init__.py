"""A client for Microsoft Graph over httpx (no Django here).

:class:`GraphClient` sends requests with retries and typed errors; :mod:`.errors` holds the
error tree (read its docstring), :mod:`.retry` the one retry policy (:class:`RetryPolicy`).
"""

from __future__ import annotations

from calsync.msgraph.client import GraphClient, TokenProvider, ssl_context
from calsync.msgraph.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    GraphError,
    NetworkError,
    NotFound,
    PreconditionFailed,
    RetryBudgetSpent,
    ServerError,
    SyncStateNotFound,
    Throttled,
    Unauthorized,
)
from calsync.msgraph.retry import RetryPolicy

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "GraphClient",
    "GraphError",
    "NetworkError",
    "NotFound",
    "PreconditionFailed",
    "RetryBudgetSpent",
    "RetryPolicy",
    "ServerError",
    "SyncStateNotFound",
    "Throttled",
    "TokenProvider",
    "Unauthorized",
    "ssl_context",
]
