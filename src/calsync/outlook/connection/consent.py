"""Each user's consent: MSAL's auth-code flow, bound to the user's session.

``start(request)`` creates the flow (PKCE S256, a nonce, and a random ``state`` of our own),
keeps it in the session under its state, and returns Microsoft's sign-in URL.
``complete(request)`` handles ``/microsoft_account/authentication``: it takes the flow whose
state came back out of the session (so an answer is used once), checks it was started by
this same user less than ten minutes ago, redeems the code, reads ``GET /me`` and stores the
connection. Anything wrong raises :class:`ConsentRefused` and changes nothing.

Why ``response_mode=query``: the session cookie is ``SameSite=Lax``. Microsoft's redirect
back is a top-level GET navigation, which carries Lax cookies, so the callback finds the
session that holds the flow. ``form_post`` is a cross-site POST, which does not carry them:
it would need the callback exempted from CSRF and a same-site bounce page to reach the
session. The code in the query string is harmless on its own: it is single-use, lives
minutes, and redeeming it needs both our client secret and the PKCE verifier that never
leaves the server. The callback answers with a redirect (``Referrer-Policy: no-referrer``),
so the code is not shown or forwarded.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

import msal
import requests
from django.http import HttpRequest
from django.utils.translation import gettext as _

from calsync.msgraph import GraphClient, GraphError
from calsync.outlook.connection import actions, identity
from calsync.outlook.connection.configuration import (
    OutlookConfiguration,
    current,
    request_base_url,
    same_origin,
)
from calsync.outlook.connection.crypto import SecretUnreadable
from calsync.outlook.connection.proxy import proxy_for
from calsync.outlook.models import OutlookAccount

logger = logging.getLogger("calsync.outlook")

FLOWS_KEY = "outlook_auth_flows"
FLOW_LIFETIME_SECONDS = 600
MAX_PENDING_FLOWS = 3


class ConsentRefused(Exception):
    """The consent cannot start or complete; ``message`` is for the user, ``status`` for HTTP.

    ``link`` optionally names a URL the refusal page offers (e.g. the right host).
    """

    def __init__(self, message: str, *, status: int = 400, link: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.link = link


class _StaticToken:
    """A token provider for the single ``GET /me`` right after consent."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, *, force_refresh: bool = False) -> str:
        return self._token


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    flows = request.session.get(FLOWS_KEY, {})
    now = time.time()
    return {
        state: entry
        for state, entry in flows.items()
        if now - entry.get("at", 0) <= FLOW_LIFETIME_SECONDS
    }


def _keep(request: HttpRequest, flows: dict[str, dict[str, Any]]) -> None:
    newest = sorted(flows.items(), key=lambda item: item[1]["at"])[-MAX_PENDING_FLOWS:]
    request.session[FLOWS_KEY] = dict(newest)


def _configuration(request: HttpRequest) -> OutlookConfiguration:
    try:
        return current(request)
    except SecretUnreadable as exc:
        raise ConsentRefused(
            _(
                "The Outlook Client Secret cannot be read (the server's secret key changed); "
                "an administrator must enter it again in the settings."
            ),
            status=409,
        ) from exc


def start(request: HttpRequest) -> str:
    """Begin the consent for ``request.user``; returns the URL of Microsoft's sign-in page."""
    config = _configuration(request)
    if not config.ready:
        raise ConsentRefused(
            _(
                "Outlook sync is not set up yet: an administrator must enter the Client ID and "
                "Client Secret and tick Outlook Calendar in the settings."
            ),
            status=409,
        )
    here = request_base_url(request)
    if not same_origin(config.base_url, here):
        raise ConsentRefused(
            _(
                "You opened calsync at %(here)s, but Microsoft will send you back to "
                "%(base)s, where you are not signed in. Open calsync at %(base)s and press "
                "Sync with Outlook there."
            )
            % {"here": here, "base": config.base_url},
            status=400,
            link=config.base_url + "/",
        )
    try:
        app = identity.build_app(config)
    except identity.IdentityUnavailable as exc:
        raise ConsentRefused(
            _("The Microsoft sign-in service at %(host)s cannot be reached. Try again later.")
            % {"host": config.authority_host},
            status=502,
        ) from exc
    state = secrets.token_urlsafe(32)
    flow = app.initiate_auth_code_flow(
        identity.SCOPES,
        redirect_uri=config.redirect_uri,
        state=state,
        response_mode="query",
        login_hint=request.user.email,
    )
    flows = _pending(request)
    flows[state] = {"flow": flow, "user": request.user.pk, "at": time.time()}
    _keep(request, flows)
    logger.info("outlook: user %s started the consent", request.user.pk)
    return flow["auth_uri"]


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:300] if (text or "").strip() else ""


def complete(request: HttpRequest) -> OutlookAccount:
    """Finish the consent from Microsoft's answer in ``request.GET``; returns the account.
    Raises :class:`ConsentRefused` (nothing changed) at the first check that fails."""
    entry = _take_flow(request)
    _check_answer(request)
    config = _configuration(request)
    cache = msal.SerializableTokenCache()
    app, result = _redeem(request, config, entry["flow"], cache)
    claims = result.get("id_token_claims") or {}
    me = _whoami(config, result["access_token"])
    mailbox = (
        me.get("mail") or me.get("userPrincipalName") or claims.get("preferred_username") or ""
    )
    msal_accounts = app.get_accounts()
    try:
        return actions.do_connect_account(
            request.user,
            mailbox=mailbox,
            display_name=me.get("displayName") or claims.get("name") or "",
            oid=claims.get("oid") or me.get("id") or "",
            tid=claims.get("tid") or "",
            home_account_id=msal_accounts[0]["home_account_id"] if msal_accounts else "",
            token_cache=cache.serialize(),
        )
    except actions.AccountConflict as exc:
        raise ConsentRefused(str(exc), status=409) from exc


def _take_flow(request: HttpRequest) -> dict[str, Any]:
    """The pending flow the answer's ``state`` names (used once), started by this user."""
    state = request.GET.get("state", "")
    flows = _pending(request)
    entry = flows.pop(state, None) if state else None
    _keep(request, flows)
    if entry is None:
        raise ConsentRefused(
            _(
                "This answer from Microsoft does not belong to a sign-in started in this "
                "browser session, or it was already used. Nothing was changed. Press Sync with "
                "Outlook to start again."
            ),
            status=400,
        )
    if not request.user.is_authenticated or entry.get("user") != request.user.pk:
        raise ConsentRefused(
            _("This sign-in was started by another calsync user. Nothing was changed."),
            status=403,
        )
    return entry


def _check_answer(request: HttpRequest) -> None:
    """Microsoft's answer carries a code, not an error (a refusal to consent, or another)."""
    error = request.GET.get("error", "")
    if error == "access_denied":
        raise ConsentRefused(
            _(
                "You did not accept the permissions calsync asked for, so Outlook is not "
                "connected. Nothing was changed."
            ),
            status=403,
        )
    if error or not request.GET.get("code"):
        raise ConsentRefused(
            _(
                "Microsoft did not complete the sign-in (%(error)s: %(description)s). "
                "Nothing was changed."
            )
            % {
                "error": error or "no_code",
                "description": _first_line(request.GET.get("error_description", "")),
            },
            status=400,
        )


def _redeem(
    request: HttpRequest,
    config: OutlookConfiguration,
    flow: dict[str, Any],
    cache: msal.SerializableTokenCache,
) -> tuple[msal.ConfidentialClientApplication, dict[str, Any]]:
    """MSAL redeems the code against the flow (state, PKCE); the tokens land in ``cache``."""
    unreachable = ConsentRefused(
        _("The Microsoft sign-in service at %(host)s cannot be reached. Try again later.")
        % {"host": config.authority_host},
        status=502,
    )
    try:
        app = identity.build_app(config, cache)
        result = app.acquire_token_by_auth_code_flow(flow, request.GET.dict())
    except (identity.IdentityUnavailable, requests.RequestException) as exc:
        raise unreachable from exc
    except (ValueError, RuntimeError) as exc:
        logger.warning("outlook: consent answer refused by MSAL: %s", type(exc).__name__)
        raise ConsentRefused(
            _(
                "Microsoft's answer did not match the sign-in that was started. "
                "Nothing was changed."
            ),
            status=400,
        ) from exc
    if "error" in result:
        logger.warning(
            "outlook: code redemption failed for user %s: %s %s",
            request.user.pk,
            result.get("error"),
            result.get("error_codes"),
        )
        raise ConsentRefused(
            _(
                "Microsoft refused to complete the sign-in (%(error)s: %(description)s). "
                "Nothing was changed."
            )
            % {
                "error": result.get("error"),
                "description": _first_line(result.get("error_description", "")),
            },
            status=400,
        )
    return app, result


def _whoami(config: OutlookConfiguration, access_token: str) -> dict[str, Any]:
    """``GET /me`` with the new access token: the mailbox that consented."""
    try:
        with GraphClient(
            config.graph_url,
            _StaticToken(access_token),
            verify=config.ca_bundle,
            proxy=proxy_for(config.graph_url),
        ) as graph:
            return graph.me()
    except GraphError as exc:
        logger.warning("outlook: GET /me after consent failed: %s", exc)
        raise ConsentRefused(
            _(
                "Signed in, but Microsoft Graph did not answer who you are (%(error)s). "
                "Nothing was changed."
            )
            % {"error": exc.code or exc.status},
            status=502,
        ) from exc
