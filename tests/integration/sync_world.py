"""A calsync user with an Outlook mailbox in the emulator, for sync tests over real HTTPS.

``SyncWorld`` makes the user, the emulator mailbox and the ``OutlookAccount``; ``sync()``
runs :func:`calsync.outlook.sync.run.run_sync` with a Graph client holding a delegated token
from the emulator's control plane (the OAuth dance has its own e2e tests). Outlook-side
edits go through Graph HTTP calls; calsync-side edits through the calendar actions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from rest_framework.test import APIClient

from calsync.accounts.actions import do_create_user
from calsync.calendars import actions
from calsync.calendars.models import Event
from calsync.msgraph import GraphClient
from calsync.outlook.models import OutlookAccount, SyncRecord
from calsync.outlook.sync.run import SyncSummary, run_sync

WINDOW = (datetime.now(UTC) - timedelta(days=400), datetime.now(UTC) + timedelta(days=800))


class StaticToken:
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, *, force_refresh: bool = False) -> str:
        return self.token


class SyncWorld:
    """One calsync user and their mailbox (``mailbox``: its address when it is not the
    login; ``aliases``: the mailbox's other addresses; ``connected``: False for a user who
    has not connected the mailbox yet, see :meth:`connect`)."""

    def __init__(
        self,
        emulator: Any,
        email: str,
        name: str,
        *,
        mailbox: str | None = None,
        aliases: tuple[str, ...] = (),
        connected: bool = True,
    ) -> None:
        self.emulator = emulator
        self.email = email
        self.mailbox = mailbox or email
        self.user = do_create_user(email, "pw-calsync", name=name)
        self.name = name
        emulator.add_user(self.mailbox, name, "pw-microsoft", aliases=list(aliases))
        if connected:
            self.connect()
        self.token = emulator.token_for(self.mailbox)

    @classmethod
    def outside(cls, emulator: Any, email: str, name: str | None = None) -> SyncWorld:
        """A mailbox with no calsync user (an organiser outside calsync): the emulator's
        Graph as that mailbox. With ``name``, the mailbox is added to the emulator first."""
        world = cls.__new__(cls)
        if name is not None:
            emulator.add_user(email, name, "pw")
        world.emulator, world.email, world.mailbox = emulator, email, email
        world.token = emulator.token_for(email)
        return world

    def connect(self) -> None:
        """Connect the user's mailbox (their ``OutlookAccount``)."""
        self.account = OutlookAccount.objects.create(
            user=self.user, mailbox=self.mailbox, display_name=self.name
        )

    def api(self) -> APIClient:
        """A REST API client signed in as this user (the calendar's own API views)."""
        client = APIClient()
        client.force_authenticate(self.user)
        return client

    def client(self, transport: httpx.BaseTransport | None = None) -> GraphClient:
        return GraphClient(
            self.emulator.graph_url,
            StaticToken(self.token),
            transport=transport,
            verify=self.emulator.ca_path,
            sleep=lambda _s: None,
        )

    def sync(self, **kwargs: Any) -> SyncSummary:
        with self.client() as graph:
            return run_sync(self.account, kwargs.pop("trigger", "test"), client=graph, **kwargs)

    # -- calsync side --------------------------------------------------------------------
    def create(self, **values: Any) -> Event:
        return actions.do_create_event(self.user, values)

    def events(self, active: bool | None = True) -> list[Event]:
        query = Event.objects.filter(owner=self.user, series__isnull=True)
        if active is not None:
            query = query.filter(active=active)
        return list(query.prefetch_related("attendees").order_by("start", "pk"))

    def event(self, pk: int) -> Event:
        return Event.objects.prefetch_related("attendees").get(pk=pk)

    def records(self) -> list[SyncRecord]:
        return list(SyncRecord.objects.filter(account=self.account))

    # -- Outlook side --------------------------------------------------------------------
    def graph(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self.client() as graph:
            return graph.request(method, path, **kwargs)

    def outlook_events(self) -> list[dict[str, Any]]:
        """Every event (single ones and series masters) of the mailbox, read with $expand."""
        found: list[dict[str, Any]] = []
        url = "/me/events"
        params: dict[str, str] | None = {"$top": "1000"}
        with self.client() as graph:
            while url:
                page = graph.get_json(url, params=params, prefer=['outlook.timezone="UTC"'])
                found.extend(page["value"])
                url, params = page.get("@odata.nextLink"), None
        return found

    def outlook_event(self, remote_id: str) -> dict[str, Any]:
        with self.client() as graph:
            return graph.get_json(f"/me/events/{remote_id}", prefer=['outlook.timezone="UTC"'])

    def outlook_create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.graph("POST", "/me/events", json=body).json()

    def outlook_patch(self, remote_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.graph("PATCH", f"/me/events/{remote_id}", json=body).json()

    def outlook_delete(self, remote_id: str) -> None:
        self.graph("DELETE", f"/me/events/{remote_id}")


def at(days: int, hour: int = 9, minute: int = 0) -> datetime:
    """A UTC instant ``days`` from today at ``hour:minute``."""
    base = datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return base + timedelta(days=days)


def graph_time(value: datetime, zone: str = "UTC") -> dict[str, str]:
    return {"dateTime": value.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": zone}
