"""A client for Microsoft Graph over httpx (no Django here).

:class:`GraphClient` sends requests with retries and typed errors; :mod:`.errors` holds the
error tree (read its docstring).
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
    ServerError,
    SyncStateNotFound,
    Throttled,
    Unauthorized,
)

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "GraphClient",
    "GraphError",
    "NetworkError",
    "NotFound",
    "PreconditionFailed",
    "ServerError",
    "SyncStateNotFound",
    "Throttled",
    "TokenProvider",
    "Unauthorized",
    "ssl_context",
]
