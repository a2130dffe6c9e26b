"""The calendar page as HTML (Django's test client, no browser): login, CSRF, no inline code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.template import engines
from django.test import Client

import calsync.calendars
from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User

PLACEHOLDER_PANEL = (
    Path(calsync.calendars.__file__).parent / "templates" / "calendars" / "_outlook_panel.html"
)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)


@pytest.fixture
def signed_in(db: None) -> tuple[Client, User]:
    user = do_create_user("ana@example.com", "pw-ana-1234", name="Ana Lima")
    client = Client()
    client.force_login(user)
    return client, user


@pytest.mark.django_db
def test_the_calendar_needs_a_login() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_the_login_form_keeps_the_contract_field_names() -> None:
    html = Client().get("/accounts/login/?next=/").content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'name="next"\s+value="/"', html)


def test_the_page_sets_the_csrf_cookie_and_has_no_inline_code(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    response = client.get("/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    html = response.content.decode()
    scripts = SCRIPT_TAG.findall(html)
    assert scripts, "the page loads its scripts"
    for attributes, body in scripts:
        if 'type="application/json"' in attributes:
            continue  # json_script data, not code
        assert "src=" in attributes and not body.strip(), attributes
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    config = json.loads(re.search(r'id="calendar-config"[^>]*>(.*?)</script>', html, re.S)[1])
    assert config["eventsUrl"] == "/api/events"
    assert config["user"]["email"] == user.email
    assert "password" not in html.lower().replace('type="password"', "")


def test_the_page_has_the_outlook_panel_under_the_mini_calendar(
    signed_in: tuple[Client, User],
) -> None:
    client, _user = signed_in
    html = client.get("/").content.decode()
    assert html.index('id="mini-calendar"') < html.index('id="outlook-panel"')
    button = re.search(r'<button[^>]*id="outlook-sync"[^>]*>', html)[0]
    assert "disabled" in button  # no Outlook configuration in these tests
    assert "Sync with Outlook" in html


def render_placeholder_panel(context: dict[str, object]) -> str:
    """The calendar app's own placeholder panel (the Outlook app may override the name)."""
    return engines["django"].from_string(PLACEHOLDER_PANEL.read_text()).render(context)


@pytest.mark.parametrize(
    ("outlook", "enabled"),
    [
        ({"enabled": False}, False),
        (
            {"enabled": True, "action_url": "/outlook/connect", "status_text": "Last sync: now"},
            True,
        ),
    ],
)
def test_the_placeholder_panel_is_disabled_unless_told_otherwise(
    outlook: dict[str, object], enabled: bool
) -> None:
    html = render_placeholder_panel({"outlook": outlook})
    button = re.search(r'<button[^>]*id="outlook-sync"[^>]*>', html)[0]
    assert ("disabled" not in button) is enabled
    assert "Sync with Outlook" in html
    if enabled:
        assert 'action="/outlook/connect"' in html
        assert "Last sync: now" in html
    else:
        assert "Outlook sync is not set up yet" in html


def test_static_files_and_the_js_catalog_are_served(signed_in: tuple[Client, User]) -> None:
    client, _user = signed_in
    html = client.get("/").content.decode()
    sources = re.findall(r'(?:src|href)="(/static/[^"]+|/jsi18n/)"', html)
    assert any("fullcalendar/index.global.min.js" in s for s in sources)
    for source in sources:
        response = client.get(source)
        assert response.status_code == 200, source
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body, source
    catalog = client.get("/jsi18n/").content.decode()
    assert "gettext" in catalog


def test_the_page_speaks_vietnamese_when_asked(signed_in: tuple[Client, User]) -> None:
    client, _user = signed_in
    client.cookies["django_language"] = "vi"
    html = client.get("/").content.decode()
    assert '<html lang="vi">' in html
    assert (
        json.loads(re.search(r'id="calendar-config"[^>]*>(.*?)</script>', html, re.S)[1])[
            "language"
        ]
        == "vi"
    )
