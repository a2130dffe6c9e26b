"""Meetings as Outlook treats them: what only the organiser writes, what each attendee
keeps for themself, and answers to one occurrence.

* Attendees' answers are Outlook's to track: an organiser's copy holds them, and nobody
  can set them by writing the event. So the organiser's sync never writes a change that is
  only attendees' answers (:func:`without_answers`); they arrive when each attendee answers.
* An attendee's own fields (:data:`PERSONAL_FIELDS`: how the meeting shows in their
  calendar) are theirs on both sides: they merge both ways and go to the attendee's copy,
  which mails nobody (:func:`personal`).
* An answer to one occurrence of a series the user does not organise travels as that
  occurrence's answer (:func:`occurrence_answer`); Outlook then makes the exception on
  both sides. The organiser's sync does not push an exception that only holds answers
  (:func:`answers_only`): Outlook makes it when the answer comes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from calsync.syncengine.actions import RESPONSE_VERBS, RespondRemote
from calsync.syncengine.model import Attendee, EventData, LocalItem, RemoteItem
from calsync.syncengine.status import StatusEntry

PERSONAL_FIELDS = frozenset({"show_as"})
"""Fields each attendee of a meeting keeps for themself (Outlook's personal properties)."""


def without_answers(fields: dict[str, object], theirs: EventData) -> dict[str, object]:
    """``fields`` (an update of Outlook's ``theirs``) without ``attendees`` when the only
    difference there is attendees' answers."""
    attendees = fields.get("attendees")
    if attendees is None or not isinstance(attendees, tuple):
        return fields
    if _people(attendees) != _people(theirs.attendees):
        return fields
    return {name: value for name, value in fields.items() if name != "attendees"}


def personal(fields: dict[str, object]) -> dict[str, object]:
    """The fields of ``fields`` an attendee writes to their own copy."""
    return {name: value for name, value in fields.items() if name in PERSONAL_FIELDS}


def answers_only(exception: LocalItem, series: EventData) -> bool:
    """True when the local exception ``exception`` of ``series`` is its occurrence as the
    series has it, but for attendees' answers (and personal fields)."""
    if exception.original_start is None or not series.recurrence:
        return False
    start = exception.original_start
    if isinstance(series.start, datetime) != isinstance(start, datetime):
        return False
    end = start + (series.end - series.start)  # type: ignore[operator]
    occurrence = replace(series, start=start, end=end, recurrence=None, cancelled=())
    return _plain(exception.data) == _plain(occurrence)


def occurrence_answer(
    uid: str,
    local: LocalItem,
    master: StatusEntry | None,
    remote_master: RemoteItem | None,
) -> RespondRemote | None:
    """The answer to send for ``local``, an exception here of a series the user does not
    organise that Outlook has not made an exception of: its occurrence's answer, unless
    there is none to give, the series is not linked, or the occurrence is gone from the
    user's copy (declined before, or cancelled)."""
    answer = local.my_response
    if master is None or answer not in RESPONSE_VERBS or local.original_start is None:
        return None
    gone = set(master.base.cancelled)
    if remote_master is not None:
        gone |= set(remote_master.data.cancelled)
    if local.original_start in gone:
        return None
    organizer = master.base.organizer.email if master.base.organizer else None
    return RespondRemote(
        uid,
        master.remote_id,
        RESPONSE_VERBS[answer],
        organizer,
        local.response_comment,
        local.send_response,
        local.original_start,
        master.base.timezone,
    )


def _people(attendees: tuple[Attendee, ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple((a.email, a.name, a.type) for a in attendees)


def _plain(data: EventData) -> EventData:
    """``data`` without answers and personal fields."""
    attendees = tuple(replace(a, status="none") for a in data.attendees)
    return replace(data, attendees=attendees, show_as="busy")
