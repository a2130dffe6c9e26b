"""MSAL Python (a client nobody here wrote) against the emulator over HTTPS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import msal
import pytest
import requests

from graph_emulator.testing import EmulatorServer

pytestmark = pytest.mark.filterwarnings("ignore:response_mode=.form_post. is recommended")

REDIRECT = "http://localhost:8000/microsoft_account/authentication"
SCOPES = ["Calendars.ReadWrite", "User.Read"]


@pytest.fixture
def session(emulator: EmulatorServer) -> Iterator[requests.Session]:
    with requests.Session() as http:
        http.trust_env = False  # REQUESTS_CA_BUNDLE would override verify=
        http.verify = emulator.ca_path
        yield http


@pytest.fixture
def msal_app(
    emulator: EmulatorServer, session: requests.Session
) -> msal.ConfidentialClientApplication:
    emulator.add_app("calsync-app", "s3cret-value", [REDIRECT])
    emulator.add_user("grace@example.com", "Grace Hopper", "pw-grace")
    return msal.ConfidentialClientApplication(
        "calsync-app",
        client_credential="s3cret-value",
        authority=emulator.authority,
        instance_discovery=False,
        http_client=session,
    )


def sign_in(
    app: msal.ConfidentialClientApplication, session: requests.Session, mode: str = "query"
) -> dict:
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, response_mode=mode)
    assert flow["code_verifier"] and flow["nonce"] and flow["state"]
    page = session.get(flow["auth_uri"])
    assert page.status_code == 200 and 'name="password"' in page.text
    answer = session.post(
        flow["auth_uri"],
        data={"login": "grace@example.com", "password": "pw-grace", "consent": "accept"},
        allow_redirects=False,
    )
    if mode == "form_post":
        assert answer.status_code == 200
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', answer.text))
        return app.acquire_token_by_auth_code_flow(flow, fields)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    auth_response = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return app.acquire_token_by_auth_code_flow(flow, auth_response)


def test_msal_code_flow_silent_refresh_rotation_and_revocation(
    emulator: EmulatorServer,
    msal_app: msal.ConfidentialClientApplication,
    session: requests.Session,
) -> None:
    result = sign_in(msal_app, session)
    assert "access_token" in result, result
    claims = result["id_token_claims"]
    user_id = emulator.world.directory.find_user("grace@example.com").id
    assert claims["oid"] == user_id
    assert claims["preferred_username"] == "grace@example.com"
    me = session.get(
        f"{emulator.graph_url}/me", headers={"Authorization": f"Bearer {result['access_token']}"}
    )
    assert me.json()["id"] == user_id

    [account] = msal_app.get_accounts()
    assert account["home_account_id"] == f"{user_id}.{emulator.world.tenant_id}"
    assert account["username"] == "grace@example.com"

    cached = msal_app.acquire_token_silent(SCOPES, account=account)
    assert cached["access_token"] == result["access_token"]  # still fresh: from the cache

    refreshed = msal_app.acquire_token_silent(SCOPES, account=account, force_refresh=True)
    assert refreshed["access_token"] != result["access_token"]
    assert refreshed["refresh_token"] != result["refresh_token"]  # rotated
    rts = [
        rt["secret"]
        for rt in msal_app.token_cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN)
    ]
    assert rts == [refreshed["refresh_token"]]

    emulator.revoke("grace@example.com")
    failed = msal_app.acquire_token_silent_with_error(SCOPES, account=account, force_refresh=True)
    assert failed["error"] == "invalid_grant"
    assert 50173 in failed["error_codes"]
    gone = session.get(
        f"{emulator.graph_url}/me", headers={"Authorization": f"Bearer {refreshed['access_token']}"}
    )
    assert gone.status_code == 401


def test_msal_form_post_response_mode(
    msal_app: msal.ConfidentialClientApplication, session: requests.Session
) -> None:
    result = sign_in(msal_app, session, mode="form_post")
    assert "access_token" in result, result
    assert result["id_token_claims"]["name"] == "Grace Hopper"


def test_msal_silent_refresh_when_the_access_token_is_short_lived(
    emulator: EmulatorServer,
    msal_app: msal.ConfidentialClientApplication,
    session: requests.Session,
) -> None:
    emulator.set_settings(access_token_lifetime=60)
    first = sign_in(msal_app, session)
    [account] = msal_app.get_accounts()
    # under 5 minutes left: MSAL refreshes on its own
    second = msal_app.acquire_token_silent(SCOPES, account=account)
    assert second["access_token"] != first["access_token"]
    assert second["token_source"] == "identity_provider"
