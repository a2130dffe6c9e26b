"""The calendar page at ``/`` in a real browser (Debian's Chromium), against the real API.

Every test signs in through the login form, acts only through the page, then checks both
what the grid shows and what the server stored (through the ORM or the REST API).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from calsync.accounts.models import User
from calsync.calendars.models import CancelledOccurrence, Event

from .conftest import TIMEZONE, CalendarPage

pytestmark = pytest.mark.browser

PARIS = ZoneInfo(TIMEZONE)


def today_in_paris() -> datetime:
    return datetime.now(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)


def second_row_monday() -> datetime:
    """The Monday in the second row of this month's grid (Sunday-first in English): it and
    the two Mondays after it are always on screen in the month view."""
    first = today_in_paris().replace(day=1)
    grid_start = first - timedelta(days=(first.weekday() + 1) % 7)
    return grid_start + timedelta(days=8)


def this_week_day(weekday: int) -> datetime:
    """A day of the grid row holding today (0 = Monday), so both are on screen."""
    today = today_in_paris()
    sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    return sunday + timedelta(days=(weekday + 1) % 7)


def create_via_api(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"timezone": TIMEZONE, **fields}
    response = client.post("/api/events", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def list_via_api(client: httpx.Client, start: datetime, end: datetime) -> list[dict[str, Any]]:
    response = client.get(
        "/api/events", params={"start": start.isoformat(), "end": end.isoformat()}
    )
    assert response.status_code == 200, response.text
    return response.json()


def fill_times(page: Page, day: datetime | date, start: str, end: str) -> None:
    page.locator("#ev-start-dt").fill(f"{day:%Y-%m-%d}T{start}")
    page.locator("#ev-start-dt").dispatch_event("change")
    page.locator("#ev-end-dt").fill(f"{day:%Y-%m-%d}T{end}")


def test_create_event_through_the_page_shows_it_on_the_grid(calendar_page: CalendarPage) -> None:
    page = calendar_page.page
    day = today_in_paris()
    page.get_by_role("button", name="New event").click()
    page.wait_for_selector("#event-dialog[open]")
    page.get_by_label("Title").fill("Design review")
    fill_times(page, day, "10:00", "11:30")
    page.get_by_label("Location").fill("Room 4")
    page.get_by_label("Description").fill("Agenda:\n1. <mockups> & flows")
    assert page.get_by_label("Time zone").input_value() == TIMEZONE
    calendar_page.save()
    calendar_page.wait_closed()

    event_el = calendar_page.events("Design review")
    expect(event_el).to_have_count(1)
    expect(event_el).to_contain_text("10:00")

    stored = Event.objects.get(title="Design review")
    assert stored.timezone == TIMEZONE
    assert stored.location == "Room 4"
    assert stored.start == day.replace(hour=10)
    assert stored.end == day.replace(hour=11, minute=30)
    assert stored.recurrence in ("", None)
    assert "&lt;mockups&gt; &amp; flows" in stored.description
    assert "<br>" in stored.description


def test_edit_title_location_attendees_sends_only_what_changed(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: User
) -> None:
    api = api_as(user.email)
    day = this_week_day(2)
    created = create_via_api(
        api,
        title="Budget",
        start=day.replace(hour=14).isoformat(),
        end=day.replace(hour=15).isoformat(),
        description="<p>Numbers <b>first</b></p>",
        show_as="tentative",
    )
    page = calendar_page.page
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true]")
    calendar_page.open_event("Budget")
    expect(page.get_by_label("Title")).to_have_value("Budget")
    expect(page.get_by_label("Description")).to_have_value("Numbers first")
    expect(page.get_by_label("Show as")).to_have_value("tentative")
    page.get_by_label("Title").fill("Budget 2027")
    page.get_by_label("Location").fill("Hanoi office")
    for person in ("Bao Tran <bao@example.com>", "cara@example.com"):
        page.get_by_label("Attendees").fill(person)
        page.get_by_label("Attendees").press("Enter")
    expect(page.locator("#ev-attendee-chips .chip")).to_have_count(2)
    page.get_by_label("Privacy").select_option("private")
    calendar_page.save()
    calendar_page.wait_closed()

    expect(calendar_page.events("Budget 2027")).to_have_count(1)
    stored = api.get(f"/api/events/{created['id']}").json()
    assert stored["title"] == "Budget 2027"
    assert stored["location"] == "Hanoi office"
    assert stored["privacy"] == "private"
    assert {(a["email"], a["name"]) for a in stored["attendees"]} == {
        ("bao@example.com", "Bao Tran"),
        ("cara@example.com", ""),
    }
    # Untouched fields are not rewritten: the HTML description keeps its markup.
    assert stored["description"] == "<p>Numbers <b>first</b></p>"
    assert stored["start"] == created["start"] and stored["end"] == created["end"]
    assert stored["show_as"] == "tentative"


def test_weekly_series_with_one_cancelled_and_one_moved_occurrence(
    calendar_page: CalendarPage,
    api_as: Callable[[str], httpx.Client],
    user: User,
    screenshot_dir: Path,
) -> None:
    page = calendar_page.page
    monday = second_row_monday()
    page.get_by_role("button", name="New event").click()
    page.get_by_label("Title").fill("Standup")
    fill_times(page, monday, "09:00", "09:15")
    page.locator("#rr-freq").select_option("WEEKLY")
    expect(page.get_by_role("checkbox", name="Monday")).to_be_checked()
    page.locator("#rr-ends-count").check()
    page.locator("#rr-count").fill("3")
    page.locator("#rr-advanced summary").click()
    expect(page.locator("#rr-raw")).to_have_value("FREQ=WEEKLY;BYDAY=MO;COUNT=3")
    calendar_page.save()
    calendar_page.wait_closed()
    expect(calendar_page.events("Standup")).to_have_count(3)
    series = Event.objects.get(title="Standup", series__isnull=True)
    assert "FREQ=WEEKLY" in series.recurrence and "COUNT=3" in series.recurrence

    # Cancel the second occurrence only.
    calendar_page.open_event("Standup", nth=1)
    expect(page.locator("#event-series-note")).to_be_visible()
    expect(page.locator("#rr-freq")).to_have_value("WEEKLY")
    page.locator("#ev-delete").click()
    calendar_page.choose("This occurrence")
    calendar_page.wait_closed()
    expect(calendar_page.events("Standup")).to_have_count(2)
    assert CancelledOccurrence.objects.count() == 1

    # Move the third one an hour later, this occurrence only.
    calendar_page.open_event("Standup", nth=1)
    fill_times(page, monday + timedelta(days=14), "10:00", "10:15")
    calendar_page.save()
    calendar_page.choose("This occurrence")
    calendar_page.wait_closed()
    expect(calendar_page.events("Standup").nth(1)).to_contain_text("10:00")

    api = api_as(user.email)
    listed = list_via_api(api, monday - timedelta(days=1), monday + timedelta(days=28))
    starts = sorted(e["start"] for e in listed if e["title"] == "Standup")
    assert starts == [
        monday.replace(hour=9).isoformat(),
        (monday + timedelta(days=14)).replace(hour=10).isoformat(),
    ]
    page.screenshot(path=screenshot_dir / "calendar.png")


def test_whole_series_change_from_an_occurrence_keeps_the_series_start_day(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: User
) -> None:
    api = api_as(user.email)
    monday = second_row_monday()
    series = create_via_api(
        api,
        title="Gym",
        start=monday.replace(hour=18).isoformat(),
        end=monday.replace(hour=19).isoformat(),
        recurrence="FREQ=WEEKLY;COUNT=3",
    )
    page = calendar_page.page
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true]")
    expect(calendar_page.events("Gym")).to_have_count(3)
    calendar_page.open_event("Gym", nth=2)
    page.get_by_label("Title").fill("Gym class")
    fill_times(page, monday + timedelta(days=14), "17:30", "18:30")
    calendar_page.save()
    calendar_page.choose("The whole series")
    calendar_page.wait_closed()

    expect(calendar_page.events("Gym class")).to_have_count(3)
    stored = api.get(f"/api/events/{series['id']}").json()
    assert stored["title"] == "Gym class"
    assert stored["start"] == monday.replace(hour=17, minute=30).isoformat()
    assert stored["end"] == monday.replace(hour=18, minute=30).isoformat()
    assert stored["recurrence"] == "FREQ=WEEKLY;COUNT=3"


def test_changing_the_rule_of_an_occurrence_only_offers_the_whole_series(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: User
) -> None:
    api = api_as(user.email)
    monday = second_row_monday()
    series = create_via_api(
        api,
        title="Review",
        start=monday.replace(hour=8).isoformat(),
        end=monday.replace(hour=9).isoformat(),
        recurrence="FREQ=WEEKLY;COUNT=2",
    )
    page = calendar_page.page
    page.reload()
    calendar_page.open_event("Review", nth=1)
    page.locator("#rr-ends-count").check()
    page.locator("#rr-count").fill("3")
    calendar_page.save()
    expect(page.locator("#choice-dialog [data-choice=occurrence]")).to_be_disabled()
    calendar_page.choose("The whole series")
    calendar_page.wait_closed()
    expect(calendar_page.events("Review")).to_have_count(3)
    assert api.get(f"/api/events/{series['id']}").json()["recurrence"] == "FREQ=WEEKLY;COUNT=3"


def test_server_validation_errors_show_next_to_their_field(calendar_page: CalendarPage) -> None:
    page = calendar_page.page
    day = today_in_paris()
    page.get_by_role("button", name="New event").click()
    page.get_by_label("Title").fill("Bad rule")
    fill_times(page, day, "10:00", "11:00")
    page.locator("#rr-advanced summary").click()
    page.locator("#rr-raw").fill("FREQ=SOMETIMES")
    calendar_page.save()
    error = page.locator("[data-error-for=recurrence]")
    expect(error).to_be_visible()
    assert error.inner_text().strip()
    expect(page.locator("#event-dialog")).to_be_visible()
    assert not Event.objects.filter(title="Bad rule").exists()

    # A mistake the page sees itself never reaches the server, and names its field too.
    page.locator("#rr-raw").fill("")
    fill_times(page, day, "10:00", "09:00")
    calendar_page.save()
    expect(page.locator("[data-error-for=end]")).to_be_visible()
    expect(page.locator("[data-error-for=recurrence]")).to_be_hidden()
    expect(page.locator("#ev-end-dt")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Time zone").fill("Mars/Olympus")
    calendar_page.save()
    expect(page.locator("[data-error-for=timezone]")).to_be_visible()
    assert not Event.objects.filter(title="Bad rule").exists()
    calendar_page.errors.allow("status of 400 (Bad Request)")


def test_all_day_event_uses_dates_with_an_exclusive_end(calendar_page: CalendarPage) -> None:
    page = calendar_page.page
    first = this_week_day(1)
    page.get_by_role("button", name="New event").click()
    page.get_by_label("Title").fill("Offsite")
    page.get_by_label("All day").check()
    page.locator("#ev-start-date").fill(f"{first:%Y-%m-%d}")
    page.locator("#ev-start-date").dispatch_event("change")
    page.locator("#ev-end-date").fill(f"{first + timedelta(days=1):%Y-%m-%d}")
    calendar_page.save()
    calendar_page.wait_closed()
    expect(calendar_page.events("Offsite")).to_have_count(1)
    stored = Event.objects.get(title="Offsite")
    assert stored.all_day
    assert stored.start_date == first.date()
    assert stored.end_date == first.date() + timedelta(days=2)


def test_archive_hides_the_event_and_unarchive_brings_it_back(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: User
) -> None:
    api = api_as(user.email)
    day = this_week_day(3)
    created = create_via_api(
        api,
        title="Old plan",
        start=day.replace(hour=11).isoformat(),
        end=day.replace(hour=12).isoformat(),
    )
    page = calendar_page.page
    page.reload()
    calendar_page.open_event("Old plan")
    page.locator("#ev-archive").click()
    calendar_page.wait_closed()
    expect(calendar_page.events("Old plan")).to_have_count(0)
    assert Event.objects.get(pk=created["id"]).active is False

    page.get_by_label("Show archived events").check()
    expect(page.locator(".fc-event.is-archived", has_text="Old plan")).to_have_count(1)
    calendar_page.open_event("Old plan")
    expect(page.locator("#event-archived-note")).to_be_visible()
    page.locator("#ev-unarchive").click()
    calendar_page.wait_closed()
    expect(page.locator(".fc-event.is-archived", has_text="Old plan")).to_have_count(0)
    expect(calendar_page.events("Old plan")).to_have_count(1)
    assert Event.objects.get(pk=created["id"]).active is True


def test_archive_one_occurrence_then_the_whole_series(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: User
) -> None:
    api = api_as(user.email)
    monday = second_row_monday()
    series = create_via_api(
        api,
        title="Yoga",
        start=monday.replace(hour=7).isoformat(),
        end=monday.replace(hour=8).isoformat(),
        recurrence="FREQ=WEEKLY;COUNT=3",
    )
    page = calendar_page.page
    page.reload()
    expect(calendar_page.events("Yoga")).to_have_count(3)
    calendar_page.open_event("Yoga", nth=1)
    page.locator("#ev-archive").click()
    calendar_page.choose("This occurrence")
    calendar_page.wait_closed()
    expect(calendar_page.events("Yoga")).to_have_count(2)
    assert Event.objects.get(pk=series["id"]).active is True

    page.get_by_label("Show archived events").check()
    expect(page.locator(".fc-event.is-archived", has_text="Yoga")).to_have_count(1)
    page.locator(".fc-event.is-archived", has_text="Yoga").click()
    page.locator("#ev-unarchive").click()
    calendar_page.wait_closed()
    expect(page.locator(".fc-event.is-archived", has_text="Yoga")).to_have_count(0)
    expect(calendar_page.events("Yoga")).to_have_count(3)

    calendar_page.open_event("Yoga", nth=0)
    page.locator("#ev-archive").click()
    calendar_page.choose("The whole series")
    calendar_page.wait_closed()
    page.get_by_label("Show archived events").uncheck()
    expect(calendar_page.events("Yoga")).to_have_count(0)
    assert Event.objects.get(pk=series["id"]).active is False


def test_delete_asks_first_then_removes_the_event(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: User
) -> None:
    api = api_as(user.email)
    day = this_week_day(4)
    created = create_via_api(
        api,
        title="Scratch",
        start=day.replace(hour=8).isoformat(),
        end=day.replace(hour=9).isoformat(),
    )
    page = calendar_page.page
    page.reload()
    calendar_page.open_event("Scratch")
    page.locator("#ev-delete").click()
    calendar_page.choose("Cancel")
    expect(page.locator("#event-dialog")).to_be_visible()
    assert Event.objects.filter(pk=created["id"]).exists()
    page.locator("#ev-delete").click()
    calendar_page.choose("Delete")
    calendar_page.wait_closed()
    expect(calendar_page.events("Scratch")).to_have_count(0)
    assert not Event.objects.filter(pk=created["id"]).exists()


def test_drag_and_drop_moves_the_event_a_day(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: User
) -> None:
    api = api_as(user.email)
    source_day = this_week_day(2)
    target_day = this_week_day(4)
    created = create_via_api(
        api,
        title="Movable",
        start=source_day.replace(hour=13).isoformat(),
        end=source_day.replace(hour=14).isoformat(),
        all_day=False,
    )
    page = calendar_page.page
    page.reload()
    event_el = calendar_page.events("Movable").first
    event_el.wait_for()
    box = event_el.bounding_box()
    target = page.locator(f'td.fc-daygrid-day[data-date="{target_day:%Y-%m-%d}"]').bounding_box()
    assert box and target
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] / 2, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=10)
    page.mouse.up()
    expect(page.locator("#toast .toast-text")).to_have_text("Event moved.")
    stored = api.get(f"/api/events/{created['id']}").json()
    assert stored["start"] == target_day.replace(hour=13).isoformat()
    assert stored["end"] == target_day.replace(hour=14).isoformat()


def test_an_event_the_user_only_attends_opens_read_only(
    calendar_page: CalendarPage,
    api_as: Callable[[str], httpx.Client],
    user: User,
    other_user: User,
) -> None:
    day = this_week_day(5)
    create_via_api(
        api_as(other_user.email),
        title="Bao's launch",
        start=day.replace(hour=16).isoformat(),
        end=day.replace(hour=17).isoformat(),
        attendees=[{"email": user.email, "name": "Ana Lima"}],
    )
    page = calendar_page.page
    page.reload()
    expect(page.locator(".fc-event.is-readonly", has_text="Bao's launch")).to_have_count(1)
    calendar_page.open_event("Bao's launch")
    expect(page.locator("#event-readonly-note")).to_be_visible()
    expect(page.get_by_label("Title")).to_be_disabled()
    expect(page.get_by_label("Show as")).to_be_enabled()  # the user's own
    expect(page.locator("#ev-delete")).to_be_hidden()
    expect(page.locator("#ev-rsvp")).to_be_visible()
    expect(page.locator("#ev-organizer")).to_contain_text("bao@example.com")
    expect(page.locator("#ev-attendee-chips .chip-none")).to_contain_text("Ana Lima")


def test_the_page_follows_the_language_and_has_the_outlook_panel(
    calendar_page: CalendarPage,
) -> None:
    page = calendar_page.page
    expect(page.locator(".fc-today-button")).to_have_text("today")
    # The language menu submits itself (site.js), and everything follows the new language.
    with page.expect_navigation():
        page.locator("#language-select").select_option("vi")
    page.wait_for_selector("#calendar[data-ready=true] .fc-view-harness")
    assert page.locator("html").get_attribute("lang") == "vi"
    expect(page.locator(".fc-today-button")).to_have_text("Hôm nay")
    # Vietnamese weeks start on Monday, and the mini-calendar follows FullCalendar's locale.
    assert page.locator(".minical-grid th").first.get_attribute("abbr") == "Thứ Hai"
    expect(page.locator("#outlook-sync")).to_be_disabled()
    expect(page.locator("#outlook-status")).to_be_visible()
    # The panel sits on the right of the page, under the mini-calendar.
    mini = page.locator("#mini-calendar").bounding_box()
    panel = page.locator("#outlook-panel").bounding_box()
    grid = page.locator("#calendar").bounding_box()
    assert mini and panel and grid
    assert panel["y"] >= mini["y"] + mini["height"]
    assert panel["x"] > grid["x"] + grid["width"]
