"""The header's language menu in a real browser: English to Tiếng Việt and back, remembered.

The page's own strings come from Django's catalogues, FullCalendar's toolbar from its own
``vi`` locale (loaded only when the page is Vietnamese).
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from calsync.accounts.models import User

from .conftest import TIMEZONE, BrowserErrors, CalendarPage, log_in

pytestmark = pytest.mark.browser


def toolbar(page: Page) -> list[str]:
    """FullCalendar's toolbar button labels, NFC-normalised (its vi locale mixes forms)."""
    buttons = page.locator(".fc-header-toolbar button:not(.fc-prev-button):not(.fc-next-button)")
    return [unicodedata.normalize("NFC", text.strip()) for text in buttons.all_text_contents()]


def choose_language(page: Page, label: str) -> None:
    """Pick ``label`` in the header's menu; the form submits itself (site.js)."""
    with page.expect_navigation():
        page.locator("#language-select").select_option(label=label)
    page.wait_for_selector("#calendar[data-ready=true] .fc-view-harness")


def test_switching_to_vietnamese_translates_the_page_and_fullcalendar(
    calendar_page: CalendarPage,
) -> None:
    page = calendar_page.page
    expect(page.locator("#outlook-sync")).to_have_text("Sync with Outlook")
    assert toolbar(page) == ["today", "month", "week", "day", "list"]
    expect(page.locator("#language-select option")).to_have_text(["English", "Tiếng Việt"])
    expect(page.get_by_label("Language")).to_have_value("en")

    choose_language(page, "Tiếng Việt")

    assert page.locator("html").get_attribute("lang") == "vi"
    expect(page.locator("#outlook-sync")).to_have_text("Đồng bộ hóa với Outlook")
    expect(page.locator("#new-event")).to_contain_text("Sự kiện mới")
    assert toolbar(page) == ["Hôm nay", "Tháng", "Tuần", "Ngày", "Lịch biểu"]
    # Strings that scripts write come from the JavaScript catalogue.
    page.locator("#new-event").click()
    expect(page.locator("#event-dialog-title")).to_have_text("Sự kiện mới")
    page.locator("#ev-cancel").click()

    # The choice is remembered (cookie): a reload and a fresh tab stay Vietnamese.
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true] .fc-view-harness")
    expect(page.locator(".fc-today-button")).to_have_text("Hôm nay")
    other = page.context.new_page()
    other.goto(f"{calendar_page.base_url}/")
    expect(other.locator("#outlook-sync")).to_have_text("Đồng bộ hóa với Outlook")
    other.close()

    choose_language(page, "English")
    expect(page.locator("#outlook-sync")).to_have_text("Sync with Outlook")
    expect(page.locator(".fc-today-button")).to_have_text("today")


def test_a_vietnamese_browser_gets_vietnamese_without_choosing(
    browser: Browser, live_server: Any, user: User
) -> None:
    context = browser.new_context(locale="vi-VN", timezone_id=TIMEZONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = BrowserErrors()
    errors.watch(page)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        expect(page.locator("#login-heading")).to_have_text("Đăng nhập vào calsync")
        log_in(page, live_server.url, user.email)
        expect(page.locator("#outlook-sync")).to_have_text("Đồng bộ hóa với Outlook")
        expect(page.locator(".fc-today-button")).to_have_text("Hôm nay")
        expect(page.get_by_label("Ngôn ngữ")).to_have_value("vi")
        assert errors.messages == [], errors.messages
    finally:
        context.close()
