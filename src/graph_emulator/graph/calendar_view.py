"""``GET /calendarView?startDateTime=&endDateTime=``: occurrences, exceptions and single
instances overlapping the window, ordered by start, paged by 10 with ``$skip``.

Both parameters are required (400 ``ErrorInvalidParameter`` otherwise); an offset in the
value is honoured and none means UTC; ``Prefer: outlook.timezone`` changes only the output.
"""

from __future__ import annotations

from starlette.responses import Response

from graph_emulator.calendar.timezones import parse_query_instant
from graph_emulator.graph.context import GraphContext
from graph_emulator.graph.events import calendar_endpoint, paged_collection, prefer_view, store_of
from graph_emulator.graph.routing import mailbox_route


def window(ctx: GraphContext) -> tuple:
    """(start, end) from ``startDateTime``/``endDateTime`` (case-insensitive names)."""
    params = {k.lower(): v for k, v in ctx.query.items()}
    start = parse_query_instant(params.get("startdatetime"), "startDateTime")
    end = parse_query_instant(params.get("enddatetime"), "endDateTime")
    return start, end


@calendar_endpoint
def calendar_view(ctx: GraphContext) -> Response:
    start, end = window(ctx)
    view, applied = prefer_view(ctx)
    instances = store_of(ctx).calendar_view(ctx.mailbox.id, start, end)
    return paged_collection(ctx, instances, view, applied, "/calendarView")


ROUTES = [
    *mailbox_route("/calendarView", calendar_view, ["GET"]),
    *mailbox_route("/calendar/calendarView", calendar_view, ["GET"]),
]
