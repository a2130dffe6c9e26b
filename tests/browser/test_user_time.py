"""Time as the user reads it: their zone (the browser's at the first login, changed on the
profile page) for the grid and new events, and dates written the page's way, with a month
grid to pick them, in English and Vietnamese, whatever the browser's own locale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, expect

from calsync.accounts.models import User
from calsync.calendars.models import Event

from .conftest import TIMEZONE, Screen, log_in, signed_in, watched_context

pytestmark = pytest.mark.browser

SAIGON = "Asia/Ho_Chi_Minh"


def test_the_first_login_takes_the_browsers_zone_and_the_grid_uses_the_profiles(
    browser: Browser, live_server: Any, user: User, api_as: Callable[[str], httpx.Client]
) -> None:
    # the browser's clock reads 05:00 UTC: the same day in Saigon (12:00) and Paris (06:00 or
    # 07:00), whatever the hour the test runs at (from 17:00 UTC Saigon is a day ahead)
    morning = datetime.now(UTC).replace(hour=5, minute=0, second=0, microsecond=0)
    paris_nine = morning.astimezone(ZoneInfo(TIMEZONE)).replace(hour=9)
    api_as(user.email).post(
        "/api/events",
        json={
            "title": "Paris stand-up",
            "start": paris_nine.isoformat(),
            "end": (paris_nine + timedelta(minutes=30)).isoformat(),
            "timezone": TIMEZONE,
        },
    )
    with watched_context(browser, locale="vi-VN", timezone_id=SAIGON) as ctx:
        ctx.clock.install(time=morning)
        page = ctx.new_page()
        log_in(page, live_server.url, user.email)
        user.refresh_from_db()
        assert user.time_zone == SAIGON
        page.locator("body").press("d")
        saigon = paris_nine.astimezone(ZoneInfo(SAIGON))
        assert saigon.date() == paris_nine.date()  # 14:00 or 15:00 there
        expect(page.locator(".fc-event", has_text="Paris stand-up")).to_contain_text(
            f"{saigon:%H:%M}"
        )

        # the profile page: back to Paris; the same browser now shows Paris' clock
        page.goto(f"{live_server.url}/profile/")
        page.locator("#id_time_zone").select_option(TIMEZONE)
        page.locator("#profile-form button[type=submit]").click()
        expect(page.locator("#profile-message")).to_be_visible()
        user.refresh_from_db()
        assert user.time_zone == TIMEZONE
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("#calendar[data-ready=true]")
        page.locator("body").press("d")
        expect(page.locator(".fc-event", has_text="Paris stand-up")).to_contain_text("9:00 - 9:30")


def test_dates_are_written_and_picked_the_pages_way(
    screen: Screen, live_server: Any, user: User
) -> None:
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    page.locator("#new-event").click()
    page.locator("#ev-title").fill("Picked")
    start = page.locator("#ev-start-dt")
    typed = "24/12/2026 09:30" if screen.language == "vi" else "12/24/2026 9:30 AM"
    start.fill(typed)
    start.dispatch_event("change")
    expect(start).to_have_value(typed)
    # the end kept the hour's length
    end_text = "24/12/2026 10:30" if screen.language == "vi" else "12/24/2026 10:30 AM"
    expect(page.locator("#ev-end-dt")).to_have_value(end_text)

    # the month grid: weekday names in the page's language; pick the 26th
    start.locator("xpath=..").locator(".date-pick").click()
    grid = page.locator(".date-popover")
    expect(grid).to_be_visible()
    first_weekday = grid.locator("th").first.get_attribute("abbr")
    assert first_weekday == screen.text("Sunday", "Thứ Hai")
    grid.locator('button[data-date="2026-12-26"]').click()
    expect(grid).to_have_count(0)
    picked = "26/12/2026 09:30" if screen.language == "vi" else "12/26/2026 9:30 AM"
    expect(start).to_have_value(picked)
    page.locator("#ev-save").click()
    expect(page.locator("#event-dialog")).to_be_hidden()
    stored = Event.objects.get(title="Picked")
    zone = ZoneInfo(TIMEZONE)
    assert stored.start == datetime(2026, 12, 26, 9, 30, tzinfo=zone)
    assert stored.end == datetime(2026, 12, 26, 10, 30, tzinfo=zone)


def test_an_unreadable_date_is_refused_before_saving(
    context: Any, live_server: Any, user: User
) -> None:
    signed = signed_in(context, live_server.url, user.email)
    page = signed.page
    page.locator("#new-event").click()
    page.locator("#ev-start-dt").fill("31/31/2026 25:00")
    page.locator("#ev-save").click()
    expect(page.locator("#ev-start-dt")).to_have_attribute("aria-invalid", "true")
    assert not Event.objects.exists()
