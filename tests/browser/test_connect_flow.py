"""Connect to Outlook in a real browser: the admin fills the settings page, a user presses
**Sync with Outlook** under the mini-calendar, signs in and presses **Accept** on the
emulator's page (HTTPS, self-signed CA), and lands back on the calendar, connected."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User
from calsync.outlook.models import OutlookAccount, OutlookSettings
from graph_emulator.testing import EmulatorServer

from .conftest import PASSWORD, assert_laid_out_as_microsoft, log_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

MAILBOX = "ana@contoso.test"
MS_PASSWORD = "pw-microsoft"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def outlook_context(browser: Browser) -> Iterator[BrowserContext]:
    """A profile that accepts the emulator's self-signed certificate and may use the
    clipboard (the Redirect URI's copy button)."""
    ctx = browser.new_context(
        locale="en-US",
        ignore_https_errors=True,
        viewport={"width": 1440, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def admin(transactional_db: None) -> User:
    return do_create_user("root@example.com", PASSWORD, name="Root Admin", admin=True)


def test_admin_sets_up_and_a_user_connects_in_chromium(
    outlook_context: BrowserContext,
    live_server: Any,
    emulator: EmulatorServer,
    settings: Any,
    admin: User,
    user: User,
    screenshot_dir: Any,
) -> None:
    settings.CALSYNC_MS_AUTHORITY_HOST = emulator.url
    settings.CALSYNC_GRAPH_URL = emulator.graph_url
    settings.CALSYNC_CA_BUNDLE = emulator.ca_path
    client_id, client_secret = str(uuid.uuid4()), f"Bx8~{uuid.uuid4().hex}"
    redirect_uri = f"{live_server.url}/microsoft_account/authentication"
    emulator.add_app(client_id, client_secret, [redirect_uri], name="calsync")
    emulator.add_user(MAILBOX, "Ana Lima", MS_PASSWORD)

    page = outlook_context.new_page()
    errors: list[str] = []
    # calsync's pages must be clean; the emulator's sign-in page (Microsoft's side) has no
    # favicon, which Chromium reports as a console error there.
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console: {msg.text} at {page.url}")
            if msg.type == "error"
            and not page.url.startswith(emulator.url)
            and not str(msg.location.get("url", "")).startswith(emulator.url)
            else None
        ),
    )

    # The administrator: Settings -> tick Outlook Calendar, paste Client ID and Secret, Save.
    log_in(page, live_server.url, admin.email)
    page.locator("#outlook-panel").get_by_role("link", name="Set it up in Settings").click()
    expect(page.locator("#redirect-uri")).to_have_value(redirect_uri)
    page.wait_for_load_state("load")  # the page's deferred script holds the button's handler
    # the label says "Copied" for 1.5 s: every label it shows is recorded, so a slow poll
    # under load cannot miss it
    page.evaluate(
        """() => {
          const button = document.getElementById("copy-redirect-uri");
          window.copyLabels = [];
          new MutationObserver(() => window.copyLabels.push(button.textContent))
            .observe(button, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.locator("#copy-redirect-uri").click()
    page.wait_for_function("window.copyLabels.includes('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == redirect_uri
    expect(page.get_by_label("Base URL")).to_have_value(live_server.url)
    page.get_by_label("Outlook Calendar").check()
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client Secret", exact=True).fill(client_secret)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The Outlook settings were saved.")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "outlook-settings.png"), full_page=True)
    expect(page.locator("#client-secret-state")).to_contain_text("set")
    assert client_secret not in page.content()
    assert OutlookSettings.load().client_id == client_id
    page.get_by_role("button", name="Log out").click()

    # The user: the button under the mini-calendar, Microsoft's page, Accept, back home.
    log_in(page, live_server.url, user.email)
    panel = page.locator("#outlook-panel")
    expect(panel).to_contain_text("Not connected")
    panel.get_by_role("button", name="Sync with Outlook").click()
    page.wait_for_url(f"{emulator.url}/common/oauth2/v2.0/authorize*")
    assert_laid_out_as_microsoft(page)
    page.locator("input[name=login]").fill(MAILBOX)
    page.locator("input[name=password]").fill(MS_PASSWORD)
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("#outlook-panel")).to_contain_text(f"Connected as {MAILBOX}")
    page.screenshot(path=str(screenshot_dir / "outlook-connected.png"))

    status = page.request.get(f"{live_server.url}/api/outlook/status").json()
    assert (status["connected"], status["mailbox"], status["needs_reconnect"]) == (
        True,
        MAILBOX,
        False,
    )
    account = OutlookAccount.objects.get(user=user)
    assert account.mailbox == MAILBOX
    assert account.has_tokens
    assert errors == [], errors
