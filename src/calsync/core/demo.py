"""The demo that ``make run`` starts on a machine with no configuration (docs/contract.md,
Set-up).

``start(base_url)``:

1. creates the demo users locally (password ``demo``). A server reachable beyond this
   machine (``public``: not bound to loopback) never has that published password: each demo
   user gets a new random one at every start, printed once, here and in the emulator;
2. starts the Microsoft cloud emulator in this process (HTTPS on 127.0.0.1, port 8443 or a
   free one; certificates in ``var/emulator-certs``, state kept in
   ``var/emulator-state.json`` so mailboxes and grants survive a restart);
3. registers an app there whose redirect URI is ``<base_url>/microsoft_account/authentication``
   and fills the Outlook settings with it (enabled, Client ID, Client Secret, Base URL, and the
   emulator as sign-in service, Graph and CA bundle; ``CALSYNC_*`` variables still win);
4. creates the same users as emulator mailboxes (same email and password; on a public
   server an existing mailbox takes the new random password) and, in a fresh
   emulator, a realistic week of meetings between them, organised by one and attended by
   the others (the emulator copies each meeting into the attendees' mailboxes).

An installation whose administrator configured a real Client ID (the settings point at no
emulator) is left alone: no emulator is started, and the Client ID and Secret saved there are
never overwritten. :func:`remove` (``calsync demo --remove``) deletes the demo users and
everything they own, and the demo's Outlook settings when they are still the demo's.
"""

from __future__ import annotations

import atexit
import logging
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from calsync import config
from calsync.accounts.actions import do_create_user, do_set_password
from calsync.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_emails
from calsync.accounts.models import User
from calsync.core.extras import emulator_missing
from calsync.msgraph import GraphClient, GraphError
from calsync.outlook.connection import actions as outlook_actions
from calsync.outlook.connection.configuration import client_secret_of, redirect_uri_for
from calsync.outlook.models import OutlookSettings

logger = logging.getLogger("calsync.demo")

EMULATOR_PORT = 8443

_running: list[Any] = []
"""The emulator started by this process (kept referenced while the server runs)."""


def should_start(requested: bool | None) -> bool:
    """The demo runs when asked for, or by default while no user exists yet."""
    if requested is not None:
        return requested
    return not User.objects.exists() or User.objects.filter(email__in=demo_emails()).exists()


def start(
    base_url: str, *, emulator_port: int = EMULATOR_PORT, public: bool = False
) -> Iterator[str]:
    """Set the demo up; yields lines that tell the newcomer how to log in.

    The emulator listens on ``emulator_port`` (0: any free port), or a free port when that
    one is busy; it runs until :func:`stop` or the end of the process. ``public``: the
    server is reachable beyond this machine, so the demo users get random passwords.
    """
    passwords: dict[str, str] = {}
    yield from _public_logins(passwords) if public else _loopback_logins()
    row = OutlookSettings.load()
    if row.client_id and not row.authority_host:
        yield _(
            "Outlook is configured for Microsoft's cloud, so the built-in emulator is not started."
        )
        return
    emulator = _start_emulator(emulator_port)
    yield from _wire(emulator, base_url, row, passwords)
    if public:
        yield _(
            "The emulator listens on this machine only: sign in to Outlook (Sync with "
            "Outlook) from a browser on this machine."
        )


def _loopback_logins() -> Iterator[str]:
    for email, name, admin in DEMO_USERS:
        if not User.objects.filter(email=email).exists():
            do_create_user(email, DEMO_PASSWORD, name=name, admin=admin, check_password=False)
    yield _("Demo logins (password %(password)s): %(emails)s") % {
        "password": DEMO_PASSWORD,
        "emails": ", ".join(demo_emails()),
    }


def _public_logins(passwords: dict[str, str]) -> Iterator[str]:
    """New random passwords for the demo users, recorded in ``passwords`` (email -> password)."""
    logins = []
    for email, name, admin in DEMO_USERS:
        password = passwords[email] = secrets.token_urlsafe(12)
        user = User.objects.filter(email=email).first()
        if user is None:
            do_create_user(email, password, name=name, admin=admin)
        else:
            do_set_password(user, password)
        logins.append(f"{email} / {password}")
    yield _(
        "This server is reachable beyond this machine, so the demo logins have new random "
        "passwords (shown only now): %(logins)s"
    ) % {"logins": ", ".join(logins)}


def remove() -> list[str]:
    """Delete the demo users and their data (events, Outlook accounts, sync log), the
    emulator's saved state, and the Outlook settings while they point at the emulator;
    returns the emails deleted."""
    from calsync.accounts.demo import remaining_demo_users

    gone = remaining_demo_users()
    User.objects.filter(email__in=gone).delete()
    row = OutlookSettings.load()
    if row.authority_host:  # still the demo's app in the emulator: forget it
        outlook_actions.do_update_settings(enabled=False, client_id="", clear_client_secret=True)
    (config.var_dir() / "emulator-state.json").unlink(missing_ok=True)
    return gone


def stop() -> None:
    """Stop the emulator this process started (state is saved)."""
    while _running:
        _running.pop().stop()


def _start_emulator(preferred_port: int) -> Any:
    try:
        from graph_emulator.server import Emulator
    except ImportError as exc:  # pip install calsync, without the emulator extra
        raise CommandError(
            _("The demo cannot start: %(reason)s Or start with --no-demo.")
            % {"reason": emulator_missing(exc)}
        ) from exc

    var = config.var_dir()
    for port in dict.fromkeys((preferred_port, 0)):
        emulator = Emulator(
            host="127.0.0.1",
            port=port,
            cert_dir=var / "emulator-certs",
            state_file=var / "emulator-state.json",
            log_level="warning",
        )
        try:
            emulator.start()
        except OSError:
            logger.info("demo: port %s is busy; the emulator takes a free port", port)
            continue
        _running.append(emulator)
        atexit.register(emulator.stop)
        return emulator
    raise RuntimeError("the emulator could not start")


def _wire(
    emulator: Any, base_url: str, row: OutlookSettings, passwords: dict[str, str]
) -> Iterator[str]:
    url = emulator.url
    ca_path = str(emulator.ca_path)
    client_id = row.client_id or str(uuid.uuid4())
    client_secret = client_secret_of(row) if row.client_id else ""
    client_secret = client_secret or f"demo~{secrets.token_urlsafe(24)}"
    with _control_client(ca_path) as control:
        control.post(
            f"{url}/_emulator/apps",
            json={
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": [redirect_uri_for(base_url)],
                "name": "calsync demo",
            },
        ).raise_for_status()
        fresh = _create_mailboxes(control, emulator, passwords)
        outlook_actions.do_update_settings(
            enabled=True, client_id=client_id, client_secret=client_secret, base_url=base_url
        )
        outlook_actions.do_set_endpoints(  # after the Client ID: they belong to it
            authority_host=url, graph_url=f"{url}/v1.0", ca_bundle=ca_path
        )
        if fresh:
            created = seed_week(control, url, ca_path)
            yield _("Created %(count)s demo meetings in the emulator's mailboxes.") % {
                "count": created
            }
    yield _(
        "Built-in Microsoft cloud emulator: %(url)s (sign in there with the same emails and "
        "password). Its certificate is self-signed: accept the browser's warning or trust "
        "%(ca)s."
    ) % {"url": url, "ca": ca_path}


def _control_client(ca_path: str) -> httpx.Client:
    from calsync.msgraph import ssl_context

    return httpx.Client(verify=ssl_context(ca_path), trust_env=False, timeout=30)


def _local_zone() -> str:
    """The machine's zone (``settings.MACHINE_TIME_ZONE``: the process's own TZ is Django's
    UTC by now)."""
    from django.conf import settings

    return str(getattr(settings, "MACHINE_TIME_ZONE", "") or "UTC")


def _create_mailboxes(control: httpx.Client, emulator: Any, passwords: dict[str, str]) -> bool:
    """Create the demo mailboxes, with the password in ``passwords`` (else ``demo``), which an
    existing mailbox takes too; True when all were new (a fresh emulator)."""
    fresh = True
    for email, name, _admin in DEMO_USERS:
        password = passwords.get(email, DEMO_PASSWORD)
        answer = control.post(
            f"{emulator.url}/_emulator/users",
            json={"email": email, "name": name, "password": password, "time_zone": _local_zone()},
        )
        if answer.status_code != 409:
            answer.raise_for_status()
            continue
        fresh = False
        if email in passwords:  # the emulator runs in this process: its directory, directly
            world = emulator.world
            with world.lock:
                world.directory.set_password(world.directory.find_user(email), password)
    return fresh


@dataclass(frozen=True)
class Meeting:
    """One demo event: organiser, subject, day of this week (0 = Monday), local times."""

    organizer: str
    subject: str
    day: int
    start: time | None
    end: time | None
    attendees: tuple[str, ...] = ()
    location: str = ""
    body: str = ""
    show_as: str = "busy"
    sensitivity: str = "normal"
    recurrence: dict[str, Any] | None = field(default=None)


ADA, ALICE, BOB = demo_emails()

WEEK = (
    Meeting(
        BOB,
        "Daily stand-up",
        0,
        time(9, 0),
        time(9, 15),
        (ALICE, ADA),
        location="Team room",
        recurrence={"type": "weekdays"},
    ),
    Meeting(
        ALICE,
        "Weekly planning",
        0,
        time(10, 0),
        time(11, 0),
        (BOB, ADA),
        location="Room 2",
        body="Goals for the week; bring your blockers.",
        recurrence={"type": "weekly"},
    ),
    Meeting(
        ADA,
        "Design review: calendar sync",
        1,
        time(14, 0),
        time(15, 30),
        (ALICE, BOB),
        location="Room 1",
        body="Walk through the sync design and the open questions.",
    ),
    Meeting(ALICE, "Dentist", 2, time(8, 0), time(8, 45), sensitivity="private"),
    Meeting(
        ALICE, "Lunch with Bob", 2, time(12, 30), time(13, 30), (BOB,), location="Café Lumière"
    ),
    Meeting(ADA, "1:1 Ada / Bob", 3, time(10, 0), time(10, 30), (BOB,)),
    Meeting(
        BOB,
        "Customer call: Contoso",
        3,
        time(16, 0),
        time(17, 0),
        (ALICE,),
        location="Microsoft Teams",
        show_as="tentative",
    ),
    Meeting(ADA, "Sprint demo", 4, time(15, 0), time(16, 0), (ALICE, BOB), location="Room 1"),
    Meeting(BOB, "Bob out of office", 4, None, None, show_as="oof"),
)


def _this_monday(zone: str) -> date:
    today = datetime.now(ZoneInfo(zone)).date()
    return today - timedelta(days=today.weekday())


def event_body(meeting: Meeting, monday: date, zone: str) -> dict[str, Any]:
    """The Graph event JSON for ``meeting`` in the week starting ``monday``."""
    day = monday + timedelta(days=meeting.day)
    names = {email: name for email, name, _admin in DEMO_USERS}
    body: dict[str, Any] = {
        "subject": meeting.subject,
        "body": {"contentType": "text", "content": meeting.body},
        "showAs": meeting.show_as,
        "sensitivity": meeting.sensitivity,
        "attendees": [
            {"emailAddress": {"address": email, "name": names[email]}, "type": "required"}
            for email in meeting.attendees
        ],
    }
    if meeting.location:
        body["location"] = {"displayName": meeting.location}
    if meeting.start is None or meeting.end is None:
        body["isAllDay"] = True
        body["start"] = {"dateTime": f"{day.isoformat()}T00:00:00", "timeZone": zone}
        body["end"] = {
            "dateTime": f"{(day + timedelta(days=1)).isoformat()}T00:00:00",
            "timeZone": zone,
        }
    else:
        body["start"] = {
            "dateTime": datetime.combine(day, meeting.start).isoformat(),
            "timeZone": zone,
        }
        body["end"] = {"dateTime": datetime.combine(day, meeting.end).isoformat(), "timeZone": zone}
    if meeting.recurrence:
        weekday = day.strftime("%A").lower()
        days = (
            ["monday", "tuesday", "wednesday", "thursday", "friday"]
            if meeting.recurrence["type"] == "weekdays"
            else [weekday]
        )
        body["recurrence"] = {
            "pattern": {
                "type": "weekly",
                "interval": 1,
                "daysOfWeek": days,
                "firstDayOfWeek": "monday",
            },
            "range": {"type": "noEnd", "startDate": day.isoformat(), "recurrenceTimeZone": zone},
        }
    return body


class _Token:
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, *, force_refresh: bool = False) -> str:
        return self._token


def seed_week(control: httpx.Client, url: str, ca_path: str, monday: date | None = None) -> int:
    """Create the demo week in the organisers' mailboxes; returns how many were created.

    A meeting the emulator refuses is logged and skipped, never fatal to the demo.
    """
    zone = _local_zone()
    monday = monday or _this_monday(zone)
    created = 0
    for organizer in {m.organizer for m in WEEK}:
        answer = control.post(f"{url}/_emulator/users/{organizer}/token")
        answer.raise_for_status()
        token = answer.json()["access_token"]
        with GraphClient(f"{url}/v1.0", _Token(token), verify=Path(ca_path)) as graph:
            for meeting in (m for m in WEEK if m.organizer == organizer):
                try:
                    graph.request("POST", "/me/events", json=event_body(meeting, monday, zone))
                except GraphError as exc:
                    logger.warning("demo: %r not created: %s", meeting.subject, exc)
                else:
                    created += 1
    return created
