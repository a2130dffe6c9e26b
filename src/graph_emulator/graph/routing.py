"""Route helpers that give every Graph endpoint auth, addressing, throttling and faults.

``mailbox_route(suffix, endpoint, methods)`` serves ``/v1.0/me{suffix}`` and
``/v1.0/users/{user}{suffix}``; ``graph_route(path, endpoint, methods)`` serves ``/v1.0{path}``
addressed to the caller. ``endpoint(ctx: GraphContext) -> Response`` is a plain sync function
(run in a worker thread) that may raise ``GraphError``. Around it, in this order:

1. ``by_route`` stats under the ``/me`` form of the template (``GET /me/events/{event_id}``);
2. Bearer auth: missing/unknown/expired/revoked token -> 401 ``InvalidAuthenticationToken``
   with ``WWW-Authenticate``;
3. addressing: unknown ``{user}`` -> 404 ``ErrorInvalidUser``; a delegated token addressing
   another user's mailbox -> 403 ``ErrorAccessDenied``; ``by_mailbox`` stats;
4. a throttle slot per (app id, mailbox) -> 429 with ``Retry-After``;
5. injected faults drawn by the middleware for this request (latency inside the slot, then
   random 429 / 503 / 504);
6. the endpoint. An unexpected exception becomes a logged 500 ``generalException``.

Paths match case-insensitively, as Graph's do; path parameter values keep their case.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graph_emulator.faults import NO_FAULT, FaultDecision
from graph_emulator.graph.context import GraphContext, Prefer
from graph_emulator.graph.errors import GraphError
from graph_emulator.throttle import Throttled

if TYPE_CHECKING:
    from graph_emulator.directory import User
    from graph_emulator.identity.state import AccessToken
    from graph_emulator.world import World

log = logging.getLogger("graph_emulator.graph")

Endpoint = Callable[[GraphContext], Response]
FAULT_SCOPE_KEY = "graph_emulator.fault"
BATCH_ITEM_SCOPE_KEY = "graph_emulator.batch_item"
DROP_GATE_SCOPE_KEY = "graph_emulator.drop_gate"
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class DropGate:
    """Whether the answer of one HTTP request must be dropped (``drop_after_apply_rate``):
    armed when a write it carried (itself, or one of its ``$batch`` items) was applied under
    a decision to drop. The batch's items share their batch's gate."""

    def __init__(self) -> None:
        self.armed = False


GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def format_retry_after(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}"


def _route(path: str, handler: Callable, methods: list[str]) -> Route:
    route = Route(path, handler, methods=methods)
    route.path_regex = re.compile(route.path_regex.pattern, re.IGNORECASE)
    return route


def mailbox_route(suffix: str, endpoint: Endpoint, methods: list[str]) -> list[Route]:
    """Routes for ``/v1.0/me{suffix}`` and ``/v1.0/users/{user}{suffix}``."""
    handler = _graph_handler(endpoint, f"/me{suffix}", addressed=True)
    return [
        _route(f"/v1.0/me{suffix}", handler, methods),
        _route(f"/v1.0/users/{{user}}{suffix}", handler, methods),
    ]


def graph_route(path: str, endpoint: Endpoint, methods: list[str]) -> list[Route]:
    """A route for ``/v1.0{path}`` whose mailbox is the caller's own."""
    return [_route(f"/v1.0{path}", _graph_handler(endpoint, path, addressed=False), methods)]


def _unauthenticated(
    request: Request, message: str, *, revoked_at: float | None = None
) -> GraphError:
    host = request.headers.get("host", "login.microsoftonline.com")
    challenge = (
        f'Bearer realm="", authorization_uri="https://{host}/common/oauth2/authorize", '
        f'client_id="{GRAPH_APP_ID}"'
    )
    if revoked_at is not None:
        claims = {"access_token": {"nbf": {"essential": True, "value": str(int(revoked_at))}}}
        encoded = base64.b64encode(json.dumps(claims).encode()).decode()
        challenge += f', error="insufficient_claims", claims="{encoded}"'
    return GraphError(401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": challenge})


def authenticate(world: World, request: Request) -> tuple[AccessToken, User]:
    """The access token and its user, or GraphError 401."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise _unauthenticated(request, "Access token is empty.")
    with world.lock:
        token = world.identity.access_tokens.get(value)
        now = world.clock()
        if token is None:
            raise _unauthenticated(request, "Access token validation failure. Invalid audience.")
        if token.revoked or world.identity.is_revoked(token.grant_id):
            raise _unauthenticated(
                request,
                "Continuous access evaluation resulted in challenge with result: "
                "InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp",
                revoked_at=now.timestamp(),
            )
        if token.expires_at <= now or token.issued_at > now:
            raise _unauthenticated(request, "Access token has expired or is not yet valid.")
        user = world.directory.users.get(token.user_id)
        if user is None:
            raise _unauthenticated(request, "Access token validation failure. Invalid audience.")
    return token, user


def resolve_mailbox(world: World, request: Request, caller: User) -> User:
    """The user ``{user}`` names (id or email), or the caller for ``/me``."""
    key = request.path_params.get("user")
    if key is None:
        return caller
    with world.lock:
        user = world.directory.find_user(key)
    if user is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
    if user.id != caller.id:
        raise GraphError(
            403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
        )
    return user


def fault_error(decision: FaultDecision, retry_after: float) -> GraphError | None:
    """The injected failure for a request, if its decision holds one."""
    retry = {"Retry-After": format_retry_after(retry_after)}
    if decision.throttle:
        return GraphError(429, "TooManyRequests", "Please retry again later.", retry)
    if decision.error_status == 503:
        return GraphError(503, "serviceNotAvailable", "Service Unavailable", retry)
    if decision.error_status == 504:
        return GraphError(504, "UnknownError", "Gateway Timeout")
    return None


def _graph_handler(endpoint: Endpoint, template: str, *, addressed: bool) -> Callable:
    async def handler(request: Request) -> Response:
        world: World = request.app.state.world
        world.stats.count_route(f"{request.method} {template}")
        try:
            token, caller = authenticate(world, request)
            mailbox = resolve_mailbox(world, request, caller) if addressed else caller
            world.stats.count_mailbox(mailbox.email)
            key = (token.client_id, mailbox.id)
            try:
                world.throttle.acquire(key)
            except Throttled as exc:
                world.stats.count_throttled()
                raise GraphError(
                    429, exc.code, exc.message, {"Retry-After": format_retry_after(exc.retry_after)}
                ) from None
            try:
                decision: FaultDecision = request.scope.get(FAULT_SCOPE_KEY, NO_FAULT)
                if decision.latency_s:  # the network's round trip
                    await asyncio.sleep(decision.latency_s)
                started = time.monotonic()  # the server's time, its own work included
                injected = fault_error(decision, world.faults.settings.retry_after)
                if injected is not None:
                    world.stats.count_fault()
                    await _spend(decision, started)
                    raise injected
                ctx = GraphContext(
                    request=request,
                    world=world,
                    caller=caller,
                    mailbox=mailbox,
                    token=token,
                    body=await request.body(),
                    prefer=Prefer(request.headers.getlist("prefer")),
                )
                try:
                    return await run_in_threadpool(endpoint, ctx)
                finally:
                    await _spend(decision, started)
            finally:
                world.throttle.release(key)
        except GraphError as exc:
            return exc.to_response()
        except Exception:
            log.exception("Graph endpoint %s %s failed", request.method, template)
            return GraphError(500, "generalException", "An internal error occurred.").to_response()

    handler.__name__ = f"graph {template}"
    return handler


async def _spend(decision: FaultDecision, started: float) -> None:
    """Wait until the server's time for the operation (``processing_s``) has passed since
    ``started``: the time its work took counts in it (a slow machine adds none on top)."""
    left = decision.processing_s - (time.monotonic() - started)
    if left > 0:
        await asyncio.sleep(left)
