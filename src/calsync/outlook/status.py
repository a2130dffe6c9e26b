"""A user's Outlook status, as the panel and ``GET /api/outlook/status`` show it."""

from __future__ import annotations

from typing import Any

from calsync.outlook.models import OutlookAccount, OutlookSettings

HEALTH_DISABLED = "disabled"
HEALTH_NOT_CONNECTED = "not_connected"
HEALTH_RECONNECT = "reconnect_needed"
HEALTH_ERROR = "error"
HEALTH_OK = "ok"


def status_for(user: Any, settings_row: OutlookSettings | None = None) -> dict[str, Any]:
    """``{"enabled", "connected", "mailbox", "last_sync", "last_error", "needs_reconnect",
    "health"}`` for ``user``. Never contains a token or the client secret.

    ``enabled``: the administrator turned Outlook sync on (with a Client ID and Secret).
    ``connected``: the user has tokens that are not known to be refused.
    ``mailbox``: the linked Outlook mailbox, kept after a disconnect or a revoked grant.
    ``health``: one word for the whole state: disabled, not_connected, reconnect_needed,
    error (the last sync or refresh failed) or ok.
    """
    row = settings_row or OutlookSettings.load()
    enabled = bool(row.enabled and row.client_id and row.has_client_secret)
    account = OutlookAccount.objects.filter(user=user).first()
    connected = bool(account and account.connected)
    needs_reconnect = bool(account and account.needs_reconnect)
    last_error = (account.last_error if account else "") or None
    if not enabled:
        health = HEALTH_DISABLED
    elif needs_reconnect:
        health = HEALTH_RECONNECT
    elif not connected:
        health = HEALTH_NOT_CONNECTED
    elif last_error:
        health = HEALTH_ERROR
    else:
        health = HEALTH_OK
    return {
        "enabled": enabled,
        "connected": connected,
        "mailbox": (account.mailbox or None) if account else None,
        "last_sync": account.last_sync.isoformat() if account and account.last_sync else None,
        "last_error": last_error,
        "needs_reconnect": needs_reconnect,
        "health": health,
    }
