"""Consent refusals that need no identity platform: each shows a clear page and changes
nothing. (The full flow, and refusals after a real sign-in, are in tests/e2e.)"""

from __future__ import annotations

import pytest
from django.test import Client

from calsync.outlook.models import OutlookAccount

pytestmark = pytest.mark.django_db


def test_connect_requires_post_and_csrf(alice, configured):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/outlook/connect").status_code == 405
    assert client.post("/outlook/connect").status_code == 403


def test_connect_when_not_set_up_explains(client, alice):
    client.force_login(alice)
    response = client.post("/outlook/connect")
    assert response.status_code == 409
    assert "Outlook sync is not set up yet" in response.content.decode()


def test_connect_from_another_host_than_the_base_url_explains(client, alice, configured):
    client.force_login(alice)
    response = client.post("/outlook/connect", HTTP_HOST="localhost:8000")
    html = response.content.decode()
    assert response.status_code == 400
    assert "You opened calsync at http://localhost:8000" in html
    assert 'href="http://testserver/"' in html


def test_callback_without_a_started_flow_is_refused(client, alice, configured):
    client.force_login(alice)
    response = client.get("/microsoft_account/authentication?code=abc&state=forged")
    assert response.status_code == 400
    assert "does not belong to a sign-in started in this browser session" in (
        response.content.decode()
    )
    assert response["Referrer-Policy"] == "no-referrer"
    assert not OutlookAccount.objects.exists()


def test_callback_when_logged_out_is_refused(client, configured):
    response = client.get("/microsoft_account/authentication?code=abc&state=x")
    assert response.status_code == 400
    assert not OutlookAccount.objects.exists()


def _plant_flow(client, owner_pk: int, state: str, age: float = 0.0) -> None:
    import time

    from calsync.outlook.connection.consent import FLOWS_KEY

    session = client.session
    session[FLOWS_KEY] = {
        state: {
            "flow": {"state": state, "auth_uri": "x"},
            "user": owner_pk,
            "at": time.time() - age,
        }
    }
    session.save()


def test_a_flow_of_another_user_in_this_session_is_refused(client, alice, bob, configured):
    client.force_login(bob)
    _plant_flow(client, alice.pk, "s1")
    response = client.get("/microsoft_account/authentication?code=abc&state=s1")
    assert response.status_code == 403
    assert "started by another calsync user" in response.content.decode()
    assert not OutlookAccount.objects.exists()


def test_an_expired_flow_is_refused(client, alice, configured):
    client.force_login(alice)
    _plant_flow(client, alice.pk, "s2", age=3600)
    response = client.get("/microsoft_account/authentication?code=abc&state=s2")
    assert response.status_code == 400
    assert not OutlookAccount.objects.exists()


def test_access_denied_consumes_the_flow(client, alice, configured):
    client.force_login(alice)
    _plant_flow(client, alice.pk, "s3")
    url = "/microsoft_account/authentication?error=access_denied&state=s3"
    first = client.get(url)
    assert first.status_code == 403
    assert "You did not accept the permissions" in first.content.decode()
    assert client.get(url).status_code == 400


def test_an_unreadable_client_secret_is_explained_not_a_crash(client, alice, configured):
    from calsync.outlook.models import OutlookSettings

    OutlookSettings.objects.filter(pk=1).update(client_secret_encrypted="gAAAAAbroken")
    client.force_login(alice)
    response = client.post("/outlook/connect")
    assert response.status_code == 409
    assert "an administrator must enter it again" in response.content.decode()
