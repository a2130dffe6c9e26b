"""``GET /me`` (and ``/users/{id}``, with ``$select``) and ``GET /me/mailboxSettings``."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from graph_emulator.calendar.errors import CalendarError
from graph_emulator.calendar.query import parse_select
from graph_emulator.graph.context import GraphContext
from graph_emulator.graph.errors import GRAPH_JSON, GraphError
from graph_emulator.graph.routing import mailbox_route


def get_user(ctx: GraphContext) -> Response:
    """The user; ``$select`` picks properties (``proxyAddresses`` is shown only so)."""
    try:
        select = parse_select(ctx.query.get("$select"))
    except CalendarError as exc:
        raise GraphError(exc.status, exc.code, exc.message) from None
    body = {
        "@odata.context": f"{ctx.base_url}/$metadata#users/$entity",
        **ctx.mailbox.to_graph(select),
    }
    return JSONResponse(body, media_type=GRAPH_JSON)


def get_mailbox_settings(ctx: GraphContext) -> Response:
    body = {
        "@odata.context": f"{ctx.base_url}/$metadata#users('{ctx.mailbox.id}')/mailboxSettings",
        "timeZone": ctx.mailbox.time_zone,
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "dateFormat": "yyyy-MM-dd",
        "timeFormat": "HH:mm",
    }
    return JSONResponse(body, media_type=GRAPH_JSON)


ROUTES = [
    *mailbox_route("", get_user, ["GET"]),
    *mailbox_route("/mailboxSettings", get_mailbox_settings, ["GET"]),
]
