"""``GET /api/outlook/status`` and the calendar page's Outlook panel, for every state."""

from __future__ import annotations

import json

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from calsync.outlook.connection import actions
from calsync.outlook.models import OutlookAccount

pytestmark = pytest.mark.django_db

KEYS = {"enabled", "connected", "mailbox", "last_sync", "last_error", "needs_reconnect"}
FAKE_CACHE = json.dumps({"RefreshToken": {"k": {"secret": "RT-SECRET-VALUE"}}})


def connect(user, mailbox="alice@contoso.test", oid="oid-alice"):
    return actions.do_connect_account(
        user,
        mailbox=mailbox,
        display_name="Alice",
        oid=oid,
        tid="tid-1",
        home_account_id=f"{oid}.tid-1",
        token_cache=FAKE_CACHE,
    )


def status(client):
    response = client.get("/api/outlook/status")
    assert response.status_code == 200
    return response.json()


def panel(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("calendars/_outlook_panel.html", request=request)


def test_status_requires_authentication(client):
    assert client.get("/api/outlook/status").status_code in {401, 403}


def test_not_set_up(client, alice):
    client.force_login(alice)
    body = status(client)
    assert set(body) >= KEYS
    assert body == {
        "enabled": False,
        "connected": False,
        "mailbox": None,
        "last_sync": None,
        "last_error": None,
        "needs_reconnect": False,
        "health": "disabled",
        "health_label": "Outlook sync is not set up",
        "health_reason": None,
    }
    html = panel(alice)
    assert "Outlook sync is not set up yet" in html
    assert 'id="outlook-sync" disabled' in html


def test_enabled_not_connected_offers_the_button(client, alice, configured):
    client.force_login(alice)
    body = status(client)
    assert (body["enabled"], body["connected"], body["health"]) == (True, False, "not_connected")
    html = panel(alice)
    assert 'action="/outlook/connect"' in html
    assert "Sync with Outlook" in html
    assert "csrfmiddlewaretoken" in html


def test_connected_shows_the_mailbox_and_never_a_token(client, alice, configured):
    connect(alice)
    client.force_login(alice)
    response = client.get("/api/outlook/status")
    assert "RT-SECRET-VALUE" not in response.content.decode()
    body = response.json()
    assert body["connected"] is True
    assert body["mailbox"] == "alice@contoso.test"
    assert body["health"] == "ok"
    html = panel(alice)
    assert "Connected as alice@contoso.test" in html
    assert "RT-SECRET-VALUE" not in html
    assert 'action="/outlook/disconnect"' in html


def test_last_sync_and_error_are_reported(client, alice, configured):
    account = connect(alice)
    when = timezone.now()
    OutlookAccount.objects.filter(pk=account.pk).update(last_sync=when, last_error="boom")
    client.force_login(alice)
    body = status(client)
    assert body["last_sync"] == when.isoformat()
    assert body["last_error"] == "boom"
    assert body["health"] == "degraded"


def test_reconnect_needed_keeps_the_mailbox(client, alice, configured):
    account = connect(alice)
    actions.do_mark_reconnect_needed(account.pk, "invalid_grant")
    client.force_login(alice)
    body = status(client)
    assert body["needs_reconnect"] is True
    assert body["connected"] is False
    assert body["mailbox"] == "alice@contoso.test"
    assert body["health"] == "reconnect_needed"
    html = panel(alice)
    assert "Reconnect needed for alice@contoso.test" in html
    assert 'action="/outlook/connect"' in html


def test_each_user_sees_only_their_own_status(client, alice, bob, configured):
    connect(alice)
    client.force_login(bob)
    body = status(client)
    assert body["mailbox"] is None
    assert body["connected"] is False


def test_disconnect_removes_tokens_only(client, alice, configured):
    account = connect(alice)
    client.force_login(alice)
    response = client.post("/outlook/disconnect")
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.token_cache_encrypted == ""
    assert (account.mailbox, account.oid, account.tid) == (
        "alice@contoso.test",
        "oid-alice",
        "tid-1",
    )
    body = status(client)
    assert (body["connected"], body["mailbox"]) == (False, "alice@contoso.test")
    assert "Not connected (last linked to alice@contoso.test)" in panel(alice)


def test_disconnect_needs_post(client, alice, configured):
    connect(alice)
    client.force_login(alice)
    assert client.get("/outlook/disconnect").status_code == 405
    assert OutlookAccount.objects.get(user=alice).has_tokens


def test_token_cache_is_encrypted_in_the_database(alice, configured):
    from django.db import connection

    connect(alice)
    with connection.cursor() as cursor:
        cursor.execute("SELECT token_cache_encrypted FROM outlook_outlookaccount")
        (stored,) = cursor.fetchone()
    assert stored
    assert "RT-SECRET-VALUE" not in stored
    assert "RefreshToken" not in stored


def test_a_mailbox_links_to_one_user_and_a_user_to_one_mailbox(alice, bob, configured):
    connect(alice)
    with pytest.raises(actions.AccountConflict, match="already connected to another"):
        connect(bob, mailbox="alice@contoso.test", oid="oid-alice")
    assert not OutlookAccount.objects.filter(user=bob).exists()
    with pytest.raises(actions.AccountConflict, match="linked to the Outlook mailbox"):
        connect(alice, mailbox="other@contoso.test", oid="oid-other")
    assert OutlookAccount.objects.get(user=alice).oid == "oid-alice"
