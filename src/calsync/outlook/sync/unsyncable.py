"""Events Outlook cannot hold: reported once, then left out of the sync while unchanged.

A push that fails for a reason permanent to this *version* of the event (msgraph's
``UnsupportedRecurrence``: a rule Outlook's patternedRecurrence cannot express, such as
``FREQ=MONTHLY;BYMONTHDAY=31`` or ``BYMONTHDAY=1,15``) would fail again on every run. The run
that meets it reports it as any failure, and :func:`remember` keeps an
:class:`~calsync.outlook.models.UnsyncableEvent` (account, event, version, log entry).

* :func:`skipped` is what the local snapshot leaves out: those events while their version
  is the one remembered, and the exceptions of such a series (they cannot go without it).
* Editing the event (a new version) offers it again: when it syncs, or fails for another
  reason (reported as usual), the row goes; when it fails the same way, the row takes the
  new version and entry. Deleting the event deletes the row (cascade); Reset Account drops
  the rows with the account's links.
* :func:`listing` is what the status shows: how many, and why, in the reader's language.

Only series masters and single events are remembered: an exception fails with its series'
cause and is skipped with its series.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from calsync.calendars.models import Event
from calsync.outlook.models import OutlookAccount, UnsyncableEvent
from calsync.outlook.sync.log_messages import render
from calsync.syncengine.model import LocalItem

LISTED = 20
"""At most this many events are listed with their reason (all are counted)."""


def current(account: OutlookAccount) -> QuerySet[UnsyncableEvent]:
    """The account's rows whose event still has the version that failed."""
    return UnsyncableEvent.objects.filter(account=account, version=F("event__version"))


def skipped(account: OutlookAccount) -> Q:
    """Events the sync does not offer: remembered ones at their remembered version, and
    the exceptions of such series (a filter on :class:`~calsync.calendars.models.Event`)."""
    ids = current(account).values("event_id")
    return Q(pk__in=ids) | Q(series_id__in=ids)


def remember(
    account: OutlookAccount, offered: Iterable[LocalItem], failed: Mapping[str, dict[str, Any]]
) -> None:
    """After a run that offered ``offered`` to the engine: remember the events of ``failed``
    (local id -> the log entry of a push Outlook can never take in this version) at the
    version offered, and forget the other offered events (they synced, or failed for
    another reason that is reported as usual). Exceptions are never remembered."""
    versions = {
        int(item.local_id): item.version
        for item in offered
        if item.series_uid is None and item.local_id.isdigit()
    }
    if not versions:
        return
    keep = {int(i): e for i, e in failed.items() if i.isdigit() and int(i) in versions}
    with transaction.atomic():
        rows = UnsyncableEvent.objects.filter(account=account)
        stale = [pk for pk, event_id in rows.values_list("pk", "event_id") if event_id in versions]
        UnsyncableEvent.objects.filter(pk__in=stale).delete()
        alive = set(Event.objects.filter(pk__in=list(keep)).values_list("pk", flat=True))
        now = timezone.now()
        UnsyncableEvent.objects.bulk_create(
            UnsyncableEvent(
                account=account,
                event_id=event_id,
                version=versions[event_id],
                entry=dict(entry),
                recorded_at=now,
            )
            for event_id, entry in keep.items()
            if event_id in alive
        )


def listing(account: OutlookAccount, limit: int = LISTED) -> tuple[int, list[dict[str, Any]]]:
    """(how many events Outlook cannot hold, the first ``limit`` as ``{"event", "title",
    "reason"}``, the reason rendered in the active language)."""
    rows = current(account).select_related("event").order_by("event__title", "event_id")
    count = rows.count()
    if not count:
        return 0, []
    listed = [
        {"event": row.event_id, "title": row.event.title, "reason": render(row.entry)}
        for row in rows[:limit]
    ]
    return count, listed


__all__ = ["current", "listing", "remember", "skipped"]
