"""``GET /calendarView/delta`` (also ``delta()`` and ``microsoft.graph.delta``).

First call: ``startDateTime`` and ``endDateTime`` (required). Later calls: the
``@odata.nextLink`` (``$skiptoken``) or ``@odata.deltaLink`` (``$deltatoken``) exactly as
given; the window comes from the token. ``Prefer: odata.maxpagesize`` bounds pages (a
series is never split). ``$select``, ``$expand``, ``$filter``, ``$orderby``, ``$search`` and
``$top`` are not supported with change tracking: 400 ``ErrorInvalidUrlQuery``. Old tokens
answer 410 ``SyncStateNotFound``, undecodable ones 400 ``InvalidDeltaToken``. Semantics:
``graph_emulator.calendar.delta``.
"""

from __future__ import annotations

from starlette.responses import Response

from graph_emulator.calendar.errors import invalid_query
from graph_emulator.calendar.timezones import parse_query_instant
from graph_emulator.graph.context import GraphContext
from graph_emulator.graph.events import (
    calendar_endpoint,
    graph_json,
    prefer_view,
    request_url,
    store_of,
)
from graph_emulator.graph.routing import mailbox_route

UNSUPPORTED = ("$select", "$expand", "$filter", "$orderby", "$search", "$top")


@calendar_endpoint
def calendar_view_delta(ctx: GraphContext) -> Response:
    """The default calendar's delta."""
    return delta_page(ctx, ctx.mailbox.id, "")


def delta_page(ctx: GraphContext, mailbox: str, calendar: str) -> Response:
    """One delta page of ``mailbox``'s calendar ``calendar`` (its key, "" the default)."""
    params = {k.lower(): v for k, v in ctx.query.items()}
    used = [name for name in UNSUPPORTED if name in params]
    if used:
        raise invalid_query(
            "The following parameters are not supported with change tracking over the "
            f"'CalendarView' resource: '{', '.join(used)}'."
        )
    view, applied = prefer_view(ctx, query_options=False)
    applied.insert(0, "odata.track-changes")
    max_page = None
    raw_size = ctx.prefer.get("odata.maxpagesize")
    if raw_size:
        try:
            max_page = int(raw_size)
        except ValueError:
            max_page = None
        if max_page is not None and max_page > 0:
            applied.append(f"odata.maxpagesize={max_page}")
    token, token_param = None, "$deltaToken"
    if params.get("$skiptoken"):
        token, token_param = params["$skiptoken"], "$skipToken"
    elif params.get("$deltatoken"):
        token = params["$deltatoken"]
    store = store_of(ctx)
    if token is not None:
        page = store.delta(
            mailbox, calendar, token=token, token_param=token_param, max_page_size=max_page,
            view=view,
        )  # fmt: skip
    else:
        start = parse_query_instant(params.get("startdatetime"), "startDateTime")
        end = parse_query_instant(params.get("enddatetime"), "endDateTime")
        page = store.delta(
            mailbox, calendar, start=start, end=end, max_page_size=max_page, view=view
        )
    body: dict = {"@odata.context": f"{ctx.base_url}/$metadata#Collection(event)"}
    if page.skip_token:
        body["@odata.nextLink"] = request_url(ctx, {"$skiptoken": page.skip_token})
    else:
        body["@odata.deltaLink"] = request_url(ctx, {"$deltatoken": page.delta_token or ""})
    body["value"] = page.items
    return graph_json(body, applied=applied)


ROUTES = [
    *mailbox_route("/calendarView/delta", calendar_view_delta, ["GET"]),
    *mailbox_route("/calendarView/delta()", calendar_view_delta, ["GET"]),
    *mailbox_route("/calendarView/microsoft.graph.delta", calendar_view_delta, ["GET"]),
    *mailbox_route("/calendar/calendarView/delta", calendar_view_delta, ["GET"]),
]
