"""Graceful edges in Chromium: a session that ended while a dialog was open sends the person
to log in and back, with what they typed kept; so does Sync with Outlook pressed after it
ended; error pages (403 with its reason, an expired
form, 404, 500) are styled and translated."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from calsync.accounts.models import User
from calsync.calendars.models import Event
from calsync.outlook.models import OutlookAccount, SyncRequest, SyncRun

from .conftest import PASSWORD, Screen, errors_of, pretend_connected, set_up_outlook, signed_in

pytestmark = pytest.mark.browser


def test_an_expired_session_keeps_the_unsaved_dialog_across_the_login(
    every_screen: Screen, live_server: Any, user: User
) -> None:
    screen = every_screen
    page = signed_in(screen.context, live_server.url, user.email).page
    page.locator("#new-event").click()
    page.locator("#ev-title").fill("Typed before the session ended")
    page.locator("#ev-location").fill("Room 7")
    page.locator("#ev-description").fill("Three paragraphs of careful notes")

    Session.objects.all().delete()  # the session ends (expired, or signed out elsewhere)
    page.locator("#ev-save").click()

    page.wait_for_url("**/accounts/login/?next=*")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(".login button[type=submit]").click()
    page.wait_for_selector("#event-dialog[open]")
    expect(page.locator("#event-restored-note")).to_be_visible()
    expect(page.locator("#ev-title")).to_have_value("Typed before the session ended")
    expect(page.locator("#ev-location")).to_have_value("Room 7")
    expect(page.locator("#ev-description")).to_have_value("Three paragraphs of careful notes")
    assert not Event.objects.exists()
    page.locator("#ev-save").click()
    expect(page.locator("#event-dialog")).to_be_hidden()
    stored = Event.objects.get()
    assert (stored.title, stored.location) == ("Typed before the session ended", "Room 7")
    errors_of(screen.context).allow("status of 403")  # the refused save, on purpose


def test_sync_pressed_after_the_session_ended_signs_in_and_comes_back(
    every_screen: Screen, live_server: Any, user: User
) -> None:
    screen = every_screen
    set_up_outlook()
    account = OutlookAccount.objects.create(user=user, mailbox=user.email)
    pretend_connected(account.pk, last_sync=timezone.now(), first_synced_at=timezone.now())
    page = signed_in(screen.context, live_server.url, user.email).page
    expect(page.locator("#outlook-sync")).to_be_enabled()
    runs, requests = SyncRun.objects.count(), SyncRequest.objects.count()

    Session.objects.all().delete()  # the session ends (expired, or signed out elsewhere)
    page.locator("#outlook-sync").click()

    page.wait_for_url("**/accounts/login/?next=*")  # not Django's bare CSRF page
    assert (SyncRun.objects.count(), SyncRequest.objects.count()) == (runs, requests)
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(".login button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("#outlook-sync")).to_be_enabled()
    errors = errors_of(screen.context)
    errors.allow("status of 401")  # the refused press, on purpose
    errors.allow("status of 403")  # the page's change poll, refused once the session ended


def test_a_missing_page_is_styled_and_translated(
    screen: Screen, live_server: Any, user: User
) -> None:
    page = screen.context.new_page()
    answer = page.goto(f"{live_server.url}/no/such/page")
    assert answer is not None and answer.status == 404
    expect(page.locator("#error-heading")).to_have_text(
        screen.text("This page does not exist", "Trang này không tồn tại")
    )
    card = page.locator(".error-card")
    assert card.evaluate("el => getComputedStyle(el).borderRadius") != "0px"  # site.css applied
    page.locator(".error-actions a").first.click()
    page.wait_for_url("**/accounts/login/?next=/")
    errors_of(screen.context).allow("status of 404")


def heading_and_style(page: Any) -> tuple[str, str]:
    card = page.locator(".error-card")
    return (
        page.locator("#error-heading").text_content() or "",
        card.evaluate("el => getComputedStyle(el).borderRadius"),
    )


def test_forbidden_expired_and_failed_pages_are_styled_and_translated(
    every_screen: Screen, live_server: Any, user: User, settings: Any
) -> None:
    screen = every_screen
    text = screen.text
    page = signed_in(screen.context, live_server.url, user.email).page
    answer = page.goto(f"{live_server.url}/users/")
    assert answer is not None and answer.status == 403
    heading, radius = heading_and_style(page)
    assert heading == text("You may not open this page", "Bạn không được mở trang này")
    assert radius != "0px"  # site.css applied
    expect(page.locator(".error-card")).to_contain_text(
        text("Only administrators", "Chỉ quản trị viên")
    )  # the reason

    # a form sent after its session's cookie was gone: Django's CSRF failure, our page
    screen.context.clear_cookies()
    screen.context.add_cookies(
        [{"name": "django_language", "value": screen.language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/accounts/login/")
    screen.context.clear_cookies(name="csrftoken")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(".login button[type=submit]").click()
    expect(page.locator("#error-heading")).to_have_text(
        text("This form had expired", "Biểu mẫu này đã hết hạn")
    )
    assert heading_and_style(page)[1] != "0px"
    page.get_by_role("link", name=text("Log in again", "Đăng nhập lại")).click()
    page.wait_for_url("**/accounts/login/?next=/")

    settings.ROOT_URLCONF = "tests.browser.failing_urls"
    answer = page.goto(f"{live_server.url}/fails")
    assert answer is not None and answer.status == 500
    heading, radius = heading_and_style(page)
    assert heading == text("Something went wrong on our side", "Đã có lỗi ở phía máy chủ")
    assert radius != "0px"
    errors_of(screen.context).allow("status of 403")
    errors_of(screen.context).allow("status of 500")
