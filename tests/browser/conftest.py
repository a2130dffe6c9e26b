"""Fixtures of the browser tests: Debian's Chromium through Playwright, a user, a signed-in page.

Playwright's sync API runs an asyncio loop in the test thread, so Django's ORM (used by the
tests to check what the page stored) must be told that this is safe here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEZONE = "Europe/Paris"
"""The browser's zone in these tests: new events default to it."""
PASSWORD = "correct horse battery"

# How the page colours an event (event_props.js, the legend): filled with its calendar's
# colour, its left edge in its kind's colour.
EVENT_FILL = """el => {
  const dot = el.querySelector(".fc-daygrid-event-dot, .fc-list-event-dot");
  if (dot) return getComputedStyle(dot).borderTopColor;
  const title = el.matches(".fc-daygrid-dot-event") && el.querySelector(".fc-event-title");
  if (title) return getComputedStyle(title).getPropertyValue("--dot").trim();
  return getComputedStyle(el).backgroundColor;
}"""
"""An event element's fill: its background, or its dot in month and agenda views (a month's
timed event draws it from its title's ``--dot`` colour, calendar.css)."""
KIND_EDGE = "el => getComputedStyle(el).borderLeftColor"
"""An event element's (or a legend swatch's) kind: the colour of its left edge."""


def rgb(colour: str) -> str:
    """``#rrggbb`` as the browser's computed ``rgb(r, g, b)``."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


class SharedChromium:
    """One Chromium for each run of consecutive browser tests (never a downloaded browser),
    launched by the first test of the run and closed after its last: launching takes seconds,
    and pytest-django keeps the browser tests together. Not open for the whole session:
    Playwright's sync API holds a running event loop on the main thread while it lives,
    which would break ``asyncio.run`` in the tests that follow."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._chromium: Browser | None = None

    def get(self) -> Browser:
        """The running Chromium; a new one if none runs (or the last one went away)."""
        if self._chromium is not None and not self._chromium.is_connected():
            self.close()
        if self._chromium is None:
            executable = os.environ.get("CALSYNC_CHROMIUM", "/usr/bin/chromium")
            self._playwright = sync_playwright().start()
            self._chromium = self._playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS
            )
        return self._chromium

    def close(self) -> None:
        """Close Chromium and stop Playwright's event loop (nothing if none runs)."""
        chromium, playwright = self._chromium, self._playwright
        self._chromium = self._playwright = None
        try:
            if chromium is not None and chromium.is_connected():
                chromium.close()
        finally:
            if playwright is not None:
                playwright.stop()


SHARED_CHROMIUM = SharedChromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a test's fixtures are torn down: close Chromium unless the next test uses it."""
    try:
        return (yield)
    finally:
        if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
            SHARED_CHROMIUM.close()


@pytest.fixture
def browser() -> Browser:
    """The shared Chromium (:class:`SharedChromium`); each test opens its own contexts."""
    return SHARED_CHROMIUM.get()


@dataclass
class BrowserErrors:
    """JavaScript errors and failed requests seen by a page; tests assert it stays empty."""

    messages: list[str] = field(default_factory=list)

    def allow(self, fragment: str) -> None:
        """Forget the messages containing ``fragment`` (an error the test caused on purpose)."""
        self.messages[:] = [m for m in self.messages if fragment not in m]

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda msg: (
                self.messages.append(f"console: {msg.text}") if msg.type == "error" else None
            ),
        )


_CONTEXT_ERRORS: dict[int, BrowserErrors] = {}


def errors_of(context: BrowserContext) -> BrowserErrors:
    """The errors seen by every page of ``context`` (one list per context)."""
    return _CONTEXT_ERRORS.setdefault(id(context), BrowserErrors())


@contextmanager
def watched_context(browser: Browser, **options: Any) -> Iterator[BrowserContext]:
    """A new browser context whose every page is watched; leaving it fails the test if any
    page logged a console error or threw (tests allow the errors they cause on purpose)."""
    ctx = browser.new_context(**options)
    ctx.set_default_timeout(10_000)
    errors = errors_of(ctx)
    ctx.on("page", errors.watch)
    try:
        yield ctx
        assert errors.messages == [], errors.messages
    finally:
        _CONTEXT_ERRORS.pop(id(ctx), None)
        ctx.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile in English, in Paris, on a 1440×900 screen; fails the test
    when a page logged a console error."""
    with watched_context(
        browser, locale="en-US", timezone_id=TIMEZONE, viewport={"width": 1440, "height": 900}
    ) as ctx:
        yield ctx


SCREENS = {
    "en-desktop": ("en", {"width": 1440, "height": 900}),
    "en-phone": ("en", {"width": 390, "height": 844}),
    "vi-desktop": ("vi", {"width": 1440, "height": 900}),
    "vi-phone": ("vi", {"width": 390, "height": 844}),
}
"""Every language and screen size the page must work in: English and Vietnamese, on a
laptop (1440×900) and a phone (390×844)."""

DIAGONAL = ("en-desktop", "vi-phone")
"""The screens the detailed tests run in (each language once, each size once); the tour of
tests/browser/test_every_screen.py runs in all four."""


def _screen(request: pytest.FixtureRequest, browser: Browser, live_server: Any) -> Iterator[Screen]:
    language, viewport = SCREENS[request.param]
    phone = viewport["width"] < 600
    with watched_context(
        browser,
        locale="en-US",
        timezone_id=TIMEZONE,
        viewport=viewport,
        has_touch=phone,
        is_mobile=phone,
        ignore_https_errors=True,  # the emulator's self-signed certificate
    ) as ctx:
        ctx.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        yield Screen(request.param, language, phone, ctx)


@pytest.fixture(params=DIAGONAL)
def screen(request: pytest.FixtureRequest, browser: Browser, live_server: Any) -> Iterator[Screen]:
    """A watched context per entry of :data:`DIAGONAL` (the language cookie set, touch on the
    phone); fails the test when a page logged a console error."""
    yield from _screen(request, browser, live_server)


@pytest.fixture(params=sorted(SCREENS))
def every_screen(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any
) -> Iterator[Screen]:
    """As :func:`screen`, in each of the four :data:`SCREENS`."""
    yield from _screen(request, browser, live_server)


@pytest.fixture(params=sorted(name for name in SCREENS if name.endswith("-phone")))
def phone_screen(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any
) -> Iterator[Screen]:
    """As :func:`screen`, on the phone (a touch screen) in each language."""
    yield from _screen(request, browser, live_server)


@dataclass
class Screen:
    """A language and screen size to run a scenario in."""

    name: str
    language: str
    phone: bool
    context: BrowserContext

    def text(self, english: str, vietnamese: str) -> str:
        """The text the page shows in this screen's language."""
        return vietnamese if self.language == "vi" else english


@pytest.fixture
def user(transactional_db: None) -> User:
    return do_create_user("ana@example.com", PASSWORD, name="Ana Lima")


@pytest.fixture
def other_user(transactional_db: None) -> User:
    return do_create_user("bao@example.com", PASSWORD, name="Bao Tran")


def log_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Open ``/``, get sent to the login form, sign in, and wait for the calendar."""
    page.goto(f"{base_url}/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator(".login button[type=submit]").click()
    page.wait_for_selector("#calendar[data-ready=true] .fc-view-harness")


@dataclass
class CalendarPage:
    """A signed-in page on the calendar, with its JavaScript errors."""

    page: Page
    errors: BrowserErrors
    base_url: str

    def events(self, title: str) -> Any:
        """The grid's event elements whose text contains ``title``."""
        return self.page.locator(".fc-event", has_text=title)

    def open_event(self, title: str, nth: int = 0) -> None:
        self.events(title).nth(nth).click()
        self.page.wait_for_selector("#event-dialog[open]")

    def save(self) -> None:
        self.page.locator("#ev-save").click()

    def choose(self, label: str) -> None:
        """Answer the modal question (scope or confirmation) with the button ``label``."""
        self.page.locator("#choice-dialog[open]").get_by_role("button", name=label).click()

    def wait_closed(self) -> None:
        self.page.wait_for_selector("#event-dialog", state="hidden")

    def assert_no_errors(self) -> None:
        assert self.errors.messages == [], self.errors.messages


def signed_in(
    context: BrowserContext, base_url: str, email: str, password: str = PASSWORD
) -> CalendarPage:
    """A new page signed in as ``email``, on the calendar, watching for JavaScript errors."""
    page = context.new_page()
    errors = errors_of(context)
    log_in(page, base_url, email, password)
    return CalendarPage(page=page, errors=errors, base_url=base_url)


@pytest.fixture
def calendar_page(context: BrowserContext, live_server: Any, user: User) -> Iterator[CalendarPage]:
    """The calendar page, signed in as ``user``; fails the test on any JavaScript error."""
    wrapper = signed_in(context, live_server.url, user.email)
    yield wrapper
    wrapper.assert_no_errors()


@pytest.fixture
def api_as(live_server: Any) -> Iterator[Callable[[str], httpx.Client]]:
    """``api_as(email)``: an HTTP client of the REST API with that user's token."""
    clients: list[httpx.Client] = []

    def make(email: str) -> httpx.Client:
        client = httpx.Client(base_url=live_server.url, trust_env=False, timeout=10)
        clients.append(client)
        token = client.post("/api/token", json={"email": email, "password": PASSWORD})
        token.raise_for_status()
        client.headers["Authorization"] = f"Token {token.json()['token']}"
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def screenshot_dir() -> Path:
    """Where tests leave screenshots for a person to look at (outside the repository)."""
    path = Path(os.environ.get("CALSYNC_SCREENSHOTS", "/tmp"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def set_up_outlook() -> None:
    """Outlook Calendar ticked in Settings, with a Client ID and Secret (never used here)."""
    from calsync.outlook.connection import actions as outlook_actions

    outlook_actions.do_update_settings(
        enabled=True,
        client_id="0b8f6a52-3c1e-4e0f-9d5e-6f1a2b3c4d5e",
        client_secret="Qx8~abcDEF.ghiJKL_mnoPQR-stuVWX1234yz",
        base_url="http://127.0.0.1",
    )


def pretend_connected(account_pk: int, **fields: Any) -> None:
    """Give an account (synced with a static token) a token cache, as if its user had
    consented: the page then shows it connected."""
    import json

    from calsync.outlook.connection import crypto
    from calsync.outlook.models import OutlookAccount

    cache = crypto.encrypt(json.dumps({"RefreshToken": {}}), crypto.TOKEN_CACHE)
    OutlookAccount.objects.filter(pk=account_pk).update(token_cache_encrypted=cache, **fields)


MICROSOFT_STYLE = """sel => { const s = getComputedStyle(document.querySelector(sel));
  return [s.backgroundColor, s.borderBottomStyle, s.borderTopStyle]; }"""


def assert_laid_out_as_microsoft(page: Page) -> None:
    """The emulator's sign-in and consent page is laid out as Microsoft's: a white card on a
    soft background, underlined fields, the app's permissions in words, grey Cancel and blue
    Accept; and it fits the screen (no sideways scrolling on a phone)."""
    assert page.evaluate(MICROSOFT_STYLE, ".card")[0] == "rgb(255, 255, 255)"
    assert page.evaluate(MICROSOFT_STYLE, "body")[0] != "rgb(255, 255, 255)"
    assert page.evaluate(MICROSOFT_STYLE, "input[name=login]")[1:] == ["solid", "none"]
    assert page.evaluate(MICROSOFT_STYLE, "button.primary")[0] == "rgb(0, 103, 184)"
    assert page.evaluate(MICROSOFT_STYLE, "button.secondary")[0] == "rgb(204, 204, 204)"
    assert page.locator(".scopes li").first.is_visible()
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    card = page.locator(".card").bounding_box()
    assert card and card["x"] >= 0 and card["x"] + card["width"] <= width, card
