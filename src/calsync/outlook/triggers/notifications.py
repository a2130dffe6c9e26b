"""Microsoft Graph change notifications, as ``POST /outlook/notifications`` receives them
(the view is :mod:`calsync.outlook.web.webhook`).

Contract (Microsoft's rules: docs/emulator.md, Fidelity; the receiver's side here):

* ``?validationToken=...`` (Graph's handshake when a subscription is created): answered at
  once with ``200 text/plain`` and the URL-decoded token;
* a notification batch ``{"value": [...]}``: each item must name a subscription we hold and
  carry its ``clientState`` (compared in constant time); others are ignored and logged (never
  with the value). The answer is ``202`` for every well-formed batch, forged items included
  (a 5xx would only make Graph retry them); malformed bodies get ``400``;
* no sync runs inside the request: the changes are recorded in the database as the
  account's sync request (:mod:`calsync.outlook.triggers.handoff`), due after a short debounce
  (``CALSYNC_NOTIFICATION_DEBOUNCE`` seconds, default 2), so a burst makes one run. Every
  engine (``calsync run``'s, ``calsync worker``'s, Celery's) takes due requests from the
  database, so the web process need not run one; an engine in this process is woken at once;
* whoever takes the request runs the sync only if :func:`~calsync.outlook.triggers.handoff.news_in`
  finds a change the last syncs did not record (not just our own writes coming back), so a
  sync does not trigger another; a request is taken only while no run holds the account, so
  the writes of a running sync are recorded before their notifications are judged;
* lifecycle events: ``reauthorizationRequired`` renews the subscription, ``subscriptionRemoved``
  recreates it (both right after the next sync, which they start), ``missed`` starts a sync
  (the delta catches up).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.utils import timezone

from calsync.outlook.models import OutlookSubscription
from calsync.outlook.triggers import scheduler, subscriptions
from calsync.outlook.triggers.handoff import Change

logger = logging.getLogger("calsync.outlook.triggers.notifications")

TRIGGER = "notification"
MAX_TOKEN_LENGTH = 1024
MAX_ITEMS = 1000
"""Items read from one POST (Graph sends far fewer); the rest are dropped."""
NOTED_EVERY = timedelta(minutes=1)
"""How often ``last_notification_at`` is written (not on every notification of a burst)."""


# -- pure parts -------------------------------------------------------------------------------


def change_key_of(etag: Any) -> str | None:
    """The changeKey inside an ``@odata.etag`` (``W/"DwAAABYA..."``), or None."""
    if not isinstance(etag, str) or not etag:
        return None
    value = etag[2:] if etag.startswith("W/") else etag
    return value.strip('"') or None


def change_of(item: Mapping[str, Any]) -> Change | None:
    """The :class:`Change` a notification item describes, or None without an event id."""
    data = item.get("resourceData")
    data = data if isinstance(data, Mapping) else {}
    remote_id = data.get("id")
    if not isinstance(remote_id, str) or not remote_id:
        resource = item.get("resource")
        remote_id = resource.rsplit("/", 1)[-1] if isinstance(resource, str) else ""
    if not remote_id:
        return None
    change_type = item.get("changeType")
    return Change(
        remote_id,
        change_type if isinstance(change_type, str) else "updated",
        change_key_of(data.get("@odata.etag")),
    )


def items_of(body: bytes) -> list[Mapping[str, Any]] | None:
    """The notification items of a POST body, or None when it is not ``{"value": [...]}``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("value"), list):
        return None
    return [item for item in data["value"] if isinstance(item, Mapping)]


def same_secret(expected: str | None, received: Any) -> bool:
    """Constant-time comparison of ``clientState`` values (False when either is missing)."""
    if not expected or not isinstance(received, str):
        return False
    return hmac.compare_digest(expected.encode(), received.encode())


def handle(items: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """Check and act on notification items (at most :data:`MAX_ITEMS`); returns who syncs
    each user (``user_id -> how``). One query finds every subscription the items name, so a
    POST of forged items costs one query, whatever it holds."""
    batch = list(items)[:MAX_ITEMS]
    known = _subscriptions_named(batch)
    changes: dict[int, list[Change]] = {}
    forced: set[int] = set()
    for item in batch:
        row = _checked(item, known)
        if row is None:
            continue
        user_id = row.account.user_id
        event = item.get("lifecycleEvent")
        if event is not None:
            _on_lifecycle(row, str(event))
            forced.add(user_id)
            continue
        change = change_of(item)
        if change is not None:
            changes.setdefault(user_id, []).append(change)
    users = forced | set(changes)
    _note_arrival([row for row, _secret in known.values() if row.account.user_id in users])
    return {
        user_id: scheduler.ask(
            user_id,
            scheduler.notification_debounce(),
            TRIGGER,
            [change.as_row() for change in changes.get(user_id, [])],
            force=user_id in forced,
        )
        for user_id in users
    }


def _subscriptions_named(
    items: Sequence[Mapping[str, Any]],
) -> dict[str, tuple[OutlookSubscription, str | None]]:
    """The subscriptions we hold among those the items name, with their clientState."""
    names = {
        item.get("subscriptionId")
        for item in items
        if isinstance(item.get("subscriptionId"), str) and item.get("subscriptionId")
    }
    if not names:
        return {}
    rows = OutlookSubscription.objects.select_related("account").filter(subscription_id__in=names)
    return {row.subscription_id: (row, subscriptions.client_state_of(row)) for row in rows}


def _checked(
    item: Mapping[str, Any], known: Mapping[str, tuple[OutlookSubscription, str | None]]
) -> OutlookSubscription | None:
    """The item's subscription when the item proves it comes from Graph, else None (logged,
    never with the secret)."""
    sub_id = item.get("subscriptionId")
    if not isinstance(sub_id, str) or not sub_id:
        logger.info("notification without a subscription id ignored")
        return None
    if sub_id not in known:
        logger.info("notification for unknown subscription %r ignored", sub_id[:40])
        return None
    row, secret = known[sub_id]
    if not same_secret(secret, item.get("clientState")):
        logger.warning(
            "notification for subscription %r with a wrong clientState ignored", sub_id[:40]
        )
        return None
    return row


def _note_arrival(rows: Sequence[OutlookSubscription]) -> None:
    """``last_notification_at`` of these subscriptions, written once a burst (each write
    competes with the sync's own)."""
    now = timezone.now()
    stale = {
        row.pk
        for row in rows
        if row.last_notification_at is None or now - row.last_notification_at > NOTED_EVERY
    }
    if stale:
        OutlookSubscription.objects.filter(pk__in=stale).update(last_notification_at=now)


def _on_lifecycle(row: OutlookSubscription, event: str) -> None:
    logger.info("subscription %s: lifecycle event %r", row.subscription_id[:40], event[:40])
    if event == "reauthorizationRequired":
        subscriptions.request_renewal(row.pk)
    elif event == "subscriptionRemoved":
        subscriptions.forget(row.pk)
