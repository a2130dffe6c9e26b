"""``/subscriptions``: create, list, get, renew (PATCH), delete, reauthorize.

Rules (Graph's, conservative where the docs are unsure; see the README):

* ``resource``: ``me/events`` or ``users/{id|email}/events`` (leading ``/`` and any case
  accepted), which watch the mailbox's default calendar only (as Outlook does, whatever
  its docs' "all events in a user's mailbox" suggests), or
  ``me/calendars/{id}/events`` / ``users/{id|email}/calendars/{id}/events``, which watch
  that calendar (undocumented, and what Outlook answers); a delegated token may only
  subscribe to its own mailbox (403 otherwise), and so not to a calendar another mailbox
  shares with it (403: Graph's shared permissions allow no subscription; 404 for an unknown
  calendar);
* ``changeType``: comma list of ``created``, ``updated``, ``deleted``;
* ``notificationUrl`` / ``lifecycleNotificationUrl``: ``https://``, or ``http://`` on a
  loopback host only; both are validated (POST ``?validationToken=...``, 200 text/plain echo
  within 10 s) before the subscription exists, else 400;
* ``expirationDateTime``: in the past -> 400; less than 45 minutes ahead -> raised to now + 45
  minutes (Graph's documented behaviour); more than 10,080 minutes ahead -> 400 (the
  conservative reading of "will fail");
* ``clientState`` at most 128 characters; at most 1,000 subscriptions per mailbox;
* a subscription is visible only to the app and user that created it (404 otherwise).
"""

from __future__ import annotations

import re
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse, Response

from graph_emulator.graph.context import GraphContext
from graph_emulator.graph.errors import GRAPH_JSON, GraphError
from graph_emulator.graph.routing import graph_route
from graph_emulator.loopback import is_loopback_host
from graph_emulator.webhooks import MAX_PER_MAILBOX, Subscription, validate_endpoint

MIN_LIFETIME = timedelta(minutes=45)
MAX_LIFETIME = timedelta(minutes=10_080)
CHANGE_TYPES = ("created", "updated", "deleted")
_RESOURCE = re.compile(
    r"^/?(?:me|users/(?P<user>[^/]+))(?:/calendars/(?P<calendar>[^/]+))?/events/?$",
    re.IGNORECASE,
)
_FRACTION = re.compile(r"(\.\d{6})\d+")
_WRITABLE_ON_PATCH = {"expirationDateTime", "notificationUrl"}


def _bad(message: str) -> GraphError:
    return GraphError(400, "InvalidRequest", message)


def parse_expiration(value: Any, now: datetime) -> datetime:
    """Apply the floor and the cap to ``expirationDateTime``."""
    if not isinstance(value, str) or not value:
        raise _bad("The property 'expirationDateTime' is required.")
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _bad(
            f"The property 'expirationDateTime' is not a valid date-time: '{value}'."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    if parsed <= now:
        raise _bad("Subscription expiration can only be in the future.")
    if parsed - now > MAX_LIFETIME:
        raise _bad(
            "Subscription expiration can only be 10080 minutes in the future "
            "(property 'expirationDateTime')."
        )
    return max(parsed, now + MIN_LIFETIME)


def check_url(value: Any, name: str) -> str:
    """``https://`` anywhere, ``http://`` only on loopback; 400 naming the property otherwise."""
    if not isinstance(value, str) or not value:
        raise _bad(f"The property '{name}' is required.")
    parts = urllib.parse.urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return value
    raise _bad(f"The property '{name}' must be an https URL (http is accepted on loopback only).")


def _change_types(value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        raise _bad("The property 'changeType' is required.")
    types = [part.strip() for part in value.split(",")]
    wrong = [t for t in types if t not in CHANGE_TYPES]
    if wrong or not types:
        raise _bad(f"The property 'changeType' has an invalid value '{value}'.")
    return [t for t in CHANGE_TYPES if t in types]


def _watched(ctx: GraphContext, resource: Any) -> tuple[str, str]:
    """(mailbox user id, calendar key) a subscription to ``resource`` watches."""
    if not isinstance(resource, str) or not resource:
        raise _bad("The property 'resource' is required.")
    match = _RESOURCE.match(resource.strip())
    if match is None:
        raise _bad(
            f"The property 'resource' has an unsupported value '{resource}' "
            "(me/events, users/{id}/events or their calendars/{id}/events)."
        )
    mailbox_id = _mailbox_for(ctx, match.group("user"))
    calendar = match.group("calendar")
    if calendar is None:
        return mailbox_id, ""
    return mailbox_id, _calendar_key(ctx, mailbox_id, urllib.parse.unquote(calendar))


def _calendar_key(ctx: GraphContext, mailbox_id: str, calendar_id: str) -> str:
    with ctx.world.lock:
        mailbox = ctx.world.calendars.mailboxes.get(mailbox_id)
        found = mailbox.calendars.get(calendar_id) if mailbox is not None else None
    if found is None:
        raise GraphError(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )
    if found.owner_id is not None:
        raise GraphError(
            403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
        )
    return str(found.key)


def _mailbox_for(ctx: GraphContext, key: str | None) -> str:
    if key is None:
        return ctx.caller.id
    with ctx.world.lock:
        user = ctx.world.directory.find_user(urllib.parse.unquote(key))
    if user is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
    if user.id != ctx.caller.id:
        raise GraphError(
            403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
        )
    return user.id


def _respond(ctx: GraphContext, sub: Subscription, status: int = 200) -> Response:
    body = {
        "@odata.context": f"{ctx.base_url}/$metadata#subscriptions/$entity",
        **ctx.world.subscriptions.describe(sub),
    }
    return JSONResponse(body, status_code=status, media_type=GRAPH_JSON)


def _own(ctx: GraphContext) -> Subscription:
    sub_id = ctx.path_params["sub_id"]
    with ctx.world.lock:
        sub = ctx.world.subscriptions.items.get(sub_id)
        if sub is None or sub.application_id != ctx.app_id or sub.creator_user_id != ctx.caller.id:
            raise GraphError(404, "ResourceNotFound", f"The object '{sub_id}' was not found.")
        return sub


def _validate_urls(urls: list[str]) -> None:
    for url in urls:
        problem = validate_endpoint(url)
        if problem is not None:
            raise _bad(f"Subscription validation request failed for '{url}': {problem}.")


def create(ctx: GraphContext) -> Response:
    body = ctx.json_body()
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.")
    change_types = _change_types(body.get("changeType"))
    notification_url = check_url(body.get("notificationUrl"), "notificationUrl")
    lifecycle_url = body.get("lifecycleNotificationUrl")
    if lifecycle_url is not None:
        lifecycle_url = check_url(lifecycle_url, "lifecycleNotificationUrl")
    mailbox_id, calendar = _watched(ctx, body.get("resource"))
    client_state = body.get("clientState")
    if client_state is not None and (not isinstance(client_state, str) or len(client_state) > 128):
        raise _bad("The property 'clientState' must be a string of at most 128 characters.")
    tls = body.get("latestSupportedTlsVersion") or "v1_2"
    if tls not in {"v1_0", "v1_1", "v1_2", "v1_3"}:
        raise _bad(f"The property 'latestSupportedTlsVersion' has an invalid value '{tls}'.")
    if body.get("includeResourceData"):
        raise _bad("includeResourceData (rich notifications) is not supported by this emulator.")
    expiration = parse_expiration(body.get("expirationDateTime"), ctx.world.clock())
    with ctx.world.lock:
        if ctx.world.subscriptions.count_for_mailbox(mailbox_id) >= MAX_PER_MAILBOX:
            raise GraphError(
                403,
                "ExtensionError",
                "The maximum number of subscriptions for this mailbox is 1000.",
            )
    _validate_urls([notification_url, *([lifecycle_url] if lifecycle_url else [])])
    sub = Subscription(
        id=str(uuid.uuid4()),
        resource=body["resource"],
        change_types=change_types,
        notification_url=notification_url,
        lifecycle_notification_url=lifecycle_url,
        client_state=client_state,
        expiration=expiration,
        creator_user_id=ctx.caller.id,
        mailbox_user_id=mailbox_id,
        application_id=ctx.app_id,
        access_token=ctx.token.token,
        latest_supported_tls_version=tls,
        calendar=calendar,
    )
    with ctx.world.lock:
        ctx.world.subscriptions.items[sub.id] = sub
    return _respond(ctx, sub, 201)


def list_all(ctx: GraphContext) -> Response:
    with ctx.world.lock:
        items = [
            ctx.world.subscriptions.describe(sub)
            for sub in ctx.world.subscriptions.items.values()
            if sub.application_id == ctx.app_id and sub.creator_user_id == ctx.caller.id
        ]
    body = {"@odata.context": f"{ctx.base_url}/$metadata#subscriptions", "value": items}
    return JSONResponse(body, media_type=GRAPH_JSON)


def get_one(ctx: GraphContext) -> Response:
    return _respond(ctx, _own(ctx))


def _reauthorize(ctx: GraphContext, sub: Subscription) -> None:
    """Bind the subscription to the caller's current token; report lost notifications."""
    world = ctx.world
    with world.lock:
        sub.access_token = ctx.token.token
        was_paused = sub.needs_reauthorization
        sub.needs_reauthorization = False
        sub.reauthorization_notified = False
        if was_paused and sub.missed:
            sub.missed = False
            world.subscriptions.send_lifecycle(world, sub, "missed")


def update(ctx: GraphContext) -> Response:
    sub = _own(ctx)
    body = ctx.json_body()
    if not isinstance(body, dict) or not body:
        raise _bad("The request body must be a JSON object with 'expirationDateTime'.")
    unknown = sorted(set(body) - _WRITABLE_ON_PATCH)
    if unknown:
        raise _bad(f"The property '{unknown[0]}' cannot be updated.")
    expiration = sub.expiration
    if "expirationDateTime" in body:
        expiration = parse_expiration(body["expirationDateTime"], ctx.world.clock())
    notification_url = sub.notification_url
    if "notificationUrl" in body:
        notification_url = check_url(body["notificationUrl"], "notificationUrl")
        if notification_url != sub.notification_url:
            _validate_urls([notification_url])
    with ctx.world.lock:
        sub.expiration = expiration
        sub.notification_url = notification_url
    _reauthorize(ctx, sub)
    return _respond(ctx, sub)


def delete(ctx: GraphContext) -> Response:
    sub = _own(ctx)
    with ctx.world.lock:
        ctx.world.subscriptions.items.pop(sub.id, None)
    return Response(status_code=204)


def reauthorize(ctx: GraphContext) -> Response:
    _reauthorize(ctx, _own(ctx))
    return Response(status_code=204)


ROUTES = [
    *graph_route("/subscriptions", create, ["POST"]),
    *graph_route("/subscriptions", list_all, ["GET"]),
    *graph_route("/subscriptions/{sub_id}", get_one, ["GET"]),
    *graph_route("/subscriptions/{sub_id}", update, ["PATCH"]),
    *graph_route("/subscriptions/{sub_id}", delete, ["DELETE"]),
    *graph_route("/subscriptions/{sub_id}/reauthorize", reauthorize, ["POST"]),
]
