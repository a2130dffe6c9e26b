"""``POST /v1.0/$batch``: JSON batching with Graph's limits and shapes.

* at most 20 requests (more -> 400); ``id`` required, unique case-insensitively (else 400);
  ``method`` and a relative ``url`` required; ``headers`` must carry ``Content-Type`` when a
  ``body`` is present; ``dependsOn`` may name one earlier-or-later request (the documented
  limitation; more than one -> 400), no cycles;
* each item is dispatched in-process through the same ASGI app (so every route works inside a
  batch, with its own auth, throttling and per-item injected faults) carrying the batch's
  ``Authorization``; at most 4 items run at once (Outlook's rule);
* an item whose dependency did not succeed gets 424; throttled items carry their 429 and
  ``Retry-After`` in their own headers; the batch itself answers 200;
* ``drop_after_apply_rate`` is drawn per item: when a write item drawn to drop succeeds,
  every item still runs, then the connection of the whole batch is dropped before its answer
  (the batch's own draw is not used: the batch writes nothing of its own);
* responses come back in a shuffled order (seeded by the fault plan's seed when set);
* the batch counts as one request in ``stats.requests``; its items count in
  ``batch_subrequests`` and, like any call, in ``by_route`` / ``by_mailbox``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import random
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Scope

from graph_emulator.faults import NO_FAULT, FaultDecision
from graph_emulator.graph.errors import GRAPH_JSON, GraphError, error_body
from graph_emulator.graph.routing import (
    BATCH_ITEM_SCOPE_KEY,
    DROP_GATE_SCOPE_KEY,
    FAULT_SCOPE_KEY,
    authenticate,
    fault_error,
)

MAX_REQUESTS = 20
MAX_PARALLEL = 4
METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"}
_DROP_HEADERS = {"content-length", "date", "server", "transfer-encoding", "connection"}


def _bad(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


@dataclass
class Item:
    id: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    depends_on: list[str]
    done: asyncio.Event = field(default_factory=asyncio.Event)
    result: dict[str, Any] | None = None


def _body_bytes(value: Any, where: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, dict | list):
        return json.dumps(value).encode()
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _bad(f"{where}.body: a string body must be base64-encoded.") from None
    raise _bad(f"{where}.body: must be a JSON object or a base64 string.")


def parse_items(payload: Any) -> list[Item]:
    """Validate the batch payload; raises GraphError 400 naming the offending field."""
    if not isinstance(payload, dict) or not isinstance(payload.get("requests"), list):
        raise _bad("Invalid batch payload format: 'requests' must be an array.")
    raw_items = payload["requests"]
    if not raw_items:
        raise _bad("Invalid batch payload format: 'requests' is empty.")
    if len(raw_items) > MAX_REQUESTS:
        raise _bad(
            f"The number of requests in the batch ({len(raw_items)}) exceeds {MAX_REQUESTS}."
        )
    items: list[Item] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        where = f"requests[{index}]"
        if not isinstance(raw, dict):
            raise _bad(f"{where}: must be an object.")
        item_id = raw.get("id")
        if not isinstance(item_id, str) or not item_id:
            raise _bad(f"{where}.id: is required and must be a string.")
        if item_id.lower() in seen:
            raise _bad(f"{where}.id: the id '{item_id}' is not unique in the batch.")
        seen.add(item_id.lower())
        method = raw.get("method")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise _bad(f"{where}.method: is required and must be an HTTP method.")
        url = raw.get("url")
        if not isinstance(url, str) or not url.strip():
            raise _bad(f"{where}.url: is required.")
        if urllib.parse.urlsplit(url).scheme or url.startswith("//"):
            raise _bad(f"{where}.url: must be relative to the version root, e.g. /me/events.")
        headers = raw.get("headers") or {}
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise _bad(f"{where}.headers: must be an object of strings.")
        headers = {k.lower(): v for k, v in headers.items()}
        body = _body_bytes(raw.get("body"), where)
        if raw.get("body") is not None and "content-type" not in headers:
            raise _bad(f"{where}.headers: Content-Type is required when a body is present.")
        depends_on = raw.get("dependsOn") or []
        if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
            raise _bad(f"{where}.dependsOn: must be an array of request ids.")
        if len(depends_on) > 1:
            raise _bad(f"{where}.dependsOn: a request may depend on one other request only.")
        items.append(Item(item_id, method.upper(), url.strip(), headers, body, depends_on))
    by_id = {item.id.lower(): item for item in items}
    for index, item in enumerate(items):
        for dep in item.depends_on:
            if dep.lower() not in by_id or dep.lower() == item.id.lower():
                raise _bad(f"requests[{index}].dependsOn: unknown request id '{dep}'.")
    _check_acyclic(by_id)
    return items


def _check_acyclic(by_id: dict[str, Item]) -> None:
    for start in by_id.values():
        seen = {start.id.lower()}
        current = start
        while current.depends_on:
            nxt = current.depends_on[0].lower()
            if nxt in seen:
                raise _bad(f"dependsOn: the requests form a cycle through '{start.id}'.")
            seen.add(nxt)
            current = by_id[nxt]


def _sub_scope(parent: Scope, item: Item) -> Scope:
    relative = item.url if item.url.startswith("/") else f"/{item.url}"
    parts = urllib.parse.urlsplit(relative)
    raw_path = f"/v1.0{parts.path}"
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in item.headers.items()]
    names = {k for k, _ in headers}
    for name, value in parent["headers"]:
        if name in {b"host", b"authorization", b"user-agent"} and name not in names:
            headers.append((name, value))
    headers.append((b"content-length", str(len(item.body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": item.method,
        "scheme": parent.get("scheme", "https"),
        "server": parent.get("server"),
        "client": parent.get("client"),
        "root_path": "",
        "path": urllib.parse.unquote(raw_path),
        "raw_path": raw_path.encode(),
        "query_string": parts.query.encode(),
        "headers": headers,
        "extensions": {},
        BATCH_ITEM_SCOPE_KEY: True,
        DROP_GATE_SCOPE_KEY: parent.get(DROP_GATE_SCOPE_KEY),
    }


async def _dispatch(app: Any, parent: Scope, item: Item) -> dict[str, Any]:
    """Run one item through the app in-process and capture its response."""
    body_sent = False
    status = 500
    response_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal body_sent
        if body_sent:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}
        body_sent = True
        return {"type": "http.request", "body": item.body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for key, value in message.get("headers", []):
                name = key.decode("latin-1")
                if name.lower() not in _DROP_HEADERS:
                    response_headers[name] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(_sub_scope(parent, item), receive, send)
    result: dict[str, Any] = {"id": item.id, "status": status, "headers": response_headers}
    raw = b"".join(chunks)
    if raw:
        content_type = response_headers.get("content-type", "")
        if "json" in content_type:
            result["body"] = json.loads(raw)
        else:
            result["body"] = base64.b64encode(raw).decode()
    return result


def _failed_dependency(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "status": 424,
        "headers": {"Content-Type": "application/json"},
        "body": error_body("FailedDependency", "Dependent request failed."),
    }


async def batch(request: Request) -> Response:
    world = request.app.state.world
    world.stats.count_route("POST /$batch")
    try:
        authenticate(world, request)
        decision: FaultDecision = request.scope.get(FAULT_SCOPE_KEY, NO_FAULT)
        if decision.latency_s:
            await asyncio.sleep(decision.latency_s)
        if decision.error_status is not None:
            world.stats.count_fault()
            injected = fault_error(
                FaultDecision(error_status=decision.error_status), world.faults.settings.retry_after
            )
            assert injected is not None
            raise injected
        try:
            payload = json.loads(await request.body())
        except ValueError:
            raise _bad("Invalid batch payload format: the body is not JSON.") from None
        items = parse_items(payload)
    except GraphError as exc:
        return exc.to_response()

    by_id = {item.id.lower(): item for item in items}
    limiter = asyncio.Semaphore(MAX_PARALLEL)
    app = request.app

    async def run(item: Item) -> None:
        try:
            for dep in item.depends_on:
                parent = by_id[dep.lower()]
                await parent.done.wait()
                assert parent.result is not None
                if not 200 <= parent.result["status"] < 300:
                    item.result = _failed_dependency(item)
                    return
            async with limiter:
                world.stats.count_subrequest()
                item.result = await _dispatch(app, request.scope, item)
        finally:
            item.done.set()

    await asyncio.gather(*(run(item) for item in items))
    responses = [item.result for item in items]
    seed = world.faults.settings.seed
    random.Random(seed).shuffle(responses)  # noqa: S311 - order only
    return JSONResponse({"responses": responses}, media_type=GRAPH_JSON)


ROUTES = [Route("/v1.0/$batch", batch, methods=["POST"])]
