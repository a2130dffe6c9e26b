"""calsync's side of a sync, over the ORM: snapshots of changed events and engine writes.

Snapshot (:meth:`OrmLocalSide.snapshot`): the events changed since the last sync are those
of the user (single events, series masters and their exceptions) with no sync record for
the account, or whose ``version`` is not the record's ``local_version``; plus
the events of other users this account is linked to (a meeting two calsync users see: one
event here) whose version moved; plus the ``recheck`` ids a previous run asked for. Archived
events never synced are left out (nothing is done with them). A deletion here is seen as a
sync record whose event is gone (``event`` null, ``local_id`` kept). Events Outlook cannot
hold in their current version, and their exceptions, are left out
(:mod:`calsync.outlook.sync.unsyncable`).

Writes (:meth:`OrmLocalSide.apply_local`) go through :mod:`calsync.calendars.actions`, so
the page, the API and the sync obey the same rules; each action runs in its own savepoint
and fails alone. ``CreateLocal`` is idempotent by uid; an Outlook meeting whose iCalUId is
already an event of another calsync user (its organizer's) is linked to that event instead
of copied; a meeting the user organises folds in the own copies attendees made of it before
the user connected (:func:`calsync.outlook.sync.meetings.fold_copies`). On an event owned by
another user only the account's answer is written.

Series: a master's ``cancelled`` are its :class:`CancelledOccurrence` rows; an exception is
an item whose uid is :func:`~calsync.syncengine.model.occurrence_uid` of its master's uid
and original start (dates for all-day series), whatever the row's own uid. ``CreateLocal``
of an exception changes the master's occurrence (``do_update_occurrence``); ``ArchiveLocal``
of an exception cancels its occurrence (Outlook deleted it); new ``cancelled`` on a master
cancel those occurrences (ones the rule no longer has are ignored; Outlook cannot undo a
cancellation, so none is undone here either).

Mapping: the owner's e-mail and the mailbox address are one person (the organizer of the
user's own events); on a meeting the user does not organise, the user's own attendee entry
carries their answer (``my_response``) and its status reads "none" in the content.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F, Q

from calsync.calendars import actions as calendar_actions
from calsync.calendars import validation
from calsync.calendars.models import ORIGIN_OUTLOOK, Event, ShowAs
from calsync.msgraph import mapping
from calsync.outlook.models import OutlookAccount, OutlookLink
from calsync.outlook.sync import addresses, meetings, records, unsyncable
from calsync.outlook.sync.links import is_shared
from calsync.outlook.sync.scope import Scope
from calsync.syncengine.actions import ArchiveLocal, CreateLocal, LocalAction, UpdateLocal
from calsync.syncengine.errors import InvalidData, ItemNotFound
from calsync.syncengine.meetings import PERSONAL_FIELDS
from calsync.syncengine.model import Attendee, EventData, LocalItem, Person, occurrence_uid
from calsync.syncengine.sides import LocalOutcome
from calsync.syncengine.snapshots import LocalSnapshot

logger = logging.getLogger("calsync.outlook.sync")

FOLLOWED = ("title", "description", "location", "show_as", "privacy")
"""Fields an exception takes from its series when it holds the series' value (engine and
model names alike; see ``calsync.calendars.actions.FOLLOWED``)."""

CHUNK = 200
"""Local writes are committed in transactions of this many actions."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who syncs: the calsync user (id, e-mail), their mailbox (address, name), and every
    address they are known by (login, mailbox, the mailbox's aliases)."""

    user_id: int
    email: str
    mailbox: str
    name: str
    addresses: frozenset[str] = frozenset()

    @classmethod
    def of(cls, account: OutlookAccount, scope: Scope | None = None) -> Identity:
        """The account's identity; in a scope of a calendar another mailbox shares, its
        owner speaks for the user (their events read as the user's own, as
        :class:`~calsync.msgraph.calendar.OutlookCalendar` reads them with that owner as
        its mailbox)."""
        user = account.user
        mailbox = (account.mailbox or user.email).lower()
        name = account.display_name or user.display_name
        link = scope.link if scope is not None else None
        if link is not None and is_shared(link.owner_address, mailbox):
            mailbox, name = link.owner_address.lower(), link.owner_name
        return cls(
            user.pk,
            user.email.lower(),
            mailbox,
            name,
            addresses.of(account) | {mailbox},
        )

    def is_me(self, email: str) -> bool:
        email = email.lower()
        return email in self.addresses or email in (self.email, self.mailbox)


class OrmLocalSide:
    """The events of ``account``'s user, for the engine (see the module docstring)."""

    def __init__(
        self,
        account: OutlookAccount,
        on_progress: Callable[[int, int], None] | None = None,
        scope: Scope | None = None,
    ) -> None:
        """``on_progress(done, total)`` hears how far :meth:`apply_local` is (per chunk);
        ``scope``: which calendars pair (default: the mailbox's default calendar's)."""
        self.account = account
        self.scope = scope or Scope(account)
        self.on_progress = on_progress
        self.me = Identity.of(account, self.scope)
        self.invalid: list[tuple[str, Exception]] = []
        """Events that could not be read, as (event id, the reason)."""
        self._uids: dict[int, str] | None = None
        self._mailboxes: dict[str, str] = {}
        self._bases: dict[int, dict[str, Any]] | None = None

    # -- snapshot ----------------------------------------------------------------------

    def snapshot(self, recheck: Iterable[str] = ()) -> LocalSnapshot:
        """The events changed since the last sync, and the ids of those destroyed since
        (or gone to another scope's calendar). A pull-only scope offers nothing."""
        if self.scope.pull_only:
            return LocalSnapshot((), frozenset(), complete=False)
        records = self.scope.records()
        linked_ids = records.filter(event__isnull=False).values("event_id")
        recheck_ids = [int(i) for i in recheck if str(i).isdigit()]
        unsynced = self.scope.own_events().exclude(pk__in=linked_ids).filter(active=True)
        moved_ids = (
            records.filter(event__isnull=False)
            .exclude(self.scope.elsewhere())
            .exclude(local_version=F("event__version"))
            .values("event_id")
        )
        # one UNION of indexed reads (an OR of subqueries would scan every event)
        wanted = (
            unsynced.values("pk")
            .order_by()
            .union(
                moved_ids.order_by(),
                Event.objects.filter(pk__in=recheck_ids).values("pk").order_by(),
                self._answered_occurrences(linked_ids).order_by(),
            )
        )
        events = Event.objects.filter(pk__in=wanted).exclude(unsyncable.skipped(self.account))
        events = events.select_related("owner", "outlook_link", "series")
        events = events.prefetch_related("attendees", "cancellations")
        items = []
        for event in events:
            try:
                items.append(self.item(event))
            except (InvalidData, ValueError) as exc:
                self.invalid.append((str(event.pk), exc))
        gone = records.filter(Q(event__isnull=True) | self.scope.elsewhere())
        deleted = set(gone.values_list("local_id", flat=True))
        found = {item.local_id for item in items}
        deleted |= {str(i) for i in recheck_ids if str(i) not in found and not _exists(i)}
        return LocalSnapshot(tuple(items), frozenset(deleted), complete=False)

    def _answered_occurrences(self, linked_ids: Any) -> Any:
        """The ids of occurrences of other users' linked series that the user answered here
        on their own (exceptions carrying their entry, not linked yet)."""
        return (
            Event.objects.filter(series_id__in=linked_ids, attendees__email__in=self.me.addresses)
            .exclude(owner_id=self.me.user_id)
            .exclude(pk__in=linked_ids)
            .values("pk")
        )

    def item(self, event: Event) -> LocalItem:
        """The engine's view of ``event`` for this account."""
        organizer = event.organizer_email.lower()
        is_organizer = not organizer or self.me.is_me(organizer)
        own = None if is_organizer else self._own_attendee(event)
        data = self.data(event, is_organizer)
        if event.owner_id != self.me.user_id and not is_organizer:
            data = self._as_last_synced(event, data)
        link = getattr(event, "outlook_link", None)
        linked = self._linked_uids()
        uid = linked.get(event.pk) or self.scope.uid_for(str(event.uid))
        series_uid, original = None, None
        if event.series_id is not None and event.original_start is not None:
            series = event.series
            assert series is not None
            series_uid = linked.get(series.pk) or self.scope.uid_for(str(series.uid))
            original = original_key(event.original_start, series)
            uid = linked.get(event.pk) or occurrence_uid(series_uid, original)
        return LocalItem(
            uid=uid,
            local_id=str(event.pk),
            version=event.version,
            data=data,
            active=event.active,
            modified_at=event.updated,
            is_organizer=is_organizer,
            my_response=None if is_organizer else (own.status if own else "none"),
            response_comment=own.comment if own is not None else "",
            send_response=own.send_response if own is not None else True,
            ical_uid=(link.ical_uid or None) if link is not None and not series_uid else None,
            series_uid=series_uid,
            original_start=original,
        )

    def _as_last_synced(self, event: Event, data: EventData) -> EventData:
        """Another calsync user's meeting, as this account last synced it, with the user's
        own show-as: its organiser's changes reach this mailbox through Outlook, so here
        only the user's own values change (else every difference of spelling between the
        organiser's event and this mailbox's copy would read as the user's edit)."""
        if self._bases is None:
            rows = self.scope.records().filter(event__isnull=False)
            rows = rows.exclude(event__owner_id=self.me.user_id)
            self._bases = {int(e): base for e, base in rows.values_list("event_id", "base")}
        base = self._bases.get(event.pk)
        if base is None:
            return data
        return records.data_from_json(base).with_fields({"show_as": data.show_as})

    def _linked_uids(self) -> dict[int, str]:
        """The uid each linked event of this account has in the status: an exception keeps
        the uid it was linked under when its series moves its original start."""
        if self._uids is None:
            rows = self.scope.records().filter(event__isnull=False)
            self._uids = {int(e): str(u) for e, u in rows.values_list("event_id", "uid")}
        return self._uids

    def data(self, event: Event, is_organizer: bool) -> EventData:
        organizer_email = event.organizer_email.lower()
        if not organizer_email or self.me.is_me(organizer_email):
            organizer = Person(self.me.mailbox, self.me.name)
        else:
            organizer = Person(self._mailbox_of(organizer_email), event.organizer_name)
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
            show_as=self._show_as(event, is_organizer),
            privacy=event.privacy,
            organizer=organizer,
            attendees=attendees,
            recurrence=event.recurrence or None,
        )
        if data.recurrence:
            cancelled = [original_key(c.original_start, event) for c in event.cancellations.all()]
            data = data.with_fields(
                {"recurrence": mapping.canonical_rrule(data), "cancelled": cancelled}
            )
        return data

    def _mailbox_of(self, email: str) -> str:
        """The address Outlook shows for the organiser ``email``: the connected mailbox's
        when they are a calsync user with one (their login is not what Outlook shows)."""
        if email not in self._mailboxes:
            self._mailboxes[email] = meetings.outlook_address(email)
        return self._mailboxes[email]

    def _show_as(self, event: Event, is_organizer: bool) -> str:
        """The show-as the user sees: on a meeting they do not organise, their own."""
        own = None if is_organizer else self._own_attendee(event)
        return (own.show_as if own is not None else "") or event.show_as

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
            if self.on_progress is not None:
                self.on_progress(start, len(actions))
            with transaction.atomic():
                chunk = actions[start : start + CHUNK]
                bulk = self._create_bulk(chunk)
                for index, action in enumerate(chunk):
                    outcomes.append(bulk[index] if index in bulk else self._apply_one(action))
        if self.on_progress is not None:
            self.on_progress(len(actions), len(actions))
        return outcomes

    def _bulk_candidates(self, chunk: Sequence[LocalAction]) -> dict[int, CreateLocal]:
        """``chunk``'s creates that may go in one bulk insert (see :meth:`_create_bulk`)."""
        picked: dict[int, CreateLocal] = {}
        for index, action in enumerate(chunk):
            if (
                isinstance(action, CreateLocal)
                and action.series_uid is None
                and action.is_organizer  # another's meeting may be an event already here
                and not action.data.cancelled
            ):
                picked[index] = action
        if len(picked) < 2:
            return {}  # no bulk for one: spare the queries
        uids = [action.uid for action in picked.values()]
        taken = {str(u) for u in Event.objects.filter(uid__in=uids).values_list("uid", flat=True)}
        icals = [action.ical_uid for action in picked.values() if action.ical_uid]
        shared = set(
            OutlookLink.objects.filter(ical_uid__in=icals)
            .exclude(event__owner_id=self.me.user_id)
            .values_list("ical_uid", flat=True)
        )
        seen: set[str] = set()
        for index, action in list(picked.items()):
            if action.uid in taken or action.uid in seen or (action.ical_uid or "") in shared:
                del picked[index]
            seen.add(action.uid)
        return picked

    def _create_bulk(self, chunk: Sequence[LocalAction]) -> dict[int, LocalOutcome]:
        """The outcomes of ``chunk``'s plain creates, made with a few queries (a pull of a
        whole calendar): those of a new event with no exception, no cancellation, no event
        with its uid yet and no other user's event with its iCalUId. Keyed by position in
        ``chunk``; the rest (and all of them after a database error) go one by one."""
        picked = self._bulk_candidates(chunk)
        if len(picked) < 2:
            return {}
        order = list(picked)
        try:
            with transaction.atomic():
                made = calendar_actions.do_create_events_bulk(
                    self.account.user,
                    [(self._new_values(picked[i]), picked[i].uid) for i in order],
                )  # fmt: skip
                Event.objects.filter(pk__in=[e.pk for e in made if isinstance(e, Event)]).update(
                    origin=ORIGIN_OUTLOOK
                )
                OutlookLink.objects.bulk_create(
                    OutlookLink(
                        event=event,
                        account=self.account,
                        remote_id=picked[index].remote_id,
                        ical_uid=picked[index].ical_uid or "",
                        synced_at=None,
                    )
                    for index, event in zip(order, made, strict=True)
                    if isinstance(event, Event)
                )
        except DatabaseError:
            logger.warning("sync: bulk create failed; creating the events one by one")
            return {}
        reloaded = (
            Event.objects.select_related("owner", "outlook_link", "series")
            .prefetch_related("attendees", "cancellations")
            .in_bulk([event.pk for event in made if isinstance(event, Event)])
        )
        outcomes: dict[int, LocalOutcome] = {}
        for index, result in zip(order, made, strict=True):
            if isinstance(result, ValidationError):
                outcomes[index] = InvalidData(_first_field(result), "; ".join(result.messages))
                continue
            try:
                outcomes[index] = self.item(reloaded[result.pk])
            except (InvalidData, ValueError) as exc:
                outcomes[index] = exc
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
            if event.owner_id == self.me.user_id and event.series_id is not None:
                gone = self.item(self._reload(event))
                calendar_actions.do_delete_event(event)  # the occurrence is cancelled
                return gone
            if event.owner_id == self.me.user_id:
                event = calendar_actions.do_archive_event(event)
            return self.item(self._reload(event))
        assert isinstance(action, UpdateLocal)
        fields = dict(action.fields)
        answer = fields.pop("my_response", None)
        if not self._organises(event):  # the answer and the show-as are on our own entry
            mine = {"status": answer} if answer is not None else {}
            mine.update({k: fields.pop(k) for k in PERSONAL_FIELDS if k in fields})
            meetings.write_mine(event, self.me.addresses, mine)
            answer = None
        if event.owner_id != self.me.user_id:
            fields = {}  # another user's event: only our own values are ours to write
        cancelled = fields.pop("cancelled", None)
        if event.series_id is not None:
            fields.pop("recurrence", None)
        changes = self._changes(event, fields, answer)
        if changes:
            versions = dict(event.exceptions.values_list("pk", "version"))
            event = calendar_actions.do_update_event(event, changes)
            if versions:
                self._followed(event, versions, changes)
        if cancelled is not None:
            self._cancel(event, cancelled)
        return self.item(self._reload(event))

    def _followed(self, series: Event, versions: dict[int, int], changes: dict[str, Any]) -> None:
        """Outlook's change of ``series`` just written here: its exceptions that took the
        new values here (they had the old ones) took them in Outlook too, where an
        exception keeps only what it overrides. Their records say so, so that the next run
        does not write them again (each such write mails every attendee)."""
        names = [name for name in FOLLOWED if name in changes]
        if not names:
            return
        rows = self.scope.records().filter(event__series=series)
        for record in rows.select_related("event"):
            exception = record.event
            assert exception is not None
            before = versions.get(exception.pk)
            if before is None or record.local_version != before or exception.version == before:
                continue  # an edit of its own is pending, or it did not follow
            base = dict(record.base)
            for name in names:
                if getattr(exception, name) == getattr(series, name):
                    base[name] = getattr(exception, name)
            record.base, record.local_version = base, exception.version
            record.save(update_fields=["base", "local_version"])

    def _cancel(self, series: Event, cancelled: Iterable[datetime | date]) -> None:
        """Cancel the occurrences of ``series`` at ``cancelled`` not cancelled yet."""
        series = Event.objects.get(pk=series.pk)
        if not series.is_series:
            return
        done = {original_key(c.original_start, series) for c in series.cancellations.all()}
        for original in cancelled:
            if original in done:
                continue
            try:
                instant = original_instant(original, series)
                with transaction.atomic():
                    calendar_actions.do_cancel_occurrence(series, instant)
            except ValidationError:
                logger.info("sync: series %s has no occurrence to cancel there", series.pk)

    def _create(self, action: CreateLocal) -> LocalItem:
        """An Outlook event new to this account: the event it already is here (the
        organiser's, or an earlier attempt's), else a new one of the organiser when
        another calsync user organises it, else the user's own (docs/sync.md, Meetings)."""
        if action.series_uid is not None:
            return self._create_exception(action)
        organiser = meetings.owner_for(self.me.user_id, action.data, action.is_organizer)
        owner = organiser or self.account.user
        found = meetings.existing(action.uid, action.ical_uid, owner.pk)
        if found is not None:
            if organiser is not None:
                meetings.write_mine(found, self.me.addresses, self._mine(action))
            return self.item(self._reload(found))
        values = self._values(action.data, None, None if organiser else action.my_response)
        if organiser is not None:  # the organiser's event: our show-as is ours alone
            values["show_as"] = ShowAs.BUSY
        else:
            values["calendar"] = self.scope.new_event_calendar()
        event = calendar_actions.do_create_event(owner, values)
        if action.is_organizer:  # attendees' own copies from before we connected
            meetings.fold_copies(event, action.ical_uid)
        taken = Event.objects.filter(uid=action.uid).exists()
        uid = meetings.own_copy_uid(action.uid, owner.pk) if taken else action.uid
        Event.objects.filter(pk=event.pk).update(uid=uid, origin=ORIGIN_OUTLOOK)
        if organiser is not None:
            meetings.write_mine(event, self.me.addresses, self._mine(action))
        if action.data.cancelled:
            self._cancel(event, action.data.cancelled)
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

    def _create_exception(self, action: CreateLocal) -> LocalItem:
        """Outlook's exception: the master's occurrence here becomes an exception (again
        the same row when it already is one: a retry creates no copy)."""
        assert action.original_start is not None
        series = self._series(str(action.series_uid))
        if series is None or not series.is_series:
            raise ItemNotFound(str(action.series_uid))
        original = original_instant(action.original_start, series)
        shared = series.owner_id != self.me.user_id  # another calsync user's meeting
        if shared:
            existing = series.exceptions.filter(original_start=original).first()
            if existing is not None:  # the organiser's sync brought it: the same one event
                meetings.write_mine(existing, self.me.addresses, self._mine(action))
                return self.item(self._reload(existing))
        fields = {
            name: getattr(action.data, name)
            for name in action.data.canonical()
            if name not in ("recurrence", "cancelled")
        }
        if shared:
            fields.pop("show_as", None)  # ours alone, on our entry
        changes = self._changes(None, fields, None if shared else action.my_response)
        event = calendar_actions.do_update_occurrence(series, original, changes)
        if shared:
            meetings.write_mine(event, self.me.addresses, self._mine(action))
        if not shared:  # a shared meeting's link is its organiser's
            OutlookLink.objects.update_or_create(
                event=event,
                defaults={
                    "account": self.account,
                    "remote_id": action.remote_id,
                    "synced_at": None,
                },
            )
        return self.item(self._reload(event))

    def _new_values(self, action: CreateLocal) -> dict[str, Any]:
        """The values of the user's own new event ``action`` makes (in the scope's calendar)."""
        values = self._values(action.data, None, action.my_response)
        values["calendar"] = self.scope.new_event_calendar()
        return values

    def _organises(self, event: Event) -> bool:
        organizer = event.organizer_email.lower()
        return self.me.is_me(organizer) if organizer else event.owner_id == self.me.user_id

    @staticmethod
    def _mine(action: CreateLocal) -> dict[str, Any]:
        """The user's own values an Outlook meeting brings: their answer and show-as."""
        mine: dict[str, Any] = {"show_as": action.data.show_as}
        if action.my_response is not None:
            mine["status"] = action.my_response
        return mine

    def _series(self, series_uid: str) -> Event | None:
        """The master an exception follows: one of the user's own events by uid (or by their
        own copy's), the organiser's series they attend by uid, or the event this account's
        status links it to."""
        uids = [series_uid, meetings.own_copy_uid(series_uid, self.me.user_id)]
        candidates = list(Event.objects.filter(uid__in=uids).prefetch_related("attendees"))
        own = next((e for e in candidates if e.owner_id == self.me.user_id), None)
        invited = next(
            (e for e in candidates if meetings.my_entry(e, self.me.addresses) is not None), None
        )
        if own is not None or invited is not None:  # (the latter: its organiser's series)
            return own or invited
        record = self.scope.records().filter(uid=series_uid).select_related("event").first()
        return record.event if record is not None else None

    def _event(self, local_id: str) -> Event:
        event = Event.objects.filter(pk=int(local_id)).first() if local_id.isdigit() else None
        if event is None:
            raise ItemNotFound(local_id)
        return event

    @staticmethod
    def _reload(event: Event) -> Event:
        return (
            Event.objects.select_related("owner", "outlook_link", "series")
            .prefetch_related("attendees", "cancellations")
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


def original_key(value: datetime, series: Event) -> datetime | date:
    """An original start as the engine keys it: the instant, or for an all-day series the
    local date (rows keep local midnight of that date)."""
    if series.all_day:
        return value.astimezone(ZoneInfo(series.timezone)).date()
    return value


def original_instant(value: datetime | date, series: Event) -> datetime:
    """The inverse of :func:`original_key` for ``series``."""
    if isinstance(value, datetime):
        return value
    return validation.midnight(value, ZoneInfo(series.timezone))


def _exists(event_id: int) -> bool:
    return Event.objects.filter(pk=event_id).exists()


def _first_field(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return next(iter(error.error_dict), "event")
    return "event"
