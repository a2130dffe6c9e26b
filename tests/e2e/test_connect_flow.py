"""Connect to Outlook end to end: Django's live server (http on loopback) and the Microsoft
cloud emulator (real HTTPS, its own CA), with MSAL and the Graph client doing real HTTP.

Admin saves the settings through the page; a user presses Sync with Outlook, signs in and
consents on the emulator's page and lands back connected; expired access tokens are
refreshed silently with the rotated refresh token saved; a revoked grant turns the account
to "reconnect needed" and deletes nothing; forged, replayed, refused and foreign answers are
turned away and change nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from calsync.accounts.actions import do_create_user
from calsync.outlook.connection import crypto
from calsync.outlook.connection.graph import graph_client_for
from calsync.outlook.connection.tokens import AccountTokenProvider, ReconnectNeeded
from calsync.outlook.models import OutlookAccount, OutlookSettings

from .conftest import AzureApp, csrf_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-calsync"
MS_PASSWORD = "pw-microsoft"
MAILBOX = "alice@contoso.test"


@pytest.fixture(autouse=True)
def point_at_emulator(settings: Any, emulator: Any) -> None:
    """Configure calsync as an operator would with CALSYNC_* variables."""
    settings.CALSYNC_MS_AUTHORITY_HOST = emulator.url
    settings.CALSYNC_GRAPH_URL = emulator.graph_url
    settings.CALSYNC_CA_BUNDLE = emulator.ca_path


@pytest.fixture
def people(transactional_db: None, emulator: Any) -> dict[str, Any]:
    admin = do_create_user("admin@example.com", PASSWORD, name="Ada Admin", admin=True)
    alice = do_create_user("alice@example.com", PASSWORD, name="Alice")
    bob = do_create_user("bob@example.com", PASSWORD, name="Bob")
    emulator.add_user(MAILBOX, "Alice Nguyen", MS_PASSWORD)
    emulator.add_user("bob@contoso.test", "Bob Tran", MS_PASSWORD)
    return {"admin": admin, "alice": alice, "bob": bob}


def admin_saves_settings(browsers: Any, app: AzureApp, base_url: str) -> None:
    admin = browsers()
    admin.log_in("admin@example.com", PASSWORD)
    page = admin.web.get("/settings/")
    assert page.status_code == 200
    saved = admin.web.post(
        "/settings/",
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "enabled": "on",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "base_url": base_url,
        },
    )
    assert saved.status_code == 302, saved.text
    page = admin.web.get("/settings/")
    assert f'value="{app.redirect_uri}"' in page.text
    assert "<strong>set</strong>" in page.text
    assert app.client_secret not in page.text


def start_consent(browser: Any) -> str:
    """Press the button; returns Microsoft's authorize URL it redirected to."""
    answer = browser.press_sync_with_outlook()
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def connect(browsers: Any, email: str, mailbox: str = MAILBOX) -> Any:
    browser = browsers()
    browser.log_in(email, PASSWORD)
    authorize = start_consent(browser)
    redirect = browser.sign_in_at_microsoft(authorize, mailbox, MS_PASSWORD)
    landed = browser.follow_to_calsync(redirect)
    assert landed.status_code == 302, landed.text
    assert landed.headers["location"] == "/"
    return browser


def stored_refresh_token(account: OutlookAccount) -> str:
    cache = json.loads(crypto.decrypt(account.token_cache_encrypted, crypto.TOKEN_CACHE))
    (refresh,) = cache["RefreshToken"].values()
    return refresh["secret"]


def stored_access_token(account: OutlookAccount) -> str:
    cache = json.loads(crypto.decrypt(account.token_cache_encrypted, crypto.TOKEN_CACHE))
    (access,) = cache["AccessToken"].values()
    return access["secret"]


def database_dump() -> str:
    """Every row of the Outlook tables and the session table, as the database holds them."""
    rows = []
    with connection.cursor() as cursor:
        for table in ("outlook_outlooksettings", "outlook_outlookaccount", "django_session"):
            cursor.execute(f"SELECT * FROM {table}")
            rows.append(repr(cursor.fetchall()))
    return "\n".join(rows)


def test_admin_configures_user_connects_tokens_refresh_and_revoke_keeps_everything(
    browsers: Any,
    azure_app: AzureApp,
    live_server: Any,
    emulator: Any,
    people: Any,
    caplog: Any,
) -> None:
    caplog.set_level(logging.DEBUG, logger="calsync")
    admin_saves_settings(browsers, azure_app, live_server.url)
    row = OutlookSettings.load()
    assert (row.enabled, row.client_id, row.base_url) == (
        True,
        azure_app.client_id,
        live_server.url,
    )

    # The user presses Sync with Outlook: MSAL's auth-code flow with PKCE and our state.
    alice = browsers()
    alice.log_in("alice@example.com", PASSWORD)
    authorize = start_consent(alice)
    assert authorize.startswith(f"{emulator.url}/common/oauth2/v2.0/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["client_id"] == [azure_app.client_id]
    assert query["redirect_uri"] == [azure_app.redirect_uri]
    assert query["response_mode"] == ["query"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32
    assert set(query["scope"][0].split()) >= {
        "User.Read",
        "Calendars.ReadWrite",
        "offline_access",
        "openid",
        "profile",
    }

    # Signs in and accepts on the emulator's page, lands back on the calendar, connected.
    redirect = alice.sign_in_at_microsoft(authorize, MAILBOX, MS_PASSWORD)
    assert redirect.startswith(azure_app.redirect_uri + "?")
    assert parse_qs(urlsplit(redirect).query)["state"] == query["state"]
    landed = alice.follow_to_calsync(redirect)
    assert (landed.status_code, landed.headers["location"]) == (302, "/")
    assert "Connected as alice@contoso.test" in alice.web.get("/").text
    status = alice.web.get("/api/outlook/status").json()
    assert status["enabled"] is True
    assert status["connected"] is True
    assert status["mailbox"] == MAILBOX
    assert status["needs_reconnect"] is False

    account = OutlookAccount.objects.get(user=people["alice"])
    microsoft_user = emulator.world.directory.find_user(MAILBOX)
    assert account.oid == microsoft_user.id
    assert account.tid == emulator.world.tenant_id
    assert account.home_account_id == f"{microsoft_user.id}.{emulator.world.tenant_id}"
    first_refresh_token = stored_refresh_token(account)
    first_access_token = stored_access_token(account)

    # Secrets at rest: neither the client secret nor any token is in the database as text.
    dump = database_dump()
    assert azure_app.client_secret not in dump
    assert first_refresh_token not in dump
    assert first_access_token not in dump

    # An event of Alice's, to prove later that nothing is deleted.
    csrf = alice.web.cookies.get("csrftoken")
    created = alice.web.post(
        "/api/events",
        json={
            "title": "Dentist",
            "start": "2026-12-01T09:00:00",
            "end": "2026-12-01T10:00:00",
            "timezone": "Europe/Paris",
        },
        headers={"X-CSRFToken": csrf},
    )
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]

    # Forced expiry: the emulator's clock jumps 2 hours, so the cached access token is
    # refused (401); the client refreshes once and the rotated refresh token is saved.
    emulator.advance_clock(2 * 3600)
    version_before = account.token_version
    with graph_client_for(account) as graph:
        assert graph.me()["mail"] == MAILBOX
        assert graph.requests_made == 2  # the 401, then the retry with a fresh token
    account.refresh_from_db()
    second_refresh_token = stored_refresh_token(account)
    assert second_refresh_token != first_refresh_token
    assert account.token_version == version_before + 1
    assert account.token_refreshed_at is not None

    # Refresh before expiry: with short-lived access tokens MSAL refreshes on its own (less
    # than 5 minutes left), so Graph never sees an expired token.
    emulator.set_settings(access_token_lifetime=60)
    AccountTokenProvider(account.pk)(force_refresh=True)
    account.refresh_from_db()
    third_refresh_token = stored_refresh_token(account)
    assert third_refresh_token != second_refresh_token
    with graph_client_for(account) as graph:
        assert graph.me()["mail"] == MAILBOX
        assert graph.requests_made == 1
    account.refresh_from_db()
    assert stored_refresh_token(account) not in {third_refresh_token, second_refresh_token}

    # The grant is revoked in Entra ID while a long-lived access token is cached: Graph
    # refuses that token (401, continuous access evaluation), the forced refresh gets
    # invalid_grant, and the account turns "reconnect needed".
    emulator.set_settings(access_token_lifetime=3600)
    AccountTokenProvider(account.pk)(force_refresh=True)
    account.refresh_from_db()
    emulator.revoke(MAILBOX)
    with graph_client_for(account) as graph:
        with pytest.raises(ReconnectNeeded):
            graph.me()
        assert graph.requests_made == 1
    account.refresh_from_db()
    assert account.needs_reconnect is True
    assert "invalid_grant" in account.last_error
    status = alice.web.get("/api/outlook/status").json()
    assert status["needs_reconnect"] is True
    assert status["connected"] is False
    assert status["mailbox"] == MAILBOX
    assert "Reconnect needed for alice@contoso.test" in alice.web.get("/").text
    # ... and nothing was deleted: the account, its identity, the event.
    assert OutlookAccount.objects.filter(pk=account.pk, oid=account.oid).exists()
    assert alice.web.get(f"/api/events/{event_id}").status_code == 200

    # Reconnecting the same mailbox clears the flag.
    authorize = start_consent(alice)
    landed = alice.follow_to_calsync(alice.sign_in_at_microsoft(authorize, MAILBOX, MS_PASSWORD))
    assert landed.status_code == 302
    status = alice.web.get("/api/outlook/status").json()
    assert (status["connected"], status["needs_reconnect"]) == (True, False)
    account.refresh_from_db()
    with graph_client_for(account) as graph:
        assert graph.me()["mail"] == MAILBOX

    # No token, code or secret in calsync's logs, pages or API answers.
    secrets = {
        azure_app.client_secret,
        first_refresh_token,
        first_access_token,
        second_refresh_token,
        third_refresh_token,
        stored_refresh_token(account),
        stored_access_token(account),
        parse_qs(urlsplit(redirect).query)["code"][0],
    }
    ours = "\n".join(
        r.getMessage()
        for r in caplog.records
        if r.name.split(".")[0] in {"calsync", "django", "msal", "waitress"}
    )
    assert "outlook: user" in ours  # the log was captured
    shown = alice.web.get("/").text + alice.web.get("/api/outlook/status").text
    for secret in secrets:
        assert secret not in ours
        assert secret not in shown


def test_forged_and_replayed_state_are_refused_and_change_nothing(
    browsers: Any, azure_app: AzureApp, live_server: Any, people: Any
) -> None:
    admin_saves_settings(browsers, azure_app, live_server.url)
    alice = browsers()
    alice.log_in("alice@example.com", PASSWORD)
    redirect = alice.sign_in_at_microsoft(start_consent(alice), MAILBOX, MS_PASSWORD)
    parts = urlsplit(redirect)
    params = parse_qs(parts.query)
    code, state = params["code"][0], params["state"][0]

    forged = alice.web.get(
        "/microsoft_account/authentication", params={"code": code, "state": state[:-2] + "xx"}
    )
    assert forged.status_code == 400
    assert "does not belong to a sign-in started in this browser session" in forged.text
    assert not OutlookAccount.objects.exists()

    # The real answer still works once ...
    good = alice.follow_to_calsync(redirect)
    assert (good.status_code, good.headers["location"]) == (302, "/")
    account = OutlookAccount.objects.get(user=people["alice"])
    version = account.token_version

    # ... and never twice.
    replay = alice.follow_to_calsync(redirect)
    assert replay.status_code == 400
    assert "already used" in replay.text
    account.refresh_from_db()
    assert account.token_version == version


def test_access_denied_is_refused_and_changes_nothing(
    browsers: Any, azure_app: AzureApp, live_server: Any, people: Any
) -> None:
    admin_saves_settings(browsers, azure_app, live_server.url)
    alice = browsers()
    alice.log_in("alice@example.com", PASSWORD)
    redirect = alice.sign_in_at_microsoft(
        start_consent(alice), MAILBOX, MS_PASSWORD, consent="deny"
    )
    assert "error=access_denied" in redirect
    refused = alice.follow_to_calsync(redirect)
    assert refused.status_code == 403
    assert "You did not accept the permissions" in refused.text
    assert not OutlookAccount.objects.exists()
    assert alice.web.get("/api/outlook/status").json()["connected"] is False


def test_an_answer_for_another_users_flow_is_refused(
    browsers: Any, azure_app: AzureApp, live_server: Any, people: Any
) -> None:
    admin_saves_settings(browsers, azure_app, live_server.url)
    alice = browsers()
    alice.log_in("alice@example.com", PASSWORD)
    redirect = alice.sign_in_at_microsoft(start_consent(alice), MAILBOX, MS_PASSWORD)

    bob = browsers()
    bob.log_in("bob@example.com", PASSWORD)
    start_consent(bob)  # Bob has a flow of his own pending; Alice's answer is not it.
    stolen = bob.follow_to_calsync(redirect)
    assert stolen.status_code == 400
    assert not OutlookAccount.objects.exists()

    # Alice's own answer is still good for her.
    assert alice.follow_to_calsync(redirect).status_code == 302
    assert OutlookAccount.objects.get().user == people["alice"]


def test_a_mailbox_already_linked_to_someone_else_is_refused(
    browsers: Any, azure_app: AzureApp, live_server: Any, people: Any
) -> None:
    admin_saves_settings(browsers, azure_app, live_server.url)
    connect(browsers, "alice@example.com")
    bob = browsers()
    bob.log_in("bob@example.com", PASSWORD)
    redirect = bob.sign_in_at_microsoft(start_consent(bob), MAILBOX, MS_PASSWORD)
    refused = bob.follow_to_calsync(redirect)
    assert refused.status_code == 409
    assert "already connected to another calsync user" in refused.text
    assert not OutlookAccount.objects.filter(user=people["bob"]).exists()


def test_disconnect_removes_tokens_and_keeps_the_link(
    browsers: Any, azure_app: AzureApp, live_server: Any, people: Any
) -> None:
    admin_saves_settings(browsers, azure_app, live_server.url)
    alice = connect(browsers, "alice@example.com")
    page = alice.web.get("/")
    answer = alice.web.post(
        "/outlook/disconnect", data={"csrfmiddlewaretoken": csrf_token(page.text)}
    )
    assert answer.status_code == 302
    account = OutlookAccount.objects.get(user=people["alice"])
    assert account.token_cache_encrypted == ""
    assert account.mailbox == MAILBOX
    with pytest.raises(ReconnectNeeded):
        AccountTokenProvider(account.pk)()
    status = alice.web.get("/api/outlook/status").json()
    assert (status["connected"], status["mailbox"]) == (False, MAILBOX)
