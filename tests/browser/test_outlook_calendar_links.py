"""The Outlook panel's "Outlook calendars" in Chromium: a user connected by the real consent
flow opens it, sees the mailbox's calendars (the default one, a second own one, one shared
read-only), links the second to a calsync calendar both ways and the shared one from
Outlook only (both ways is not offered there), syncs, and reads each link's health. In
English on a laptop and Vietnamese on a phone; any console error fails the test."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from tests.e2e.conftest import (  # noqa: F401 - the e2e fixtures, used here by name
    azure_app,
    browsers,
    connect_by_consent,
    emulator,
    emulator_session,
)

from calsync.outlook.models import CalendarLink
from calsync.outlook.sync.run import run_sync
from graph_emulator.testing import EmulatorServer

from .conftest import Screen, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

KIM = "kim@example.com"
LEE = "lee@example.com"


@pytest.fixture(autouse=True)
def _no_change_notifications(settings: Any) -> None:
    settings.CALSYNC_NOTIFICATIONS = False


def link_row(page: Page, outlook_id: str) -> Locator:
    return page.locator(f'#outlook-calendars li.calendar-link[data-outlook-id="{outlook_id}"]')


def test_calendars_are_linked_from_the_panel(
    screen: Screen,
    live_server: Any,
    emulator: EmulatorServer,  # noqa: F811 - the e2e fixture imported above
    connect_by_consent: Any,  # noqa: F811
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    emulator.add_user(LEE, "Lee", "pw")
    token = emulator.token_for(KIM)
    with emulator.client(
        base_url=emulator.graph_url, headers={"Authorization": f"Bearer {token}"}
    ) as g:
        personal = g.post("/me/calendars", json={"name": "Personal"}).json()["id"]
    shared = emulator.share_calendar(LEE, KIM, can_edit=False)["id"]
    csrf = {"X-CSRFToken": kim.web.cookies.get("csrftoken") or ""}
    for name in ("Home", "Lee's rota"):
        assert kim.web.post("/api/calendars", json={"name": name}, headers=csrf).is_success

    signed = signed_in(screen.context, live_server.url, KIM, "pw-calsync")
    page = signed.page
    page.locator("#outlook-calendars summary").click()
    rows = page.locator("#outlook-calendars li")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(screen.text("Default calendar", "Lịch mặc định"))

    home = link_row(page, personal)
    home.locator("select[name=calendar]").select_option(label="Home")
    home.locator("select[name=mode]").select_option("two-way")
    expect(home.locator(".link-help")).to_contain_text(
        screen.text("Changes go both ways.", "Thay đổi được đồng bộ theo cả hai chiều.")
    )
    home.get_by_role("button", name=screen.text("Save", "Lưu")).click()
    expect(link_row(page, personal).locator(".link-health")).to_have_text(
        screen.text("Not synced yet", "Chưa đồng bộ hóa")
    )
    assert CalendarLink.objects.get(remote_id=personal).mode == "two-way"

    rota = link_row(page, shared)
    expect(rota.locator(".link-owner")).to_contain_text(screen.text("read-only", "chỉ đọc"))
    expect(rota.locator("option[value=two-way]")).to_be_disabled()
    expect(rota.locator("option[value=redacted]")).to_be_disabled()
    expect(rota.locator("option[value=busy]")).to_be_enabled()
    rota.locator("select[name=mode]").select_option("busy")
    expect(rota.locator(".link-help")).to_contain_text(
        screen.text("with their times only", "chỉ với thời gian")
    )
    rota.locator("select[name=calendar]").select_option(label="Lee's rota")
    rota.locator("select[name=mode]").select_option("from-outlook")
    expect(rota.locator(".link-help")).to_contain_text(
        screen.text("not sent to Outlook", "không được gửi tới Outlook")
    )
    rota.get_by_role("button", name=screen.text("Save", "Lưu")).click()
    expect(link_row(page, shared).locator(".link-health")).to_have_text(
        screen.text("Not synced yet", "Chưa đồng bộ hóa")
    )
    link = CalendarLink.objects.get(remote_id=shared)
    assert (link.mode, link.calendar.name) == ("from-outlook", "Lee's rota")

    assert run_sync(kim.account, "test").ok
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true] .fc-view-harness")
    page.locator("#outlook-calendars summary").click()
    expect(link_row(page, personal).locator(".link-health")).to_contain_text(
        screen.text("Synced", "Đã đồng bộ hóa")
    )
    signed.assert_no_errors()
