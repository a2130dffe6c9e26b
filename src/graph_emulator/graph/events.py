"""Graph routes for events: ``/events`` list and create, ``/events/{id}`` read/update/delete.

Also the helpers the other calendar route modules share (error mapping, ``Prefer``
handling, collection paging and responses).

Choices (see also ``graph_emulator.calendar``): POST repeating a live event's
``transactionId`` answers 201 with that first event, unchanged; ``If-Match`` with a stale
etag answers 412 ``ErrorIrresolvableConflict``; ``Prefer: IdType="ImmutableId"`` is
accepted and echoed (ids never change here); an unknown ``Prefer: outlook.timezone`` is
ignored (UTC, no ``Preference-Applied``); ``GET /events`` pages by 10 with ``$skip``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response

from graph_emulator.calendar import CalendarError, CalendarStore, View
from graph_emulator.calendar.model import Instance
from graph_emulator.calendar.query import (
    parse_expand,
    parse_filter,
    parse_int,
    parse_orderby,
    parse_select,
)
from graph_emulator.calendar.serialize import event_json
from graph_emulator.calendar.timezones import UTC_ZONE, find_zone
from graph_emulator.graph.context import GraphContext
from graph_emulator.graph.errors import GRAPH_JSON, GraphError
from graph_emulator.graph.routing import mailbox_route

_SAFE = "$()=',"
DEFAULT_TOP = 10
MAX_TOP = 1000

Endpoint = Callable[[GraphContext], Response]


# --- shared helpers ---------------------------------------------------------------------
def calendar_endpoint(endpoint: Endpoint) -> Endpoint:
    """Run ``endpoint`` under the world's lock; CalendarError -> Graph's error envelope."""

    @functools.wraps(endpoint)
    def wrapper(ctx: GraphContext) -> Response:
        try:
            with ctx.world.lock:
                return endpoint(ctx)
        except CalendarError as exc:
            raise GraphError(exc.status, exc.code, exc.message) from None

    return wrapper


def store_of(ctx: GraphContext) -> CalendarStore:
    store = ctx.world.calendars
    if store is None:
        raise GraphError(503, "serviceNotAvailable", "The calendar service is not available.")
    return store


def prefer_view(ctx: GraphContext, *, query_options: bool = True) -> tuple[View, list[str]]:
    """The rendering the request asks for, and the ``Preference-Applied`` entries."""
    applied: list[str] = []
    zone = UTC_ZONE
    zone_name = ctx.prefer.get("outlook.timezone")
    if zone_name:
        found = find_zone(zone_name)
        if found is not None:
            zone = found
            applied.append(f'outlook.timezone="{zone_name}"')
    body_type = None
    wanted_body = (ctx.prefer.get("outlook.body-content-type") or "").lower()
    if wanted_body in ("text", "html"):
        body_type = wanted_body
        applied.append(f'outlook.body-content-type="{wanted_body}"')
    id_type = ctx.prefer.get("IdType")
    if id_type and id_type.lower() in ("immutableid", "restid"):
        applied.append(f'IdType="{id_type}"')
    select = expand_ids = None
    expand_exceptions = False
    if query_options:
        select = parse_select(ctx.query.get("$select"))
        expand_ids, expand_exceptions = parse_expand(ctx.query.get("$expand"))
    return View(zone, body_type, select, expand_ids, expand_exceptions), applied


def graph_json(
    body: Any,
    status: int = 200,
    applied: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    all_headers = dict(headers or {})
    if applied:
        all_headers["Preference-Applied"] = ", ".join(applied)
    return JSONResponse(body, status_code=status, headers=all_headers, media_type=GRAPH_JSON)


def empty(status: int, applied: list[str] | None = None) -> Response:
    headers = {"Preference-Applied": ", ".join(applied)} if applied else None
    return Response(status_code=status, headers=headers)


def context_url(ctx: GraphContext, tail: str) -> str:
    return f"{ctx.base_url}/$metadata#users('{ctx.mailbox.id}'){tail}"


def request_url(ctx: GraphContext, params: dict[str, str]) -> str:
    """This request's URL (same path, so ``/users/{id}`` stays) with new query ``params``."""
    base = str(ctx.request.base_url).rstrip("/") + ctx.request.url.path
    return f"{base}?{urlencode(params, safe=_SAFE)}" if params else base


def paged_collection(
    ctx: GraphContext,
    instances: list[Instance],
    view: View,
    applied: list[str],
    context_tail: str,
) -> Response:
    """Apply ``$filter``/``$orderby``/``$skip``/``$top`` and answer a collection page."""
    predicate = parse_filter(ctx.query.get("$filter"))
    if predicate is not None:
        instances = [inst for inst in instances if predicate(inst)]
    order = parse_orderby(ctx.query.get("$orderby"))
    if order is not None:
        key, descending = order
        instances = sorted(instances, key=key, reverse=descending)
    top = parse_int(ctx.query.get("$top"), "$top", low=1, high=MAX_TOP)
    if top is None:
        top = DEFAULT_TOP
        raw_size = ctx.prefer.get("odata.maxpagesize") or ""
        if raw_size.isdigit() and int(raw_size) > 0:
            top = min(int(raw_size), MAX_TOP)
            applied = [*applied, f"odata.maxpagesize={top}"]
    skip = parse_int(ctx.query.get("$skip"), "$skip", low=0, high=10**9) or 0
    page = instances[skip : skip + top]
    body: dict[str, Any] = {
        "@odata.context": context_url(ctx, context_tail),
        "value": [event_json(inst, view) for inst in page],
    }
    if skip + top < len(instances):
        params = dict(ctx.query.items())
        params["$skip"] = str(skip + top)
        body["@odata.nextLink"] = request_url(ctx, params)
    return graph_json(body, applied=applied)


# --- endpoints --------------------------------------------------------------------------
@calendar_endpoint
def list_events(ctx: GraphContext) -> Response:
    view, applied = prefer_view(ctx)
    instances = store_of(ctx).list_events(ctx.mailbox.id)
    return paged_collection(ctx, instances, view, applied, "/events")


@calendar_endpoint
def create_event(ctx: GraphContext) -> Response:
    view, applied = prefer_view(ctx, query_options=False)
    inst, _created = store_of(ctx).create_event(ctx.mailbox.id, ctx.json_body())
    body = {"@odata.context": context_url(ctx, "/events/$entity"), **event_json(inst, view)}
    location = f"{ctx.base_url}/users/{ctx.mailbox.id}/events/{inst.id}"
    return graph_json(body, 201, applied, {"Location": location})


@calendar_endpoint
def get_event(ctx: GraphContext) -> Response:
    view, applied = prefer_view(ctx)
    inst = store_of(ctx).get_event(ctx.mailbox.id, ctx.path_params["event_id"])
    body = {"@odata.context": context_url(ctx, "/events/$entity"), **event_json(inst, view)}
    return graph_json(body, applied=applied)


@calendar_endpoint
def update_event(ctx: GraphContext) -> Response:
    view, applied = prefer_view(ctx, query_options=False)
    inst = store_of(ctx).update_event(
        ctx.mailbox.id,
        ctx.path_params["event_id"],
        ctx.json_body(),
        if_match=ctx.headers.get("if-match"),
    )
    body = {"@odata.context": context_url(ctx, "/events/$entity"), **event_json(inst, view)}
    return graph_json(body, applied=applied)


@calendar_endpoint
def delete_event(ctx: GraphContext) -> Response:
    _view, applied = prefer_view(ctx, query_options=False)
    store_of(ctx).delete_event(
        ctx.mailbox.id, ctx.path_params["event_id"], if_match=ctx.headers.get("if-match")
    )
    return empty(204, applied)


ROUTES = [
    *mailbox_route("/events", list_events, ["GET"]),
    *mailbox_route("/events", create_event, ["POST"]),
    *mailbox_route("/calendar/events", list_events, ["GET"]),
    *mailbox_route("/calendar/events", create_event, ["POST"]),
    *mailbox_route("/events/{event_id}", get_event, ["GET"]),
    *mailbox_route("/events/{event_id}", update_event, ["PATCH"]),
    *mailbox_route("/events/{event_id}", delete_event, ["DELETE"]),
    *mailbox_route("/calendar/events/{event_id}", get_event, ["GET"]),
    *mailbox_route("/calendar/events/{event_id}", update_event, ["PATCH"]),
    *mailbox_route("/calendar/events/{event_id}", delete_event, ["DELETE"]),
]
