"""Graph routes for a mailbox's calendars and the events filed in each.

* ``GET``/``POST /calendars``; ``GET``/``PATCH``/``DELETE /calendars/{id}``; ``GET /calendar`` (the
  default one); ``GET /events/{id}/calendar`` (the calendar an event is filed in);
* ``GET``/``POST /calendars/{id}/events``; ``GET``/``PATCH``/``DELETE
  /calendars/{id}/events/{event_id}``; ``GET /calendars/{id}/events/{event_id}/instances``
  (a series master's occurrences and exceptions, as ``/events/{id}/instances``);
  ``GET /calendars/{id}/calendarView``;
  ``GET /calendars/{id}/calendarView/delta`` (also ``delta()`` and
  ``microsoft.graph.delta``), each calendar with its own delta tokens.

A calendar another mailbox shares is read through the sharee's entry; its events are the
owner's. Writing to one shared read-only answers 403 ``ErrorAccessDenied``. An event id of
another calendar under ``/calendars/{id}/events/{event_id}`` answers 404. State and rules:
``graph_emulator.calendar.calendars``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from graph_emulator.calendar.calendars import Target, access_denied
from graph_emulator.calendar.errors import invalid_query
from graph_emulator.calendar.serialize import event_json
from graph_emulator.graph.calendar_view import window
from graph_emulator.graph.context import GraphContext
from graph_emulator.graph.delta import delta_page
from graph_emulator.graph.events import (
    calendar_endpoint,
    context_url,
    empty,
    graph_json,
    paged_collection,
    prefer_view,
    store_of,
)
from graph_emulator.graph.routing import mailbox_route


def _target(ctx: GraphContext, *, write: bool = False) -> Target:
    found = store_of(ctx).target(ctx.mailbox.id, ctx.path_params["calendar_id"])
    if write and not found.can_edit:
        raise access_denied()
    return found


def _event_of(ctx: GraphContext, found: Target) -> str:
    event_id = ctx.path_params["event_id"]
    store_of(ctx).check_in_calendar(found.mailbox.user_id, event_id, found.key)
    return event_id


def _selected(ctx: GraphContext, calendars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``$select`` applied (``id`` always kept); an unknown property is 400."""
    raw = ctx.query.get("$select")
    if not raw:
        return calendars
    wanted = {name.strip() for name in raw.split(",") if name.strip()}
    known = set(calendars[0]) if calendars else set()
    for name in sorted(wanted - known):
        raise invalid_query(
            f"Could not find a property named '{name}' on type 'microsoft.graph.calendar'."
        )
    return [{k: v for k, v in c.items() if k == "id" or k in wanted} for c in calendars]


# --- calendars --------------------------------------------------------------------------
@calendar_endpoint
def list_calendars(ctx: GraphContext) -> Response:
    calendars = _selected(ctx, store_of(ctx).list_calendars(ctx.mailbox.id))
    return graph_json({"@odata.context": context_url(ctx, "/calendars"), "value": calendars})


@calendar_endpoint
def create_calendar(ctx: GraphContext) -> Response:
    created = store_of(ctx).create_calendar(ctx.mailbox.id, ctx.json_body())
    body = {"@odata.context": context_url(ctx, "/calendars/$entity"), **created}
    location = f"{ctx.base_url}/users/{ctx.mailbox.id}/calendars/{created['id']}"
    return graph_json(body, 201, headers={"Location": location})


@calendar_endpoint
def get_calendar(ctx: GraphContext) -> Response:
    found = store_of(ctx).get_calendar(ctx.mailbox.id, ctx.path_params.get("calendar_id"))
    [found] = _selected(ctx, [found])
    tail = "/calendars/$entity" if "calendar_id" in ctx.path_params else "/calendar/$entity"
    return graph_json({"@odata.context": context_url(ctx, tail), **found})


@calendar_endpoint
def update_calendar(ctx: GraphContext) -> Response:
    updated = store_of(ctx).update_calendar(
        ctx.mailbox.id, ctx.path_params["calendar_id"], ctx.json_body()
    )
    return graph_json({"@odata.context": context_url(ctx, "/calendars/$entity"), **updated})


@calendar_endpoint
def delete_calendar(ctx: GraphContext) -> Response:
    store_of(ctx).delete_calendar(ctx.mailbox.id, ctx.path_params["calendar_id"])
    return empty(204, [])


@calendar_endpoint
def event_calendar(ctx: GraphContext) -> Response:
    found = store_of(ctx).event_calendar(ctx.mailbox.id, ctx.path_params["event_id"])
    return graph_json({"@odata.context": context_url(ctx, "/calendars/$entity"), **found})


# --- a calendar's events ----------------------------------------------------------------
@calendar_endpoint
def list_events(ctx: GraphContext) -> Response:
    found = _target(ctx)
    view, applied = prefer_view(ctx)
    instances = store_of(ctx).list_events(found.mailbox.user_id, found.key)
    tail = f"/calendars('{found.entry.id}')/events"
    return paged_collection(ctx, instances, view, applied, tail)


@calendar_endpoint
def create_event(ctx: GraphContext) -> Response:
    found = _target(ctx, write=True)
    view, applied = prefer_view(ctx, query_options=False)
    inst, _created = store_of(ctx).create_event(found.mailbox.user_id, ctx.json_body(), found.key)
    tail = f"/calendars('{found.entry.id}')/events/$entity"
    body = {"@odata.context": context_url(ctx, tail), **event_json(inst, view)}
    location = f"{ctx.base_url}/users/{found.mailbox.user_id}/events/{inst.id}"
    return graph_json(body, 201, applied, {"Location": location})


def _event_answer(
    ctx: GraphContext, calendar_id: str, body: dict[str, Any], applied: list[str]
) -> Response:
    """One event of a calendar, as Graph answers it (its ``@odata.context`` first)."""
    tail = f"/calendars('{calendar_id}')/events/$entity"
    return graph_json({"@odata.context": context_url(ctx, tail), **body}, applied=applied)


@calendar_endpoint
def get_event(ctx: GraphContext) -> Response:
    found = _target(ctx)
    view, applied = prefer_view(ctx)
    inst = store_of(ctx).get_event(found.mailbox.user_id, _event_of(ctx, found))
    return _event_answer(ctx, found.entry.id, event_json(inst, view), applied)


@calendar_endpoint
def update_event(ctx: GraphContext) -> Response:
    found = _target(ctx, write=True)
    view, applied = prefer_view(ctx, query_options=False)
    inst = store_of(ctx).update_event(
        found.mailbox.user_id,
        _event_of(ctx, found),
        ctx.json_body(),
        if_match=ctx.headers.get("if-match"),
    )
    return _event_answer(ctx, found.entry.id, event_json(inst, view), applied)


@calendar_endpoint
def delete_event(ctx: GraphContext) -> Response:
    found = _target(ctx, write=True)
    _view, applied = prefer_view(ctx, query_options=False)
    store_of(ctx).delete_event(
        found.mailbox.user_id, _event_of(ctx, found), if_match=ctx.headers.get("if-match")
    )
    return empty(204, applied)


@calendar_endpoint
def list_instances(ctx: GraphContext) -> Response:
    found = _target(ctx)
    start, end = window(ctx)
    view, applied = prefer_view(ctx)
    event_id = _event_of(ctx, found)
    instances = store_of(ctx).instances(found.mailbox.user_id, event_id, start, end)
    tail = f"/calendars('{found.entry.id}')/events('{event_id}')/instances"
    return paged_collection(ctx, instances, view, applied, tail)


@calendar_endpoint
def calendar_view(ctx: GraphContext) -> Response:
    found = _target(ctx)
    start, end = window(ctx)
    view, applied = prefer_view(ctx)
    instances = store_of(ctx).calendar_view(found.mailbox.user_id, start, end, found.key)
    tail = f"/calendars('{found.entry.id}')/calendarView"
    return paged_collection(ctx, instances, view, applied, tail)


@calendar_endpoint
def calendar_view_delta(ctx: GraphContext) -> Response:
    found = _target(ctx)
    return delta_page(ctx, found.mailbox.user_id, found.key)


ONE = "/calendars/{calendar_id}"
ROUTES = [
    *mailbox_route("/calendars", list_calendars, ["GET"]),
    *mailbox_route("/calendars", create_calendar, ["POST"]),
    *mailbox_route("/calendar", get_calendar, ["GET"]),
    *mailbox_route(ONE, get_calendar, ["GET"]),
    *mailbox_route(ONE, update_calendar, ["PATCH"]),
    *mailbox_route(ONE, delete_calendar, ["DELETE"]),
    *mailbox_route("/events/{event_id}/calendar", event_calendar, ["GET"]),
    *mailbox_route(f"{ONE}/events", list_events, ["GET"]),
    *mailbox_route(f"{ONE}/events", create_event, ["POST"]),
    *mailbox_route(f"{ONE}/events/{{event_id}}", get_event, ["GET"]),
    *mailbox_route(f"{ONE}/events/{{event_id}}", update_event, ["PATCH"]),
    *mailbox_route(f"{ONE}/events/{{event_id}}", delete_event, ["DELETE"]),
    *mailbox_route(f"{ONE}/events/{{event_id}}/instances", list_instances, ["GET"]),
    *mailbox_route(f"{ONE}/calendarView", calendar_view, ["GET"]),
    *mailbox_route(f"{ONE}/calendarView/delta", calendar_view_delta, ["GET"]),
    *mailbox_route(f"{ONE}/calendarView/delta()", calendar_view_delta, ["GET"]),
    *mailbox_route(f"{ONE}/calendarView/microsoft.graph.delta", calendar_view_delta, ["GET"]),
]
