"""What a plan asks each side to do: data, not behaviour.

Actions name the item by ``uid`` (ours). A side carries out the writes
(:class:`~.sides.LocalSide`, :class:`~.sides.RemoteSide`); :class:`Link` and
:class:`Unlink` only change the status; :class:`Conflict` and :class:`Skip` are records
for the sync log. Every Outlook write knows the mails Outlook will send for it
(:meth:`notices`, rules in :mod:`.notices`).

Skip and conflict reasons are codes (the ``SKIP_*`` / ``REASON_*`` constants): the
Django side turns them into translated sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from calsync.syncengine import notices
from calsync.syncengine.model import EventData, When
from calsync.syncengine.notices import Notice

SKIP_PAST = "past_event"
"""A local event that ended before the cutoff is not pushed (first sync rule)."""
SKIP_NOT_ORGANIZER = "not_organizer"
"""The user does not organise this meeting: only their answer goes to Outlook."""
SKIP_CANNOT_UNANSWER = "cannot_withdraw_answer"
"""Outlook cannot take an answer back to "none"."""
SKIP_IDENTITY = "identity_conflict"
"""Several items claim this identity; nothing is done until a person sorts it out."""

REASON_BOTH_CHANGED = "changed_on_both_sides"
REASON_NOT_ORGANIZER = SKIP_NOT_ORGANIZER
REASON_DELETED_HERE = "deleted_here_changed_in_outlook"

RESPONSE_VERBS = {"accepted": "accept", "tentative": "tentativelyAccept", "declined": "decline"}
"""The Graph action that sends each answer."""


class _Action:
    """Shared behaviour: which side writes, and the mails it causes (none by default)."""

    __slots__ = ()
    side: ClassVar[str | None] = None

    def notices(self) -> tuple[Notice, ...]:
        return ()

    def mails(self) -> int:
        """How many mails people receive because of this action (one per recipient)."""
        return len(self.notices())

    def messages(self) -> int:
        """How many messages Outlook sends for it (one per kind, to all its recipients)."""
        return notices.messages(self.notices())


@dataclass(frozen=True, slots=True)
class CreateRemote(_Action):
    """Create the event in Outlook (``transaction_id`` makes a retried POST a no-op)."""

    side: ClassVar[str | None] = "remote"
    uid: str
    data: EventData
    local_id: str
    transaction_id: str
    series_remote_id: str | None = None
    """For an exception: its master's Outlook id (the occurrence at ``original_start``
    is changed into the exception instead of a new event being made)."""
    original_start: When | None = None
    series_uid: str | None = None
    """For an exception: its master's uid; without ``series_remote_id``, the master is
    created in the same run and the remote side takes the id it got."""
    series_data: EventData | None = None
    """For an exception: its series' content as Outlook will hold it, so that only what
    the exception overrides is written (None: every field)."""

    def notices(self) -> tuple[Notice, ...]:
        if self.series_uid is not None or self.series_remote_id is not None:
            return notices.on_exception(self.data)
        return notices.on_create(self.data)


@dataclass(frozen=True, slots=True)
class UpdateRemote(_Action):
    """Write only ``fields`` (name -> new value) to the Outlook event ``remote_id``.

    ``if_match`` is the change key the fields were planned against; ``before`` the
    event's content as planned against (used for counting mails).
    """

    side: ClassVar[str | None] = "remote"
    uid: str
    remote_id: str
    fields: dict[str, Any]
    if_match: str | None
    before: EventData

    def notices(self) -> tuple[Notice, ...]:
        return notices.on_update(self.before, self.before.with_fields(self.fields))


@dataclass(frozen=True, slots=True)
class DeleteRemote(_Action):
    """Delete the Outlook event (an organizer's meeting: cancellations go out)."""

    side: ClassVar[str | None] = "remote"
    uid: str
    remote_id: str
    data: EventData
    is_organizer: bool = True

    def notices(self) -> tuple[Notice, ...]:
        return notices.on_delete(self.data, self.is_organizer)


@dataclass(frozen=True, slots=True)
class RespondRemote(_Action):
    """Send the user's answer: ``response`` is accept / tentativelyAccept / decline, with
    ``comment``; ``send`` False answers without telling the organiser (Graph's
    ``sendResponse``). With ``original_start`` it answers the occurrence of the series
    ``remote_id`` originally at that time only (``timezone``: the series' zone, which an
    all-day original date is read in)."""

    side: ClassVar[str | None] = "remote"
    uid: str
    remote_id: str
    response: str
    organizer: str | None = None
    comment: str = ""
    send: bool = True
    original_start: When | None = None
    timezone: str = "UTC"

    def notices(self) -> tuple[Notice, ...]:
        return notices.on_response(self.organizer) if self.send else ()


@dataclass(frozen=True, slots=True)
class CreateLocal(_Action):
    """Create the event here, linked to Outlook's ``remote_id``, with our ``uid``; with
    ``series_uid``, the occurrence of that local series at ``original_start`` becomes an
    exception carrying ``data``."""

    side: ClassVar[str | None] = "local"
    data: EventData
    remote_id: str
    ical_uid: str | None
    uid: str
    is_organizer: bool = True
    my_response: str | None = None
    series_uid: str | None = None
    original_start: When | None = None


@dataclass(frozen=True, slots=True)
class UpdateLocal(_Action):
    """Write ``fields`` (event fields, or ``my_response``) to the local event."""

    side: ClassVar[str | None] = "local"
    uid: str
    local_id: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ArchiveLocal(_Action):
    """Archive the local event (deleted in Outlook): it can be restored, never destroyed."""

    side: ClassVar[str | None] = "local"
    uid: str
    local_id: str


@dataclass(frozen=True, slots=True)
class Link(_Action):
    """Record that ``local_id`` and ``remote_id`` are one event, without writing either."""

    uid: str
    local_id: str
    remote_id: str


@dataclass(frozen=True, slots=True)
class Unlink(_Action):
    """Drop the status entry of ``uid`` (the pair is gone on both sides)."""

    uid: str


@dataclass(frozen=True, slots=True)
class Conflict(_Action):
    """A field both sides changed: ``winner`` ("local"/"remote") won, the loser is kept here."""

    uid: str
    field: str
    local_value: Any
    remote_value: Any
    winner: str
    reason: str = REASON_BOTH_CHANGED

    @property
    def losing_value(self) -> Any:
        return self.remote_value if self.winner == "local" else self.local_value


@dataclass(frozen=True, slots=True)
class Skip(_Action):
    """Nothing is written for ``uid``: ``reason`` is one of the ``SKIP_*`` codes."""

    uid: str
    reason: str
    fields: tuple[str, ...] = field(default=())


LocalAction = CreateLocal | UpdateLocal | ArchiveLocal
RemoteAction = CreateRemote | UpdateRemote | DeleteRemote | RespondRemote
Action = LocalAction | RemoteAction | Link | Unlink | Conflict | Skip
