"""What one part of a sync run pairs: one Outlook calendar of the account's mailbox and the
calsync events that go with it (docs/sync.md, Several calendars).

* The **primary** scope (no link) is the mailbox's default calendar with every calsync
  calendar of the user that no :class:`~calsync.outlook.models.CalendarLink` takes:
  today's one-calendar sync, its state on the account row.
* A **link** scope is one more calendar (own or shared) with the link's calsync calendar;
  its state (delta link, window, rechecks, first sync) is on the link row.

Each scope has its own sync records (``SyncRecord.scope``). In a link scope an event never
synced pairs under a uid of its own (:meth:`Scope.uid_for`): Outlook keeps one
``transactionId`` per mailbox, so a copy in a second calendar must not reuse the uid its
copy in the default calendar was made with.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from calsync.calendars.models import Calendar, Event
from calsync.outlook.models import PRIMARY_SCOPE, CalendarLink, OutlookAccount, SyncRecord

_UID_NAMESPACE = uuid.UUID("6f2c3f4e-0d6b-4f39-9a55-3c1b7d0f8a21")


@dataclass(frozen=True)
class Scope:
    """The ``account``'s default calendar (``link`` None) or one of its linked calendars."""

    account: OutlookAccount
    link: CalendarLink | None = None

    @property
    def key(self) -> str:
        """``SyncRecord.scope`` of this scope's records."""
        return PRIMARY_SCOPE if self.link is None else self.link.scope

    @property
    def pull_only(self) -> bool:
        """Outlook's changes come here; nothing is written to Outlook."""
        return self.link is not None and self.link.mode == CalendarLink.MODE_FROM_OUTLOOK

    def records(self) -> QuerySet[SyncRecord]:
        return SyncRecord.objects.filter(account=self.account, scope=self.key)

    def own_events(self) -> QuerySet[Event]:
        """The user's own events this scope syncs (any state): never a mirror copy (a copy
        is never copied on, whatever link meets it)."""
        mine = Event.objects.filter(owner_id=self.account.user_id, mirror_of="")
        if self.link is not None:
            return mine.filter(calendar_id=self.link.calendar_id)
        return mine.exclude(calendar_id__in=linked_away(self.account))

    def elsewhere(self) -> Q:
        """Events with a record of this scope that now belong to another scope (their
        calendar was linked away, or moved): here they count as deleted."""
        if self.link is not None:
            return Q(event__owner_id=self.account.user_id) & ~Q(
                event__calendar_id=self.link.calendar_id
            )
        return Q(event__owner_id=self.account.user_id, event__calendar_id__in=linked_away(
            self.account
        ))  # fmt: skip

    def new_event_calendar(self) -> Calendar | None:
        """Where an event new from Outlook goes (None: the user's default calendar)."""
        return None if self.link is None else self.link.calendar

    def uid_for(self, event_uid: str) -> str:
        """The uid an event never synced in this scope pairs under."""
        if self.link is None:
            return event_uid
        return str(uuid.uuid5(_UID_NAMESPACE, f"{self.key}/{event_uid}"))

    # -- the scope's sync state ---------------------------------------------------------

    @property
    def _state_row(self) -> OutlookAccount | CalendarLink:
        return self.account if self.link is None else self.link

    def delta(self) -> tuple[str, datetime, datetime] | None:
        """The stored delta link and its window, if any."""
        row = self._state_row
        if row.delta_link and row.window_start and row.window_end:
            return row.delta_link, row.window_start, row.window_end
        return None

    @property
    def first_synced_at(self) -> datetime | None:
        return self._state_row.first_synced_at

    @property
    def recheck_local(self) -> list[str]:
        return list(self._state_row.recheck_local or [])

    @property
    def recheck_remote(self) -> list[str]:
        return list(self._state_row.recheck_remote or [])

    def save_state(self, fields: dict[str, Any]) -> None:
        """Store the run's state fields (delta link, window, rechecks, first sync) on the
        scope's row; the primary also takes ``last_sync``."""
        if self.link is None:
            OutlookAccount.objects.filter(pk=self.account.pk).update(**fields)
            return
        fields = {k: v for k, v in fields.items() if k != "last_sync"}
        CalendarLink.objects.filter(pk=self.link.pk).update(**fields)


def linked_away(account: OutlookAccount) -> QuerySet[CalendarLink, Any]:
    """The ids of the calsync calendars a link takes from the default calendar (any mode:
    a link turned ``off`` keeps its calendar out of the default one too)."""
    return CalendarLink.objects.filter(account=account).values("calendar_id")


def primary(account: OutlookAccount) -> Scope:
    return Scope(account)
