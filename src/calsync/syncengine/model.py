"""The values the engine works on: people, event content, and an event on each side.

All are frozen dataclasses. Constructing one normalises it (see :mod:`.normalise`), so two
values with the same content compare equal and hash the same; bad input raises
:class:`~.errors.InvalidData` naming the field.

Series: a series (master) is an item whose ``data.recurrence`` holds an RRULE, and whose
``data.cancelled`` lists the original starts of its cancelled occurrences. An exception (a
modified occurrence) is an item with ``series_uid`` (local) or ``series_remote_id``
(remote) and ``original_start``; its uid is :func:`occurrence_uid` of its master's uid and
its original start on both sides, so it pairs without any id of its own and survives a
reset (see :mod:`.identity`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from calsync.syncengine import normalise
from calsync.syncengine.errors import InvalidData

When = datetime | date


@dataclass(frozen=True, slots=True)
class Person:
    """Someone with an e-mail address (compared lowercase) and a display name."""

    email: str
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", normalise.email("email", self.email))
        object.__setattr__(self, "name", normalise.text("name", self.name))


@dataclass(frozen=True, slots=True)
class Attendee:
    """An attendee: ``type`` required/optional/resource, ``status`` their answer."""

    email: str
    name: str = ""
    type: str = "required"
    status: str = "none"

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", normalise.email("attendees.email", self.email))
        object.__setattr__(self, "name", normalise.text("attendees.name", self.name))
        normalise.choice("attendees.type", self.type, normalise.ATTENDEE_TYPES)
        normalise.choice("attendees.status", self.status, normalise.RESPONSES)


@dataclass(frozen=True, slots=True)
class EventData:
    """The synced content of an event, normalised.

    ``start``/``end`` are aware datetimes stored in UTC, or dates when ``all_day`` (end
    exclusive). ``timezone`` is the event's IANA zone. ``attendees`` is a tuple sorted by
    e-mail with no e-mail twice. ``recurrence`` is RRULE text or None; ``cancelled`` the
    sorted original starts of the series' cancelled occurrences (instants, or dates for an
    all-day series).
    """

    title: str
    start: When
    end: When
    timezone: str = "UTC"
    all_day: bool = False
    description: str = ""
    location: str = ""
    show_as: str = "busy"
    privacy: str = "normal"
    organizer: Person | None = None
    attendees: tuple[Attendee, ...] = ()
    recurrence: str | None = None
    cancelled: tuple[When, ...] = ()

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "title", normalise.text("title", self.title))
        put(self, "description", normalise.html("description", self.description))
        put(self, "location", normalise.text("location", self.location))
        put(self, "timezone", normalise.timezone("timezone", self.timezone))
        if not isinstance(self.all_day, bool):
            raise InvalidData("all_day", "expected true or false")
        convert = normalise.day if self.all_day else normalise.instant
        put(self, "start", convert("start", self.start))
        put(self, "end", convert("end", self.end))
        if self.end < self.start or (self.all_day and self.end == self.start):  # type: ignore[operator]
            raise InvalidData("end", "the end is before the start")
        normalise.choice("show_as", self.show_as, normalise.SHOW_AS)
        normalise.choice("privacy", self.privacy, normalise.PRIVACY)
        if self.organizer is not None and not isinstance(self.organizer, Person):
            raise InvalidData("organizer", "expected a Person or None")
        put(self, "attendees", _attendees(self.attendees))
        put(self, "recurrence", normalise.rrule("recurrence", self.recurrence))
        put(self, "cancelled", _cancelled(self.cancelled, convert))

    def with_fields(self, changes: dict[str, Any]) -> EventData:
        """A copy with ``changes`` (field name -> value) applied and normalised."""
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise InvalidData(sorted(unknown)[0], "not an event field")
        return replace(self, **changes)

    def diff(self, other: EventData) -> set[str]:
        """The names of the fields whose values differ between ``self`` and ``other``."""
        return {name for name in FIELDS if getattr(self, name) != getattr(other, name)}

    def canonical(self) -> dict[str, Any]:
        """A JSON-ready dict with one stable spelling per value (``cancelled`` only when
        there are some: the hashes of events without them never changed)."""
        values = {name: _jsonable(getattr(self, name)) for name in FIELDS}
        if not self.cancelled:
            del values["cancelled"]
        return values

    def content_hash(self) -> str:
        """sha256 of the canonical JSON: equal content, equal hash, on any machine."""
        return _content_hash(self)


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(EventData))
"""The content fields, in declaration order."""


@dataclass(frozen=True, slots=True)
class LocalItem:
    """An event in calsync.

    ``uid`` is our UUID (it also travels in an Outlook extended property); ``version``
    grows on every local write; ``active`` is False once archived. ``ical_uid`` is the
    meeting's iCalUId when we learnt it from Outlook (it joins the copies of one meeting
    in several mailboxes). ``my_response`` is the user's answer when not the organizer;
    ``response_comment`` and ``send_response`` go with it when it is sent (they are not
    content: they change no hash).
    """

    uid: str
    local_id: str
    version: int
    data: EventData
    active: bool
    modified_at: datetime
    series_uid: str | None = None
    original_start: When | None = None
    is_organizer: bool = True
    my_response: str | None = None
    ical_uid: str | None = None
    response_comment: str = ""
    send_response: bool = True

    def __post_init__(self) -> None:
        _check_item(self.uid, "uid", self.modified_at, self.my_response)


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """An event in the Outlook mailbox.

    ``remote_id`` is the Graph (immutable) id, ``change_key`` moves on every change (even
    for nothing), ``uid`` is our UUID read back from the extended property (None for
    events made in Outlook). ``cancelled`` is Graph's ``isCancelled``: treated as deleted.
    An exception has ``series_remote_id`` (its master's id) and ``original_start``.
    """

    remote_id: str
    ical_uid: str | None
    change_key: str | None
    data: EventData
    modified_at: datetime
    uid: str | None = None
    is_organizer: bool = True
    my_response: str | None = None
    series_remote_id: str | None = None
    original_start: When | None = None
    cancelled: bool = False
    series_uid: str | None = None
    """An exception's master uid, filled in by :func:`~.identity.pair`."""

    def __post_init__(self) -> None:
        _check_item(self.remote_id, "remote_id", self.modified_at, self.my_response)

    def state_hash(self) -> str:
        """Hash of what we sync from this item: content, our answer, cancellation."""
        return state_hash(self.data, self.my_response, self.cancelled)


def state_hash(data: EventData, my_response: str | None, cancelled: bool = False) -> str:
    """The hash a :class:`RemoteItem` with these values has (see ``StatusEntry.remote_hash``)."""
    return _sha256({"data": data.content_hash(), "response": my_response, "cancelled": cancelled})


OCCURRENCE_NAMESPACE = uuid.UUID("0b6a8c9e-2f4d-4e71-b3a5-7c1d9e8f2a46")


def occurrence_uid(series_uid: str, original_start: When) -> str:
    """The uid of the occurrence of ``series_uid`` originally at ``original_start``: the same
    on both sides, stable across restarts (uuid5 of the master's uid and the start)."""
    if isinstance(original_start, datetime):
        original_start = normalise.instant("original_start", original_start)
    key = f"{series_uid}@{_jsonable(original_start)}"
    return str(uuid.uuid5(OCCURRENCE_NAMESPACE, key))


def _cancelled(value: object, convert: Any) -> tuple[When, ...]:
    if not isinstance(value, tuple | list | frozenset | set):
        raise InvalidData("cancelled", "expected a list of original starts")
    return tuple(sorted({convert("cancelled", item) for item in value}))


def _check_item(key: str, key_name: str, modified_at: datetime, response: str | None) -> None:
    if not isinstance(key, str) or not key:
        raise InvalidData(key_name, "must be a non-empty string")
    normalise.instant("modified_at", modified_at)
    if response is not None:
        normalise.choice("my_response", response, normalise.RESPONSES)


def _attendees(value: object) -> tuple[Attendee, ...]:
    if not isinstance(value, tuple | list):
        raise InvalidData("attendees", "expected a list of attendees")
    if not all(isinstance(item, Attendee) for item in value):
        raise InvalidData("attendees", "every attendee must be an Attendee")
    people = sorted(value, key=lambda attendee: attendee.email)
    for first, second in itertools.pairwise(people):
        if first.email == second.email:
            raise InvalidData("attendees", f"{first.email} is listed twice")
    return tuple(people)


def _jsonable(value: object) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Person | Attendee):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    if isinstance(value, tuple):
        return [_jsonable(item) for item in value]
    return value


@lru_cache(maxsize=2048)
def _content_hash(data: EventData) -> str:
    """Memoised for the few times one plan hashes the same event (a page's worth): the memo
    holds its events, so a bigger one would keep a long pull's every event in memory."""
    return _sha256(data.canonical())


def _sha256(value: object) -> str:
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()
