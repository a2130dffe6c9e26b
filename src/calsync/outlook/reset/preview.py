"""What a Reset Account combination touches, counted without writing (no network either)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet

from calsync.calendars.models import Event
from calsync.outlook.models import OutlookAccount, OutlookLink, SyncRecord
from calsync.outlook.reset.options import ExistingEvents, NextSync, account_of
from calsync.outlook.sync.local_side import Identity
from calsync.outlook.sync.records import SERIES_KEY, data_from_json
from calsync.syncengine import notices


@dataclass
class ResetPreview:
    """What a combination touches, counted now from the sync links and the events here (a
    series counts once). What Outlook holds is known as of the last sync (``last_sync``):
    an event created there since is neither counted nor touched; one deleted there since is
    counted and found gone (done); mails are counted from the meetings' last synced guests.

    ``cancellations``: mails attendees get (one per attendee and deleted meeting);
    ``cancellation_messages``: messages Outlook sends (one per deleted meeting, as its
    outbox records them). ``linked``: sync links that are dropped (all of them).
    ``pending_deletions``: linked events archived or destroyed here whose deletion has not
    reached Outlook yet (whatever the choice; deleted there only by the Outlook options).
    ``changed_here``: events the choice destroys here while Outlook keeps them, that were
    changed here since the last sync (Outlook's copies lack those changes).
    """

    user: str
    mailbox: str
    existing: str
    next_sync: str
    connected: bool
    outlook_events: int = 0
    outlook_series: int = 0
    local_events: int = 0
    local_series: int = 0
    cancellations: int = 0
    cancellation_messages: int = 0
    linked: int = 0
    pending_deletions: int = 0
    changed_here: int = 0
    last_sync: datetime | None = None

    @property
    def deletes_outlook(self) -> bool:
        return ExistingEvents(self.existing).deletes_outlook

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_sync"] = self.last_sync.isoformat() if self.last_sync else None
        return data


def reset_preview(user: Any, existing: ExistingEvents, next_sync: NextSync) -> ResetPreview:
    """Count what ``existing`` + ``next_sync`` would touch for ``user``; writes nothing."""
    return preview_of(account_of(user), existing, next_sync)


def preview_of(
    account: OutlookAccount, existing: ExistingEvents, next_sync: NextSync
) -> ResetPreview:
    preview = ResetPreview(
        user=account.user.email,
        mailbox=account.mailbox,
        existing=existing.value,
        next_sync=next_sync.value,
        connected=account.connected,
        linked=SyncRecord.objects.filter(account=account).count(),
        pending_deletions=SyncRecord.objects.filter(account=account).filter(pending_here()).count(),
        last_sync=account.last_sync,
    )
    if existing.deletes_outlook:
        for record in outlook_targets(account):
            preview.outlook_events += 1
            preview.outlook_series += bool(record.base.get("recurrence"))
            mails = cancellation_notices(account, record)
            preview.cancellations += len(mails)
            preview.cancellation_messages += notices.messages(mails)
    if existing.deletes_local:
        targets = local_targets(account)
        preview.local_events = targets.count()
        preview.local_series = targets.exclude(recurrence="").count()
        if not existing.deletes_outlook:
            preview.changed_here = _changed_here(account, targets)
    return preview


def _changed_here(account: OutlookAccount, targets: QuerySet[Event]) -> int:
    """How many of ``targets`` (or of their exceptions) changed since the last sync."""
    moved = SyncRecord.objects.filter(account=account, event__isnull=False).exclude(
        local_version=F("event__version")
    )
    changed = Q(pk__in=moved.values("event_id")) | Q(exceptions__pk__in=moved.values("event_id"))
    return targets.filter(changed).distinct().count()


def outlook_targets(account: OutlookAccount) -> QuerySet[SyncRecord]:
    """The Outlook copies to delete, singles and masters (an exception goes with its master):
    the user's own linked events, and every link whose event is archived or destroyed here
    (:func:`pending_here`) whoever owned it: the next sync would have deleted its copy."""
    own = Q(event__owner_id=account.user_id, event__series__isnull=True)
    return (
        SyncRecord.objects.filter(account=account)
        .filter(own | pending_here())
        .select_related("event")
        .order_by("pk")
    )


def pending_here() -> Q:
    """Sync records (singles and masters) whose event was archived or destroyed here since
    the last sync: the deletion has not reached Outlook yet. A destroyed event leaves its
    record with ``event`` null; a destroyed exception's record is known by its series key."""
    gone = Q(event__isnull=True) & ~Q(base__has_key=SERIES_KEY)
    archived = Q(event__active=False, event__series__isnull=True)
    return gone | archived


def local_targets(account: OutlookAccount) -> QuerySet[Event]:
    """The events to destroy here: the user's own events linked to the account."""
    linked = Q(
        pk__in=SyncRecord.objects.filter(account=account, event__isnull=False).values("event_id")
    ) | Q(pk__in=OutlookLink.objects.filter(account=account).values("event_id"))
    return Event.objects.filter(linked, owner_id=account.user_id, series__isnull=True)


def cancellation_notices(account: OutlookAccount, record: SyncRecord) -> tuple[Any, ...]:
    data = data_from_json(record.base)
    me = Identity.of(account)
    is_organizer = data.organizer is None or me.is_me(data.organizer.email)
    return notices.on_delete(data, is_organizer)
