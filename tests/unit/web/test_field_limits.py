"""Every text field of every page stops where the server does: its ``maxlength`` is the limit
the form or serializer that receives it enforces, so typing past it is never cut silently
by the server (the calendar's editor also counts down; tests/browser/test_calendar_views.py).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from calsync.accounts.actions import do_create_user
from calsync.accounts.forms import ProfileForm
from calsync.accounts.models import User
from calsync.calendars.page_views import LIMITS
from calsync.calendars.serializers import AttendeeSerializer, EventWriteSerializer
from calsync.outlook.web.forms import OutlookSettingsForm
from calsync.outlook.web.users_page import NewUserForm, PasswordForm

pytestmark = pytest.mark.django_db

TEXT_TYPES = {"text", "email", "password", "search", "url", "tel", ""}
WITHOUT_LIMIT = {
    "id_password": "the login's password: the server sets no length (Django's login form)",
    "ev-attendee-input": "a pasted list of people: each entry past the server's limits "
    "(email 254, name 255) becomes a red chip saying so",
    "redirect-uri": "read-only",
}


class Fields(HTMLParser):
    """``{id or name: maxlength or None}`` of a page's text inputs and textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and (values.get("type") or "") not in TEXT_TYPES:
            return
        if tag not in ("input", "textarea") or "hidden" in values or "readonly" in values:
            return
        key = values.get("id") or values.get("name") or "?"
        self.found[key] = values.get("maxlength")


def fields_of(client: Client, url: str) -> dict[str, str | None]:
    answer = client.get(url)
    assert answer.status_code == 200, url
    parser = Fields()
    parser.feed(answer.content.decode())
    return parser.found


@pytest.fixture
def admin() -> User:
    return do_create_user("admin@example.com", "pw-admin-1234", name="Ada", admin=True)


def test_every_text_field_has_a_maxlength(admin: User) -> None:
    pages = {"/accounts/login/": fields_of(Client(), "/accounts/login/")}
    client = Client()
    client.force_login(admin)
    for url in ("/", "/profile/", "/settings/", "/users/", f"/users/{admin.pk}/calendar"):
        pages[url] = fields_of(client, url)
    missing = [
        f"{url} #{key}"
        for url, found in pages.items()
        for key, limit in found.items()
        if limit is None and key not in WITHOUT_LIMIT
    ]
    assert missing == []
    assert sum(len(found) for found in pages.values()) > 20  # the pages were really read


def test_each_maxlength_is_the_servers_limit(admin: User) -> None:
    client = Client()
    client.force_login(admin)
    event = EventWriteSerializer().fields
    calendar = fields_of(client, "/")
    assert calendar["ev-title"] == str(event["title"].max_length) == str(LIMITS["title"])
    assert calendar["qc-title"] == str(event["title"].max_length)
    assert calendar["ev-location"] == str(event["location"].max_length)
    assert calendar["ev-timezone"] == str(event["timezone"].max_length)
    assert calendar["rr-raw"] == str(event["recurrence"].max_length)
    assert AttendeeSerializer().fields["email"].max_length == 254  # text.js EMAIL_MAX
    assert AttendeeSerializer().fields["name"].max_length == 255  # text.js NAME_MAX

    login = fields_of(Client(), "/accounts/login/")
    assert login["id_username"] == str(User._meta.get_field("email").max_length)

    users = fields_of(client, "/users/")
    new_user = NewUserForm().fields
    for name in ("email", "name", "password"):
        assert users[f"id_{name}"] == str(new_user[name].max_length), name
    assert users[f"password-{admin.pk}"] == str(PasswordForm().fields["password"].max_length)
    assert new_user["name"].max_length == User._meta.get_field("name").max_length

    profile = fields_of(client, "/profile/")
    assert profile["id_name"] == str(ProfileForm().fields["name"].max_length)
    settings_page = fields_of(client, "/settings/")
    form = OutlookSettingsForm().fields
    for name in ("client_id", "client_secret", "base_url"):
        assert settings_page[f"id_{name}"] == str(form[name].max_length), name
