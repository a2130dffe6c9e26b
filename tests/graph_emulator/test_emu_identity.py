"""The identity platform over real HTTPS: discovery, authorize page, token grants, errors."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest

from graph_emulator.testing import EmulatorServer

REDIRECT = "http://localhost:8000/microsoft_account/authentication"
SCOPE = "Calendars.ReadWrite User.Read openid profile offline_access"
VERIFIER = "a" * 43 + "-verifier"


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


@pytest.fixture
def setup(emulator: EmulatorServer) -> EmulatorServer:
    emulator.add_app("app-1", "s3cret", [REDIRECT], name="calsync")
    emulator.add_app("public-app", None, [REDIRECT])
    emulator.add_user("ada@example.com", "Ada Lovelace", "pw-ada")
    return emulator


def authorize_url(emu: EmulatorServer, tenant: str = "common", **params: str) -> str:
    query = {
        "client_id": "app-1",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": SCOPE,
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        "client_info": "1",
    }
    query.update(params)
    query = {k: v for k, v in query.items() if v != ""}
    return f"{emu.url}/{tenant}/oauth2/v2.0/authorize?{urlencode(query)}"


def sign_in(
    http: httpx.Client,
    url: str,
    login: str = "ada@example.com",
    password: str = "pw-ada",
    consent: str = "accept",
) -> httpx.Response:
    return http.post(url, data={"login": login, "password": password, "consent": consent})


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(http: httpx.Client, emu: EmulatorServer, **params: str) -> str:
    return redirect_params(sign_in(http, authorize_url(emu, **params)))["code"]


def redeem(http: httpx.Client, emu: EmulatorServer, code: str, **extra: str) -> httpx.Response:
    form = {
        "client_id": "app-1",
        "client_secret": "s3cret",
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        "scope": SCOPE,
        "client_info": "1",
    }
    form.update(extra)
    form = {k: v for k, v in form.items() if v != ""}
    return http.post(f"{emu.url}/common/oauth2/v2.0/token", data=form)


def refresh(http: httpx.Client, emu: EmulatorServer, rt: str, **extra: str) -> httpx.Response:
    form = {
        "client_id": "app-1",
        "client_secret": "s3cret",
        "grant_type": "refresh_token",
        "refresh_token": rt,
        "scope": SCOPE,
    }
    form.update(extra)
    return http.post(f"{emu.url}/common/oauth2/v2.0/token", data=form)


def assert_aad(response: httpx.Response, status: int, error: str, code: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert "Trace ID: " in body["error_description"]
    assert {"timestamp", "trace_id", "correlation_id", "error_uri"} <= set(body)


# discovery --------------------------------------------------------------------------------
@pytest.mark.parametrize("tenant", ["common", "organizations", "consumers"])
def test_discovery_uses_the_host_the_client_used(
    setup: EmulatorServer, http: httpx.Client, tenant: str
) -> None:
    doc = http.get(f"{setup.url}/{tenant}/v2.0/.well-known/openid-configuration").json()
    assert doc["authorization_endpoint"] == f"{setup.url}/{tenant}/oauth2/v2.0/authorize"
    assert doc["token_endpoint"] == f"{setup.url}/{tenant}/oauth2/v2.0/token"
    assert doc["jwks_uri"] == f"{setup.url}/{tenant}/discovery/v2.0/keys"
    assert doc["issuer"] == f"{setup.url}/{{tenantid}}/v2.0"
    assert "form_post" in doc["response_modes_supported"]


def test_discovery_for_the_tenant_id_and_an_unknown_tenant(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    tid = setup.world.tenant_id
    doc = http.get(f"{setup.url}/{tid}/v2.0/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"{setup.url}/{tid}/v2.0"
    bad = http.get(f"{setup.url}/contoso.example/v2.0/.well-known/openid-configuration")
    assert_aad(bad, 400, "invalid_tenant", 90002)


def test_id_token_verifies_against_the_jwks(setup: EmulatorServer, http: httpx.Client) -> None:
    body = redeem(http, setup, get_code(http, setup)).json()
    jwks = http.get(f"{setup.url}/common/discovery/v2.0/keys").json()
    header = jwt.get_unverified_header(body["id_token"])
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public = jwt.PyJWK.from_dict(key).key
    tid = setup.world.tenant_id
    claims = jwt.decode(
        body["id_token"],
        public,
        algorithms=["RS256"],
        audience="app-1",
        issuer=f"{setup.url}/{tid}/v2.0",
    )
    user = setup.world.directory.find_user("ada@example.com")
    assert claims["oid"] == user.id
    assert claims["tid"] == tid
    assert claims["preferred_username"] == "ada@example.com"
    assert claims["name"] == "Ada Lovelace"
    assert claims["nonce"] == "n-1"
    assert claims["ver"] == "2.0"
    assert claims["nbf"] <= claims["iat"] < claims["exp"]
    tampered = body["id_token"][:-4] + ("AAAA" if not body["id_token"].endswith("AAAA") else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tampered, public, algorithms=["RS256"], audience="app-1")


# authorize --------------------------------------------------------------------------------
def test_authorize_page_is_a_form_with_the_contract_fields(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    page = http.get(authorize_url(setup, login_hint="ada@example.com"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for needle in (
        'name="login"',
        'name="password"',
        'name="consent" value="accept"',
        'value="ada@example.com"',
        "Calendars.ReadWrite",
        "calsync",
    ):
        assert needle in page.text


def test_sign_in_redirects_with_code_state_and_client_info(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    params = redirect_params(sign_in(http, authorize_url(setup)))
    assert params["state"] == "st-1"
    assert params["code"]
    info = json.loads(base64.urlsafe_b64decode(params["client_info"] + "=="))
    assert info == {
        "uid": setup.world.directory.find_user("ada@example.com").id,
        "utid": setup.world.tenant_id,
    }


def test_wrong_password_shows_the_page_again(setup: EmulatorServer, http: httpx.Client) -> None:
    response = sign_in(http, authorize_url(setup), password="nope")
    assert response.status_code == 200
    assert "Your account or password is incorrect." in response.text
    assert 'name="password"' in response.text


def test_denied_consent_redirects_access_denied(setup: EmulatorServer, http: httpx.Client) -> None:
    params = redirect_params(sign_in(http, authorize_url(setup), consent="deny"))
    assert params["error"] == "access_denied"
    assert params["state"] == "st-1"
    assert "code" not in params


def test_unknown_client_is_an_error_page_not_a_redirect(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    response = http.get(authorize_url(setup, client_id="nobody"))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "AADSTS700016" in response.text


@pytest.mark.parametrize("uri", [REDIRECT + "/", "http://localhost:8000/other", REDIRECT.upper()])
def test_redirect_uri_must_match_exactly(
    setup: EmulatorServer, http: httpx.Client, uri: str
) -> None:
    for method in ("GET", "POST"):
        response = http.request(
            method,
            authorize_url(setup, redirect_uri=uri),
            data={"login": "ada@example.com", "password": "pw-ada", "consent": "accept"}
            if method == "POST"
            else None,
        )
        assert response.status_code == 400
        assert "location" not in response.headers
        assert "AADSTS50011" in response.text


def test_prompt_none_answers_login_required(setup: EmulatorServer, http: httpx.Client) -> None:
    params = redirect_params(http.get(authorize_url(setup, prompt="none")))
    assert params["error"] == "login_required"
    assert params["state"] == "st-1"


@pytest.mark.parametrize("prompt", ["login", "consent", "select_account"])
def test_interactive_prompts_show_the_page(
    setup: EmulatorServer, http: httpx.Client, prompt: str
) -> None:
    assert 'name="login"' in http.get(authorize_url(setup, prompt=prompt)).text


def test_bad_response_type_is_redirected_as_an_error(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    params = redirect_params(http.get(authorize_url(setup, response_type="token")))
    assert params["error"] == "unsupported_response_type"


def test_form_post_returns_an_auto_submitting_form(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    response = sign_in(http, authorize_url(setup, response_mode="form_post"))
    assert response.status_code == 200
    text = response.text
    assert f'action="{REDIRECT}"' in text
    assert 'name="code"' in text and 'name="state" value="st-1"' in text
    assert "document.forms[0].submit()" in text


# token endpoint -----------------------------------------------------------------------------
def test_code_redeems_once_then_54005(setup: EmulatorServer, http: httpx.Client) -> None:
    code = get_code(http, setup)
    first = redeem(http, setup, code)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600 and body["ext_expires_in"] == 3600
    assert body["scope"] == "Calendars.ReadWrite User.Read"
    assert {"access_token", "refresh_token", "id_token", "client_info"} <= set(body)
    assert_aad(redeem(http, setup, code), 400, "invalid_grant", 54005)


def test_pkce_plain_and_mismatch(setup: EmulatorServer, http: httpx.Client) -> None:
    code = get_code(
        http, setup, code_challenge="plain-secret-" + "x" * 40, code_challenge_method="plain"
    )
    assert redeem(http, setup, code, code_verifier="plain-secret-" + "x" * 40).status_code == 200
    code = get_code(http, setup)
    assert_aad(redeem(http, setup, code, code_verifier="wrong" * 10), 400, "invalid_grant", 501481)
    code = get_code(http, setup)
    assert_aad(redeem(http, setup, code, code_verifier=""), 400, "invalid_grant", 501481)


def test_code_without_pkce_needs_no_verifier(setup: EmulatorServer, http: httpx.Client) -> None:
    code = get_code(http, setup, code_challenge="", code_challenge_method="")
    assert redeem(http, setup, code, code_verifier="").status_code == 200


def test_code_expires_after_ten_minutes(setup: EmulatorServer, http: httpx.Client) -> None:
    code = get_code(http, setup)
    setup.advance_clock(601)
    assert_aad(redeem(http, setup, code), 400, "invalid_grant", 70008)


def test_code_with_another_redirect_uri_is_refused(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    code = get_code(http, setup)
    assert_aad(
        redeem(http, setup, code, redirect_uri="http://localhost:9/x"), 400, "invalid_grant", 70000
    )


def test_client_authentication_errors(setup: EmulatorServer, http: httpx.Client) -> None:
    code = get_code(http, setup)
    assert_aad(redeem(http, setup, code, client_secret="wrong"), 401, "invalid_client", 7000215)
    assert_aad(redeem(http, setup, code, client_secret=""), 401, "invalid_client", 7000218)
    assert_aad(redeem(http, setup, code, client_id="ghost"), 400, "unauthorized_client", 700016)
    assert_aad(redeem(http, setup, "garbage"), 400, "invalid_grant", 9002313)
    assert_aad(
        redeem(http, setup, code, grant_type="password"), 400, "unsupported_grant_type", 70003
    )
    assert_aad(redeem(http, setup, code, grant_type=""), 400, "invalid_request", 900144)


def test_public_client_must_not_send_a_secret(setup: EmulatorServer, http: httpx.Client) -> None:
    code = get_code(http, setup, client_id="public-app")
    assert_aad(redeem(http, setup, code, client_id="public-app"), 401, "invalid_client", 700025)


def test_http_basic_client_authentication(setup: EmulatorServer, http: httpx.Client) -> None:
    code = get_code(http, setup)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        "scope": SCOPE,
    }
    response = http.post(
        f"{setup.url}/common/oauth2/v2.0/token", data=form, auth=("app-1", "s3cret")
    )
    assert response.status_code == 200, response.text
    bad = http.post(f"{setup.url}/common/oauth2/v2.0/token", data=form, auth=("app-1", "nope"))
    assert_aad(bad, 401, "invalid_client", 7000215)


def test_refresh_rotates_and_old_token_stays_valid(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    first = redeem(http, setup, get_code(http, setup)).json()
    second = refresh(http, setup, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert "id_token" in second
    third = refresh(http, setup, first["refresh_token"])
    assert third.status_code == 200
    me = http.get(
        f"{setup.graph_url}/me", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert me.json()["mail"] == "ada@example.com"


def test_refresh_errors(setup: EmulatorServer, http: httpx.Client) -> None:
    rt = redeem(http, setup, get_code(http, setup)).json()["refresh_token"]
    assert_aad(refresh(http, setup, "garbage"), 400, "invalid_grant", 9002313)
    assert_aad(
        refresh(http, setup, rt, scope="Mail.Read offline_access"), 400, "invalid_grant", 65001
    )
    setup.advance_clock(91 * 24 * 3600)
    assert_aad(refresh(http, setup, rt), 400, "invalid_grant", 700082)


def test_revocation_kills_refresh_and_access_tokens(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    body = redeem(http, setup, get_code(http, setup)).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert http.get(f"{setup.graph_url}/me", headers=headers).status_code == 200
    assert setup.revoke("ada@example.com") == {"revoked_grants": 1}
    assert_aad(refresh(http, setup, body["refresh_token"]), 400, "invalid_grant", 50173)
    me = http.get(f"{setup.graph_url}/me", headers=headers)
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert 'error="insufficient_claims"' in me.headers["www-authenticate"]
    # a new sign-in is a new grant and works again
    again = redeem(http, setup, get_code(http, setup))
    assert again.status_code == 200


def test_access_token_lifetime_is_configurable(setup: EmulatorServer, http: httpx.Client) -> None:
    setup.set_settings(access_token_lifetime=5)
    body = redeem(http, setup, get_code(http, setup)).json()
    assert body["expires_in"] == 5
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert http.get(f"{setup.graph_url}/me", headers=headers).status_code == 200
    setup.advance_clock(6)
    expired = http.get(f"{setup.graph_url}/me", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["error"]["message"] == "Access token has expired or is not yet valid."


def test_tenant_id_authority_works_and_unknown_tenant_fails(
    setup: EmulatorServer, http: httpx.Client
) -> None:
    tid = setup.world.tenant_id
    code = get_code(http, setup)
    form = {
        "client_id": "app-1",
        "client_secret": "s3cret",
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    assert http.post(f"{setup.url}/{tid}/oauth2/v2.0/token", data=form).status_code == 200
    page = http.get(authorize_url(setup, tenant="not-a-tenant"))
    assert page.status_code == 400 and "AADSTS90002" in page.text
