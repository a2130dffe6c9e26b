"""Graph's error envelope, and the exception model code raises to produce it.

``{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}``.
The request ids come from a context variable the request-id middleware sets for each request
(it propagates into the worker threads that run sync endpoints).
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.responses import JSONResponse

GRAPH_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)


@dataclass(frozen=True)
class RequestIds:
    request_id: str
    client_request_id: str


current_request_ids: ContextVar[RequestIds | None] = ContextVar("request_ids", default=None)


def request_ids() -> RequestIds:
    """The ids of the request being served (fresh ones outside a request)."""
    ids = current_request_ids.get()
    if ids is None:
        fresh = str(uuid.uuid4())
        ids = RequestIds(fresh, fresh)
    return ids


class GraphError(Exception):
    """Raise anywhere under a Graph route to answer with Graph's error envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def to_response(self) -> JSONResponse:
        return graph_error(self.status, self.code, self.message, self.headers)


def error_body(code: str, message: str) -> dict[str, object]:
    ids = request_ids()
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": ids.request_id,
                "client-request-id": ids.client_request_id,
            },
        }
    }


def graph_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSONResponse carrying Graph's error envelope."""
    return JSONResponse(
        error_body(code, message), status_code=status, headers=headers, media_type=GRAPH_JSON
    )
