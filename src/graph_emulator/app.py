"""The ASGI application: Graph routes, identity routes, control plane, and the middleware
that gives every response a ``request-id`` (echoing ``client-request-id``), counts requests,
draws injected faults for Graph requests and drops connections when a fault says so: before
the request runs (``disconnect_rate``), or after a write succeeded, instead of its answer
(``drop_after_apply_rate``; for a ``$batch``, when one of its write items drew it).

Faults apply to Graph routes only; identity endpoints get the injected latency and nothing
else; the control plane never sees faults.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from graph_emulator import control, identity
from graph_emulator.faults import FaultDecision
from graph_emulator.graph import routes as graph_routes
from graph_emulator.graph.errors import RequestIds, current_request_ids, graph_error
from graph_emulator.graph.routing import (
    BATCH_ITEM_SCOPE_KEY,
    DROP_GATE_SCOPE_KEY,
    FAULT_SCOPE_KEY,
    WRITE_METHODS,
    DropGate,
)
from graph_emulator.loopback import is_loopback_host
from graph_emulator.webhooks import Notifier
from graph_emulator.world import World

log = logging.getLogger("graph_emulator")


def _kind(path: str) -> str:
    if path.startswith("/v1.0/") or path == "/v1.0":
        return "graph"
    if path.startswith("/_emulator"):
        return "control"
    if "/oauth2/" in path or "/.well-known/" in path or "/discovery/" in path:
        return "identity"
    return "other"


RAW_SEND_SCOPE_KEY = "graph_emulator.server_send"


async def drop_connection(scope: Scope) -> bool:
    """Abort the TCP connection of this request (uvicorn's h11 cycle); False if impossible."""
    cycle = getattr(scope.get(RAW_SEND_SCOPE_KEY), "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    transport.abort()
    for _ in range(20):
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0)
    return True


class EmulatorMiddleware:
    """Request ids, stats, fault decisions and the control plane's loopback rule."""

    def __init__(self, app: ASGIApp, world: World) -> None:
        self.app = app
        self.world = world

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = str(uuid.uuid4())
        client_request_id = headers.get("client-request-id") or request_id
        reset_token = current_request_ids.set(RequestIds(request_id, client_request_id))

        async def send_with_ids(message: Any) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["request-id"] = request_id
                response_headers["client-request-id"] = client_request_id
            await send(message)

        try:
            kind = _kind(scope["path"])
            if kind == "control":
                client = scope.get("client")
                if not is_loopback_host(client[0] if client else None):
                    response = JSONResponse(
                        {
                            "error": {
                                "code": "forbidden",
                                "message": "control plane is loopback only",
                            }
                        },
                        status_code=403,
                    )
                    await response(scope, receive, send_with_ids)
                    return
            elif kind == "graph":
                batch_item = bool(scope.get(BATCH_ITEM_SCOPE_KEY))
                if not batch_item:
                    self.world.stats.count_request()
                decision = self.world.faults.decide()
                if batch_item:  # the $batch request paid the network's round trip once
                    decision = replace(decision, latency_s=0.0)
                scope[FAULT_SCOPE_KEY] = decision
                if decision.disconnect and not batch_item and await drop_connection(scope):
                    self.world.stats.count_fault()
                    return
                send_with_ids = self._drop_after_apply(scope, decision, send_with_ids)
            elif kind == "identity":
                self.world.stats.count_identity()
                latency_ms = self.world.faults.settings.latency_ms
                if latency_ms:
                    await asyncio.sleep(latency_ms / 1000.0)
            await self.app(scope, receive, send_with_ids)
        finally:
            current_request_ids.reset(reset_token)

    def _drop_after_apply(self, scope: Scope, decision: FaultDecision, send: Send) -> Send:
        """``send``, watched: a write that succeeds under a drop decision arms the request's
        gate (a batch item: its batch's gate); a request (not an item) whose gate is armed
        when its answer starts loses its connection instead of the answer."""
        batch_item = bool(scope.get(BATCH_ITEM_SCOPE_KEY))
        gate = scope.get(DROP_GATE_SCOPE_KEY) if batch_item else DropGate()
        scope[DROP_GATE_SCOPE_KEY] = gate
        is_batch = scope["path"].rstrip("/").lower().endswith("/$batch")
        drops = decision.drop_after_apply and scope["method"] in WRITE_METHODS and not is_batch
        dropped = False

        async def watched(message: Any) -> None:
            nonlocal dropped
            if message["type"] == "http.response.start" and gate is not None:
                if drops and 200 <= message["status"] < 300:
                    gate.armed = True
                if gate.armed and not batch_item and await drop_connection(scope):
                    self.world.stats.count_fault()
                    dropped = True
            if not dropped:
                await send(message)

        return watched


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if _kind(request.url.path) != "graph":
        detail = getattr(exc, "detail", "Not Found")
        return PlainTextResponse(str(detail), status_code=status)
    if status == 405:
        return graph_error(
            405,
            "BadRequest",
            f"The HTTP method '{request.method}' is not allowed for this resource.",
        )
    segment = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    return graph_error(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


class EmulatorApp(Starlette):
    """Starlette, remembering the server's own ``send`` so a fault can drop the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get(BATCH_ITEM_SCOPE_KEY):
            scope[RAW_SEND_SCOPE_KEY] = send
        await super().__call__(scope, receive, send)


def create_app(world: World, *, start_notifier: bool = True) -> Starlette:
    """The whole emulator as one Starlette app; ``app.state.world`` is ``world``."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        notifier = Notifier(world) if start_notifier else None
        app.state.notifier = notifier
        if notifier is not None:
            notifier.start()
        try:
            yield
        finally:
            if notifier is not None:
                notifier.stop()

    app = EmulatorApp(
        routes=[*control.ROUTES, *identity.routes(), *graph_routes()],
        exception_handlers={404: _not_found, 405: _not_found},
        lifespan=lifespan,
    )
    app.state.world = world
    app.add_middleware(EmulatorMiddleware, world=world)
    return app
