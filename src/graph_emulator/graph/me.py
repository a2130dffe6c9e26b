"""``GET /me`` (and ``/users/{id}``) and ``GET /me/mailboxSettings``."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from graph_emulator.graph.context import GraphContext
from graph_emulator.graph.errors import GRAPH_JSON
from graph_emulator.graph.routing import mailbox_route


def get_user(ctx: GraphContext) -> Response:
    body = {"@odata.context": f"{ctx.base_url}/$metadata#users/$entity", **ctx.mailbox.to_graph()}
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
