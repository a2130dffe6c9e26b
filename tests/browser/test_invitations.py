"""Invitations in a real browser: the read-only dialog of a meeting someone else organises,
its Accept / Tentative / Decline buttons, attendees as chips with their answers, and
people suggested from calsync's users; in English and in Vietnamese."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from calsync.accounts.models import User
from calsync.calendars.models import Attendee

from .conftest import TIMEZONE, CalendarPage, signed_in
from .test_calendar_page import create_via_api, this_week_day

pytestmark = pytest.mark.browser


def invite(api: httpx.Client, who: User, title: str, weekday: int, **extra: Any) -> dict:
    day = this_week_day(weekday)
    return create_via_api(
        api,
        title=title,
        start=day.replace(hour=10).isoformat(),
        end=day.replace(hour=11).isoformat(),
        attendees=[{"email": who.email, "name": who.name}, {"email": "cy@example.com"}],
        **extra,
    )


@pytest.fixture
def vietnamese(browser: Browser) -> Iterator[BrowserContext]:
    """A browser profile in Vietnamese (the page follows Accept-Language)."""
    ctx = browser.new_context(
        locale="vi-VN", timezone_id=TIMEZONE, viewport={"width": 1440, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def test_answering_with_the_buttons_reaches_the_organiser(
    calendar_page: CalendarPage,
    api_as: Callable[[str], httpx.Client],
    user: User,
    other_user: User,
) -> None:
    organiser = api_as(other_user.email)
    meeting = invite(organiser, user, "Roadmap", 3)
    page = calendar_page.page
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true]")
    calendar_page.open_event("Roadmap")
    expect(page.locator("#event-dialog-title")).to_have_text("Invitation")
    expect(page.locator("#ev-rsvp-current")).to_have_text("No answer yet")
    page.get_by_label("Comment for the organiser (optional)").fill("Will join late")
    page.get_by_role("button", name="Tentative").click()
    calendar_page.wait_closed()
    expect(page.locator("#toast")).to_contain_text("You answered the meeting tentatively.")
    row = Attendee.objects.get(event_id=meeting["id"], email=user.email)
    assert (row.status, row.comment, row.send_response) == ("tentative", "Will join late", True)
    seen_by_organiser = organiser.get(f"/api/events/{meeting['id']}").json()
    assert seen_by_organiser["attendees"][0]["status"] == "tentative"

    page.reload()
    page.wait_for_selector("#calendar[data-ready=true]")
    calendar_page.open_event("Roadmap")
    expect(page.get_by_role("button", name="Tentative")).to_have_attribute("aria-pressed", "true")
    expect(
        page.locator(f"#ev-attendee-chips .chip-tentative[data-email='{user.email}']")
    ).to_be_visible()
    page.get_by_label("Send my answer to the organiser").uncheck()
    page.get_by_role("button", name="Decline").click()
    calendar_page.wait_closed()
    expect(calendar_page.events("Roadmap")).to_have_count(0)  # it left the calendar
    row.refresh_from_db()
    assert (row.status, row.send_response) == ("declined", False)
    assert organiser.get(f"/api/events/{meeting['id']}").json()["active"] is True


def test_an_invitation_opens_read_only_but_for_the_users_own_show_as(
    calendar_page: CalendarPage,
    api_as: Callable[[str], httpx.Client],
    user: User,
    other_user: User,
) -> None:
    organiser = api_as(other_user.email)
    meeting = invite(organiser, user, "Board", 4, location="Room 7")
    page = calendar_page.page
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true]")
    calendar_page.open_event("Board")
    for label in ("Title", "Location", "Description", "Privacy"):
        expect(page.get_by_label(label, exact=True)).to_be_disabled()
    expect(page.locator("#ev-attendee-input")).to_be_hidden()
    expect(page.locator(".chip-remove")).to_have_count(0)
    expect(page.locator("#ev-delete")).to_be_hidden()
    expect(page.locator("#ev-archive")).to_be_hidden()
    chips = page.locator("#ev-attendee-chips .chip")
    expect(chips).to_have_count(2)
    expect(chips.nth(0)).to_have_class("chip chip-none")
    page.get_by_label("Show as").select_option("free")
    calendar_page.save()
    calendar_page.wait_closed()
    mine = api_as(user.email).get(f"/api/events/{meeting['id']}").json()
    theirs = organiser.get(f"/api/events/{meeting['id']}").json()
    assert (mine["show_as"], theirs["show_as"]) == ("free", "busy")
    assert mine["title"] == "Board" and mine["location"] == "Room 7"


def test_one_occurrence_or_the_whole_series(
    calendar_page: CalendarPage,
    api_as: Callable[[str], httpx.Client],
    user: User,
    other_user: User,
) -> None:
    organiser = api_as(other_user.email)
    series = invite(organiser, user, "Daily", 1, recurrence="FREQ=DAILY;COUNT=4")
    page = calendar_page.page
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true]")
    calendar_page.open_event("Daily", nth=1)
    page.get_by_role("button", name="Accept").click()
    calendar_page.choose("This occurrence")
    calendar_page.wait_closed()
    window = {
        "start": this_week_day(0).isoformat(),
        "end": (this_week_day(6) + timedelta(days=7)).isoformat(),
    }
    listed = api_as(user.email).get("/api/events", params=window)
    assert listed.status_code == 200, listed.text
    answers = [e["my_response"] for e in listed.json() if e["series_id"] == series["id"]]
    assert answers.count("accepted") == 1 and answers.count("none") == len(answers) - 1
    calendar_page.open_event("Daily", nth=0)
    page.get_by_role("button", name="Accept").click()
    calendar_page.choose("The whole series")
    calendar_page.wait_closed()
    assert Attendee.objects.get(event_id=series["id"], email=user.email).status == "accepted"


def test_attendee_chips_suggest_calsync_users(
    calendar_page: CalendarPage, other_user: User, user: User
) -> None:
    page = calendar_page.page
    page.locator("#new-event").click()
    page.wait_for_selector("#event-dialog[open]")
    page.get_by_label("Title").fill("Lunch")
    attendees = page.get_by_label("Attendees")
    attendees.fill("Bao")
    option = page.locator("#ev-people option")
    expect(option).to_have_count(1)
    assert option.get_attribute("value") == "Bao Tran <bao@example.com>"
    attendees.fill(option.get_attribute("value") or "")
    expect(page.locator("#ev-attendee-chips .chip")).to_have_count(1)
    attendees.fill("not an address")
    attendees.press("Enter")
    expect(page.locator("#ev-attendee-chips .chip-invalid")).to_have_count(1)
    calendar_page.save()
    expect(page.locator("[data-error-for=attendees]")).to_contain_text("Not an email address")
    page.locator("#ev-attendee-chips .chip-invalid .chip-remove").click()
    calendar_page.save()
    calendar_page.wait_closed()
    stored = user.events.get(title="Lunch").attendees.get()
    assert (stored.email, stored.name) == ("bao@example.com", "Bao Tran")


def test_the_invitation_dialog_in_vietnamese(
    vietnamese: BrowserContext,
    live_server: Any,
    api_as: Callable[[str], httpx.Client],
    user: User,
    other_user: User,
) -> None:
    meeting = invite(api_as(other_user.email), user, "Họp quý", 2)
    calendar_page = signed_in(vietnamese, live_server.url, user.email)
    page = calendar_page.page
    calendar_page.open_event("Họp quý")
    expect(page.locator("#event-dialog-title")).to_have_text("Lời mời")
    expect(page.locator("#event-readonly-note")).to_be_visible()
    expect(page.locator("#ev-rsvp-current")).to_have_text("Chưa trả lời")
    for name in ("Chấp nhận", "Tạm chấp nhận", "Từ chối"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_label("Tiêu đề")).to_be_disabled()
    chip = page.locator(f"#ev-attendee-chips .chip[data-email='{user.email}']")
    expect(chip).to_have_attribute("title", f"Ana Lima <{user.email}> · Chưa trả lời")
    page.get_by_role("button", name="Chấp nhận", exact=True).click()
    calendar_page.wait_closed()
    expect(page.locator("#toast")).to_contain_text("Bạn đã chấp nhận cuộc họp.")
    assert Attendee.objects.get(event_id=meeting["id"], email=user.email).status == "accepted"
    calendar_page.assert_no_errors()


@pytest.mark.parametrize("language", ["en", "vi"])
def test_declining_an_occurrence_and_the_following_ones(
    calendar_page: CalendarPage,
    vietnamese: BrowserContext,
    live_server: Any,
    api_as: Callable[[str], httpx.Client],
    user: User,
    other_user: User,
    language: str,
) -> None:
    words = {
        "en": ("Decline", "This and following occurrences", "answered one by one in Outlook"),
        "vi": ("Từ chối", "Lần lặp này và các lần sau", "lần lượt từng lần lặp"),
    }[language]
    series = invite(api_as(other_user.email), user, "Retro", 1, recurrence="FREQ=DAILY;COUNT=4")
    if language == "vi":
        calendar_page = signed_in(vietnamese, live_server.url, user.email)
    page = calendar_page.page
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true]")
    expect(calendar_page.events("Retro")).to_have_count(4)
    calendar_page.open_event("Retro", nth=1)
    page.get_by_role("button", name=words[0], exact=True).click()
    expect(page.locator("#choice-note")).to_contain_text(words[2])
    calendar_page.choose(words[1])
    calendar_page.wait_closed()
    expect(calendar_page.events("Retro")).to_have_count(1)  # the rest left the calendar
    rows = Attendee.objects.filter(event__series_id=series["id"], email=user.email)
    assert sorted(r.status for r in rows) == ["declined"] * 3
    assert Attendee.objects.get(event_id=series["id"], email=user.email).status == "none"
    calendar_page.assert_no_errors()
