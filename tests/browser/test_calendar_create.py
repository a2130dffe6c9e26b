"""Making and moving events on the grid, as in the peers: a click or a drag on empty slots
opens the quick-create popover (then the full dialog), drags and resizes offer Undo, and the
keyboard drives the views. In English on a laptop and in Vietnamese on a phone (``screen``:
the tour of tests/browser/test_every_screen.py makes, moves and uses the shortcuts in all
four screens), resizing in all four (``every_screen``); any console error fails the test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from calsync.accounts.models import User
from calsync.calendars.models import Event

from .conftest import TIMEZONE, Screen, signed_in

pytestmark = pytest.mark.browser

PARIS = ZoneInfo(TIMEZONE)


def today() -> datetime:
    return datetime.now(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)


def slot_point(page: Page, day: datetime, time: str) -> tuple[float, float]:
    """The middle of the time grid's cell for ``day`` at ``time`` ("HH:MM")."""
    column = page.locator(f'td.fc-timegrid-col[data-date="{day:%Y-%m-%d}"]')
    row = page.locator(f'td.fc-timegrid-slot-lane[data-time="{time}:00"]')
    row.scroll_into_view_if_needed()
    col_box, row_box = column.bounding_box(), row.bounding_box()
    assert col_box and row_box
    return col_box["x"] + col_box["width"] / 2, row_box["y"] + row_box["height"] / 2


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0], start[1] + 5, steps=3)
    page.mouse.move(*end, steps=8)
    page.mouse.up()


def go_to_view(page: Page, key: str, view: str) -> None:
    page.locator("body").press(key)
    expect(page.locator("#calendar")).to_have_attribute("data-view", view)


def test_a_click_on_an_empty_slot_in_week_view_opens_quick_create_saves_or_escapes(
    screen: Screen, live_server: Any, user: User
) -> None:
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    go_to_view(page, "w", "timeGridWeek")
    day = today()
    page.mouse.click(*slot_point(page, day, "10:00"))
    popover = page.locator("#quick-create")
    expect(popover).to_be_visible()
    expect(page.locator("#qc-title")).to_be_focused()
    page.locator("#qc-title").fill("Coffee with Bao")
    page.locator("#qc-title").press("Enter")
    expect(popover).to_be_hidden()
    expect(signed.events("Coffee with Bao")).to_have_count(1)
    stored = Event.objects.get(title="Coffee with Bao")
    assert stored.start == day.replace(hour=10)
    assert stored.end == day.replace(hour=10, minute=30)
    assert stored.timezone == TIMEZONE
    # Escape closes it without saving, and leaves no selection behind
    page.mouse.click(*slot_point(page, day, "09:00"))
    page.locator("#qc-title").fill("Never mind")
    page.locator("#qc-title").press("Escape")
    expect(popover).to_be_hidden()
    expect(page.locator(".fc-highlight")).to_have_count(0)
    assert not Event.objects.filter(title="Never mind").exists()
    # The page keeps working: the toolbar still moves (the old bug broke it).
    title = page.locator(".fc-toolbar-title").text_content() or ""
    page.locator(".fc-next-button").click()
    expect(page.locator(".fc-toolbar-title")).not_to_have_text(title)


def test_dragging_across_slots_works_on_the_first_try_and_more_options_opens_the_dialog(
    screen: Screen, live_server: Any, user: User
) -> None:
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    go_to_view(page, "d", "timeGridDay")
    day = today()
    start, end = slot_point(page, day, "14:00"), slot_point(page, day, "15:00")
    if screen.phone:  # a touch screen selects after a long press, then drags
        page.mouse.move(*start)
        page.mouse.down()
        page.wait_for_timeout(500)
        page.mouse.move(*end, steps=8)
        page.mouse.up()
    else:
        drag(page, start, end)
    popover = page.locator("#quick-create")
    expect(popover).to_be_visible()
    expect(page.locator("#qc-when")).to_contain_text("14:00" if screen.language == "vi" else "2:00")
    page.locator("#qc-title").fill("Planning")
    page.locator("#qc-more").click()
    dialog = page.locator("#event-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#ev-title")).to_have_value("Planning")
    # the dates are written the page's way, whatever the browser's own locale (en-US here)
    if screen.language == "vi":
        start_text, end_text = f"{day:%d/%m/%Y} 14:00", f"{day:%d/%m/%Y} 15:30"
    else:
        start_text, end_text = f"{day:%m/%d/%Y} 2:00 PM", f"{day:%m/%d/%Y} 3:30 PM"
    expect(page.locator("#ev-start-dt")).to_have_value(start_text)
    expect(page.locator("#ev-end-dt")).to_have_value(end_text)
    page.locator("#ev-location").fill("Room 2")
    page.locator("#ev-save").click()
    expect(dialog).to_be_hidden()
    expect(signed.events("Planning")).to_have_count(1)
    stored = Event.objects.get(title="Planning")
    assert (stored.start, stored.end) == (day.replace(hour=14), day.replace(hour=15, minute=30))
    assert stored.location == "Room 2"


def test_a_click_on_a_day_in_month_view_makes_an_all_day_event(
    screen: Screen, live_server: Any, user: User
) -> None:
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    go_to_view(page, "m", "dayGridMonth")
    day = today()
    page.locator(f'td.fc-daygrid-day[data-date="{day:%Y-%m-%d}"] .fc-daygrid-day-frame').click(
        position={"x": 30, "y": 60}
    )
    expect(page.locator("#quick-create")).to_be_visible()
    page.locator("#qc-title").fill("Holiday")
    page.locator("#qc-save").click()
    expect(signed.events("Holiday")).to_have_count(1)
    stored = Event.objects.get(title="Holiday")
    assert stored.all_day and stored.start_date == day.date()
    assert stored.end_date == day.date() + timedelta(days=1)


def test_a_tap_on_a_phone_opens_quick_create_in_month_and_day_view(
    phone_screen: Screen, live_server: Any, user: User
) -> None:
    """A touch screen selects only on a long press: a plain tap must create too."""
    signed = signed_in(phone_screen.context, live_server.url, user.email)
    page = signed.page
    popover = page.locator("#quick-create")
    day = today()
    go_to_view(page, "m", "dayGridMonth")
    frame = page.locator(f'td.fc-daygrid-day[data-date="{day:%Y-%m-%d}"] .fc-daygrid-day-frame')
    frame.tap(position={"x": 20, "y": 60})
    expect(popover).to_be_visible()
    page.locator("#qc-title").fill("Day off")
    page.locator("#qc-save").tap()
    expect(signed.events("Day off")).to_have_count(1)
    stored = Event.objects.get(title="Day off")
    assert stored.all_day and stored.start_date == day.date()
    go_to_view(page, "d", "timeGridDay")
    page.touchscreen.tap(*slot_point(page, day, "10:00"))
    expect(popover).to_be_visible()
    page.wait_for_timeout(500)  # the tap's emulated mouse events must not close it
    expect(popover).to_be_visible()
    page.locator("#qc-title").fill("Call the bank")
    page.locator("#qc-save").tap()
    expect(signed.events("Call the bank")).to_have_count(1)
    stored = Event.objects.get(title="Call the bank")
    assert (stored.start, stored.end) == (day.replace(hour=10), day.replace(hour=10, minute=30))


def test_resizing_offers_undo_that_puts_the_event_back(
    every_screen: Screen,
    live_server: Any,
    user: User,
    api_as: Callable[[str], httpx.Client],
) -> None:
    day = today()
    api = api_as(user.email)
    made = api.post(
        "/api/events",
        json={
            "title": "Review",
            "start": day.replace(hour=9).isoformat(),
            "end": day.replace(hour=10).isoformat(),
            "timezone": TIMEZONE,
        },
    ).json()
    signed = signed_in(every_screen.context, live_server.url, user.email)
    page = signed.page
    go_to_view(page, "w", "timeGridWeek")
    event_el = signed.events("Review")
    event_el.hover()
    handle = event_el.locator(".fc-event-resizer-end")
    expect(handle).to_be_visible()  # drawn once the pointer is over the event
    box = handle.bounding_box()
    assert box
    drag(page, (box["x"] + box["width"] / 2, box["y"] + 2), slot_point(page, day, "11:00"))
    expect(page.locator("#toast .toast-text")).to_have_text(
        every_screen.text("Event moved.", "Đã di chuyển sự kiện.")
    )
    stored = Event.objects.get(pk=made["id"])
    assert stored.end == day.replace(hour=11, minute=30)

    page.locator("#toast .toast-action").click()
    expect(page.locator("#toast .toast-text")).to_have_text(
        every_screen.text("Move undone.", "Đã hoàn tác việc di chuyển.")
    )
    stored.refresh_from_db()
    assert (stored.start, stored.end) == (day.replace(hour=9), day.replace(hour=10))
    expect(signed.events("Review")).to_contain_text("10:00")


def test_keyboard_shortcuts_move_between_views_and_dates(
    screen: Screen, live_server: Any, user: User
) -> None:
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    for key, view in (("m", "dayGridMonth"), ("w", "timeGridWeek"), ("a", "listWeek")):
        go_to_view(page, key, view)
    go_to_view(page, "d", "timeGridDay")
    title = page.locator(".fc-toolbar-title")
    first = title.text_content() or ""
    page.locator("body").press("ArrowRight")
    expect(title).not_to_have_text(first)
    page.locator("body").press("ArrowLeft")
    page.locator("body").press("ArrowLeft")
    page.locator("body").press("t")
    expect(title).to_have_text(first)
    page.locator("body").press("/")
    expect(page.locator("#event-search-input")).to_be_focused()
    page.locator("#event-search-input").press("n")  # typing: no shortcut
    expect(page.locator("#event-dialog")).to_be_hidden()
    page.locator("body").click(position={"x": 2, "y": 2})
    page.locator("body").press("n")
    expect(page.locator("#event-dialog")).to_be_visible()
    expect(page.locator("#event-dialog-title")).to_have_text(
        screen.text("New event", "Sự kiện mới")
    )
