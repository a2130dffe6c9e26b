"""``POST /events/{id}/accept|tentativelyAccept|decline`` (attendees) and ``/cancel``
(organizers): 202 with no body. Body: ``comment`` (string), ``sendResponse`` (boolean,
default true), ``proposedNewTime`` (timeSlot, decline/tentativelyAccept only). Mail and
copy semantics: ``graph_emulator.calendar.meetings``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from graph_emulator.calendar.errors import body_read
from graph_emulator.graph.context import GraphContext
from graph_emulator.graph.events import calendar_endpoint, empty, prefer_view, store_of
from graph_emulator.graph.routing import mailbox_route


def _options(ctx: GraphContext, allowed: set[str]) -> dict[str, Any]:
    body = ctx.json_body()
    if not isinstance(body, dict):
        raise body_read("(body)", "must be a JSON object")
    for key in body:
        if key not in allowed:
            raise body_read(
                key, f"is not a parameter of this action ({', '.join(sorted(allowed))})"
            )
    comment = body.get("comment", "")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise body_read("comment", "must be a string")
    send = body.get("sendResponse", True)
    if not isinstance(send, bool):
        raise body_read("sendResponse", "must be true or false")
    proposed = body.get("proposedNewTime")
    if proposed is not None and not isinstance(proposed, dict):
        raise body_read("proposedNewTime", "must be a timeSlot object {start, end}")
    return {"comment": comment, "send_response": send, "proposed_new_time": proposed}


def _respond(action: str):
    allowed = {"comment", "sendResponse"} | ({"proposedNewTime"} if action != "accept" else set())

    @calendar_endpoint
    def endpoint(ctx: GraphContext) -> Response:
        _view, applied = prefer_view(ctx, query_options=False)
        options = _options(ctx, allowed)
        store_of(ctx).respond(ctx.mailbox.id, ctx.path_params["event_id"], action, **options)
        return empty(202, applied)

    endpoint.__name__ = action
    return endpoint


@calendar_endpoint
def cancel(ctx: GraphContext) -> Response:
    _view, applied = prefer_view(ctx, query_options=False)
    options = _options(ctx, {"comment"})
    store_of(ctx).delete_event(
        ctx.mailbox.id, ctx.path_params["event_id"], cancel=True, comment=options["comment"]
    )
    return empty(202, applied)


ROUTES = [
    *mailbox_route("/events/{event_id}/accept", _respond("accept"), ["POST"]),
    *mailbox_route("/events/{event_id}/tentativelyAccept", _respond("tentativelyAccept"), ["POST"]),
    *mailbox_route("/events/{event_id}/decline", _respond("decline"), ["POST"]),
    *mailbox_route("/events/{event_id}/cancel", cancel, ["POST"]),
]
