"""``GET /events/{id}/instances?startDateTime=&endDateTime=``: a series master's occurrences
and exceptions in the window (cancelled ones are not returned), paged like calendarView.
An id that is not a series master gives an empty collection.
"""

from __future__ import annotations

from starlette.responses import Response

from graph_emulator.graph.calendar_view import window
from graph_emulator.graph.context import GraphContext
from graph_emulator.graph.events import calendar_endpoint, paged_collection, prefer_view, store_of
from graph_emulator.graph.routing import mailbox_route


@calendar_endpoint
def list_instances(ctx: GraphContext) -> Response:
    start, end = window(ctx)
    view, applied = prefer_view(ctx)
    event_id = ctx.path_params["event_id"]
    instances = store_of(ctx).instances(ctx.mailbox.id, event_id, start, end)
    return paged_collection(ctx, instances, view, applied, f"/events('{event_id}')/instances")


ROUTES = [
    *mailbox_route("/events/{event_id}/instances", list_instances, ["GET"]),
    *mailbox_route("/calendar/events/{event_id}/instances", list_instances, ["GET"]),
]
