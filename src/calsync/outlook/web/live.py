"""The Outlook part of the calendar page's change cursor (:mod:`calsync.calendars.changes`):
it moves when a run of the user's account starts, advances, ends, or when the account's
connection changes, so the page refreshes its Outlook panel only then."""

from __future__ import annotations

from typing import Any

from calsync.outlook.models import OutlookAccount, SyncRun


def sync_part(user: Any) -> str:
    """``"<account state>/<last run's id, status, phase, progress>"`` for ``user`` (two indexed
    queries; "-" for each missing piece)."""
    account = (
        OutlookAccount.objects.filter(user=user)
        .values_list("pk", "token_version", "needs_reconnect", "last_sync")
        .first()
    )
    if account is None:
        return "-"
    pk, version, reconnect, last_sync = account
    run = (
        SyncRun.objects.filter(account_id=pk)
        .order_by("-started_at", "-id")
        .values_list("pk", "status", "phase", "progress_done")
        .first()
    )
    stamp = last_sync.timestamp() if last_sync else 0
    head = f"{version}.{int(reconnect)}.{stamp:.3f}"
    return f"{head}/{'.'.join(map(str, run)) if run else '-'}"


def connect() -> None:
    """Add :func:`sync_part` to the calendar's change cursor as ``outlook``."""
    from calsync.calendars import changes

    changes.register("outlook", sync_part)
