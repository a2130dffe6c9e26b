"""Keeping each account's Graph change-notification subscription alive.

Microsoft Graph POSTs a change notification to ``<Base URL>/outlook/notifications`` soon after
an event changes in a subscribed mailbox, so a change in Outlook syncs within seconds; the
periodic delta sync stays the backstop for anything missed.

Contract of :func:`keep_alive` (called after every successful, non-preview sync, so the
scheduler's periodic runs keep subscriptions alive):

* nothing happens unless Outlook is enabled and the account is connected;
* the Base URL must be ``https://`` (Microsoft's rule), or ``http://`` on a loopback host
  (the emulator and the demo); otherwise no subscription is made, the reason is logged once
  per process and shown in the status, and sync relies on the periodic delta;
* the account watches the calendars :func:`watched_calendars` names: the default one
  (``/me/events``, which Outlook limits to the default calendar) and each own calendar an
  active link (any mode but ``off``) syncs (``/me/calendars/{id}/events``); a calendar
  another mailbox shares gets none (Graph refuses a delegated subscription to another
  mailbox: the periodic sync carries its changes);
* each watched calendar's subscription (created, updated, deleted) is created when it has
  none, renewed (``PATCH``, which also reauthorizes it) when it expires within
  :data:`RENEW_BEFORE` or Graph asked for reauthorization, and recreated when Graph says it
  is gone (404) or the Base URL changed; the subscription of a calendar no longer watched
  (its link turned off or deleted) is deleted at Graph and here;
* each subscription gets a new random ``clientState``, stored encrypted and never logged;
* it never raises: a failure is logged and kept in ``OutlookSubscription.last_error``, and
  the next attempt waits :data:`RETRY_AFTER_FAILURE` (Graph's check of an unreachable URL
  can take 10 seconds, which no sync should pay every time);
* at most one caller maintains an account's subscription at a time (a claim on its row).

:func:`remove` deletes the account's subscriptions at Graph and here (disconnect); it never
raises either. :func:`keep_alive` returns what happened to the default calendar's.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from calsync.msgraph import GraphClient, GraphError
from calsync.msgraph.errors import NotFound
from calsync.msgraph.mapping import parse_graph_time
from calsync.outlook.connection import crypto
from calsync.outlook.connection.configuration import OutlookConfiguration, current
from calsync.outlook.connection.tokens import TokenError
from calsync.outlook.models import CalendarLink, OutlookAccount, OutlookSubscription
from calsync.outlook.sync.links import is_shared

logger = logging.getLogger("calsync.outlook.triggers.subscriptions")

CLIENT_STATE = "outlook.subscription-client-state"
"""The :mod:`~calsync.outlook.connection.crypto` purpose of the stored ``clientState``."""

NOTIFICATIONS_PATH = "/outlook/notifications"
LIFETIME = timedelta(minutes=4200)
"""Asked-for lifetime: under the 4,230 minutes older docs give (today's limit is 10,080)."""
RENEW_BEFORE = timedelta(hours=24)
CLAIM_TTL = timedelta(minutes=2)
RETRY_AFTER_FAILURE = timedelta(minutes=15)
CHANGE_TYPES = "created,updated,deleted"
RESOURCE = "/me/events"

CREATED = "created"
RENEWED = "renewed"
UNCHANGED = "unchanged"
UNAVAILABLE = "unavailable"
SKIPPED = "skipped"
BUSY = "busy"
FAILED = "failed"

_logged_problems: set[tuple[str, str]] = set()
_logged_lock = threading.Lock()


# -- pure parts -------------------------------------------------------------------------------


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def endpoint_problem(base_url: str) -> str | None:
    """Why Graph cannot deliver notifications to ``base_url``, or None when it can."""
    if not base_url:
        return _("No Base URL is set, so Outlook cannot send change notifications.")
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return None
    return _(
        "Outlook sends change notifications only to an https Base URL; %(url)s is not one. "
        "Changes made in Outlook arrive with the periodic sync instead."
    ) % {"url": base_url}


def notification_url_for(base_url: str) -> str:
    """``<Base URL>/outlook/notifications``."""
    return f"{base_url.rstrip('/')}{NOTIFICATIONS_PATH}"


def lifecycle_url_for(base_url: str) -> str:
    """The same path with ``?lifecycle=1`` (lifecycle events carry no resource)."""
    return f"{notification_url_for(base_url)}?lifecycle=1"


def graph_time(value: datetime) -> str:
    """A UTC instant as Graph writes it: ``2026-03-20T11:00:00.0000000Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def needs_work(row: OutlookSubscription | None, url: str, now: datetime) -> bool:
    """Whether the subscription must be created, renewed or recreated at ``now`` (not while
    a failure's :data:`RETRY_AFTER_FAILURE` runs: each attempt can cost Graph's 10 s check)."""
    if row is not None and row.retry_after is not None and now < row.retry_after:
        return False
    if row is None or not row.subscription_id or row.expires_at is None:
        return True
    return row.renew_requested or row.notification_url != url or row.expires_at - now < RENEW_BEFORE


def new_client_state() -> str:
    """A random ``clientState`` (64 URL-safe characters; Graph allows 128)."""
    return secrets.token_urlsafe(48)


# -- Graph and database -----------------------------------------------------------------------


def keep_alive(account_id: int, *, now: datetime | None = None) -> str:
    """Make sure the account has a live subscription (see the module docstring).

    Returns what happened: ``created``, ``renewed``, ``unchanged``, ``unavailable`` (the Base
    URL cannot receive notifications), ``skipped`` (Outlook off, account not connected),
    ``busy`` (another caller is at it) or ``failed``.
    """
    try:
        return _keep_alive(account_id, now or timezone.now())
    except Exception as exc:
        logger.warning("subscription of account %s: unexpected %s", account_id, type(exc).__name__)
        try:
            rows = OutlookSubscription.objects.filter(account_id=account_id)
            _set_error(rows, _("Could not set up change notifications."), now)
        except Exception:
            logger.warning("subscription of account %s: error not recorded", account_id)
        return FAILED


def _keep_alive(account_id: int, now: datetime) -> str:
    if not settings.CALSYNC_NOTIFICATIONS:
        return SKIPPED
    account = OutlookAccount.objects.filter(pk=account_id).first()
    if account is None or not account.connected:
        return SKIPPED
    try:
        config = current()
    except crypto.SecretUnreadable:
        return SKIPPED
    if not config.enabled or not config.client_id:
        return SKIPPED
    problem = endpoint_problem(config.base_url)
    if problem is not None:
        _log_once(config.base_url, problem)
        row = _row_for(account, "")
        if row.last_error != problem:
            OutlookSubscription.objects.filter(pk=row.pk).update(last_error=problem)
        return UNAVAILABLE
    wanted = watched_calendars(account)
    _drop_unwatched(account, config, wanted)
    outcomes = [_keep_one(account, config, calendar, now) for calendar in wanted]
    return outcomes[0]


def watched_calendars(account: OutlookAccount) -> list[str]:
    """The Outlook calendars the account subscribes to: "" (the default one, ``/me/events``)
    first, then each own calendar an active link syncs. A calendar another mailbox shares
    has none: Graph lets a delegated token subscribe to the signed-in mailbox only (its
    changes come with the periodic sync)."""
    mailbox = account.mailbox or account.user.email
    links = CalendarLink.objects.filter(account=account).exclude(mode=CalendarLink.MODE_OFF)
    own = [
        link.remote_id
        for link in links.order_by("id")
        if not is_shared(link.owner_address, mailbox)
    ]
    return ["", *own]


def resource_for(remote_calendar_id: str) -> str:
    """The subscribed resource of a calendar ("": the default one)."""
    if not remote_calendar_id:
        return RESOURCE
    return f"/me/calendars/{remote_calendar_id}/events"  # ids as Graph spells them


def _keep_one(
    account: OutlookAccount, config: OutlookConfiguration, calendar: str, now: datetime
) -> str:
    """Create, renew or leave the subscription on ``calendar`` (module docstring)."""
    row = OutlookSubscription.objects.filter(account=account, remote_calendar_id=calendar).first()
    url = notification_url_for(config.base_url)
    unreadable = bool(row and row.subscription_id and client_state_of(row) is None)
    if not (unreadable or needs_work(row, url, now)):
        return UNCHANGED
    row = row or _row_for(account, calendar)
    if not _claim(row, now):
        return BUSY
    try:
        with _graph(account, config) as graph:
            return _maintain(graph, row, config.base_url, now, renewable=not unreadable)
    except (GraphError, TokenError) as exc:
        message = _("Could not set up change notifications: %(reason)s") % {"reason": exc}
        logger.warning("subscription of account %s failed: %s", account.pk, type(exc).__name__)
        _set_error(OutlookSubscription.objects.filter(pk=row.pk), message[:1000], now)
        return FAILED
    finally:
        OutlookSubscription.objects.filter(pk=row.pk).update(claimed_at=None)


def _drop_unwatched(
    account: OutlookAccount, config: OutlookConfiguration, wanted: list[str]
) -> None:
    """Delete, at Graph and here, the subscriptions of calendars no longer watched (their
    link turned off or deleted); one Graph refuses to delete is dropped here all the same
    (it expires within days; its notifications name a subscription we no longer hold)."""
    stale = list(
        OutlookSubscription.objects.filter(account=account).exclude(remote_calendar_id__in=wanted)
    )
    live = [row for row in stale if row.subscription_id]
    if live:
        try:
            with _graph(account, config) as graph:
                for row in live:
                    _delete_at_graph(graph, row.subscription_id)
        except (GraphError, TokenError) as exc:
            logger.warning("subscriptions of account %s: %s", account.pk, type(exc).__name__)
    OutlookSubscription.objects.filter(pk__in=[row.pk for row in stale]).delete()


def _maintain(
    graph: GraphClient, row: OutlookSubscription, base_url: str, now: datetime, *, renewable: bool
) -> str:
    """Renew the subscription when it can be kept, else (delete it and) create a new one."""
    url = notification_url_for(base_url)
    resource = resource_for(row.remote_calendar_id)
    if renewable and row.subscription_id and row.notification_url == url:
        try:
            answer = graph.request(
                "PATCH",
                f"/subscriptions/{row.subscription_id}",
                json={"expirationDateTime": graph_time(now + LIFETIME)},
            ).json()
        except NotFound:
            logger.info("subscription of account %s is gone; recreating it", row.account_id)
        else:
            OutlookSubscription.objects.filter(pk=row.pk).update(
                renewed_at=now, **_healthy(answer, now)
            )
            logger.info("subscription of account %s renewed", row.account_id)
            return RENEWED
    elif row.subscription_id:
        _delete_at_graph(graph, row.subscription_id)
    _delete_orphans(graph, url, resource)  # a new one is made: any other at our URL is an orphan
    state = new_client_state()
    answer = graph.request(
        "POST",
        "/subscriptions",
        json={
            "changeType": CHANGE_TYPES,
            "notificationUrl": url,
            "lifecycleNotificationUrl": lifecycle_url_for(base_url),
            "resource": resource,
            "expirationDateTime": graph_time(now + LIFETIME),
            "clientState": state,
        },
    ).json()
    OutlookSubscription.objects.filter(pk=row.pk).update(
        subscription_id=str(answer["id"]),
        client_state_encrypted=crypto.encrypt(state, CLIENT_STATE),
        notification_url=url,
        created_at=now,
        renewed_at=None,
        **_healthy(answer, now),
    )
    logger.info("subscription of account %s created", row.account_id)
    return CREATED


def _delete_orphans(graph: GraphClient, url: str, resource: str) -> int:
    """Delete this app's subscriptions to our notification URL on ``resource``: a create
    whose answer was lost (applied, then the connection dropped) left them unknown to us.
    Returns how many. So there is never one subscription too many at Graph."""
    listing = graph.get_json("/subscriptions")
    orphans = [
        str(sub["id"])
        for sub in listing.get("value", [])
        if sub.get("notificationUrl") == url
        and str(sub.get("resource", "")).lower() == resource.lower()
    ]
    for orphan in orphans:
        _delete_at_graph(graph, orphan)
    if orphans:
        logger.info("subscriptions: %s orphaned at Graph, deleted", len(orphans))
    return len(orphans)


def _healthy(answer: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The row's fields after Graph created or renewed the subscription (``answer``): its
    expiry, and no renewal, error or retry waiting."""
    expires = parse_graph_time(answer.get("expirationDateTime")) or now + LIFETIME
    return {"expires_at": expires, "renew_requested": False, "last_error": "", "retry_after": None}


def remove(account: OutlookAccount) -> bool:
    """Delete the account's subscriptions at Graph (while its tokens still work) and here.

    Returns whether Graph confirmed every deletion (or already had none). Never raises.
    """
    rows = list(OutlookSubscription.objects.filter(account=account).order_by("pk"))
    live = [row.subscription_id for row in rows if row.subscription_id]
    deleted = not live
    if live and account.connected:
        try:
            with _graph(account, current()) as graph:
                answers = [_delete_at_graph(graph, sub_id) for sub_id in live]  # each one
            deleted = all(answers)
        except (GraphError, TokenError, crypto.SecretUnreadable) as exc:
            logger.warning(
                "subscription of account %s not deleted at Graph: %s",
                account.pk,
                type(exc).__name__,
            )
    OutlookSubscription.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return deleted


def forget(subscription_pk: int) -> None:
    """Graph says the subscription is gone: the next :func:`keep_alive` makes a new one."""
    OutlookSubscription.objects.filter(pk=subscription_pk).update(
        subscription_id="", client_state_encrypted="", expires_at=None, renew_requested=False
    )


def request_renewal(subscription_pk: int) -> None:
    """Graph asks for reauthorization: the next :func:`keep_alive` renews (PATCH)."""
    OutlookSubscription.objects.filter(pk=subscription_pk).update(renew_requested=True)


def client_state_of(row: OutlookSubscription) -> str | None:
    """The decrypted ``clientState``, or None when none is stored or it cannot be read."""
    if not row.client_state_encrypted:
        return None
    try:
        return crypto.decrypt(row.client_state_encrypted, CLIENT_STATE)
    except crypto.SecretUnreadable:
        return None


def _delete_at_graph(graph: GraphClient, subscription_id: str) -> bool:
    try:
        graph.request("DELETE", f"/subscriptions/{subscription_id}")
    except NotFound:
        return True
    except GraphError as exc:
        logger.warning("subscription delete failed: %s", type(exc).__name__)
        return False
    return True


def _graph(account: OutlookAccount, config: OutlookConfiguration) -> GraphClient:
    from calsync.outlook.connection.graph import graph_client_for

    return graph_client_for(account, config)


def _row_for(account: OutlookAccount, calendar: str) -> OutlookSubscription:
    try:
        row, _created = OutlookSubscription.objects.get_or_create(
            account=account, remote_calendar_id=calendar
        )
    except IntegrityError:
        row = OutlookSubscription.objects.get(account=account, remote_calendar_id=calendar)
    return row


def _claim(row: OutlookSubscription, now: datetime) -> bool:
    return bool(
        OutlookSubscription.objects.filter(pk=row.pk)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TTL))
        .update(claimed_at=now)
    )


def _set_error(rows: QuerySet[OutlookSubscription], message: str, now: datetime | None) -> None:
    rows.update(last_error=message, retry_after=(now or timezone.now()) + RETRY_AFTER_FAILURE)


def _log_once(base_url: str, problem: str) -> None:
    key = (base_url, problem)
    with _logged_lock:
        if key in _logged_problems:
            return
        _logged_problems.add(key)
    logger.warning("change notifications are off: %s", problem)
