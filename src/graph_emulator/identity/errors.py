"""Entra ID's error shapes: the token endpoint's JSON and the authorize endpoint's redirects.

JSON: ``{"error", "error_description": "AADSTS<code>: <text>\\r\\nTrace ID: ...\\r\\n
Correlation ID: ...\\r\\nTimestamp: ...", "error_codes": [code], "timestamp", "trace_id",
"correlation_id", "error_uri"}``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from starlette.responses import JSONResponse

KNOWN_TENANT_ALIASES = ("common", "organizations", "consumers")
CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"


class AadError(Exception):
    """An identity-platform error: ``error`` (OAuth), ``code`` (AADSTS number), ``status``."""

    def __init__(self, error: str, code: int, message: str, status: int = 400) -> None:
        super().__init__(f"AADSTS{code}: {message}")
        self.error = error
        self.code = code
        self.message = message
        self.status = status

    def description(self, correlation_id: str, trace_id: str, timestamp: str) -> str:
        return (
            f"AADSTS{self.code}: {self.message}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        )

    def response(self, correlation_id: str | None = None) -> JSONResponse:
        trace_id = str(uuid.uuid4())
        correlation_id = correlation_id or str(uuid.uuid4())
        now = datetime.now(UTC)
        timestamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        body = {
            "error": self.error,
            "error_description": self.description(correlation_id, trace_id, timestamp),
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }
        return JSONResponse(
            body,
            status_code=self.status,
            headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
        )


def missing(name: str) -> AadError:
    return AadError(
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{name}'.",
    )


def check_tenant(tenant: str, tenant_id: str) -> None:
    """Accept common/organizations/consumers and this world's tenant id; else AADSTS90002."""
    if tenant.lower() in KNOWN_TENANT_ALIASES or tenant.lower() == tenant_id.lower():
        return
    raise AadError(
        "invalid_tenant",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud.",
    )
