"""The settings page: admins only, write-only secret, field errors, redirect URI, warnings."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from calsync.outlook.connection.configuration import client_secret_of
from calsync.outlook.models import OutlookSettings

from .conftest import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.django_db


def post(client: Client, **fields):
    data = {"client_id": "", "client_secret": "", "base_url": "", **fields}
    data = {k: v for k, v in data.items() if v is not False}
    return client.post("/settings/", data)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/settings/")


def test_non_admin_is_refused(client, alice):
    client.force_login(alice)
    assert client.get("/settings/").status_code == 403
    assert post(client, enabled="on", client_id=CLIENT_ID).status_code == 403
    assert OutlookSettings.load().client_id == ""


def test_admin_sees_labels_default_base_url_and_redirect_uri(client, admin):
    client.force_login(admin)
    response = client.get("/settings/")
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Outlook Calendar", "Client ID", "Client Secret", "Base URL"):
        assert f">{label}</label>" in html
    assert 'value="http://testserver"' in html
    assert 'value="http://testserver/microsoft_account/authentication"' in html
    assert 'id="copy-redirect-uri"' in html
    assert "<strong>not set</strong>" in html
    assert 'id="base-url-warning"' not in html


def test_save_stores_settings_and_never_echoes_the_secret(client, admin):
    client.force_login(admin)
    response = post(
        client,
        enabled="on",
        client_id=CLIENT_ID.upper(),
        client_secret=CLIENT_SECRET,
        base_url="https://Calendar.Example.com/",
    )
    assert response.status_code == 302
    row = OutlookSettings.load()
    assert row.enabled is True
    assert row.client_id == CLIENT_ID
    assert row.base_url == "https://calendar.example.com"
    assert client_secret_of(row) == CLIENT_SECRET
    html = client.get("/settings/").content.decode()
    assert CLIENT_SECRET not in html
    assert "<strong>set</strong>" in html
    assert "The Outlook settings were saved." in html
    assert 'value="https://calendar.example.com/microsoft_account/authentication"' in html


def test_secret_is_encrypted_in_the_database(client, admin):
    client.force_login(admin)
    post(
        client,
        enabled="on",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        base_url="http://testserver",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM outlook_outlooksettings")
        rows = cursor.fetchall()
    dump = repr(rows)
    assert rows
    assert CLIENT_SECRET not in dump
    assert CLIENT_SECRET[:12] not in dump


def test_empty_secret_keeps_the_saved_one(client, admin, configured):
    client.force_login(admin)
    post(client, enabled="on", client_id=CLIENT_ID, base_url="http://testserver")
    assert client_secret_of(OutlookSettings.load()) == CLIENT_SECRET


def test_clear_removes_the_secret_only_when_disabled(client, admin, configured):
    client.force_login(admin)
    response = post(
        client,
        enabled="on",
        client_id=CLIENT_ID,
        clear_client_secret="on",
        base_url="http://testserver",
    )
    assert response.status_code == 200
    assert "Client Secret is required to enable Outlook Calendar." in response.content.decode()
    assert OutlookSettings.load().has_client_secret
    response = post(
        client, client_id=CLIENT_ID, clear_client_secret="on", base_url="http://testserver"
    )
    assert response.status_code == 302
    row = OutlookSettings.load()
    assert not row.has_client_secret
    assert row.enabled is False


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"client_id": "my-app"}, "client_id", "Client ID must be the Application (client) ID"),
        (
            {"client_secret": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
            "client_secret",
            "looks like the secret&#x27;s ID",
        ),
        ({"client_secret": "two words"}, "client_secret", "one word without spaces"),
        ({"base_url": "ftp://example.com"}, "base_url", "Base URL must be the address"),
        ({"base_url": "https://example.com/?x=1"}, "base_url", "Base URL must be the address"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    client, admin, configured, fields, field, message
):
    client.force_login(admin)
    before = OutlookSettings.load()
    data = {"enabled": "on", "client_id": CLIENT_ID, "base_url": "http://testserver", **fields}
    response = post(client, **data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="{field}-error"' in html
    assert message in html
    after = OutlookSettings.load()
    assert (after.client_id, after.base_url, after.client_secret_encrypted) == (
        before.client_id,
        before.base_url,
        before.client_secret_encrypted,
    )
    # the other values typed are kept in the form
    if field != "base_url":
        assert 'value="http://testserver"' in html


def test_enabling_without_client_id_names_client_id(client, admin):
    client.force_login(admin)
    response = post(client, enabled="on", client_secret=CLIENT_SECRET)
    html = response.content.decode()
    assert 'id="client_id-error"' in html
    assert "Client ID is required to enable Outlook Calendar." in html
    assert "The Client Secret you typed was not saved; enter it again." in html
    assert not OutlookSettings.load().has_client_secret


def test_blank_base_url_defaults_to_the_admins_address(client, admin):
    client.force_login(admin)
    post(client, enabled="on", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, base_url="")
    assert OutlookSettings.load().base_url == "http://testserver"


def test_warns_when_base_url_differs_from_the_admins_host(client, admin):
    client.force_login(admin)
    post(
        client,
        enabled="on",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        base_url="https://calendar.example.com",
    )
    html = client.get("/settings/").content.decode()
    assert 'id="base-url-warning"' in html
    assert "differs from the address you are using (http://testserver)" in html


def test_warns_about_http_outside_localhost(client, admin):
    client.force_login(admin)
    post(client, client_id=CLIENT_ID, base_url="http://calendar.example.com")
    html = client.get("/settings/").content.decode()
    assert "Microsoft accepts http:// redirect URIs only for localhost" in html
    post(client, client_id=CLIENT_ID, base_url="http://127.0.0.1:8000")
    html = client.get("/settings/").content.decode()
    assert "Microsoft accepts http:// redirect URIs only for localhost" not in html


def test_csrf_is_required(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post("/settings/", {"enabled": "on", "client_id": CLIENT_ID})
    assert response.status_code == 403
    assert OutlookSettings.load().client_id == ""


def test_an_unreadable_secret_is_shown_and_can_be_replaced(client, admin, configured):
    OutlookSettings.objects.filter(pk=1).update(client_secret_encrypted="gAAAAAbroken")
    client.force_login(admin)
    html = client.get("/settings/").content.decode()
    assert "set, but unreadable" in html
    post(
        client,
        enabled="on",
        client_id=CLIENT_ID,
        client_secret="new~secret",
        base_url="http://testserver",
    )
    assert client_secret_of(OutlookSettings.load()) == "new~secret"


def test_the_page_says_which_cloud_and_warns_while_demo_users_exist(client, admin, settings):
    from calsync.accounts.actions import do_create_user
    from calsync.outlook.connection import actions

    settings.CALSYNC_MS_AUTHORITY_HOST = settings.CALSYNC_GRAPH_URL = ""
    client.force_login(admin)
    html = client.get("/settings/").content.decode()
    assert 'data-cloud="microsoft"' in html
    assert "demo-users-warning" in html  # this admin's login is the demo's admin@example.com
    actions.do_update_settings(client_id=CLIENT_ID)
    actions.do_set_endpoints(
        authority_host="https://127.0.0.1:8443",
        graph_url="https://127.0.0.1:8443/v1.0",
        ca_bundle="",
    )
    do_create_user("alice@example.com", "demo", check_password=False)
    html = client.get("/settings/").content.decode()
    assert 'data-cloud="emulator"' in html
    assert "admin@example.com, alice@example.com" in html
    assert "calsync demo --remove" in html


def test_no_demo_warning_once_the_demo_users_are_gone(client, db):
    from calsync.accounts.actions import do_create_user

    owner = do_create_user("it@contoso.test", "pw-it-admin", name="IT", admin=True)
    client.force_login(owner)
    assert "demo-users-warning" not in client.get("/settings/").content.decode()
