"""A mirror copy in a real browser: the event dialog opens read-only and says whose copy it
is and where to edit it, in English and in Vietnamese."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from calsync.accounts.models import User
from calsync.calendars import actions

from .conftest import TIMEZONE, signed_in
from .test_calendar_page import this_week_day

pytestmark = pytest.mark.browser


def busy_copy(owner: User, mode: str, title: str) -> None:
    day = this_week_day(2).replace(hour=10)
    actions.do_create_event(
        owner,
        {
            "title": title,
            "start": day,
            "end": day.replace(hour=11),
            "timezone": TIMEZONE,
            "mirror_of": "AAMkOriginal=",
            "mirror_mode": mode,
            "mirror_source": "outlook:work",
            "mirror_source_name": "Work",
            "mirror_hash": "0123456789abcdef",
        },
    )


@pytest.fixture
def vietnamese(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        locale="vi-VN", timezone_id=TIMEZONE, viewport={"width": 1440, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def test_a_busy_copy_opens_read_only_with_its_note(
    context: BrowserContext, live_server: Any, user: User
) -> None:
    busy_copy(user, "busy", "Busy")
    calendar_page = signed_in(context, live_server.url, user.email)
    page = calendar_page.page
    calendar_page.open_event("Busy")
    note = page.locator("#event-mirror-note")
    expect(note).to_have_text("This is a busy copy of an event in Work; edit the original.")
    expect(page.locator("#event-readonly-note")).to_be_hidden()
    expect(page.get_by_label("Title")).to_be_disabled()
    expect(page.locator("#ev-save")).to_be_hidden()
    expect(page.locator("#ev-delete")).to_be_hidden()
    page.locator("#ev-cancel").click()
    calendar_page.wait_closed()
    calendar_page.assert_no_errors()


def test_a_redacted_copy_in_vietnamese(
    vietnamese: BrowserContext, live_server: Any, user: User
) -> None:
    busy_copy(user, "redacted", "Nha sĩ")
    calendar_page = signed_in(vietnamese, live_server.url, user.email)
    page = calendar_page.page
    calendar_page.open_event("Nha sĩ")
    expect(page.locator("#event-mirror-note")).to_have_text(
        "Đây là bản sao đã ẩn nội dung của một sự kiện trong Work; hãy sửa sự kiện gốc."
    )
    expect(page.get_by_label("Tiêu đề")).to_be_disabled()
    calendar_page.assert_no_errors()
