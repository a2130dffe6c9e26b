"""The calendar page's first window of events, asked for early (first_window.js) and drawn
from its brief fields; an event opened from the grid is read in full.

The early request names the window by its days and the user's zone (``timezone=``); the
page's own requests name instants. So a page that drew the early answer made exactly one
``GET /api/events`` of the window, the early one: a wrong guess of the window (another
view, another first day of the week) would show as a second request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from .conftest import TIMEZONE, CalendarPage

pytestmark = pytest.mark.browser
AGENDA = re.compile("The agenda, read when opened")


def _window_requests(page: Page, reload: Callable[[], None]) -> list[dict[str, list[str]]]:
    """The query of every ``GET /api/events`` window request made while ``reload`` runs and
    the grid is drawn."""
    seen: list[str] = []

    def note(request: Any) -> None:
        if urlsplit(request.url).path == "/api/events" and "start=" in request.url:
            seen.append(request.url)

    page.on("request", note)
    reload()
    page.wait_for_selector("#calendar[data-ready=true] .fc-event")
    page.wait_for_selector("#calendar-loading", state="hidden")
    page.remove_listener("request", note)
    return [parse_qs(urlsplit(url).query) for url in seen]


def _create_today(api: httpx.Client, title: str) -> dict[str, Any]:
    noon = datetime.now(ZoneInfo(TIMEZONE)).replace(hour=12, minute=0, second=0, microsecond=0)
    answer = api.post(
        "/api/events",
        json={
            "title": title,
            "description": "<p>The agenda, read when opened</p>",
            "start": noon.isoformat(),
            "end": (noon + timedelta(hours=1)).isoformat(),
            "timezone": TIMEZONE,
            "attendees": [{"email": "bao@example.com", "name": "Bao"}],
        },
    )
    answer.raise_for_status()
    return answer.json()


@pytest.mark.parametrize("view", ["dayGridMonth", "timeGridWeek", "timeGridDay", "listWeek"])
def test_the_first_window_is_asked_for_once_early_in_every_view(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: Any, view: str
) -> None:
    page = calendar_page.page
    _create_today(api_as(user.email), "Early bird")
    page.evaluate("(view) => localStorage.setItem('calsync.calendar.view', view)", view)
    asked = _window_requests(page, page.reload)
    assert len(asked) == 1, asked
    assert asked[0]["timezone"] == [TIMEZONE] and asked[0]["brief"] == ["true"]
    assert page.locator("#calendar").get_attribute("data-view") == view
    expect(calendar_page.events("Early bird")).to_have_count(1)
    calendar_page.assert_no_errors()


def test_the_guess_holds_where_the_week_starts_on_monday(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: Any
) -> None:
    page = calendar_page.page
    _create_today(api_as(user.email), "Early bird")

    def to_vietnamese() -> None:
        with page.expect_navigation():
            page.locator("#language-select").select_option(label="Tiếng Việt")

    asked = _window_requests(page, to_vietnamese)
    assert len(asked) == 1, asked
    assert "timezone" in asked[0]
    first_column = page.locator(".fc-col-header-cell").first
    expect(first_column).to_have_class(re.compile(r"\bfc-day-mon\b"))
    calendar_page.assert_no_errors()


def test_a_hidden_calendar_waits_for_the_list_and_is_left_out(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: Any
) -> None:
    """Nothing is asked for early while a calendar is hidden: the page's own request
    filters by the shown calendars."""
    page = calendar_page.page
    api = api_as(user.email)
    _create_today(api, "Early bird")
    other = api.post("/api/calendars", json={"name": "Side", "color": "#10b981"}).json()
    hide = "(id) => localStorage.setItem('calsync.calendars.hidden', `[${id}]`)"
    page.evaluate(hide, other["id"])
    asked = _window_requests(page, page.reload)
    assert len(asked) == 1, asked
    assert "timezone" not in asked[0] and asked[0]["calendar"], asked
    expect(calendar_page.events("Early bird")).to_have_count(1)
    calendar_page.assert_no_errors()


def test_an_event_opened_from_the_grid_is_read_in_full(
    calendar_page: CalendarPage, api_as: Callable[[str], httpx.Client], user: Any
) -> None:
    page = calendar_page.page
    _create_today(api_as(user.email), "Early bird")
    page.reload()
    calendar_page.open_event("Early bird")
    expect(page.get_by_label("Description")).to_have_value(AGENDA)
    expect(page.locator("#event-dialog")).to_contain_text("Bao")
    # and with the keyboard: Enter on the focused event
    page.keyboard.press("Escape")
    calendar_page.wait_closed()
    calendar_page.events("Early bird").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Description")).to_have_value(AGENDA)
    calendar_page.assert_no_errors()
