"""End-to-end fixtures: the Microsoft cloud emulator over real HTTPS (one per session, reset
per test) and HTTP helpers that act as a browser against Django's live server."""

from __future__ import annotations

import re
import ssl
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from graph_emulator.testing import EmulatorServer

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_change_notifications(settings: Any) -> None:
    """Only the notification tests subscribe (tests/e2e/test_sync_notifications.py turns it
    back on): elsewhere a late notification would start a sync after its test ended."""
    settings.CALSYNC_NOTIFICATIONS = False


@pytest.fixture
def emulator(emulator_session: EmulatorServer) -> Iterator[EmulatorServer]:
    """The session's emulator, forgetting every app, user and token before and after."""
    emulator_session.reset()
    yield emulator_session
    emulator_session.world.set_clock(None)
    emulator_session.reset()


@dataclass
class AzureApp:
    """An app registration in the emulator, as an admin creates it in Azure."""

    client_id: str
    client_secret: str
    redirect_uri: str


@pytest.fixture
def azure_app(emulator: EmulatorServer, live_server: Any) -> AzureApp:
    app = AzureApp(
        client_id=str(uuid.uuid4()),
        client_secret=f"Sx8~{uuid.uuid4().hex}",
        redirect_uri=f"{live_server.url}/microsoft_account/authentication",
    )
    emulator.add_app(app.client_id, app.client_secret, [app.redirect_uri], name="calsync")
    return app


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Browser:
    """A cookie-keeping HTTP client for calsync (plain http on the live server) that also
    visits the emulator's pages over HTTPS trusting its CA, without following redirects."""

    def __init__(self, base_url: str, ca_path: str) -> None:
        self.base_url = base_url
        self.web = httpx.Client(base_url=base_url, trust_env=False, timeout=30)
        self.microsoft = httpx.Client(
            verify=ssl.create_default_context(cafile=ca_path), trust_env=False, timeout=30
        )

    def close(self) -> None:
        self.web.close()
        self.microsoft.close()

    def log_in(self, email: str, password: str) -> None:
        page = self.web.get("/accounts/login/")
        answer = self.web.post(
            "/accounts/login/",
            data={
                "username": email,
                "password": password,
                "csrfmiddlewaretoken": csrf_token(page.text),
                "next": "/",
            },
        )
        assert answer.status_code == 302, answer.text
        assert answer.headers["location"] == "/"

    def press_sync_with_outlook(self) -> httpx.Response:
        """Submit the panel's **Sync with Outlook** form from the calendar page."""
        page = self.web.get("/")
        assert page.status_code == 200
        assert 'action="/outlook/connect"' in page.text, "no Sync with Outlook form"
        return self.web.post(
            "/outlook/connect", data={"csrfmiddlewaretoken": csrf_token(page.text)}
        )

    def sign_in_at_microsoft(
        self, authorize_url: str, email: str, password: str, consent: str = "accept"
    ) -> str:
        """Show the emulator's sign-in page, post the form back; returns the redirect."""
        page = self.microsoft.get(authorize_url)
        assert page.status_code == 200
        assert 'name="login"' in page.text
        answer = self.microsoft.post(
            authorize_url, data={"login": email, "password": password, "consent": consent}
        )
        assert answer.status_code in (302, 303), answer.text
        return answer.headers["location"]

    def follow_to_calsync(self, redirect: str) -> httpx.Response:
        assert redirect.startswith(self.base_url), redirect
        return self.web.get(redirect[len(self.base_url) :])


@pytest.fixture
def browsers(live_server: Any, emulator: EmulatorServer) -> Iterator[Any]:
    made: list[Browser] = []

    def make() -> Browser:
        browser = Browser(live_server.url, emulator.ca_path)
        made.append(browser)
        return browser

    yield make
    for browser in made:
        browser.close()


@pytest.fixture
def connect_by_consent(
    settings: Any, emulator: EmulatorServer, azure_app: AzureApp, live_server: Any, browsers: Any
) -> Callable[..., Browser]:
    """``connect_by_consent(email, name, aliases=())``: Outlook set up as an admin would (CALSYNC_*
    pointing at the emulator, the Settings page's values, Base URL = the live server), then
    a user with that email here and in Outlook connected by the real consent flow. Returns
    their :class:`Browser`, with ``user`` and ``account`` set. Connecting asks for a first
    sync; no scheduler runs in this process, so it is handed to the database
    (``SyncRequest``, tested in tests/unit/outlook/test_sync_handoff.py): forgotten here, so
    a test's scheduler starts from nothing."""
    from calsync.accounts.actions import do_create_user
    from calsync.outlook.connection import actions as outlook_actions
    from calsync.outlook.models import OutlookAccount, SyncRequest

    settings.CALSYNC_MS_AUTHORITY_HOST = emulator.url
    settings.CALSYNC_GRAPH_URL = emulator.graph_url
    settings.CALSYNC_CA_BUNDLE = emulator.ca_path
    outlook_actions.do_update_settings(
        enabled=True,
        client_id=azure_app.client_id,
        client_secret=azure_app.client_secret,
        base_url=live_server.url,
    )

    def connect(
        email: str,
        name: str,
        password: str = "pw-calsync",
        ms_password: str = "pw-ms",
        aliases: tuple[str, ...] = (),
    ) -> Browser:
        user = do_create_user(email, password, name=name)
        emulator.add_user(email, name, ms_password, aliases=list(aliases))
        browser = browsers()
        browser.log_in(email, password)
        authorize = browser.press_sync_with_outlook().headers["location"]
        redirect = browser.sign_in_at_microsoft(authorize, email, ms_password)
        assert browser.follow_to_calsync(redirect).headers["location"] == "/"
        browser.user = user  # type: ignore[attr-defined]
        browser.account = OutlookAccount.objects.get(user=user)  # type: ignore[attr-defined]
        assert browser.account.connected  # type: ignore[attr-defined]
        SyncRequest.objects.filter(account=browser.account).delete()  # type: ignore[attr-defined]
        return browser

    return connect


def outlook_subjects(emulator: EmulatorServer, mailbox: str) -> list[str]:
    """The subjects of the events (singles and series masters) in ``mailbox``, over Graph."""
    context = ssl.create_default_context(cafile=emulator.ca_path)
    with httpx.Client(verify=context, trust_env=False) as http:
        answer = http.get(
            f"{emulator.graph_url}/me/events",
            params={"$top": "1000"},
            headers={"Authorization": f"Bearer {emulator.token_for(mailbox)}"},
        )
    assert answer.status_code == 200, answer.text
    return sorted(event["subject"] for event in answer.json()["value"])


@pytest.fixture
def engine() -> Iterator[Any]:
    """This process's scheduler, running without a periodic sweep: it takes the sync
    requests (the Sync with Outlook button, opening the page) as ``calsync run`` does."""
    from calsync.outlook.triggers import scheduler

    runner = scheduler.default()
    runner.interval = 0
    runner.poll = 0.2
    runner.start()
    yield runner
    runner.stop()


def press_sync_and_wait(browser: Any, *, timeout: float = 60.0, **fields: str) -> Any:
    """Press **Sync with Outlook** on the calendar (it answers at once: the run goes in the
    background, see the ``engine`` fixture) and wait until a run it asked for has ended.
    Returns that :class:`~calsync.outlook.models.SyncRun`."""
    import time

    from calsync.outlook.models import SyncRequest, SyncRun

    page = browser.web.get("/")
    wait_for_quiet(browser.user, timeout=timeout)  # a sync asked by opening the page
    last = SyncRun.objects.filter(account__user=browser.user).order_by("-id").first()
    data = {"csrfmiddlewaretoken": csrf_token(page.text), **fields}
    answer = browser.web.post("/outlook/sync", data=data)
    assert answer.status_code == 302, answer.text
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # a press names the run it lands in ("button"), whatever request it merged with;
        # another run (a change's) may end in between, while the press's request is taken
        runs = SyncRun.objects.filter(account__user=browser.user, pk__gt=last.pk if last else 0)
        ended = runs.filter(trigger="button").exclude(status=SyncRun.STATUS_RUNNING)
        pending = SyncRequest.objects.filter(account__user=browser.user).exists()
        if ended.exists() and not pending and not runs.filter(status="running").exists():
            return ended.order_by("-id").first()
        time.sleep(0.1)
    raise AssertionError("the sync asked by the button did not end in time")


def wait_for_quiet(user: Any, *, timeout: float = 60.0) -> None:
    """Wait until ``user``'s account has no sync request waiting and no run going."""
    import time

    from calsync.outlook.models import SyncRequest, SyncRun

    deadline = time.monotonic() + timeout
    quiet_polls = 0
    while time.monotonic() < deadline:
        pending = SyncRequest.objects.filter(account__user=user).exists()
        running = SyncRun.objects.filter(account__user=user, status="running").exists()
        # a taken request has no row and its run none yet for a moment: quiet must last
        quiet_polls = 0 if pending or running else quiet_polls + 1
        if quiet_polls >= 4:
            return
        time.sleep(0.1)
    raise AssertionError("the account's syncs did not settle in time")
