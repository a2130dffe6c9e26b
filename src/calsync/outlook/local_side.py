"""calsync's side of a sync, over the ORM: snapshots of changed events and engine writes.

Snapshot (:meth:`OrmLocalSide.snapshot`): the events changed since the last sync are those
of the user (single events and series masters; exceptions are not synced yet) with no sync
record for the account, or whose ``version`` is not the record's ``local_version``; plus
the events of other users this account is linked to (a meeting two calsync users see: one
event here) whose version moved; plus the ``recheck`` ids a previous run asked for. Archived
events never synced are left out (nothing is done with them). A deletion here is seen as a
sync record whose event is gone (``event`` null, ``local_id`` kept).

Writes (:meth:`OrmLocalSide.apply_local`) go through :mod:`calsync.calendars.actions`, so
the page, the API and the sync obey the same rules; each action runs in its own savepoint
and fails alone. ``CreateLocal`` is idempotent by uid; an Outlook meeting whose iCalUId is
already an event of another calsync user (its organizer's) is linked to that event instead
of copied. On an event owned by another user only the account's answer is written.

Mapping: the owner's e-mail and the mailbox address are one person (the organizer of the
user's own events); on a meeting the user does not organise, the user's own attendee entry
carries their answer (``my_response``) and its status reads "none" in the content.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from calsync.calendars import actions as calendar_actions
from calsync.calendars.models import Event
from calsync.msgraph import mapping
from calsync.outlook.models import OutlookAccount, OutlookLink, SyncRecord
from calsync.syncengine.actions import ArchiveLocal, CreateLocal, LocalAction, UpdateLocal
from calsync.syncengine.errors import InvalidData, ItemNotFound
from calsync.syncengine.model import Attendee, EventData, LocalItem, Person
from calsync.syncengine.sides import LocalOutcome
from calsync.syncengine.snapshots import LocalSnapshot

logger = logging.getLogger("calsync.outlook.sync")

CHUNK = 200
"""Local writes are committed in transactions of this many actions."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who syncs: the calsync user (id, e-mail) and their mailbox (address, name)."""

    user_id: int
    email: str
    mailbox: str
    name: str

    @classmethod
    def of(cls, account: OutlookAccount) -> Identity:
        user = account.user
        return cls(
            user.pk,
            user.email.lower(),
            (account.mailbox or user.email).lower(),
            account.display_name or user.display_name,
        )

    def is_me(self, email: str) -> bool:
        return email.lower() in (self.email, self.mailbox)


class OrmLocalSide:
    """The events of ``account``'s user, for the engine (see the module docstring)."""

    def __init__(self, account: OutlookAccount) -> None:
        self.account = account
        self.me = Identity.of(account)
        self.invalid: list[tuple[str, str]] = []
        """Events that could not be read, as (event id, message)."""

    # -- snapshot ----------------------------------------------------------------------

    def snapshot(self, recheck: Iterable[str] = ()) -> LocalSnapshot:
        """The events changed since the last sync, and the ids of those destroyed since."""
        records = SyncRecord.objects.filter(account=self.account)
        linked_ids = records.filter(event__isnull=False).values("event_id")
        recheck_ids = [int(i) for i in recheck if str(i).isdigit()]
        mine = Event.objects.filter(owner_id=self.me.user_id, series__isnull=True)
        unsynced = mine.exclude(pk__in=linked_ids).filter(active=True)
        moved_ids = (
            records.filter(event__isnull=False)
            .exclude(local_version=F("event__version"))
            .values("event_id")
        )
        query = Q(pk__in=unsynced.values("pk")) | Q(pk__in=moved_ids) | Q(pk__in=recheck_ids)
        events = Event.objects.filter(query).select_related("owner", "outlook_link")
        events = events.prefetch_related("attendees")
        items = []
        for event in events:
            try:
                items.append(self.item(event))
            except (InvalidData, ValueError) as exc:
                self.invalid.append((str(event.pk), str(exc)))
        deleted = set(records.filter(event__isnull=True).values_list("local_id", flat=True))
        found = {item.local_id for item in items}
        deleted |= {str(i) for i in recheck_ids if str(i) not in found and not _exists(i)}
        return LocalSnapshot(tuple(items), frozenset(deleted), complete=False)

    def item(self, event: Event) -> LocalItem:
        """The engine's view of ``event`` for this account."""
        organizer = event.organizer_email.lower()
        is_organizer = not organizer or self.me.is_me(organizer)
        own = None if is_organizer else self._own_attendee(event)
        data = self.data(event, is_organizer)
        link = getattr(event, "outlook_link", None)
        return LocalItem(
            uid=str(event.uid),
            local_id=str(event.pk),
            version=event.version,
            data=data,
            active=event.active,
            modified_at=event.updated,
            is_organizer=is_organizer,
            my_response=None if is_organizer else (own.status if own else "none"),
            ical_uid=(link.ical_uid or None) if link is not None else None,
        )

    def data(self, event: Event, is_organizer: bool) -> EventData:
        organizer_email = event.organizer_email.lower()
        if not organizer_email or self.me.is_me(organizer_email):
            organizer = Person(self.me.mailbox, self.me.name)
        else:
            organizer = Person(organizer_email, event.organizer_name)
        attendees = tuple(
            Attendee(
                a.email,
                a.name,
                a.type,
                "none" if (not is_organizer and self.me.is_me(a.email)) else a.status,
            )
            for a in event.attendees.all()
        )
        if event.all_day:
            start: datetime | date = event.start_date  # type: ignore[assignment]
            end: datetime | date = event.end_date  # type: ignore[assignment]
        else:
            start, end = event.start, event.end
        data = EventData(
            title=event.title,
            start=start,
            end=end,
            timezone=event.timezone,
            all_day=event.all_day,
            description=event.description,
            location=event.location,
            show_as=event.show_as,
            privacy=event.privacy,
            organizer=organizer,
            attendees=attendees,
            recurrence=event.recurrence or None,
        )
        if data.recurrence:
            data = data.with_fields({"recurrence": mapping.canonical_rrule(data)})
        return data

    def _own_attendee(self, event: Event) -> Any:
        for attendee in event.attendees.all():
            if self.me.is_me(attendee.email):
                return attendee
        return None

    # -- writes ------------------------------------------------------------------------

    def apply_local(self, actions: Sequence[LocalAction]) -> list[LocalOutcome]:
        """Carry out ``actions`` (engine contract: one outcome per action, failures returned)."""
        outcomes: list[LocalOutcome] = []
        for start in range(0, len(actions), CHUNK):
            with transaction.atomic():
                for action in actions[start : start + CHUNK]:
                    outcomes.append(self._apply_one(action))
        return outcomes

    def _apply_one(self, action: LocalAction) -> LocalOutcome:
        try:
            with transaction.atomic():
                return self._apply(action)
        except ValidationError as exc:
            return InvalidData(_first_field(exc), "; ".join(exc.messages))
        except (InvalidData, ItemNotFound) as exc:
            return exc
        except Exception as exc:  # one bad event never blocks the others
            logger.exception("sync: local %s of %s failed", type(action).__name__, action.uid)
            return exc

    def _apply(self, action: LocalAction) -> LocalItem:
        if isinstance(action, CreateLocal):
            return self._create(action)
        event = self._event(action.local_id)
        if isinstance(action, ArchiveLocal):
            if event.owner_id == self.me.user_id:
                event = calendar_actions.do_archive_event(event)
            return self.item(self._reload(event))
        assert isinstance(action, UpdateLocal)
        fields = dict(action.fields)
        answer = fields.pop("my_response", None)
        if event.owner_id != self.me.user_id:
            fields = {}  # another user's event: only our answer is ours to write
        changes = self._changes(event, fields, answer)
        if changes:
            event = calendar_actions.do_update_event(event, changes)
        return self.item(self._reload(event))

    def _create(self, action: CreateLocal) -> LocalItem:
        existing = Event.objects.filter(uid=action.uid).first()
        if existing is not None:
            return self.item(self._reload(existing))
        if action.ical_uid:
            shared = (
                OutlookLink.objects.filter(ical_uid=action.ical_uid)
                .exclude(event__owner_id=self.me.user_id)
                .select_related("event")
                .first()
            )
            if shared is not None:
                return self.item(self._reload(shared.event))
        values = self._values(action.data, None, action.my_response)
        event = calendar_actions.do_create_event(self.account.user, values)
        Event.objects.filter(pk=event.pk).update(uid=action.uid)
        # the link now, in the event's transaction: should the run die before it records,
        # the next one pairs this event with its Outlook copy by iCalUId, not a copy of it
        OutlookLink.objects.update_or_create(
            event=event,
            defaults={
                "account": self.account,
                "remote_id": action.remote_id,
                "ical_uid": action.ical_uid or "",
                "synced_at": None,
            },
        )
        return self.item(self._reload(event))

    def _event(self, local_id: str) -> Event:
        event = Event.objects.filter(pk=int(local_id)).first() if local_id.isdigit() else None
        if event is None:
            raise ItemNotFound(local_id)
        return event

    @staticmethod
    def _reload(event: Event) -> Event:
        return (
            Event.objects.select_related("owner", "outlook_link")
            .prefetch_related("attendees")
            .get(pk=event.pk)
        )

    def _values(self, data: EventData, event: Event | None, answer: str | None) -> dict[str, Any]:
        """Model values (for the calendar actions) of every field of ``data``."""
        fields = {name: getattr(data, name) for name in data.canonical()}
        return self._changes(event, fields, answer)

    def _changes(
        self, event: Event | None, fields: dict[str, Any], answer: str | None
    ) -> dict[str, Any]:
        """The ``changes`` dict of the calendar actions for engine ``fields``."""
        changes: dict[str, Any] = {}
        for name in ("title", "description", "location", "show_as", "privacy", "timezone"):
            if name in fields:
                changes[name] = fields[name]
        if "recurrence" in fields:
            changes["recurrence"] = fields["recurrence"] or ""
        if "organizer" in fields:
            person = fields["organizer"]
            if person is None or self.me.is_me(person.email):
                changes["organizer_email"] = self.me.email
                changes["organizer_name"] = ""
            else:
                changes["organizer_email"] = person.email
                changes["organizer_name"] = person.name
        if {"start", "end", "all_day"} & fields.keys():
            all_day = fields.get("all_day", event.all_day if event else False)
            start = fields.get("start", _current(event, "start"))
            end = fields.get("end", _current(event, "end"))
            changes["all_day"] = all_day
            if all_day:
                changes["start_date"], changes["end_date"] = start, end
            else:
                changes["start"], changes["end"] = start, end
        if "attendees" in fields or answer is not None:
            current = {a.email: a.status for a in event.attendees.all()} if event else {}
            people = fields.get("attendees")
            if people is None:
                people = [
                    Attendee(a.email, a.name, a.type, a.status) for a in event.attendees.all()
                ] if event else []  # fmt: skip
            rows = []
            for person in people:
                status = person.status
                if self.me.is_me(person.email):
                    status = answer if answer is not None else current.get(person.email, status)
                rows.append(
                    {"email": person.email, "name": person.name, "type": person.type,
                     "status": status}
                )  # fmt: skip
            changes["attendees"] = rows
        return changes


def _current(event: Event | None, which: str) -> Any:
    if event is None:
        return None
    if event.all_day:
        return event.start_date if which == "start" else event.end_date
    return event.start if which == "start" else event.end


def _exists(event_id: int) -> bool:
    return Event.objects.filter(pk=event_id).exists()


def _first_field(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return next(iter(error.error_dict), "event")
    return "event"
