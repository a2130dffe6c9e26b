"""The calendar's records: mailboxes, stored events (singles and series masters), exceptions,
and ``Instance``: one readable event (a single, a master, an occurrence or an exception).

Only singles and masters are stored; occurrences are computed from their master. An
exception stores the properties it overrides; everything else is read from its master, so
a later edit of the series reaches the exception (as Exchange does) unless it overrode it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from graph_emulator.calendar import ids
from graph_emulator.calendar.recurrence import Recurrence
from graph_emulator.calendar.timezones import Zone, local

NO_TIME = "0001-01-01T00:00:00Z"

#: Properties an organizer's change sends to attendees (and copies into their copies).
MEETING_PROPS = (
    "subject",
    "body",
    "location",
    "locations",
    "sensitivity",
    "importance",
    "hideAttendees",
    "allowNewTimeProposals",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "responseRequested",
)
#: Properties that belong to one mailbox's copy only: changing them mails nobody.
PERSONAL_PROPS = ("categories", "isReminderOn", "reminderMinutesBeforeStart", "showAs")


def empty_location() -> dict[str, Any]:
    return {
        "displayName": "",
        "locationType": "default",
        "uniqueIdType": "unknown",
        "address": {},
        "coordinates": {},
    }


def default_props() -> dict[str, Any]:
    """Graph's defaults for a new event (the sample response of
    https://learn.microsoft.com/en-us/graph/api/user-post-events)."""
    return {
        "subject": "",
        "body": {"contentType": "html", "content": ""},
        "location": empty_location(),
        "locations": [],
        "showAs": "busy",
        "sensitivity": "normal",
        "importance": "normal",
        "categories": [],
        "isReminderOn": True,
        "reminderMinutesBeforeStart": 15,
        "responseRequested": True,
        "hideAttendees": False,
        "allowNewTimeProposals": True,
        "isOnlineMeeting": False,
        "onlineMeetingProvider": "unknown",
    }


@dataclass
class Span:
    """When an event happens: aware start/end in their zones, and the all-day flag."""

    start: datetime
    end: datetime
    start_zone: Zone
    end_zone: Zone
    is_all_day: bool = False

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def all_day_days(self) -> int:
        return (self.end.date() - self.start.date()).days


@dataclass
class ExceptionRecord:
    """A modified occurrence: its own span and the properties it overrides."""

    original: date
    span: Span
    overrides: dict[str, Any]
    attendees: list[dict[str, Any]] | None
    change_key: str
    modified: datetime


@dataclass
class EventRecord:
    """A stored event of one mailbox: a single instance or a series master."""

    number: int
    id: str
    ical_uid: str
    change_key: str
    created: datetime
    modified: datetime
    span: Span
    props: dict[str, Any]
    attendees: list[dict[str, Any]]
    organizer: dict[str, str]
    is_organizer: bool = True
    response: str = "organizer"
    response_time: datetime | None = None
    is_cancelled: bool = False
    transaction_id: str | None = None
    extended: dict[str, dict[str, str]] = field(default_factory=dict)
    recurrence: Recurrence | None = None
    cancelled: set[date] = field(default_factory=set)
    declined: set[date] = field(default_factory=set)
    """An attendee's copy: occurrences its owner declined (gone from their calendar, and
    kept gone when the organizer's changes reach the copy)."""
    exceptions: dict[date, ExceptionRecord] = field(default_factory=dict)
    #: (seq, recurrence replaced at seq): old occurrence dates for delta ``@removed``.
    history: list[tuple[int, Recurrence]] = field(default_factory=list)
    seq: int = 0
    calendar: str = ""
    """The calendar it is filed in: a calendar id of its mailbox, "" for the default one
    (meeting copies and everything created through ``/events`` land there)."""

    @property
    def is_series(self) -> bool:
        return self.recurrence is not None

    @property
    def is_meeting(self) -> bool:
        return bool(self.attendees)

    def occurrence_start(self, day: date) -> datetime:
        """Where the occurrence of ``day`` starts: the master's wall time on that day."""
        return local(day, self.span.start, self.span.start_zone.tz)

    def occurrence_span(self, day: date) -> Span:
        """The unmodified occurrence's span on ``day``."""
        start = self.occurrence_start(day)
        if self.span.is_all_day:
            end = local(
                day + timedelta(days=self.span.all_day_days()), self.span.end, self.span.end_zone.tz
            )
        else:
            end = (start + self.span.duration).astimezone(self.span.end_zone.tz)
        return Span(start, end, self.span.start_zone, self.span.end_zone, self.span.is_all_day)


@dataclass
class Instance:
    """One readable event: ``kind`` is Graph's ``type``."""

    kind: str
    id: str
    record: EventRecord
    span: Span
    original: date | None = None
    exception: ExceptionRecord | None = None

    def prop(self, name: str) -> Any:
        if self.exception is not None and name in self.exception.overrides:
            return self.exception.overrides[name]
        return self.record.props[name]

    @property
    def attendees(self) -> list[dict[str, Any]]:
        if self.exception is not None and self.exception.attendees is not None:
            return self.exception.attendees
        return self.record.attendees

    @property
    def change_key(self) -> str:
        return self.exception.change_key if self.exception else self.record.change_key

    @property
    def modified(self) -> datetime:
        if self.exception is not None:
            return max(self.exception.modified, self.record.modified)
        return self.record.modified

    @property
    def ical_uid(self) -> str:
        if self.original is None:
            return self.record.ical_uid
        return ids.occurrence_ical_uid(self.record.ical_uid, self.original)

    @property
    def etag(self) -> str:
        return f'W/"{self.change_key}"'

    @property
    def series_master_id(self) -> str | None:
        return self.record.id if self.original is not None else None


#: Outlook's preset calendar colours (Graph's ``calendarColor``) and the hex colour the
#: emulator reports for each (``hexColor``; "" for ``auto``: a colour never set).
CALENDAR_COLORS = {
    "auto": "",
    "lightBlue": "#a6d1f5",
    "lightGreen": "#87d28e",
    "lightOrange": "#fcab73",
    "lightGray": "#c0c0c0",
    "lightYellow": "#f4d07a",
    "lightTeal": "#62d9d5",
    "lightPink": "#f99acb",
    "lightBrown": "#c5a577",
    "lightRed": "#f88c9b",
}


@dataclass
class CalendarRecord:
    """A calendar in one mailbox's list: its own, or a calendar another mailbox shares.

    A shared one (``owner_id`` set) is the sharee's entry pointing at the owner's calendar
    ``source`` ("" for the owner's default); its events live in the owner's mailbox and
    ``can_edit`` says whether the sharee may write them. Delta sync state (``generations``)
    is kept per calendar; the default calendar's is the mailbox's own.
    """

    id: str
    name: str
    change_key: str
    color: str = "auto"
    is_default: bool = False
    owner_id: str | None = None
    source: str = ""
    can_edit: bool = True
    generations: list[int] = field(default_factory=list)
    next_generation: int = 1

    @property
    def key(self) -> str:
        """What records of this (own) calendar carry in ``EventRecord.calendar``."""
        return "" if self.is_default else self.id


@dataclass
class Mailbox:
    """One user's calendar: live records by number, indexes, the change log, delta state."""

    user_id: str
    address: str
    name: str
    tag: bytes
    seq: int = 0
    next_number: int = 1
    records: dict[int, EventRecord] = field(default_factory=dict)
    numbers: list[int] = field(default_factory=list)
    by_id: dict[str, int] = field(default_factory=dict)
    by_uid: dict[str, int] = field(default_factory=dict)
    by_txn: dict[str, int] = field(default_factory=dict)
    tombstones: dict[int, EventRecord] = field(default_factory=dict)
    log_seqs: list[int] = field(default_factory=list)
    log_numbers: list[int] = field(default_factory=list)
    generations: list[int] = field(default_factory=list)
    next_generation: int = 1
    calendars: dict[str, CalendarRecord] = field(default_factory=dict)

    @property
    def default_calendar(self) -> CalendarRecord:
        return next(c for c in self.calendars.values() if c.is_default)

    @property
    def email_address(self) -> dict[str, str]:
        return {"name": self.name, "address": self.address}
