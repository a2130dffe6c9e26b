"""Every page under its Content-Security-Policy, in Chromium: the header is sent, and no page
(nor what its scripts do when used) breaks it: no ``securitypolicyviolation`` event, no CSP
message in the console. A deliberate inline style shows the watch does catch violations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User
from graph_emulator.testing import EmulatorServer

from .conftest import PASSWORD, errors_of, pretend_connected, set_up_outlook

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} on ${location.pathname}`
  );
});
"""


class CspWatch:
    """A page whose CSP violations (events and console messages) are collected."""

    def __init__(self, context: BrowserContext) -> None:
        self.violations: list[str] = []
        self.page: Page = context.new_page()
        self.page.expose_function("reportViolation", self._report)
        self.page.add_init_script(WATCH)
        self.page.on("console", self._console)

    def _report(self, violation: str) -> None:
        self.violations.append(violation)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(f"console: {message.text}")

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, url
        self.page.wait_for_load_state("networkidle")

    def log_in(self, base_url: str, email: str, password: str = PASSWORD) -> None:
        self.open(f"{base_url}/accounts/login/")
        self.page.locator("#id_username").fill(email)
        self.page.locator("#id_password").fill(password)
        self.page.locator(".login button[type=submit]").click()
        self.page.wait_for_selector("#calendar[data-ready=true] .fc-view-harness")


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def admin(transactional_db: None) -> User:
    return do_create_user("root@example.com", PASSWORD, name="Root Admin", admin=True)


@pytest.fixture
def synced(emulator: EmulatorServer, transactional_db: None) -> SyncWorld:
    """Chi, connected (as far as the pages can tell), with events synced both ways."""
    emulator.reset()
    set_up_outlook()
    world = SyncWorld(emulator, "chi@contoso.test", "Chi Pham")
    world.create(title="Planning", start=at(2), end=at(2, 10))
    world.outlook_create(
        {"subject": "Dentist", "start": graph_time(at(3)), "end": graph_time(at(3, 10))}
    )
    assert world.sync().ok
    pretend_connected(world.account.pk, oid="chi-oid", tid="tid")
    return world


def test_the_watch_sees_a_violation(context: BrowserContext, live_server: Any) -> None:
    watch = CspWatch(context)
    watch.open(f"{live_server.url}/accounts/login/")
    watch.page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')"
    )
    watch.page.wait_for_timeout(300)
    assert any("style-src" in violation for violation in watch.violations), watch.violations
    errors_of(context).allow("Content Security Policy")  # caused on purpose


def test_no_page_breaks_the_policy(
    context: BrowserContext, live_server: Any, admin: User, synced: SyncWorld, settings: Any
) -> None:
    base = live_server.url
    watch = CspWatch(context)
    page = watch.page

    # the calendar, with its event editor and the Outlook panel
    watch.log_in(base, admin.email)
    page.locator("#new-event").click()
    expect(page.locator("#event-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    page.locator(".fc-next-button").click()
    page.wait_for_load_state("networkidle")

    # the settings page, and its script
    watch.open(f"{base}/settings/")
    page.locator("#id_client_id").fill("0b8f6a52-3c1e-4e0f-9d5e-6f1a2b3c4d5e")

    # the Users page, and the profile page
    watch.open(f"{base}/users/")
    page.locator(f'tr[data-user="{synced.user.email}"] summary').click()
    watch.open(f"{base}/profile/")

    # a user's page (their calendar, read-only), through both steps of the Reset Account wizard
    watch.open(f"{base}/users/{synced.user.pk}/calendar")
    page.wait_for_selector("#readonly-calendar[data-ready=true]")
    wizard = page.locator("#reset-account")
    wizard.get_by_label("Delete from calsync").check()
    wizard.get_by_label("Synchronize all existing events").check()
    wizard.locator("#reset-button").click()
    expect(page.locator("#reset-confirm")).to_be_visible()

    # the page shown when Microsoft's answer is refused (no consent was started here)
    watch.open(f"{base}/microsoft_account/authentication?code=forged&state=forged")
    expect(page.locator("main")).to_contain_text("Outlook")

    # the login page, and the page of a sign-in paused by the throttle
    settings.AXES_FAILURE_LIMIT = 1
    context.clear_cookies()
    watch.open(f"{base}/accounts/login/")
    page.locator("#id_username").fill(admin.email)
    page.locator("#id_password").fill("not the password")
    page.locator(".login button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Too many failed sign-ins")

    assert watch.violations == []
    for status in ("status of 400", "status of 429"):  # the forged answer, the paused sign-in
        errors_of(context).allow(status)
