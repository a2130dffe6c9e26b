"""The calendar page's sidebar of calendars (issue 15): create one, hide and show its events
(remembered across a reload), move an event to it through the event dialog, delete it and
find the event in the default calendar. In English on a laptop and in Vietnamese on a
phone; any console error or CSP violation reported to the console fails the test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from calsync.accounts.models import User
from calsync.calendars.calendar_list import default_calendar
from calsync.calendars.models import Calendar, Event

from .conftest import KIND_EDGE, TIMEZONE, Screen, errors_of, rgb, signed_in

pytestmark = pytest.mark.browser

RED = "#ef4444"


def today() -> datetime:
    return datetime.now(ZoneInfo(TIMEZONE)).replace(hour=0, minute=0, second=0, microsecond=0)


def row(page: Page, name: str) -> Locator:
    return page.locator("#calendar-list li.calendar-item", has_text=name)


def wait_redrawn(page: Page) -> None:
    expect(page.locator("#calendar-loading")).to_be_hidden()


def test_a_calendar_is_made_shown_hidden_filled_into_and_deleted(
    screen: Screen, live_server: Any, user: User, api_as: Callable[[str], httpx.Client]
) -> None:
    day = today()
    api = api_as(user.email)
    for title, show_as in (("Dentist", "busy"), ("Lunch", "busy"), ("Nap", "free")):
        made = api.post(
            "/api/events",
            json={
                "title": title,
                "show_as": show_as,
                "start": f"{day:%Y-%m-%d}",
                "end": f"{day + timedelta(days=1):%Y-%m-%d}",
                "all_day": True,
                "timezone": TIMEZONE,
            },
        )
        assert made.status_code == 201, made.text
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    expect(page.locator("#calendars-heading")).to_have_text(screen.text("Calendars", "Lịch"))
    expect(row(page, screen.text("Calendar", "Lịch"))).to_have_count(1)
    # filled with the default calendar's colour (#3b82f6), a pale tint of it when free
    expect(signed.events("Lunch").first).to_have_css("background-color", "rgb(59, 130, 246)")
    expect(signed.events("Nap").first).to_have_css("background-color", "rgb(216, 230, 253)")

    # a new calendar, in red
    page.locator("#new-calendar summary").click()
    page.locator("#new-calendar-name").fill("Work")
    page.locator("#new-calendar-color").fill(RED)
    page.locator("#new-calendar-form button[type=submit]").click()
    expect(row(page, "Work")).to_have_count(1)
    work = Calendar.objects.get(owner=user, name="Work")
    assert work.color == RED
    expect(page.locator("#toast")).to_contain_text(
        screen.text("Calendar “Work” created.", "Đã tạo lịch “Work”.")
    )

    # Dentist moves to it through the event dialog, and takes its colour
    signed.open_event("Dentist")
    select = page.locator("#ev-calendar")
    expect(select).to_have_value(str(default_calendar(user).pk))
    select.select_option(label="Work")
    signed.save()
    signed.wait_closed()
    expect(signed.events("Dentist")).to_have_count(1)
    assert Event.objects.get(title="Dentist").calendar_id == work.pk
    expect(signed.events("Dentist").first).to_have_css("background-color", "rgb(239, 68, 68)")

    # hidden: its events go, the others stay; so after a reload; shown again: back
    box = row(page, "Work").get_by_role("checkbox")
    box.uncheck()
    expect(signed.events("Dentist")).to_have_count(0)
    expect(signed.events("Lunch")).to_have_count(1)
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true] .fc-view-harness")
    wait_redrawn(page)
    expect(signed.events("Lunch")).to_have_count(1)
    expect(signed.events("Dentist")).to_have_count(0)
    expect(row(page, "Work").get_by_role("checkbox")).not_to_be_checked()
    row(page, "Work").get_by_role("checkbox").check()
    expect(signed.events("Dentist")).to_have_count(1)
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true] .fc-view-harness")
    expect(signed.events("Dentist")).to_have_count(1)
    expect(row(page, "Work").get_by_role("checkbox")).to_be_checked()

    # deleted: it says where the events go, and Dentist is in the default calendar
    row(page, "Work").locator(".calendar-edit").click()
    row(page, "Work").locator(".btn-danger").click()
    choice = page.locator("#choice-dialog[open]")
    expect(choice).to_contain_text(
        screen.text(
            "Its 1 event moves to your default calendar, “Calendar”.",
            "1 sự kiện của lịch này sẽ chuyển sang lịch mặc định của bạn, “Lịch”.",
        )
    )
    # the page reads the list, then its window again: a click meanwhile may land on an
    # element the redraw replaces
    with page.expect_response(lambda answer: "/api/events?" in answer.url):
        choice.locator("button[data-choice=delete]").click()
    wait_redrawn(page)
    expect(row(page, "Work")).to_have_count(0)
    expect(page.locator("#toast")).to_contain_text(
        screen.text(
            "Calendar deleted; 1 event moved to “Calendar”.",
            "Đã xóa lịch; 1 sự kiện đã chuyển sang “Lịch”.",
        )
    )
    assert not Calendar.objects.filter(pk=work.pk).exists()
    assert Event.objects.get(title="Dentist").calendar_id == default_calendar(user).pk
    expect(signed.events("Dentist")).to_have_count(1)
    signed.open_event("Dentist")
    expect(page.locator("#ev-calendar")).to_have_value(str(default_calendar(user).pk))
    signed.assert_no_errors()


def test_rename_recolour_and_a_name_taken_is_said_in_the_form(
    context: BrowserContext, live_server: Any, user: User, api_as: Callable[[str], httpx.Client]
) -> None:
    api = api_as(user.email)
    assert api.post("/api/calendars", json={"name": "Home"}).status_code == 201
    assert api.post("/api/calendars", json={"name": "Gym"}).status_code == 201
    page = signed_in(context, live_server.url, user.email).page
    home = row(page, "Home")
    home.locator(".calendar-edit").click()
    form = home.locator(".calendar-edit-form")
    form.locator("input[name=name]").fill("gym")
    form.locator("button[type=submit]").click()
    expect(form.locator(".field-error")).to_contain_text("gym")
    errors_of(context).allow("status of 400")  # the refused rename, on purpose
    form.locator("input[name=name]").fill("Family")
    form.locator("input[name=color]").fill("#10b981")
    form.locator("button[type=submit]").click()
    expect(row(page, "Family")).to_have_count(1)
    family = Calendar.objects.get(owner=user, name="Family")
    assert family.color == "#10b981"
    swatch = row(page, "Family").locator(".calendar-swatch")
    expect(swatch).to_have_css("background-color", "rgb(16, 185, 129)")
    # the default calendar has no Delete
    row(page, "Calendar").locator(".calendar-edit").click()
    expect(row(page, "Calendar").locator(".btn-danger")).to_have_count(0)


def test_calendars_made_and_deleted_in_another_tab_are_followed(
    context: BrowserContext, live_server: Any, user: User, api_as: Callable[[str], httpx.Client]
) -> None:
    api = api_as(user.email)
    work = api.post("/api/calendars", json={"name": "Work"}).json()
    home = api.post("/api/calendars", json={"name": "Home"}).json()
    day = today()

    def all_day(title: str, calendar: int) -> None:
        body = {
            "title": title,
            "start": f"{day:%Y-%m-%d}",
            "end": f"{day + timedelta(days=1):%Y-%m-%d}",
            "all_day": True,
            "timezone": TIMEZONE,
            "calendar": calendar,
        }
        assert api.post("/api/events", json=body).status_code == 201

    all_day("Standup", work["id"])
    all_day("Gym", home["id"])
    signed = signed_in(context, live_server.url, user.email)
    page = signed.page
    row(page, "Home").get_by_role("checkbox").uncheck()
    expect(signed.events("Gym")).to_have_count(0)
    expect(signed.events("Standup")).to_have_count(1)

    # Work deleted elsewhere while the page asks for it: the page reads the list again
    assert api.delete(f"/api/calendars/{work['id']}").status_code == 200
    expect(row(page, "Work")).to_have_count(0)
    expect(signed.events("Standup")).to_have_count(1)
    expect(signed.events("Gym")).to_have_count(0)

    # a calendar made elsewhere, with an event: listed, its event drawn in its colour
    trips = api.post("/api/calendars", json={"name": "Trips", "color": "#8b5cf6"}).json()
    all_day("Flight", trips["id"])
    expect(row(page, "Trips")).to_have_count(1)
    expect(signed.events("Flight")).to_have_count(1)
    expect(signed.events("Flight").first).to_have_css("background-color", "rgb(139, 92, 246)")
    expect(page.locator("#toast[data-kind=error]")).to_have_count(0)
    errors_of(context).allow("status of 400")  # a request raced with the deletion, if any


def test_live_updates_keep_the_colours_and_the_hidden_calendars(
    context: BrowserContext, live_server: Any, user: User, api_as: Callable[[str], httpx.Client]
) -> None:
    """Changes made elsewhere arrive as in-place updates (no window refetch) drawn exactly as
    a full draw draws them: filled with the calendar's colour, edged by kind; an event
    moved into a hidden calendar goes, one moved out of it comes."""
    api = api_as(user.email)
    work = api.post("/api/calendars", json={"name": "Work", "color": RED}).json()
    home = api.post("/api/calendars", json={"name": "Home", "color": "#10b981"}).json()
    day = today()

    def timed(title: str, hour: int, calendar: int | None = None) -> int:
        start = day + timedelta(hours=hour)
        body: dict[str, Any] = {
            "title": title,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "timezone": TIMEZONE,
        }
        if calendar is not None:
            body["calendar"] = calendar
        made = api.post("/api/events", json=body)
        assert made.status_code == 201, made.text
        return int(made.json()["id"])

    standup = timed("Standup", 9)
    review = timed("Review", 13, work["id"])
    timed("Gym", 11, home["id"])
    signed = signed_in(context, live_server.url, user.email)
    page = signed.page
    page.locator("body").press("d")
    row(page, "Home").get_by_role("checkbox").uncheck()
    expect(signed.events("Gym")).to_have_count(0)
    shown = page.locator(f'.fc-event[data-event-id="{standup}"]')
    expect(shown).to_have_css("background-color", rgb(default_calendar(user).color))
    edge = shown.evaluate(KIND_EDGE)
    page.wait_for_load_state("networkidle")
    shown.evaluate("el => { el.dataset.probe = 'drawn once'; }")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/events" in r.url else None)

    # moved to Work elsewhere: the same element, now red, its kind's edge kept
    assert api.patch(f"/api/events/{standup}", json={"calendar": work["id"]}).status_code == 200
    expect(shown).to_have_css("background-color", rgb(RED))
    assert shown.evaluate(KIND_EDGE) == edge
    # shown as free: a pale red (calendar_list.js's paleOf)
    assert api.patch(f"/api/events/{standup}", json={"show_as": "free"}).status_code == 200
    expect(shown).to_have_css("background-color", "rgb(252, 218, 218)")
    expect(shown).to_have_attribute("data-probe", "drawn once")

    # moved into the hidden Home: it goes; changed there: still hidden; moved out: it comes
    assert api.patch(f"/api/events/{review}", json={"calendar": home["id"]}).status_code == 200
    expect(signed.events("Review")).to_have_count(0)
    assert api.patch(f"/api/events/{review}", json={"title": "Review 2"}).status_code == 200
    page.wait_for_timeout(1500)  # a poll or more: nothing may draw it
    expect(signed.events("Review")).to_have_count(0)
    assert api.patch(f"/api/events/{review}", json={"calendar": work["id"]}).status_code == 200
    expect(signed.events("Review 2")).to_have_count(1)
    expect(signed.events("Review 2").first).to_have_css("background-color", rgb(RED))
    expect(signed.events("Gym")).to_have_count(0)
    assert asked == [], asked  # only deltas: never the whole window again

    # every calendar shown (no filter), Work deleted elsewhere: its row goes, its events take
    # the default calendar's colour (pale for the free Standup)
    row(page, "Home").get_by_role("checkbox").check()
    expect(signed.events("Gym")).to_have_count(1)
    assert api.delete(f"/api/calendars/{work['id']}").status_code == 200
    expect(row(page, "Work")).to_have_count(0)
    default_colour = rgb(default_calendar(user).color)
    expect(signed.events("Review 2").first).to_have_css("background-color", default_colour)
    expect(signed.events("Standup").first).to_have_css("background-color", "rgb(216, 230, 253)")
    signed.assert_no_errors()
