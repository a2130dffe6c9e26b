"""``/{tenant}/oauth2/v2.0/authorize``: the sign-in + consent page and the code redirect.

GET renders the page; POST to the same URL and query with form fields ``login``,
``password`` and ``consent=accept`` signs in, consents and redirects with ``code`` and
``state`` (``consent`` = anything else: ``error=access_denied``). Problems with the tenant,
the client or the redirect URI are shown as an error page and never redirected
(AADSTS90002 / 900144 / 700016 / 50011); every other problem is redirected to the app as
``error=...&error_description=AADSTS...``. There are no sessions: every request signs in,
so ``prompt=login|consent|select_account`` all show the page and ``prompt=none`` answers
``login_required``.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from graph_emulator.directory import App
from graph_emulator.identity import pages
from graph_emulator.identity.errors import AadError, check_tenant, missing
from graph_emulator.world import World

RESPONSE_MODES = {"query", "fragment", "form_post"}
PROMPTS = {"login", "consent", "select_account", "none"}
CHALLENGE_METHODS = {"S256", "plain"}
_NO_CACHE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


class _ShowError(Exception):
    """An error shown on a page (never redirected)."""

    def __init__(self, error: AadError) -> None:
        super().__init__(str(error))
        self.error = error


def client_info(world: World, user_id: str) -> str:
    raw = json.dumps({"uid": user_id, "utid": world.tenant_id}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _validate_client(world: World, tenant: str, params: QueryParams) -> tuple[App, str]:
    try:
        check_tenant(tenant, world.tenant_id)
    except AadError as exc:
        raise _ShowError(exc) from None
    client_id = params.get("client_id")
    if not client_id:
        raise _ShowError(missing("client_id"))
    with world.lock:
        app = world.directory.find_app(client_id)
    if app is None:
        raise _ShowError(
            AadError(
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant}'. This can happen if the application has not been installed by the "
                "administrator of the tenant or consented to by any user in the tenant.",
            )
        )
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        raise _ShowError(missing("redirect_uri"))
    if redirect_uri not in app.redirect_uris:
        raise _ShowError(
            AadError(
                "invalid_request",
                50011,
                f"The redirect URI '{redirect_uri}' specified in the request does not match the "
                f"redirect URIs configured for the application '{client_id}'. Make sure the "
                "redirect URI sent in the request matches one added to your application in the "
                "Azure portal.",
            )
        )
    return app, redirect_uri


def _validate_request(params: QueryParams) -> None:
    """Problems that are redirected back to the app."""
    if params.get("response_type") != "code":
        raise AadError(
            "unsupported_response_type",
            700054,
            "response_type 'code' is the only response type this emulator supports.",
        )
    if params.get("response_mode", "query") not in RESPONSE_MODES:
        raise AadError(
            "invalid_request", 900144, "response_mode must be query, fragment or form_post."
        )
    if not params.get("scope", "").split():
        raise missing("scope")
    method = params.get("code_challenge_method")
    if method is not None and method not in CHALLENGE_METHODS:
        raise AadError("invalid_request", 501491, "Invalid code_challenge_method (S256 or plain).")
    if method is not None and not params.get("code_challenge"):
        raise AadError(
            "invalid_request", 501491, "code_challenge_method given without code_challenge."
        )
    prompt = params.get("prompt")
    if prompt is not None and prompt not in PROMPTS:
        raise AadError("invalid_request", 90023, f"Invalid prompt value '{prompt}'.")
    if prompt == "none":
        raise AadError(
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in.",
        )


def _redirect(redirect_uri: str, mode: str, fields: dict[str, str]) -> Response:
    if mode == "form_post":
        return HTMLResponse(pages.form_post_page(redirect_uri, fields), headers=_NO_CACHE)
    separator = "#" if mode == "fragment" else ("&" if "?" in redirect_uri else "?")
    return RedirectResponse(
        f"{redirect_uri}{separator}{urlencode(fields)}", status_code=302, headers=_NO_CACHE
    )


def _error_fields(error: AadError, params: QueryParams, correlation_id: str) -> dict[str, str]:
    fields = {"error": error.error, "error_description": f"AADSTS{error.code}: {error.message}"}
    fields["error_uri"] = f"https://login.microsoftonline.com/error?code={error.code}"
    if params.get("state") is not None:
        fields["state"] = params["state"]
    fields["correlation_id"] = correlation_id
    return fields


async def authorize(request: Request) -> Response:
    world: World = request.app.state.world
    params = request.query_params
    correlation_id = request.headers.get("client-request-id") or str(uuid.uuid4())
    try:
        app, redirect_uri = _validate_client(world, request.path_params["tenant"], params)
    except _ShowError as shown:
        html = pages.error_page(shown.error.code, shown.error.message, correlation_id)
        return HTMLResponse(html, status_code=400, headers=_NO_CACHE)
    mode = params.get("response_mode", "query")
    mode = mode if mode in RESPONSE_MODES else "query"
    try:
        _validate_request(params)
    except AadError as error:
        return _redirect(redirect_uri, mode, _error_fields(error, params, correlation_id))

    scopes = params["scope"].split()
    action = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method == "GET":
        html = pages.sign_in_page(
            action=action, app_name=app.name, scopes=scopes, login_hint=params.get("login_hint", "")
        )
        return HTMLResponse(html, headers=_NO_CACHE)

    form = await request.form()
    consent = str(form.get("consent") or "")
    if consent and consent != "accept":
        error = AadError("access_denied", 65004, "User declined to consent to access the app.")
        return _redirect(redirect_uri, mode, _error_fields(error, params, correlation_id))
    login = str(form.get("login") or "").strip()
    password = str(form.get("password") or "")
    with world.lock:
        user = world.directory.find_user(login) if login else None
        if user is None or not user.check_password(password):
            message = "Your account or password is incorrect."
        elif consent != "accept":
            message = "Accept the requested permissions to continue."
        else:
            message = ""
        if message:
            html = pages.sign_in_page(
                action=action, app_name=app.name, scopes=scopes, login_hint=login, error=message
            )
            return HTMLResponse(html, status_code=200, headers=_NO_CACHE)
        now = world.clock()
        grant = world.identity.new_grant(user.id, app.client_id, scopes, now)
        method = params.get("code_challenge_method")
        challenge = params.get("code_challenge")
        code = world.identity.new_code(
            grant,
            now=now,
            client_id=app.client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            nonce=params.get("nonce"),
            code_challenge=challenge,
            code_challenge_method=(method or "plain") if challenge else None,
        )
    fields: dict[str, Any] = {"code": code.code}
    if params.get("state") is not None:
        fields["state"] = params["state"]
    if params.get("client_info") == "1":
        fields["client_info"] = client_info(world, user.id)
    fields["session_state"] = grant.id
    return _redirect(redirect_uri, mode, fields)


ROUTES = [Route("/{tenant}/oauth2/v2.0/authorize", authorize, methods=["GET", "POST"])]
