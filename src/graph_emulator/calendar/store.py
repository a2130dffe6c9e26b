"""``CalendarStore``: every mailbox's calendar, and the operations Graph's routes call.

Contract:
* Construct as ``CalendarStore(world)`` (uses ``world.lock``, ``world.clock()``,
  ``world.outbox`` and ``world.on_event_change``) or standalone with keyword arguments.
* Every public method takes the lock, validates the whole input before changing anything,
  and raises ``CalendarError`` (status, Graph code, message naming the property).
* Each committed change bumps the mailbox's sequence number, rotates the ``changeKey``
  (and so ``@odata.etag``), appends to the change log that delta reads, and notifies the
  world after the operation (occurrence changes notify an update of their series master).
* ``transactionId``: a create repeating the ``transactionId`` of an event that still exists
  in the same mailbox returns that first event unchanged (``created`` False; the route
  still answers 201). Once the first event is deleted the id may be used again.
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from graph_emulator.calendar import calendars, ids, meetings
from graph_emulator.calendar.errors import (
    CalendarError,
    invalid_property,
    invalid_request,
    not_found,
)
from graph_emulator.calendar.exceptions import (
    check_boundary,
    drop_misfits,
    expand,
    occurrence,
    overlaps,
    stored_instance,
)
from graph_emulator.calendar.model import (
    EventRecord,
    ExceptionRecord,
    Instance,
    Mailbox,
    Span,
    default_props,
)
from graph_emulator.calendar.properties import MISSING, Changes, parse_changes
from graph_emulator.calendar.recurrence import Recurrence, parse_recurrence
from graph_emulator.calendar.timezones import custom_zone

ChangeHook = Callable[[str, str, str, "str | None"], None]


def build_span(changes: Changes, current: Span | None) -> Span:
    """The event's new span from a body and the current one; validates all-day rules."""
    if changes.start is not MISSING:
        start, start_zone = changes.start
    else:
        assert current is not None
        start, start_zone = current.start, current.start_zone
    if changes.end is not MISSING:
        end, end_zone = changes.end
    else:
        assert current is not None
        end, end_zone = current.end, current.end_zone
    all_day = (
        changes.is_all_day
        if changes.is_all_day is not MISSING
        else bool(current and current.is_all_day)
    )
    if end < start:
        raise invalid_property("end", "the end of an event must not be before its start")
    if all_day:
        if start.time() != datetime.min.time() or end.time() != datetime.min.time():
            raise invalid_property(
                "isAllDay", "start and end of an all-day event must be at midnight"
            )
        if start_zone.iana != end_zone.iana:
            raise invalid_property(
                "isAllDay", "start and end of an all-day event must be in the same time zone"
            )
        if end.date() <= start.date():
            raise invalid_property(
                "isAllDay", "The duration of an event marked as All day must be at least 24 hours"
            )
    return Span(start, end, start_zone, end_zone, all_day)


def _custom_span(span: Span) -> Span:
    """``span`` with its zones turned into custom zones of the same rules."""
    start_zone, end_zone = custom_zone(span.start_zone.iana), custom_zone(span.end_zone.iana)
    start, end = span.start.astimezone(start_zone.tz), span.end.astimezone(end_zone.tz)
    return Span(start, end, start_zone, end_zone, span.is_all_day)


def _merge_attendees(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New attendee list keeping the tracked status of attendees already invited."""
    statuses = {a["emailAddress"]["address"].lower(): a["status"] for a in old}
    merged = []
    for attendee in new:
        attendee = copy.deepcopy(attendee)
        status = statuses.get(attendee["emailAddress"]["address"].lower())
        if status is not None:
            attendee["status"] = dict(status)
        merged.append(attendee)
    return merged


def _etag_matches(etag: str, if_match: str) -> bool:
    for candidate in if_match.split(","):
        candidate = candidate.strip()
        if candidate == "*":
            return True
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate.strip('"') == etag[2:].strip('"'):
            return True
    return False


class CalendarStore:
    """All mailboxes' calendars (pure state; the Graph routes are in ``graph_emulator.graph``)."""

    def __init__(
        self,
        world: Any = None,
        *,
        clock: Callable[[], datetime] | None = None,
        outbox: list[dict[str, Any]] | None = None,
        on_change: ChangeHook | None = None,
        delta_generations: int = 4,
    ) -> None:
        self._world = world
        self.lock: threading.RLock = world.lock if world is not None else threading.RLock()
        self._clock = clock
        self._outbox = outbox if outbox is not None else []
        self._on_change = on_change
        self.delta_generations = delta_generations
        self.secret = secrets.token_bytes(32)
        self.mailboxes: dict[str, Mailbox] = {}
        self._by_address: dict[str, str] = {}
        self._pending: list[tuple[str, str, str, str | None]] = []
        self._depth = 0

    # --- plumbing ---------------------------------------------------------------------
    def now(self) -> datetime:
        """Now, aware UTC (the world's clock when there is a world)."""
        if self._world is not None:
            return self._world.clock().astimezone(UTC)
        if self._clock is not None:
            return self._clock().astimezone(UTC)
        return datetime.now(UTC)

    @property
    def outbox(self) -> list[dict[str, Any]]:
        return self._world.outbox if self._world is not None else self._outbox

    @contextmanager
    def operation(self) -> Iterator[None]:
        """Hold the lock; deliver change notifications when the outermost operation ends."""
        with self.lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            if self._depth == 0:
                pending, self._pending = self._pending, []
                for note in pending:
                    self._notify(*note)

    def _notify(self, user_id: str, event_id: str, change: str, etag: str | None) -> None:
        if self._world is not None:
            self._world.on_event_change(user_id, event_id, change, etag)
        elif self._on_change is not None:
            self._on_change(user_id, event_id, change, etag)

    def touch(self, mb: Mailbox, rec: EventRecord, change: str = "updated") -> None:
        """Record a committed change of ``rec``: seq, changeKey, log, notification."""
        mb.seq += 1
        rec.seq = mb.seq
        rec.change_key = ids.new_change_key()
        rec.modified = self.now()
        mb.log_seqs.append(mb.seq)
        mb.log_numbers.append(rec.number)
        self._pending.append((mb.user_id, rec.id, change, f'W/"{rec.change_key}"'))

    def insert(self, mb: Mailbox, rec: EventRecord) -> None:
        """Store a new record in ``mb`` (assigns its number) and record its creation."""
        rec.number = mb.next_number
        mb.next_number += 1
        mb.records[rec.number] = rec
        mb.numbers.append(rec.number)
        mb.by_id[rec.id] = rec.number
        mb.by_uid.setdefault(rec.ical_uid, rec.number)
        if rec.transaction_id:
            mb.by_txn[rec.transaction_id] = rec.number
        self.touch(mb, rec, "created")

    def remove(self, mb: Mailbox, rec: EventRecord) -> None:
        """Delete ``rec`` from ``mb``, leaving a tombstone for delta."""
        from bisect import bisect_left

        del mb.records[rec.number]
        position = bisect_left(mb.numbers, rec.number)
        if position < len(mb.numbers) and mb.numbers[position] == rec.number:
            del mb.numbers[position]
        mb.by_id.pop(rec.id, None)
        if mb.by_uid.get(rec.ical_uid) == rec.number:
            del mb.by_uid[rec.ical_uid]
        if rec.transaction_id and mb.by_txn.get(rec.transaction_id) == rec.number:
            del mb.by_txn[rec.transaction_id]
        mb.seq += 1
        rec.seq = mb.seq
        mb.log_seqs.append(mb.seq)
        mb.log_numbers.append(rec.number)
        mb.tombstones[rec.number] = rec
        self._pending.append((mb.user_id, rec.id, "deleted", None))

    # --- mailboxes --------------------------------------------------------------------
    def ensure_mailbox(self, user: Any) -> Mailbox:
        """The mailbox of ``user`` (an object with ``id``, ``email``, ``name``), created once."""
        with self.lock:
            mb = self.mailboxes.get(user.id)
            if mb is None:
                mb = Mailbox(user.id, user.email, user.name, ids.mailbox_tag())
                self.mailboxes[user.id] = mb
            calendars.ensure_default(mb)
            mb.address, mb.name = user.email, user.name
            for address in (user.email, *getattr(user, "aliases", ())):
                self._by_address[address.lower()] = user.id  # mail to an alias arrives
            return mb

    def mailbox(self, key: str) -> Mailbox:
        """A mailbox by user id or email (case-insensitive)."""
        mb = self.mailboxes.get(key)
        if mb is None:
            user_id = self._by_address.get(key.lower())
            mb = self.mailboxes.get(user_id) if user_id else None
        if mb is None:
            raise CalendarError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
        return mb

    def mailbox_by_address(self, address: str) -> Mailbox | None:
        user_id = self._by_address.get(address.lower())
        return self.mailboxes.get(user_id) if user_id else None

    # --- lookups ----------------------------------------------------------------------
    def resolve(self, mb: Mailbox, event_id: str) -> tuple[EventRecord, date | None]:
        """(stored record, original date or None) for any event id.

        400 ErrorInvalidIdMalformed for a string that is no event id at all; 404
        ErrorItemNotFound for an unknown (or deleted, or another mailbox's) id.
        """
        number = mb.by_id.get(event_id)
        if number is not None:
            return mb.records[number], None
        if not ids.well_formed(event_id):
            raise CalendarError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        parsed = ids.parse_occurrence_id(event_id)
        if parsed is not None:
            number = mb.by_id.get(parsed[0])
            if number is not None:
                rec = mb.records[number]
                if occurrence(rec, parsed[1]) is not None:
                    return rec, parsed[1]
        raise not_found()

    @staticmethod
    def instance(rec: EventRecord, day: date | None) -> Instance:
        if day is None:
            return stored_instance(rec)
        found = occurrence(rec, day)
        if found is None:
            raise not_found()
        return found

    def get_event(self, mailbox: str, event_id: str) -> Instance:
        with self.lock:
            mb = self.mailbox(mailbox)
            return self.instance(*self.resolve(mb, event_id))

    def list_events(self, mailbox: str, calendar: str = "") -> list[Instance]:
        """Single instances and series masters of one calendar (``""``: the default), in
        creation order (GET /events)."""
        with self.lock:
            mb = self.mailbox(mailbox)
            records = (mb.records[n] for n in mb.numbers)
            return [stored_instance(rec) for rec in records if rec.calendar == calendar]

    def calendar_view(
        self, mailbox: str, start: datetime, end: datetime, calendar: str = ""
    ) -> list[Instance]:
        """Singles, occurrences and exceptions of one calendar overlapping [start, end),
        by start."""
        with self.lock:
            mb = self.mailbox(mailbox)
            found: list[Instance] = []
            for number in mb.numbers:
                rec = mb.records[number]
                if rec.calendar != calendar:
                    continue
                if rec.recurrence is not None:
                    found.extend(expand(rec, start, end))
                elif overlaps(rec.span.start, rec.span.end, start, end):
                    found.append(stored_instance(rec))
            found.sort(
                key=lambda inst: (inst.span.start, inst.record.number, inst.original or date.min)
            )
            return found

    def instances(
        self, mailbox: str, event_id: str, start: datetime, end: datetime
    ) -> list[Instance]:
        """Occurrences and exceptions of a series master in the window (not cancelled ones)."""
        with self.lock:
            mb = self.mailbox(mailbox)
            rec, day = self.resolve(mb, event_id)
            if day is not None or rec.recurrence is None:
                return []
            return expand(rec, start, end)

    # --- writes -----------------------------------------------------------------------
    def create_event(self, mailbox: str, body: Any, calendar: str = "") -> tuple[Instance, bool]:
        """POST /events (or /calendars/{id}/events: ``calendar``, a calendar id of the
        mailbox): (the event, created?). See the transactionId rule above."""
        return self._create(mailbox, body, imported=False, custom=False, calendar=calendar)

    def import_event(self, mailbox: str, body: Any, *, custom: bool) -> Instance:
        """An event as an ICS import puts it in the mailbox: ``body`` as POST /events takes
        it, no mail sent; ``custom``: its zones become custom zones with the same rules
        (``originalStartTimeZone`` ``tzone://Microsoft/Custom``; a series'
        ``recurrenceTimeZone`` too unless ``body`` names one)."""
        return self._create(mailbox, body, imported=True, custom=custom)[0]

    def _create(
        self, mailbox: str, body: Any, *, imported: bool, custom: bool, calendar: str = ""
    ) -> tuple[Instance, bool]:
        with self.operation():
            mb = self.mailbox(mailbox)
            changes = parse_changes(body, creating=True)
            txn = changes.transaction_id if changes.transaction_id is not MISSING else None
            if txn and txn in mb.by_txn:
                return stored_instance(mb.records[mb.by_txn[txn]]), False
            span = build_span(changes, None)
            if custom:
                span = _custom_span(span)
            recurrence = None
            if changes.recurrence not in (MISSING, None):
                recurrence = parse_recurrence(
                    changes.recurrence,
                    start_date=span.start.date(),
                    default_zone=span.start_zone.name,
                )
            now = self.now()
            props = default_props()
            props.update(changes.props)
            rec = EventRecord(
                number=0,
                id=ids.new_event_id(mb.tag),
                ical_uid=ids.new_ical_uid(now),
                change_key=ids.new_change_key(),
                created=now,
                modified=now,
                span=span,
                props=props,
                attendees=changes.attendees if changes.attendees is not MISSING else [],
                organizer=mb.email_address,
                transaction_id=txn or None,
                recurrence=recurrence,
                calendar=calendar,
            )
            if changes.extended is not MISSING:
                rec.extended = {e["id"].lower(): e for e in changes.extended}
            self.insert(mb, rec)
            if not imported:
                meetings.after_create(self, mb, rec)
            return stored_instance(rec), True

    def check_if_match(self, inst: Instance, if_match: str | None) -> None:
        """412 ErrorIrresolvableConflict when ``If-Match`` names another changeKey."""
        if if_match and not _etag_matches(inst.etag, if_match):
            raise CalendarError(
                412,
                "ErrorIrresolvableConflict",
                "The send or update operation could not be performed because the change key "
                "passed in the request does not match the current change key for the item.",
            )

    def update_event(
        self, mailbox: str, event_id: str, body: Any, *, if_match: str | None = None
    ) -> Instance:
        """PATCH /events/{id}: a single, a master (whole series) or one occurrence."""
        with self.operation():
            mb = self.mailbox(mailbox)
            rec, day = self.resolve(mb, event_id)
            self.check_if_match(self.instance(rec, day), if_match)
            changes = parse_changes(body, creating=False)
            if changes.transaction_id is not MISSING and changes.transaction_id != (
                rec.transaction_id or ""
            ):
                raise invalid_request("transactionId", "can only be set when the event is created")
            if day is None:
                self._update_stored(mb, rec, changes)
            else:
                self._update_occurrence(mb, rec, day, changes)
            return self.instance(rec, day)

    def _update_stored(self, mb: Mailbox, rec: EventRecord, changes: Changes) -> None:
        old_attendees = copy.deepcopy(rec.attendees)
        span = build_span(changes, rec.span) if changes.touches_time else rec.span
        recurrence: Recurrence | None = rec.recurrence
        if changes.recurrence is not MISSING:
            if changes.recurrence is None:
                recurrence = None
            else:
                recurrence = parse_recurrence(
                    changes.recurrence,
                    start_date=span.start.date(),
                    default_zone=span.start_zone.name,
                )
        elif recurrence is not None and span.start.date() != recurrence.start_date:
            recurrence = recurrence.with_start_date(span.start.date())
        # validated: apply
        rule_changed = recurrence != rec.recurrence
        time_changed = (span.start, span.end, span.is_all_day) != (
            rec.span.start,
            rec.span.end,
            rec.span.is_all_day,
        )
        if rec.recurrence is not None and (rule_changed or time_changed):
            rec.history.append((mb.seq + 1, rec.recurrence))
        rec.span = span
        rec.recurrence = recurrence
        if rule_changed or time_changed:
            drop_misfits(rec)
        rec.props.update(copy.deepcopy(changes.props))
        if changes.attendees is not MISSING:
            rec.attendees = _merge_attendees(rec.attendees, changes.attendees)
        if changes.extended is not MISSING:
            for entry in changes.extended:
                rec.extended[entry["id"].lower()] = entry
        self.touch(mb, rec)
        if rec.is_organizer:
            meetings.after_update(self, mb, rec, changes, old_attendees, None)

    def _update_occurrence(
        self, mb: Mailbox, rec: EventRecord, day: date, changes: Changes
    ) -> None:
        if changes.recurrence is not MISSING:
            raise invalid_request(
                "recurrence", "cannot be set on an occurrence; update the series master"
            )
        inst = self.instance(rec, day)
        old_attendees = copy.deepcopy(inst.attendees)
        span = build_span(changes, inst.span) if changes.touches_time else inst.span
        if changes.touches_time:
            check_boundary(rec, day, span)
        now = self.now()
        exception = rec.exceptions.get(day) or ExceptionRecord(
            original=day, span=inst.span, overrides={}, attendees=None, change_key="", modified=now
        )
        exception.span = span
        exception.overrides.update(copy.deepcopy(changes.props))
        if changes.attendees is not MISSING:
            exception.attendees = _merge_attendees(inst.attendees, changes.attendees)
        if changes.extended is not MISSING:
            extended = dict(exception.overrides.get("singleValueExtendedProperties", {}))
            extended.update({e["id"].lower(): e for e in changes.extended})
            exception.overrides["singleValueExtendedProperties"] = extended
        exception.change_key = ids.new_change_key()
        exception.modified = now
        rec.exceptions[day] = exception
        self.touch(mb, rec)
        if rec.is_organizer:
            meetings.after_update(self, mb, rec, changes, old_attendees, day)

    def delete_event(
        self,
        mailbox: str,
        event_id: str,
        *,
        if_match: str | None = None,
        cancel: bool = False,
        comment: str = "",
    ) -> None:
        """DELETE /events/{id} (or POST /cancel with ``cancel``): whole event or one occurrence.

        The organizer deleting or cancelling a meeting mails cancellations and marks the
        attendees' copies cancelled; ``cancel`` by a non-organizer is 400.
        """
        with self.operation():
            mb = self.mailbox(mailbox)
            rec, day = self.resolve(mb, event_id)
            inst = self.instance(rec, day)
            self.check_if_match(inst, if_match)
            if cancel and not rec.is_organizer:
                raise CalendarError(
                    400,
                    "ErrorInvalidRequest",
                    "Your request can't be completed. "
                    "You need to be an organizer to cancel a meeting.",
                )
            attendees = copy.deepcopy(inst.attendees)
            if day is None:
                self.remove(mb, rec)
            else:
                rec.exceptions.pop(day, None)
                rec.cancelled.add(day)
                self.touch(mb, rec)
            if rec.is_organizer and attendees:
                meetings.after_delete(self, mb, rec, day, attendees, comment)

    def respond(
        self,
        mailbox: str,
        event_id: str,
        action: str,
        *,
        comment: str = "",
        send_response: bool = True,
        proposed_new_time: Any = None,
    ) -> None:
        """accept / tentativelyAccept / decline on an attendee's copy, or one occurrence."""
        with self.operation():
            mb = self.mailbox(mailbox)
            rec, day = self.resolve(mb, event_id)
            meetings.respond(
                self, mb, rec, action, day=day, comment=comment, send_response=send_response,
                proposed_new_time=proposed_new_time,
            )  # fmt: skip

    # --- calendars --------------------------------------------------------------------
    def target(self, mailbox: str, calendar_id: str | None) -> calendars.Target:
        """Where the events of the mailbox's calendar ``calendar_id`` (None: the default)
        live: the owner's mailbox (another one for a shared calendar) and its key."""
        with self.lock:
            return calendars.target(self, self.mailbox(mailbox), calendar_id)

    def check_in_calendar(self, mailbox: str, event_id: str, calendar: str) -> None:
        """404 ErrorItemNotFound unless ``event_id`` is an event of that calendar."""
        with self.lock:
            rec, _day = self.resolve(self.mailbox(mailbox), event_id)
            if rec.calendar != calendar:
                raise not_found()

    def list_calendars(self, mailbox: str) -> list[dict[str, Any]]:
        """GET /calendars: the default calendar first, then in creation order."""
        with self.lock:
            mb = self.mailbox(mailbox)
            calendars.ensure_default(mb)
            return [calendars.calendar_json(self, mb, c) for c in mb.calendars.values()]

    def get_calendar(self, mailbox: str, calendar_id: str | None) -> dict[str, Any]:
        """GET /calendars/{id} (None: GET /calendar, the default)."""
        with self.lock:
            mb = self.mailbox(mailbox)
            found = calendars.target(self, mb, calendar_id).entry
            return calendars.calendar_json(self, mb, found)

    def create_calendar(self, mailbox: str, body: Any) -> dict[str, Any]:
        with self.lock:
            mb = self.mailbox(mailbox)
            return calendars.calendar_json(self, mb, calendars.create(mb, body))

    def update_calendar(self, mailbox: str, calendar_id: str, body: Any) -> dict[str, Any]:
        with self.lock:
            mb = self.mailbox(mailbox)
            return calendars.calendar_json(self, mb, calendars.update(mb, calendar_id, body))

    def delete_calendar(self, mailbox: str, calendar_id: str) -> None:
        """DELETE /calendars/{id}: an own calendar goes with its events (tombstones for
        delta); a shared calendar's entry leaves the sharee's list (the owner's calendar
        stays); the default calendar cannot go."""
        with self.operation():
            mb = self.mailbox(mailbox)
            cal = calendars.find(mb, calendar_id)
            if cal.is_default:
                raise CalendarError(
                    400, "ErrorInvalidRequest", "The default calendar cannot be deleted."
                )
            del mb.calendars[cal.id]
            if cal.owner_id is None:
                for rec in [r for r in mb.records.values() if r.calendar == cal.key]:
                    self.remove(mb, rec)

    def share_calendar(
        self, owner: str, calendar_id: str | None, sharee: str, *, can_edit: bool, name: str = ""
    ) -> dict[str, Any]:
        """The owner shares a calendar (None: the default): the sharee's entry for it."""
        with self.lock:
            sharee_mb = self.mailbox(sharee)
            entry = calendars.share(
                self.mailbox(owner), calendar_id, sharee_mb, can_edit=can_edit, name=name
            )
            return calendars.calendar_json(self, sharee_mb, entry)

    def event_calendar(self, mailbox: str, event_id: str) -> dict[str, Any]:
        """GET /events/{id}/calendar: the calendar the event is filed in."""
        with self.lock:
            mb = self.mailbox(mailbox)
            rec, _day = self.resolve(mb, event_id)
            return calendars.calendar_json(self, mb, calendars.calendar_of_record(mb, rec.calendar))

    # --- delta ------------------------------------------------------------------------
    def delta(self, mailbox: str, calendar: str = "", **kwargs: Any) -> Any:
        """One calendarView/delta page of one calendar (see ``graph_emulator.calendar.delta``)."""
        from graph_emulator.calendar import delta

        with self.lock:
            return delta.page(self, self.mailbox(mailbox), calendar=calendar, **kwargs)

    # --- persistence ------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        from graph_emulator.calendar import persistence

        with self.lock:
            return persistence.dump(self)

    def load_state(self, state: dict[str, Any]) -> None:
        from graph_emulator.calendar import persistence

        with self.lock:
            persistence.load(self, state)
