"""OpenID Connect discovery and the JWKS, with URLs built from the host the client used."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph_emulator.identity.errors import KNOWN_TENANT_ALIASES, AadError, check_tenant
from graph_emulator.world import World


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def issuer(request: Request, world: World) -> str:
    """The ``iss`` of id_tokens: ``https://host:port/{tenant id}/v2.0``."""
    return f"{base_url(request)}/{world.tenant_id}/v2.0"


async def openid_configuration(request: Request) -> Response:
    world: World = request.app.state.world
    tenant = request.path_params["tenant"]
    try:
        check_tenant(tenant, world.tenant_id)
    except AadError as exc:
        return exc.response(request.headers.get("client-request-id"))
    base = base_url(request)
    # Entra's multi-tenant documents carry the literal "{tenantid}" in the issuer.
    issuer_tenant = "{tenantid}" if tenant.lower() in KNOWN_TENANT_ALIASES else world.tenant_id
    oauth = f"{base}/{tenant}/oauth2/v2.0"
    return JSONResponse(
        {
            "token_endpoint": f"{oauth}/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{issuer_tenant}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{base}/oidc/userinfo",
            "authorization_endpoint": f"{oauth}/authorize",
            "device_authorization_endpoint": f"{oauth}/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{oauth}/logout",
            "claims_supported": [
                "sub",
                "iss",
                "cloud_instance_name",
                "cloud_instance_host_name",
                "cloud_graph_host_name",
                "msgraph_host",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "at_hash",
                "c_hash",
                "email",
            ],
            "tenant_region_scope": None,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }
    )


async def jwks(request: Request) -> Response:
    world: World = request.app.state.world
    try:
        check_tenant(request.path_params["tenant"], world.tenant_id)
    except AadError as exc:
        return exc.response(request.headers.get("client-request-id"))
    return JSONResponse(world.signing_key.jwks(issuer(request, world)))


ROUTES = [
    Route("/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
    Route("/{tenant}/discovery/v2.0/keys", jwks, methods=["GET"]),
]
