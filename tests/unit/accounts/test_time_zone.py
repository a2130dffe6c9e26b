"""Each user's time zone: taken from the browser at the first login (never overwritten
after), changed on the profile page, active for their requests (pages show times in it)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import formats, timezone

from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User
from calsync.accounts.zones import clean_zone

pytestmark = pytest.mark.django_db

PASSWORD = "pw-ana-1234"


@pytest.fixture
def ana() -> User:
    return do_create_user("ana@example.com", PASSWORD, name="Ana Lima")


def log_in(zone: str) -> Client:
    client = Client()
    answer = client.post(
        "/accounts/login/",
        {"username": "ana@example.com", "password": PASSWORD, "time_zone": zone},
    )
    assert answer.status_code == 302, answer.content
    return client


def test_the_first_login_keeps_the_browsers_zone_and_later_ones_do_not_change_it(
    ana: User,
) -> None:
    assert ana.time_zone == ""
    log_in("Asia/Ho_Chi_Minh")
    ana.refresh_from_db()
    assert ana.time_zone == "Asia/Ho_Chi_Minh"
    log_in("Europe/Paris")
    ana.refresh_from_db()
    assert ana.time_zone == "Asia/Ho_Chi_Minh"


def test_a_bogus_zone_from_the_form_is_ignored(ana: User) -> None:
    log_in("Mars/Olympus_Mons")
    ana.refresh_from_db()
    assert ana.time_zone == ""
    assert clean_zone("../../etc/passwd") == ""
    assert clean_zone("x" * 65) == ""


def test_the_profile_page_changes_name_and_zone(ana: User) -> None:
    client = log_in("Europe/Paris")
    page = client.get("/profile/")
    assert page.status_code == 200
    assert 'value="Europe/Paris" selected' in page.content.decode()
    answer = client.post("/profile/", {"name": "Ana L.", "time_zone": "America/Sao_Paulo"})
    assert answer.status_code == 302
    ana.refresh_from_db()
    assert (ana.name, ana.time_zone) == ("Ana L.", "America/Sao_Paulo")
    refused = client.post("/profile/", {"name": "Ana", "time_zone": "Nowhere/Land"})
    assert refused.status_code == 200
    ana.refresh_from_db()
    assert ana.time_zone == "America/Sao_Paulo"


def test_the_profile_needs_a_login() -> None:
    answer = Client().get("/profile/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_requests_run_in_the_users_zone(ana: User) -> None:
    client = log_in("Asia/Ho_Chi_Minh")
    page = client.get("/profile/")
    there = timezone.localtime(timezone.now(), ZoneInfo("Asia/Ho_Chi_Minh"))
    assert formats.date_format(there, "DATETIME_FORMAT") in page.content.decode()
    assert timezone.get_current_timezone_name() == "UTC"  # left as it was after the request
    me = client.get("/api/me").json()
    assert me["time_zone"] == "Asia/Ho_Chi_Minh"


def test_the_calendar_page_gives_the_zone_to_its_scripts(ana: User) -> None:
    client = log_in("Asia/Ho_Chi_Minh")
    config = client.get("/").context["calendar_config"]
    assert config["timeZone"] == "Asia/Ho_Chi_Minh"
    assert config["changesUrl"] == "/api/changes"


def test_an_instant_renders_in_the_users_zone(ana: User) -> None:
    from django.template import Context, Template

    client = log_in("Asia/Ho_Chi_Minh")
    client.get("/profile/")
    moment = datetime(2026, 12, 3, 7, 15, tzinfo=UTC)
    with timezone.override("Asia/Ho_Chi_Minh"):
        text = Template('{{ moment|date:"H:i" }}').render(Context({"moment": moment}))
    assert text == "14:15"
