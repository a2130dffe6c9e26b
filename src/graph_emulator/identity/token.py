"""``/{tenant}/oauth2/v2.0/token``: ``authorization_code`` and ``refresh_token`` grants.

Client authentication by form fields or HTTP Basic. Errors are Entra's (see README for the
table): unknown client 400 ``unauthorized_client`` 700016; wrong secret 401
``invalid_client`` 7000215; garbage code/refresh token 400 ``invalid_grant`` 9002313; code
reused 54005; code or refresh token expired 70008 / 700082; PKCE mismatch 501481; revoked
grant 50173. Refresh tokens rotate: each use returns a new one and the old one keeps working
until revoked or expired, as Entra does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph_emulator.directory import App, User
from graph_emulator.identity.authorize import client_info
from graph_emulator.identity.discovery import issuer
from graph_emulator.identity.errors import AadError, check_tenant, missing
from graph_emulator.identity.state import Grant
from graph_emulator.world import World

OIDC_SCOPES = {"openid", "profile", "email", "offline_access"}
ID_TOKEN_LIFETIME = 3600


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    client_id = form.get("client_id") or ""
    secret = form.get("client_secret")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise AadError(
                "invalid_client", 7000216, "Malformed HTTP Basic credentials.", 401
            ) from None
        basic_id, _, basic_secret = decoded.partition(":")
        basic_id, basic_secret = unquote_plus(basic_id), unquote_plus(basic_secret)
        if client_id and client_id != basic_id:
            raise AadError(
                "invalid_request", 900144, "client_id differs from the Basic credentials."
            )
        client_id, secret = basic_id, basic_secret
    return client_id, secret


def _authenticate_client(world: World, client_id: str, secret: str | None) -> App:
    if not client_id:
        raise missing("client_id")
    with world.lock:
        app = world.directory.find_app(client_id)
    if app is None:
        raise AadError(
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory.",
        )
    if app.is_confidential:
        if not secret:
            raise AadError(
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' "
                "or 'client_secret'.",
                401,
            )
        if not app.check_secret(secret):
            raise AadError(
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
                401,
            )
    elif secret:
        raise AadError(
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be "
            "presented.",
            401,
        )
    return app


def _pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        computed = verifier
    return hmac.compare_digest(computed, challenge)


def _resource_scopes(scopes: list[str]) -> list[str]:
    return [s for s in scopes if s.lower() not in OIDC_SCOPES]


def _id_token(
    request: Request, world: World, user: User, client_id: str, scopes: list[str], nonce: str | None
) -> str:
    now = int(world.clock().timestamp())
    pairwise = hashlib.sha256(f"{user.id}:{client_id}".encode()).digest()
    claims: dict[str, Any] = {
        "aud": client_id,
        "iss": issuer(request, world),
        "iat": now,
        "nbf": now,
        "exp": now + ID_TOKEN_LIFETIME,
        "name": user.name,
        "oid": user.id,
        "preferred_username": user.email,
        "rh": "0.emulator",
        "sub": base64.urlsafe_b64encode(pairwise).rstrip(b"=").decode(),
        "tid": world.tenant_id,
        "uti": secrets.token_urlsafe(16),
        "ver": "2.0",
    }
    if "email" in {s.lower() for s in scopes}:
        claims["email"] = user.email
    if nonce:
        claims["nonce"] = nonce
    return world.signing_key.sign(claims)


def _issue(
    request: Request,
    world: World,
    grant: Grant,
    scopes: list[str],
    form: dict[str, str],
    nonce: str | None,
) -> dict[str, Any]:
    """The success body: access token, refresh token (offline_access), id_token (openid)."""
    with world.lock:
        user = world.directory.users[grant.user_id]
        now = world.clock()
        lifetime = world.settings.access_token_lifetime
        resource = _resource_scopes(scopes) or ["User.Read"]
        access = world.identity.new_access_token(
            user.id, grant.client_id, resource, now, lifetime, grant.id
        )
        granted = {s.lower() for s in grant.scopes}
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(resource),
            "expires_in": int(lifetime),
            "ext_expires_in": int(lifetime),
            "access_token": access.token,
        }
        if "offline_access" in granted:
            body["refresh_token"] = world.identity.new_refresh_token(grant, scopes, now).token
        if "openid" in granted:
            body["id_token"] = _id_token(request, world, user, grant.client_id, grant.scopes, nonce)
        if form.get("client_info") == "1":
            body["client_info"] = client_info(world, user.id)
        world.identity.prune(now)
    return body


def _redeem_code(request: Request, world: World, app: App, form: dict[str, str]) -> dict[str, Any]:
    value = form.get("code")
    if not value:
        raise missing("code")
    with world.lock:
        code = world.identity.codes.get(value)
        if code is None or code.client_id != app.client_id:
            raise AadError(
                "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if code.redeemed:
            raise AadError(
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid "
                "code or use an existing refresh token.",
            )
        code.redeemed = True
        if code.expires_at <= world.clock():
            raise AadError(
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired due to inactivity. "
                "Send a new interactive authorization request for this user and resource.",
            )
        if world.identity.is_revoked(code.grant_id):
            raise _revoked()
        if form.get("redirect_uri") != code.redirect_uri:
            raise AadError(
                "invalid_grant",
                70000,
                "Provided grant is invalid or malformed: redirect_uri does not match the one "
                "used in the authorization request.",
            )
        if code.code_challenge is not None:
            verifier = form.get("code_verifier") or ""
            if not _pkce_ok(verifier, code.code_challenge, code.code_challenge_method or "plain"):
                raise AadError(
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the "
                    "authorization request.",
                )
        grant = world.identity.grants[code.grant_id]
        scopes, nonce = code.scopes, code.nonce
    return _issue(request, world, grant, scopes, form, nonce)


def _revoked() -> AadError:
    return AadError(
        "invalid_grant",
        50173,
        "The provided grant has expired due to it being revoked, a fresh auth token is needed. "
        "The user might have changed or reset their password.",
    )


def _refresh(request: Request, world: World, app: App, form: dict[str, str]) -> dict[str, Any]:
    value = form.get("refresh_token")
    if not value:
        raise missing("refresh_token")
    with world.lock:
        token = world.identity.refresh_tokens.get(value)
        if token is None:
            raise AadError(
                "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if token.client_id != app.client_id:
            raise AadError(
                "invalid_grant",
                70000,
                "Provided grant is invalid or malformed: the refresh token was issued to a "
                "different client.",
            )
        if world.identity.is_revoked(token.grant_id):
            raise _revoked()
        if token.expires_at <= world.clock():
            raise AadError(
                "invalid_grant",
                700082,
                f"The refresh token has expired due to inactivity. The token was issued on "
                f"{token.issued_at.isoformat()} and was inactive for 90.00:00:00.",
            )
        grant = world.identity.grants[token.grant_id]
        requested = form.get("scope", "").split() or token.scopes
        consented = {s.lower() for s in _resource_scopes(grant.scopes)}
        extra = [s for s in _resource_scopes(requested) if s.lower() not in consented]
        if extra:
            raise AadError(
                "invalid_grant",
                65001,
                f"The user or administrator has not consented to use the application with ID "
                f"'{app.client_id}' for the scope(s) {' '.join(extra)}. Send an interactive "
                "authorization request for this user and resource.",
            )
    return _issue(request, world, grant, requested, form, None)


async def token(request: Request) -> Response:
    world: World = request.app.state.world
    correlation_id = request.headers.get("client-request-id")
    try:
        check_tenant(request.path_params["tenant"], world.tenant_id)
        form = {k: str(v) for k, v in (await request.form()).items()}
        client_id, secret = _client_credentials(request, form)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise missing("grant_type")
        if grant_type not in {"authorization_code", "refresh_token"}:
            raise AadError(
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant_type}'.",
            )
        app = _authenticate_client(world, client_id, secret)
        if grant_type == "authorization_code":
            body = _redeem_code(request, world, app, form)
        else:
            body = _refresh(request, world, app, form)
    except AadError as exc:
        return exc.response(correlation_id)
    return JSONResponse(body, headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})


ROUTES = [Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"])]
