"""A user's Outlook status, as the panel and ``GET /api/outlook/status`` show it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calsync.outlook.models import (
    OutlookAccount,
    OutlookSettings,
    OutlookSubscription,
    SyncRun,
)
from calsync.outlook.sync import unsyncable
from calsync.outlook.sync.claims import lease_length
from calsync.outlook.sync.log_messages import clock_time, last_error_text
from calsync.outlook.sync.progress import reading_of

HEALTH_DISABLED = "disabled"
HEALTH_NOT_CONNECTED = "not_connected"
HEALTH_RECONNECT = "reconnect_needed"
HEALTH_DEGRADED = "degraded"
HEALTH_THROTTLED = "throttled"
HEALTH_STOPPED = "stopped"
HEALTH_OK = "ok"

HEALTH_LABELS = {
    HEALTH_DISABLED: gettext_lazy("Outlook sync is not set up"),
    HEALTH_NOT_CONNECTED: gettext_lazy("Not connected"),
    HEALTH_RECONNECT: gettext_lazy("Reconnect needed"),
    HEALTH_DEGRADED: gettext_lazy("Degraded"),
    HEALTH_THROTTLED: gettext_lazy("Throttled by Microsoft"),
    HEALTH_STOPPED: gettext_lazy("Stopped"),
    HEALTH_OK: gettext_lazy("Healthy"),
}
"""Each health word as people read it."""

STOP_AFTER_FAILURES = 3
"""This many failed runs in a row make the health "stopped"."""


def status_for(user: Any, settings_row: OutlookSettings | None = None) -> dict[str, Any]:
    """``{"enabled", "connected", "mailbox", "last_sync", "last_error", "needs_reconnect",
    "health"}`` for ``user``. Never contains a token or the client secret.

    ``enabled``: the administrator turned Outlook sync on (with a Client ID and Secret).
    ``connected``: the user has tokens that are not known to be refused.
    ``mailbox``: the linked Outlook mailbox, kept after a disconnect or a revoked grant.
    ``health``: one word for the whole state (:func:`_health`): disabled, not_connected,
    reconnect_needed, stopped, throttled, degraded or ok; ``health_label`` says it in words,
    ``health_reason`` why (or None when all is well).
    ``notifications`` and ``progress`` (only while connected): see :func:`_notifications`
    and :func:`_progress`.
    ``not_in_outlook`` (when the user has an Outlook account): how many events stay only in
    calsync because Outlook cannot hold them (:mod:`calsync.outlook.sync.unsyncable`; not part of
    the health: reported once, they are not retried until edited); ``not_in_outlook_events``
    the first of them as ``{"event", "title", "reason"}``, the reason in the active language.
    """
    row = settings_row or OutlookSettings.load()
    enabled = bool(row.enabled and row.client_id and row.has_client_secret)
    account = OutlookAccount.objects.filter(user=user).first()
    connected = bool(account and account.connected)
    needs_reconnect = bool(account and account.needs_reconnect)
    last_error = (last_error_text(account) if account else "") or None
    health, reason = _health(enabled, account, last_error)
    answer = {
        "enabled": enabled,
        "connected": connected,
        "mailbox": (account.mailbox or None) if account else None,
        "last_sync": account.last_sync.isoformat() if account and account.last_sync else None,
        "last_error": last_error,
        "needs_reconnect": needs_reconnect,
        "health": health,
        "health_label": str(HEALTH_LABELS[health]),
        "health_reason": reason,
    }
    if account is not None:
        answer["not_in_outlook"], answer["not_in_outlook_events"] = unsyncable.listing(account)
    if account is not None and connected:
        answer["notifications"] = _notifications(account)
        answer["progress"] = _progress(account)
    return answer


def _progress(account: OutlookAccount) -> dict[str, Any] | None:
    """The running sync's ``{"phase", "done", "total", "label"}`` (None when none runs)."""
    alive = account.sync_claimed_at is not None and (
        account.sync_claimed_at >= timezone.now() - lease_length()
    )
    if not alive:  # no live holder: a "running" row is a dead run's (the next claim ends it)
        return None
    running = (
        SyncRun.objects.filter(account=account, status=SyncRun.STATUS_RUNNING)
        .order_by("-started_at", "-id")
        .values_list("phase", "progress_done", "progress_total")
        .first()
    )
    return None if running is None else reading_of(*running)


def _notifications(account: OutlookAccount) -> dict[str, Any] | None:
    """The default calendar's change-notification subscription: ``{"active", "expires",
    "last_notification", "problem"}`` (None before the first sync made one)."""
    row = OutlookSubscription.objects.filter(account=account, remote_calendar_id="").first()
    if row is None:
        return None
    active = bool(row.subscription_id and row.expires_at and row.expires_at > timezone.now())
    return {
        "active": active,
        "expires": row.expires_at.isoformat() if active and row.expires_at else None,
        "last_notification": (
            row.last_notification_at.isoformat() if row.last_notification_at else None
        ),
        "problem": row.last_error or None,
    }


def _health(
    enabled: bool, account: OutlookAccount | None, last_error: str | None
) -> tuple[str, str | None]:
    """(health word, reason). In order: *disabled* (Outlook sync not set up, nobody
    connected), *stopped* (set up no more while the account holds tokens; or the last run
    waits for a confirmation; or the last :data:`STOP_AFTER_FAILURES` runs failed),
    *reconnect_needed*, *not_connected*, *degraded* (the last run failed or had failed
    events, or the last token refresh failed), *ok*. Previews and resets do not count."""
    connected = bool(account and account.connected)
    if not enabled:
        if connected:
            return HEALTH_STOPPED, _("Outlook sync was turned off in Settings.")
        return HEALTH_DISABLED, None
    if account is not None and account.needs_reconnect:
        return HEALTH_RECONNECT, last_error or _("Microsoft no longer accepts the sign-in.")
    if account is None or not connected:
        return HEALTH_NOT_CONNECTED, None
    runs = list(
        SyncRun.objects.filter(account=account, preview=False)
        .exclude(status=SyncRun.STATUS_RUNNING)
        .exclude(trigger="reset")
        .order_by("-started_at", "-id")
        .values_list("status", flat=True)[:STOP_AFTER_FAILURES]
    )
    if runs and runs[0] == SyncRun.STATUS_CONFIRM:
        return HEALTH_STOPPED, _("The last sync waits for a confirmation to delete many events.")
    if len(runs) == STOP_AFTER_FAILURES and all(r == SyncRun.STATUS_FAILED for r in runs):
        return HEALTH_STOPPED, _("The last %(count)s syncs failed.") % {"count": len(runs)}
    waiting = account.throttled_until
    if waiting is not None and waiting > timezone.now():
        text = _("Outlook asked calsync to wait until %(until)s: syncs resume then.")
        return HEALTH_THROTTLED, text % {"until": clock_time(waiting)}
    if runs and runs[0] == SyncRun.STATUS_INTERRUPTED:
        return HEALTH_DEGRADED, _("The last sync was interrupted before the end.")
    if runs and runs[0] in (SyncRun.STATUS_FAILED, SyncRun.STATUS_PARTIAL):
        return HEALTH_DEGRADED, last_error or _("The last sync had errors.")
    if last_error:
        return HEALTH_DEGRADED, last_error
    return HEALTH_OK, None
