"""Change notifications: subscription state (``SubscriptionStore``) and delivery (``Notifier``).

State lives on the world (``world.subscriptions``) and is persisted with it. The ``Notifier``
runs while the app runs (started by the app's lifespan): it listens to
``world.on_event_change``, POSTs ``{"value": [...]}`` to each subscription that watches the
changed event's calendar (``Subscription.calendar``), at its ``notificationUrl``, about
``notification_delay`` seconds after a change (several changes to one URL go in one POST),
retries a failing receiver (non-2xx, timeout, refused) with
exponential backoff (``notification_retries`` times from ``notification_backoff`` seconds),
then gives up and sends a ``missed`` lifecycle notification. Once a second it also checks
subscriptions: expired ones are deleted (as Graph does, silently); when the access token the
subscription was created (or last reauthorized) with has expired or was revoked, or the
subscription expires within 10 minutes, it sends ``reauthorizationRequired`` once; while a
subscription needs reauthorization its notifications are held back, and after
``/reauthorize`` (or a PATCH) a ``missed`` lifecycle notification says some were lost.
"""

from __future__ import annotations

import logging
import queue
import secrets
import ssl
import threading
import time
import urllib.parse
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from graph_emulator.world import World

log = logging.getLogger("graph_emulator.webhooks")

VALIDATION_TIMEOUT = 10.0
DELIVERY_TIMEOUT = 3.0
REAUTHORIZE_LEAD = timedelta(minutes=10)
MAX_PER_MAILBOX = 1000


def graph_time(value: datetime) -> str:
    """Graph's UTC timestamp with 7 fractional digits: ``2026-03-20T11:00:00.0000000Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


@dataclass
class Subscription:
    id: str
    resource: str
    change_types: list[str]
    notification_url: str
    lifecycle_notification_url: str | None
    client_state: str | None
    expiration: datetime
    creator_user_id: str
    mailbox_user_id: str
    application_id: str
    access_token: str
    latest_supported_tls_version: str = "v1_2"
    needs_reauthorization: bool = False
    reauthorization_notified: bool = False
    missed: bool = False
    calendar: str = ""
    """The calendar whose events it watches (``CalendarRecord.key``: "" the default one,
    which ``me/events`` watches, as Outlook does)."""


@dataclass(frozen=True)
class Delivery:
    """One POST to make: ``items`` go into ``{"value": items}``."""

    url: str
    items: list[dict[str, Any]]
    subscription_ids: frozenset[str]
    lifecycle: bool
    attempt: int = 0


class SubscriptionStore:
    """Active subscriptions by id, and the queue of deliveries waiting for the notifier."""

    def __init__(self) -> None:
        self.items: dict[str, Subscription] = {}
        self.outgoing: queue.Queue[Delivery] = queue.Queue()

    def count_for_mailbox(self, user_id: str) -> int:
        return sum(1 for sub in self.items.values() if sub.mailbox_user_id == user_id)

    def describe(self, sub: Subscription) -> dict[str, Any]:
        """The subscription as Graph returns it."""
        return {
            "id": sub.id,
            "resource": sub.resource,
            "applicationId": sub.application_id,
            "changeType": ",".join(sub.change_types),
            "clientState": sub.client_state,
            "notificationUrl": sub.notification_url,
            "notificationQueryOptions": None,
            "lifecycleNotificationUrl": sub.lifecycle_notification_url,
            "expirationDateTime": graph_time(sub.expiration),
            "creatorId": sub.creator_user_id,
            "includeResourceData": False,
            "latestSupportedTlsVersion": sub.latest_supported_tls_version,
            "encryptionCertificate": None,
            "encryptionCertificateId": None,
            "notificationUrlAppId": None,
        }

    def lifecycle_item(self, world: World, sub: Subscription, event: str) -> dict[str, Any]:
        return {
            "subscriptionId": sub.id,
            "subscriptionExpirationDateTime": graph_time(sub.expiration),
            "tenantId": world.tenant_id,
            "clientState": sub.client_state,
            "lifecycleEvent": event,
        }

    def send_lifecycle(self, world: World, sub: Subscription, event: str) -> bool:
        """Queue a lifecycle notification; False when the subscription has no lifecycle URL."""
        if not sub.lifecycle_notification_url:
            return False
        self.outgoing.put(
            Delivery(
                sub.lifecycle_notification_url,
                [self.lifecycle_item(world, sub, event)],
                frozenset({sub.id}),
                lifecycle=True,
            )
        )
        return True

    def on_user_revoked(self, world: World, user_id: str) -> None:
        """Permissions revoked: the user's subscriptions need reauthorization."""
        with world.lock:
            for sub in self.items.values():
                if sub.creator_user_id == user_id:
                    sub.needs_reauthorization = True

    def remove_with_lifecycle(self, world: World, sub_id: str) -> bool:
        """Remove a subscription as Outlook would (e.g. password reset): ``subscriptionRemoved``."""
        with world.lock:
            sub = self.items.pop(sub_id, None)
            if sub is None:
                return False
            self.send_lifecycle(world, sub, "subscriptionRemoved")
            return True

    def to_state(self) -> dict[str, Any]:
        return {
            "items": [
                {**asdict(sub), "expiration": sub.expiration.isoformat()}
                for sub in self.items.values()
            ]
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SubscriptionStore:
        store = cls()
        for raw in state.get("items", []):
            sub = Subscription(**{**raw, "expiration": datetime.fromisoformat(raw["expiration"])})
            store.items[sub.id] = sub
        return store


def _calendar_of(world: World, mailbox_user_id: str, event_id: str) -> str | None:
    """The key of the calendar the event is (or, deleted, was) filed in; None when the
    calendar store is not there or does not know it (then every subscription hears it)."""
    store = world.calendars
    mailbox = getattr(store, "mailboxes", {}).get(mailbox_user_id) if store else None
    if mailbox is None:
        return None
    number = mailbox.by_id.get(event_id)
    if number is not None and number in mailbox.records:
        return str(mailbox.records[number].calendar)
    for record in reversed(mailbox.tombstones.values()):
        if record.id == event_id:
            return str(record.calendar)
    return None


def _client(timeout: float) -> httpx.Client:
    return httpx.Client(
        timeout=timeout,
        verify=ssl.create_default_context(),
        trust_env=False,
        follow_redirects=False,
    )


def validate_endpoint(url: str, timeout: float = VALIDATION_TIMEOUT) -> str | None:
    """Graph's validation handshake; returns None on success, else why it failed.

    POSTs ``url?validationToken=<token>`` (text/plain); the receiver must answer 200
    ``text/plain`` with the URL-decoded token within ``timeout`` seconds.
    """
    token = (
        "Validation: Testing client application reachability for subscription Request-Id: "
        f"{uuid.uuid4()}"
    )
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    target = f"{url}{separator}validationToken={urllib.parse.quote(token, safe='')}"
    try:
        with _client(timeout) as client:
            response = client.post(
                target, content=b"", headers={"Content-Type": "text/plain; charset=utf-8"}
            )
    except httpx.HTTPError as exc:
        return f"the validation request failed: {type(exc).__name__}"
    if response.status_code != 200:
        return f"the endpoint answered {response.status_code} instead of 200"
    if not response.headers.get("content-type", "").lower().startswith("text/plain"):
        return "the endpoint must answer with Content-Type text/plain"
    if response.text != token:
        return "the endpoint did not echo the URL-decoded validation token"
    return None


@dataclass(order=True)
class _Pending:
    due: float
    seq: int
    delivery: Delivery = field(compare=False)


class Notifier:
    """Delivers change and lifecycle notifications in a background thread."""

    TICK = 0.1
    CHECK_EVERY = 1.0

    def __init__(self, world: World) -> None:
        self.world = world
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emulator-notifier", daemon=True)
        self._pending: list[_Pending] = []
        self._seq = 0
        self._store_id = id(world.subscriptions)
        self._last_check = 0.0

    def start(self) -> None:
        self.world.add_change_listener(self.on_change)
        self._thread.start()

    def stop(self) -> None:
        self.world.remove_change_listener(self.on_change)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    # called under the model's lock: only enqueue -------------------------------------
    def on_change(
        self, mailbox_user_id: str, event_id: str, change_type: str, etag: str | None
    ) -> None:
        world = self.world
        with world.lock:
            store = world.subscriptions
            now = world.clock()
            calendar = _calendar_of(world, mailbox_user_id, event_id)
            for sub in store.items.values():
                if sub.mailbox_user_id != mailbox_user_id or change_type not in sub.change_types:
                    continue
                if calendar is not None and sub.calendar != calendar:
                    continue
                if sub.expiration <= now:
                    continue
                if sub.needs_reauthorization:
                    sub.missed = True
                    continue
                resource = f"Users/{mailbox_user_id}/Events/{event_id}"
                resource_data: dict[str, Any] = {
                    "@odata.type": "#Microsoft.Graph.Event",
                    "@odata.id": resource,
                    "id": event_id,
                }
                if etag:
                    resource_data["@odata.etag"] = etag
                item = {
                    "id": secrets.token_urlsafe(12),
                    "subscriptionId": sub.id,
                    "subscriptionExpirationDateTime": graph_time(sub.expiration),
                    "clientState": sub.client_state,
                    "changeType": change_type,
                    "resource": resource,
                    "tenantId": world.tenant_id,
                    "resourceData": resource_data,
                }
                store.outgoing.put(
                    Delivery(sub.notification_url, [item], frozenset({sub.id}), lifecycle=False)
                )

    # the worker -----------------------------------------------------------------------
    def _run(self) -> None:
        with _client(DELIVERY_TIMEOUT) as client:
            while not self._stop.is_set():
                try:
                    self._cycle(client)
                except Exception:
                    log.exception("notifier cycle failed")
                    self._stop.wait(self.TICK)

    def _cycle(self, client: httpx.Client) -> None:
        store = self.world.subscriptions
        if id(store) != self._store_id:  # the world was reset or reloaded
            self._store_id = id(store)
            self._pending.clear()
        if time.monotonic() - self._last_check >= self.CHECK_EVERY:
            self._last_check = time.monotonic()
            self.check_subscriptions()
        fresh = self._drain(store, wait=self.TICK)
        if fresh:
            delay = self.world.settings.notification_delay
            if delay:
                self._stop.wait(delay)
            fresh.extend(self._drain(store, wait=0))
            for delivery in _group(fresh):
                self._schedule(delivery, 0.0)
        now = time.monotonic()
        due = [p for p in self._pending if p.due <= now]
        self._pending = [p for p in self._pending if p.due > now]
        for pending in sorted(due):
            if self._stop.is_set():
                return
            self._deliver(client, pending.delivery)

    def _drain(self, store: SubscriptionStore, wait: float) -> list[Delivery]:
        items: list[Delivery] = []
        try:
            items.append(store.outgoing.get(timeout=wait) if wait else store.outgoing.get_nowait())
            while True:
                items.append(store.outgoing.get_nowait())
        except queue.Empty:
            pass
        return items

    def _schedule(self, delivery: Delivery, delay: float) -> None:
        self._seq += 1
        self._pending.append(_Pending(time.monotonic() + delay, self._seq, delivery))

    def _deliver(self, client: httpx.Client, delivery: Delivery) -> None:
        ok = False
        try:
            response = client.post(delivery.url, json={"value": delivery.items})
            ok = 200 <= response.status_code < 300
            if not ok:
                log.info("notification receiver answered %s", response.status_code)
        except httpx.HTTPError as exc:
            log.info("notification delivery failed: %s", type(exc).__name__)
        if ok:
            self.world.stats.count_notifications(len(delivery.items))
            return
        settings = self.world.settings
        if delivery.attempt < settings.notification_retries:
            backoff = settings.notification_backoff * (2**delivery.attempt)
            retry = Delivery(
                delivery.url,
                delivery.items,
                delivery.subscription_ids,
                delivery.lifecycle,
                delivery.attempt + 1,
            )
            self._schedule(retry, backoff)
        elif not delivery.lifecycle:
            self._give_up(delivery)

    def _give_up(self, delivery: Delivery) -> None:
        world = self.world
        with world.lock:
            for sub_id in delivery.subscription_ids:
                sub = world.subscriptions.items.get(sub_id)
                if sub is not None and not world.subscriptions.send_lifecycle(world, sub, "missed"):
                    sub.missed = True

    def check_subscriptions(self) -> None:
        """Expire subscriptions and raise ``reauthorizationRequired`` where due."""
        world = self.world
        with world.lock:
            now = world.clock()
            store = world.subscriptions
            for sub_id in [s.id for s in store.items.values() if s.expiration <= now]:
                del store.items[sub_id]
            for sub in store.items.values():
                token = world.identity.access_tokens.get(sub.access_token)
                token_dead = (
                    token is None
                    or token.revoked
                    or token.expires_at <= now
                    or world.identity.is_revoked(token.grant_id)
                )
                if token_dead:
                    sub.needs_reauthorization = True
                expiring = sub.expiration - now <= REAUTHORIZE_LEAD
                if (sub.needs_reauthorization or expiring) and not sub.reauthorization_notified:
                    sub.reauthorization_notified = True
                    store.send_lifecycle(world, sub, "reauthorizationRequired")


def _group(deliveries: list[Delivery]) -> list[Delivery]:
    """Merge fresh change deliveries to the same URL into one POST."""
    merged: dict[tuple[str, bool], Delivery] = {}
    for delivery in deliveries:
        key = (delivery.url, delivery.lifecycle)
        if key in merged:
            old = merged[key]
            merged[key] = Delivery(
                old.url,
                [*old.items, *delivery.items],
                old.subscription_ids | delivery.subscription_ids,
                old.lifecycle,
            )
        else:
            merged[key] = delivery
    return list(merged.values())
