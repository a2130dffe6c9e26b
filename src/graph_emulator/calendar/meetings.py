"""Meetings between mailboxes, and the outbox of mails Outlook would send.

Copies: an organizer's event with attendees who have mailboxes here appears in each of
their mailboxes as their own copy (own ``id``, same ``iCalUId``, ``isOrganizer`` false,
``responseStatus`` notResponded, ``showAs`` tentative until answered). Organizer changes
reach the copies; a removed attendee's copy is removed; the organizer deleting or
cancelling marks copies ``isCancelled`` (subject prefixed "Canceled: ") and leaves them
for their owner to delete; a cancelled occurrence disappears from the copies' series.

Outbox rules (docs/emulator.md, Fidelity; only an organizer's writes mail anyone):
* create with attendees -> one "invitation" to all attendees;
* PATCH adding attendees -> "invitation" to the added ones; removing -> "cancellation" to
  the removed ones; a PATCH touching meeting content (subject, body, start/end/isAllDay,
  location(s), recurrence, sensitivity, importance, ...) -> one "update" to the attendees
  who stay, plus one more per exception when a series master changes; the value need not
  differ (Outlook mails on the write). A PATCH of personal properties only (categories,
  reminders, showAs, extended properties) mails nobody;
* DELETE or /cancel of a meeting (or of one occurrence) -> "cancellation" to all attendees;
* accept/tentativelyAccept/decline -> "response" to the organizer unless sendResponse is
  false (then the organizer's copy is not updated either); decline removes the copy from
  the attendee's calendar (Outlook moves it to Deleted Items);
* an answer to one occurrence is that occurrence's only: the attendee's copy gets an
  exception carrying the answer (a decline removes the occurrence from their calendar,
  and it stays removed when the organizer's changes reach the copy), and the organizer's
  series an exception whose attendee list carries it (as Exchange tracks answers per
  occurrence);
* an attendee is found by any address of their mailbox (its aliases too);
* an attendee deleting their own copy mails nobody.
The organizer never mails themself. Records: ``{"kind", "from", "to", "subject",
"event_id"}`` (the sender's event/occurrence id), plus ``comment``/``response`` when set.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import TYPE_CHECKING, Any

from graph_emulator.calendar import ids
from graph_emulator.calendar.errors import CalendarError, invalid_request
from graph_emulator.calendar.model import (
    MEETING_PROPS,
    NO_TIME,
    EventRecord,
    ExceptionRecord,
    Mailbox,
    default_props,
)
from graph_emulator.calendar.properties import MISSING, Changes
from graph_emulator.calendar.timezones import format_utc

if TYPE_CHECKING:
    from graph_emulator.calendar.store import CalendarStore

RESPONSES = {
    "accept": "accepted",
    "tentativelyAccept": "tentativelyAccepted",
    "decline": "declined",
}


def mail(
    store: CalendarStore,
    kind: str,
    sender: str,
    to: list[str],
    subject: str,
    event_id: str,
    **extra: Any,
) -> None:
    """Append one outbox record (nothing when ``to`` is empty)."""
    if not to:
        return
    record = {
        "kind": kind,
        "from": sender,
        "to": list(to),
        "subject": subject,
        "event_id": event_id,
    }
    record.update({k: v for k, v in extra.items() if v not in (None, "")})
    store.outbox.append(record)


def addresses(attendees: list[dict[str, Any]], exclude: str) -> list[str]:
    """Attendee addresses, without ``exclude`` (the sender)."""
    skip = exclude.lower()
    return [
        a["emailAddress"]["address"]
        for a in attendees
        if a["emailAddress"]["address"].lower() != skip
    ]


def _subject(rec: EventRecord, day: date | None) -> str:
    if day is not None and day in rec.exceptions:
        return rec.exceptions[day].overrides.get("subject", rec.props["subject"])
    return rec.props["subject"]


def _event_id(rec: EventRecord, day: date | None) -> str:
    return rec.id if day is None else ids.occurrence_id(rec.id, day)


# --- organizer side -------------------------------------------------------------------------
def after_create(store: CalendarStore, mb: Mailbox, rec: EventRecord) -> None:
    if not rec.attendees:
        return
    mail(
        store,
        "invitation",
        mb.address,
        addresses(rec.attendees, mb.address),
        rec.props["subject"],
        rec.id,
    )
    sync_copies(store, mb, rec)


def after_update(
    store: CalendarStore,
    mb: Mailbox,
    rec: EventRecord,
    changes: Changes,
    old_attendees: list[dict[str, Any]],
    day: date | None,
) -> None:
    """Mails and copy updates after the organizer's PATCH of ``rec`` (or its occurrence)."""
    new_attendees = rec.attendees
    if day is not None and rec.exceptions[day].attendees is not None:
        new_attendees = rec.exceptions[day].attendees or []
    old = {a.lower(): a for a in addresses(old_attendees, mb.address)}
    new = {a.lower(): a for a in addresses(new_attendees, mb.address)}
    added = [new[k] for k in new if k not in old]
    removed = [old[k] for k in old if k not in new]
    staying = [new[k] for k in new if k in old]
    relevant = (
        any(k in MEETING_PROPS for k in changes.props)
        or changes.touches_time
        or changes.recurrence is not MISSING
    )
    subject, event_id = _subject(rec, day), _event_id(rec, day)
    mail(store, "invitation", mb.address, added, subject, event_id)
    mail(store, "cancellation", mb.address, removed, subject, event_id)
    if relevant:
        mail(store, "update", mb.address, staying, subject, event_id)
        if day is None:
            for exception_day in sorted(rec.exceptions):
                mail(store, "update", mb.address, staying, _subject(rec, exception_day),
                     ids.occurrence_id(rec.id, exception_day))  # fmt: skip
    if added or removed or relevant:
        sync_copies(store, mb, rec, removed=removed if day is None else [])


def after_delete(
    store: CalendarStore,
    mb: Mailbox,
    rec: EventRecord,
    day: date | None,
    attendees: list[dict[str, Any]],
    comment: str,
) -> None:
    """Cancellations after the organizer deleted/cancelled ``rec`` (or one occurrence)."""
    to = addresses(attendees, mb.address)
    mail(
        store,
        "cancellation",
        mb.address,
        to,
        _subject(rec, day),
        _event_id(rec, day),
        comment=comment,
    )
    for address in to:
        target = store.mailbox_by_address(address)
        copy_rec = find_copy(target, rec.ical_uid) if target is not None else None
        if target is None or copy_rec is None or target is mb:
            continue
        if day is None:
            if not copy_rec.is_cancelled:
                copy_rec.is_cancelled = True
                copy_rec.props["subject"] = "Canceled: " + copy_rec.props["subject"]
                store.touch(target, copy_rec)
        elif day not in copy_rec.cancelled:
            copy_rec.cancelled.add(day)
            copy_rec.exceptions.pop(day, None)
            store.touch(target, copy_rec)


# --- copies ---------------------------------------------------------------------------------
def find_copy(mb: Mailbox, ical_uid: str) -> EventRecord | None:
    number = mb.by_uid.get(ical_uid)
    return mb.records.get(number) if number is not None else None


def _attendee_view(attendees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attendees as an attendee's copy shows them (no tracking of others' answers)."""
    result = copy.deepcopy(attendees)
    for attendee in result:
        attendee["status"] = {"response": "none", "time": NO_TIME}
    return result


def _meeting_exceptions(
    rec: EventRecord, old: dict[date, ExceptionRecord]
) -> dict[date, ExceptionRecord]:
    result = _personal_exceptions(rec, old)
    for day, exception in rec.exceptions.items():
        mine = old.get(day)
        overrides = {
            k: copy.deepcopy(v) for k, v in exception.overrides.items() if k in MEETING_PROPS
        }
        if mine is not None:
            overrides.update({k: v for k, v in mine.overrides.items() if k not in MEETING_PROPS})
        attendees = _attendee_view(exception.attendees) if exception.attendees is not None else None
        same = (
            mine is not None
            and mine.span == exception.span
            and mine.overrides == overrides
            and mine.attendees == attendees
        )
        result[day] = (
            mine
            if same and mine is not None
            else ExceptionRecord(
                day,
                copy.deepcopy(exception.span),
                overrides,
                attendees,
                ids.new_change_key(),
                exception.modified,
            )
        )
    return result


def _personal_exceptions(
    rec: EventRecord, old: dict[date, ExceptionRecord]
) -> dict[date, ExceptionRecord]:
    """The copy's exceptions of its own (an answer to one occurrence) on days the organizer
    did not modify, moved to where the organizer's series now has that occurrence."""
    result: dict[date, ExceptionRecord] = {}
    for day, mine in old.items():
        if day in rec.exceptions or day in rec.cancelled or rec.recurrence is None:
            continue
        personal = {k: v for k, v in mine.overrides.items() if k not in MEETING_PROPS}
        span = rec.occurrence_span(day)
        if mine.span == span and mine.overrides == personal and mine.attendees is None:
            result[day] = mine
        else:
            result[day] = ExceptionRecord(
                day, span, personal, None, ids.new_change_key(), mine.modified
            )
    return result


def _apply_to_copy(rec: EventRecord, copy_rec: EventRecord, seq_next: int) -> bool:
    """Bring an attendee's copy in line with the organizer's event; True if it changed."""
    changed = False
    for key in MEETING_PROPS:
        if copy_rec.props.get(key) != rec.props[key]:
            copy_rec.props[key] = copy.deepcopy(rec.props[key])
            changed = True
    if copy_rec.span != rec.span or copy_rec.recurrence != rec.recurrence:
        if copy_rec.recurrence is not None:
            copy_rec.history.append((seq_next, copy_rec.recurrence))
        copy_rec.span = copy.deepcopy(rec.span)
        copy_rec.recurrence = rec.recurrence
        changed = True
    if copy_rec.cancelled != rec.cancelled | copy_rec.declined:
        copy_rec.cancelled = rec.cancelled | copy_rec.declined
        changed = True
    exceptions = _meeting_exceptions(rec, copy_rec.exceptions)
    for day in copy_rec.declined:
        exceptions.pop(day, None)
    if exceptions != copy_rec.exceptions:
        copy_rec.exceptions = exceptions
        changed = True
    attendees = _attendee_view(rec.attendees)
    if attendees != copy_rec.attendees:
        copy_rec.attendees = attendees
        changed = True
    return changed


def _new_copy(store: CalendarStore, target: Mailbox, rec: EventRecord) -> EventRecord:
    now = store.now()
    props = default_props()
    props.update({k: copy.deepcopy(rec.props[k]) for k in MEETING_PROPS})
    props["showAs"] = "tentative"
    return EventRecord(
        number=0,
        id=ids.new_event_id(target.tag),
        ical_uid=rec.ical_uid,
        change_key=ids.new_change_key(),
        created=now,
        modified=now,
        span=copy.deepcopy(rec.span),
        props=props,
        attendees=_attendee_view(rec.attendees),
        organizer=dict(rec.organizer),
        is_organizer=False,
        response="notResponded",
        recurrence=rec.recurrence,
        cancelled=set(rec.cancelled),
        exceptions=_meeting_exceptions(rec, {}),
    )


def sync_copies(
    store: CalendarStore, mb: Mailbox, rec: EventRecord, removed: list[str] | tuple[str, ...] = ()
) -> None:
    """Create/update the attendees' copies of ``rec``; remove removed attendees' copies."""
    for address in addresses(rec.attendees, mb.address):
        target = store.mailbox_by_address(address)
        if target is None or target is mb:
            continue
        existing = find_copy(target, rec.ical_uid)
        if existing is None:
            store.insert(target, _new_copy(store, target, rec))
        elif not existing.is_organizer and _apply_to_copy(rec, existing, target.seq + 1):
            store.touch(target, existing)
    for address in removed:
        target = store.mailbox_by_address(address)
        existing = find_copy(target, rec.ical_uid) if target is not None else None
        if target is not None and existing is not None and not existing.is_organizer:
            store.remove(target, existing)


# --- attendee side --------------------------------------------------------------------------
def respond(
    store: CalendarStore,
    mb: Mailbox,
    rec: EventRecord,
    action: str,
    *,
    day: date | None = None,
    comment: str,
    send_response: bool,
    proposed_new_time: Any,
) -> None:
    """An attendee's answer to ``rec`` (or its occurrence on ``day``); see the module
    rules. 400 for the organizer's own event."""
    response = RESPONSES[action]
    _check_answer(rec, action, send_response, proposed_new_time)
    now = store.now()
    organizer_mb = store.mailbox_by_address(rec.organizer.get("address", ""))
    organizer_rec = find_copy(organizer_mb, rec.ical_uid) if organizer_mb is not None else None
    show_as = organizer_rec.props["showAs"] if organizer_rec is not None else "busy"
    if day is None:
        _answer_series(store, mb, rec, response, now, show_as)
    else:
        _answer_occurrence(store, mb, rec, day, response, now, show_as)
    if not send_response:
        return
    if organizer_mb is not None and organizer_rec is not None and organizer_rec.is_organizer:
        _track(store, organizer_mb, organizer_rec, mb, day, response, now)
    mail(store, "response", mb.address, [rec.organizer["address"]], _subject(rec, day),
         _event_id(rec, day), response=response, comment=comment)  # fmt: skip


def _check_answer(
    rec: EventRecord, action: str, send_response: bool, proposed_new_time: Any
) -> None:
    if rec.is_organizer:
        raise CalendarError(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. You can't respond to a meeting you organized.",
        )
    if proposed_new_time is not None:
        if action == "accept":
            raise invalid_request(
                "proposedNewTime", "is only allowed with decline or tentativelyAccept"
            )
        if not send_response:
            raise invalid_request("proposedNewTime", "cannot be sent with sendResponse false")
        if not rec.props.get("allowNewTimeProposals", True):
            raise invalid_request(
                "proposedNewTime", "the organizer does not allow new time proposals"
            )


def _answer_series(
    store: CalendarStore,
    mb: Mailbox,
    rec: EventRecord,
    response: str,
    now: Any,
    show_as: str,
) -> None:
    rec.response, rec.response_time = response, now
    if response == "accepted":
        rec.props["showAs"] = show_as
    elif response == "tentativelyAccepted":
        rec.props["showAs"] = "tentative"
    if response == "declined":
        store.remove(mb, rec)
    else:
        store.touch(mb, rec)


def _answer_occurrence(
    store: CalendarStore,
    mb: Mailbox,
    rec: EventRecord,
    day: date,
    response: str,
    now: Any,
    show_as: str,
) -> None:
    """The copy's occurrence on ``day`` answered alone: declined, it leaves the calendar;
    else it becomes an exception holding the answer (and the show-as that goes with it)."""
    if response == "declined":
        rec.exceptions.pop(day, None)
        rec.cancelled.add(day)
        rec.declined.add(day)
    else:
        exception = rec.exceptions.get(day) or ExceptionRecord(
            day, rec.occurrence_span(day), {}, None, "", now
        )
        exception.overrides["responseStatus"] = {"response": response, "time": format_utc(now)}
        exception.overrides["showAs"] = show_as if response == "accepted" else "tentative"
        exception.change_key, exception.modified = ids.new_change_key(), now
        rec.exceptions[day] = exception
    store.touch(mb, rec)


def _track(
    store: CalendarStore,
    organizer_mb: Mailbox,
    organizer_rec: EventRecord,
    attendee_mb: Mailbox,
    day: date | None,
    response: str,
    now: Any,
) -> None:
    """The answer on the organizer's event: its attendee list, or for one occurrence the
    attendee list of that occurrence (an exception of the organizer's series)."""
    if day is not None and (organizer_rec.recurrence is None or day in organizer_rec.cancelled):
        return
    if day is None:
        attendees = organizer_rec.attendees
    else:
        exception = organizer_rec.exceptions.get(day) or ExceptionRecord(
            day, organizer_rec.occurrence_span(day), {}, None, "", now
        )
        if exception.attendees is None:
            exception.attendees = copy.deepcopy(organizer_rec.attendees)
        exception.change_key, exception.modified = ids.new_change_key(), now
        organizer_rec.exceptions[day] = exception
        attendees = exception.attendees
    for attendee in attendees:
        if store.mailbox_by_address(attendee["emailAddress"]["address"]) is attendee_mb:
            attendee["status"] = {"response": response, "time": format_utc(now)}
    store.touch(organizer_mb, organizer_rec)
