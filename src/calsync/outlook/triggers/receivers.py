"""Signal receivers: a change here, a new connection or a throttle deadline asks for a sync
(:func:`calsync.outlook.triggers.scheduler.ask`: a request in the database that every engine
takes from); a finished run keeps the notification subscription alive.

A change written by a sync itself is not news (it would sync again for nothing): the sync
marks its thread (:func:`~calsync.outlook.sync.run.writing_user`) and such changes are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from calsync.outlook.sync.run import writing_user
from calsync.outlook.triggers import scheduler


def on_calendar_changed(sender: Any, user_id: int, event_id: int, **kwargs: Any) -> None:
    if writing_user() == user_id:
        return
    scheduler.ask(user_id, scheduler.default_debounce(), "change")


def on_calendar_deleting(sender: Any, calendar: Any, **kwargs: Any) -> None:
    """A calsync calendar about to go: the busy and redacted links with it stop (their
    copies here go now, those in Outlook at the next sync, which is asked for)."""
    from calsync.outlook.sync import mirror_cleanup

    if mirror_cleanup.calendar_deleted(calendar.pk):
        user_id = calendar.owner_id
        transaction.on_commit(
            lambda: scheduler.ask(user_id, scheduler.default_debounce(), "change")
        )


def on_account_connected(sender: Any, user_id: int, **kwargs: Any) -> None:
    scheduler.ask(user_id, 0.0, "change")


def on_account_disconnecting(sender: Any, account: Any, **kwargs: Any) -> None:
    from calsync.outlook.triggers import subscriptions

    subscriptions.remove(account)


def on_sync_succeeded(sender: Any, account_id: int, **kwargs: Any) -> None:
    from calsync.outlook.triggers import subscriptions

    subscriptions.keep_alive(account_id)


def on_sync_throttled(sender: Any, user_id: int, until: datetime | None, **kwargs: Any) -> None:
    """The next sync at the time Outlook gave (the periodic one when it gave none)."""
    delay = scheduler.default_interval()
    if until is not None:
        delay = max(0.0, (until - timezone.now()).total_seconds())
    scheduler.ask(user_id, delay, "schedule")


def connect() -> None:
    from calsync.calendars.signals import calendar_changed, calendar_deleting
    from calsync.outlook.signals import (
        account_connected,
        account_disconnecting,
        sync_succeeded,
        sync_throttled,
    )

    calendar_changed.connect(on_calendar_changed, dispatch_uid="outlook-sync-on-change")
    calendar_deleting.connect(on_calendar_deleting, dispatch_uid="outlook-mirrors-on-delete")
    account_connected.connect(on_account_connected, dispatch_uid="outlook-sync-on-connect")
    account_disconnecting.connect(
        on_account_disconnecting, dispatch_uid="outlook-unsubscribe-on-disconnect"
    )
    sync_succeeded.connect(on_sync_succeeded, dispatch_uid="outlook-subscribe-after-sync")
    sync_throttled.connect(on_sync_throttled, dispatch_uid="outlook-sync-after-throttling")
