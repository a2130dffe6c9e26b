"""The control plane (docs/emulator.md, The control plane): JSON, no auth, loopback only
(enforced by the middleware).

Additions beyond the contract: ``GET /_emulator/health``, ``GET /_emulator/apps``,
``GET /_emulator/users``, ``GET|PUT /_emulator/settings``, ``GET /_emulator/faults``,
``GET|PUT /_emulator/clock``, ``GET /_emulator/subscriptions`` and
``POST /_emulator/subscriptions/{id}/remove`` (sends ``subscriptionRemoved``),
``POST /_emulator/users/{email}/import`` (an event as an ICS import makes it: custom zone),
``POST /_emulator/users/{email}/share`` (share a calendar with another mailbox).
Bad input answers 400 ``{"error": {"code": "invalid_request", "field", "message"}}``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph_emulator.calendar.errors import CalendarError
from graph_emulator.directory import DirectoryError, User
from graph_emulator.faults import FaultConfigError, FaultSettings
from graph_emulator.world import CONTROL_PLANE_CLIENT_ID, Settings, World


class ControlError(Exception):
    def __init__(self, field: str, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status
        self.extra = extra

    def response(self) -> JSONResponse:
        code = {404: "not_found", 409: "conflict"}.get(self.status, "invalid_request")
        body = {"error": {"code": code, "field": self.field, "message": self.message}}
        return JSONResponse({**body, **self.extra}, status_code=self.status)


def _world(request: Request) -> World:
    return request.app.state.world


async def _json_object(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if allow_empty:
            return {}
        raise ControlError("body", "a JSON object is required")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ControlError("body", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError("body", "must be a JSON object")
    return data


def _user(world: World, email: str) -> User:
    with world.lock:
        user = world.directory.find_user(email)
    if user is None:
        raise ControlError("email", f"no user {email}", status=404)
    return user


def _handle(func: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            return await func(request)
        except ControlError as exc:
            return exc.response()
        except DirectoryError as exc:
            return ControlError(exc.field, exc.message, exc.status).response()
        except FaultConfigError as exc:
            return ControlError(exc.field, exc.message).response()

    endpoint.__name__ = func.__name__
    return endpoint


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "tenant_id": _world(request).tenant_id})


async def add_app(request: Request) -> Response:
    data = await _json_object(request)
    unknown = set(data) - {"client_id", "client_secret", "redirect_uris", "name"}
    if unknown:
        raise ControlError(sorted(unknown)[0], "unknown field")
    if "redirect_uris" not in data:
        raise ControlError("redirect_uris", "is required")
    app, created = _world(request).add_app(
        data.get("client_id"),
        data.get("client_secret"),
        data["redirect_uris"],
        data.get("name", ""),
    )
    body = {"client_id": app.client_id, "redirect_uris": app.redirect_uris, "name": app.name}
    return JSONResponse(body, status_code=201 if created else 200)


async def list_apps(request: Request) -> Response:
    world = _world(request)
    with world.lock:
        apps = [
            {"client_id": a.client_id, "redirect_uris": a.redirect_uris, "name": a.name}
            for a in world.directory.apps.values()
        ]
    return JSONResponse(apps)


async def add_user(request: Request) -> Response:
    data = await _json_object(request)
    unknown = set(data) - {"email", "name", "password", "time_zone", "aliases"}
    if unknown:
        raise ControlError(sorted(unknown)[0], "unknown field")
    world = _world(request)
    existing = world.directory.find_user(str(data.get("email") or ""))
    if existing is not None:
        raise ControlError("email", f"a user {existing.email} already exists", 409, id=existing.id)
    user = world.add_user(
        data.get("email"),
        data.get("name"),
        data.get("password"),
        time_zone=data.get("time_zone") or "UTC",
        aliases=data.get("aliases") or [],
    )
    body = {"id": user.id, "email": user.email, "name": user.name, "aliases": user.aliases}
    return JSONResponse(body, status_code=201)


async def list_users(request: Request) -> Response:
    world = _world(request)
    with world.lock:
        users = [
            {"id": u.id, "email": u.email, "name": u.name, "aliases": u.aliases}
            for u in world.directory.users.values()
        ]
    return JSONResponse(users)


async def user_token(request: Request) -> Response:
    world = _world(request)
    user = _user(world, request.path_params["email"])
    data = await _json_object(request, allow_empty=True)
    client_id = data.get("client_id", CONTROL_PLANE_CLIENT_ID)
    if not isinstance(client_id, str) or not client_id:
        raise ControlError("client_id", "must be a non-empty string")
    token = world.issue_token(user, client_id)
    lifetime = int((token.expires_at - token.issued_at).total_seconds())
    return JSONResponse(
        {"access_token": token.token, "token_type": "Bearer", "expires_in": lifetime}
    )


async def import_event(request: Request) -> Response:
    """An event as an ICS import puts it in the mailbox (no mail): ``{"event": <as POST
    /me/events takes it>, "customTimeZone": true}`` (default true: its zones read
    ``tzone://Microsoft/Custom``, with the rules of the zones the event names)."""
    world = _world(request)
    user = _user(world, request.path_params["email"])
    data = await _json_object(request)
    unknown = set(data) - {"event", "customTimeZone"}
    if unknown:
        raise ControlError(sorted(unknown)[0], "unknown field")
    custom = data.get("customTimeZone", True)
    if not isinstance(custom, bool):
        raise ControlError("customTimeZone", "must be true or false")
    if world.calendars is None:
        raise ControlError("event", "this emulator has no calendars", status=409)
    try:
        with world.lock:
            inst = world.calendars.import_event(user.id, data.get("event"), custom=custom)
    except CalendarError as exc:
        raise ControlError("event", f"{exc.code}: {exc.message}") from None
    return JSONResponse({"id": inst.id, "iCalUId": inst.ical_uid}, status_code=201)


async def share_calendar(request: Request) -> Response:
    """The user shares a calendar with another mailbox, as an accepted sharing invitation
    leaves it: ``{"with": email, "calendar": id (default: the default calendar),
    "canEdit": false, "name": "…"}`` -> 201 with the calendar as the sharee's
    ``/me/calendars`` lists it (its ``id`` is the sharee's)."""
    world = _world(request)
    owner = _user(world, request.path_params["email"])
    data = await _json_object(request)
    unknown = set(data) - {"with", "calendar", "canEdit", "name"}
    if unknown:
        raise ControlError(sorted(unknown)[0], "unknown field")
    sharee = _user(world, str(data.get("with") or ""))
    can_edit = data.get("canEdit", False)
    if not isinstance(can_edit, bool):
        raise ControlError("canEdit", "must be true or false")
    calendar, name = data.get("calendar"), data.get("name", "")
    if calendar is not None and not isinstance(calendar, str):
        raise ControlError("calendar", "must be a calendar id")
    if not isinstance(name, str):
        raise ControlError("name", "must be a string")
    if world.calendars is None:
        raise ControlError("calendar", "this emulator has no calendars", status=409)
    try:
        with world.lock:
            entry = world.calendars.share_calendar(
                owner.id, calendar, sharee.id, can_edit=can_edit, name=name
            )
    except CalendarError as exc:
        field = "calendar" if exc.status == 404 else "with"
        raise ControlError(field, f"{exc.code}: {exc.message}", exc.status) from None
    return JSONResponse(entry, status_code=201)


async def get_stats(request: Request) -> Response:
    return JSONResponse(_world(request).stats.snapshot())


async def clear_stats(request: Request) -> Response:
    _world(request).stats.clear()
    return Response(status_code=204)


async def get_outbox(request: Request) -> Response:
    world = _world(request)
    with world.lock:
        return JSONResponse(list(world.outbox))


async def clear_outbox(request: Request) -> Response:
    world = _world(request)
    with world.lock:
        world.outbox.clear()
    return Response(status_code=204)


async def get_faults(request: Request) -> Response:
    return JSONResponse(_world(request).faults.settings.to_json())


async def put_faults(request: Request) -> Response:
    settings = FaultSettings.from_json(await _json_object(request, allow_empty=True))
    _world(request).faults.configure(settings)
    return JSONResponse(settings.to_json())


def _settings_json(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in sorted(Settings.fields())}


async def get_settings(request: Request) -> Response:
    return JSONResponse(_settings_json(_world(request).settings))


async def put_settings(request: Request) -> Response:
    data = await _json_object(request)
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in Settings.fields():
            raise ControlError(
                name, f"unknown setting (known: {', '.join(sorted(Settings.fields()))})"
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ControlError(name, "must be a non-negative number")
        if name == "notification_retries":
            value = int(value)
        values[name] = value
    return JSONResponse(_settings_json(_world(request).update_settings(**values)))


async def revoke(request: Request) -> Response:
    world = _world(request)
    user = _user(world, request.path_params["email"])
    count = world.revoke_user(user)
    return JSONResponse({"revoked_grants": count})


async def reset(request: Request) -> Response:
    _world(request).reset()
    return Response(status_code=204)


async def get_clock(request: Request) -> Response:
    world = _world(request)
    return JSONResponse({"now": world.clock().isoformat(), "offset_seconds": world.clock_offset})


async def put_clock(request: Request) -> Response:
    """``{"advance_seconds": n}`` moves the world clock forward (tokens, throttling, subs)."""
    data = await _json_object(request)
    seconds = data.get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ControlError("advance_seconds", "must be a non-negative number")
    world = _world(request)
    world.advance_clock(seconds)
    return JSONResponse({"now": world.clock().isoformat(), "offset_seconds": world.clock_offset})


async def list_subscriptions(request: Request) -> Response:
    world = _world(request)
    with world.lock:
        items = [world.subscriptions.describe(sub) for sub in world.subscriptions.items.values()]
    return JSONResponse(items)


async def remove_subscription(request: Request) -> Response:
    world = _world(request)
    if not world.subscriptions.remove_with_lifecycle(world, request.path_params["sub_id"]):
        raise ControlError("id", "no such subscription", status=404)
    return Response(status_code=204)


ROUTES = [
    Route("/_emulator/health", _handle(health), methods=["GET"]),
    Route("/_emulator/apps", _handle(add_app), methods=["POST"]),
    Route("/_emulator/apps", _handle(list_apps), methods=["GET"]),
    Route("/_emulator/users", _handle(add_user), methods=["POST"]),
    Route("/_emulator/users", _handle(list_users), methods=["GET"]),
    Route("/_emulator/users/{email}/token", _handle(user_token), methods=["POST"]),
    Route("/_emulator/users/{email}/import", _handle(import_event), methods=["POST"]),
    Route("/_emulator/users/{email}/share", _handle(share_calendar), methods=["POST"]),
    Route("/_emulator/stats", _handle(get_stats), methods=["GET"]),
    Route("/_emulator/stats", _handle(clear_stats), methods=["DELETE"]),
    Route("/_emulator/outbox", _handle(get_outbox), methods=["GET"]),
    Route("/_emulator/outbox", _handle(clear_outbox), methods=["DELETE"]),
    Route("/_emulator/faults", _handle(get_faults), methods=["GET"]),
    Route("/_emulator/faults", _handle(put_faults), methods=["PUT"]),
    Route("/_emulator/settings", _handle(get_settings), methods=["GET"]),
    Route("/_emulator/settings", _handle(put_settings), methods=["PUT"]),
    Route("/_emulator/revoke/{email}", _handle(revoke), methods=["POST"]),
    Route("/_emulator/reset", _handle(reset), methods=["POST"]),
    Route("/_emulator/clock", _handle(get_clock), methods=["GET"]),
    Route("/_emulator/clock", _handle(put_clock), methods=["PUT"]),
    Route("/_emulator/subscriptions", _handle(list_subscriptions), methods=["GET"]),
    Route(
        "/_emulator/subscriptions/{sub_id}/remove", _handle(remove_subscription), methods=["POST"]
    ),
]
