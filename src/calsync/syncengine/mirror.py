"""Privacy-keeping mirrors: which copies a ``busy`` or ``redacted`` link makes, mends and
removes. Pure: values in, actions out; no I/O, no clock.

A mirror copies each *original* event of a source calendar into a destination calendar as a
*projection* (:func:`project`):

* ``busy``: only the times (start, end, all-day, zone), show-as, and the series' rule and
  cancelled occurrences; the title is the fixed word the caller gives (``busy_title``);
* ``redacted``: the same, and the original's title.

A series' modified occurrences (:class:`Occurrence`, keyed by their original start) are
projected the same way (:func:`project_exceptions`) and travel with the series' copy: the
copy's occurrence at that original start gets the moved times, show-as (and, redacted, the
title). An occurrence that looks like the series' own at that start is no exception (so a
copy's occurrence put back is none either). A cancelled occurrence (one the series'
``cancelled`` lists, or a modified occurrence marked ``cancelled``: an archived exception
here, an Outlook exception marked ``isCancelled``) is left out of the copy series: the
copy lists it among its cancelled occurrences (:func:`series_of`).

Never a description, a location, an organizer or an attendee: a copy mails nobody.

A copy is marked (:class:`Copy`, ``of`` = its original's key, ``source`` = the source
calendar, ``made_from`` = :func:`projection_hash` of what it was made from). The rules of
:func:`plan_mirror`, each a small function below:

* a marked event is never an original: no copy of a copy, whatever link meets it;
* a declined invitation, an inactive original (archived, cancelled, deleted) and an event
  the destination is already invited to (one of its ``addresses`` among the attendees or
  the organizer, or its ``iCalUId`` already in the destination) have no copy: an existing
  one is deleted;
* a copy is updated when its original's projection changed (its hash differs from
  ``made_from``, which the mode and the projected exceptions are part of) or when the copy
  itself drifted from it (someone edited the copy or one of its occurrences: the next pass
  restores it; the original is never written); an update names the copy's exceptions its
  original no longer has (``reset``: put back at the series' time);
* a copy whose original is gone (listed removed, or missing from a complete listing) is
  deleted, and so is every copy but one of the same original;
* copies of another source are not this plan's business.

Idempotent: once the actions are applied, the same inputs plan nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from calsync.syncengine.model import EventData, When

BUSY = "busy"
REDACTED = "redacted"
MODES = frozenset({BUSY, REDACTED})

SKIP_COPY = "is_a_copy"
SKIP_DECLINED = "declined"
SKIP_INACTIVE = "inactive"
SKIP_INVITED = "destination_invited"
SKIP_EXCEPTION = "exception"

DRIFT_FIELDS = (
    "title",
    "description",
    "location",
    "attendees",
    "all_day",
    "start",
    "end",
    "show_as",
)
"""What a copy is compared on with its projection to see it was edited (never the rule's
spelling or the zone's name, which a side may write back otherwise)."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A modified occurrence of a series: the start the rule gave it (``original_start``:
    an instant, or a date for an all-day series, as ``EventData.cancelled``) and its
    content now; ``cancelled``: the occurrence was cancelled (it shows nowhere)."""

    original_start: When
    data: EventData
    cancelled: bool = False

    def __post_init__(self) -> None:
        start = self.original_start
        if isinstance(start, datetime):
            if start.tzinfo is None:
                raise ValueError("an occurrence's original start must be aware")
            object.__setattr__(self, "original_start", start.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class Original:
    """An event of the source calendar. ``key`` names it on its side (a calsync uid, a Graph
    id); ``mirror_of`` is set when it is itself a copy; ``series_key`` when it is a modified
    occurrence (mirrored with its series, never on its own); a series lists its modified
    occurrences in ``exceptions``."""

    key: str
    data: EventData
    active: bool = True
    my_response: str | None = None
    ical_uid: str | None = None
    mirror_of: str | None = None
    series_key: str | None = None
    exceptions: tuple[Occurrence, ...] = ()


@dataclass(frozen=True, slots=True)
class Copy:
    """A marked copy in the destination: its own ``key``, its original's key ``of``, the
    ``source`` calendar it came from, its ``mode``, the projection hash it was ``made_from``,
    and its content now (``data``, None when not read); a copy series' modified occurrences
    (``exceptions``, None when not read)."""

    key: str
    of: str
    source: str
    mode: str
    made_from: str
    data: EventData | None = None
    exceptions: tuple[Occurrence, ...] | None = None


@dataclass(frozen=True, slots=True)
class Destination:
    """Where copies go: the link's ``mode``, the destination owner's ``addresses``, the
    iCalUIds of its own (unmarked) events, and the fixed title of a busy copy."""

    mode: str
    addresses: frozenset[str] = frozenset()
    ical_uids: frozenset[str] = frozenset()
    busy_title: str = "Busy"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"not a mirror mode: {self.mode!r}")
        object.__setattr__(self, "addresses", frozenset(a.lower() for a in self.addresses))


@dataclass(frozen=True, slots=True)
class CreateCopy:
    """Make a copy of ``of`` holding ``data``, marked with ``source``, ``mode``, ``made_from``;
    a series then gets its occurrences at each ``exceptions`` original start changed."""

    of: str
    source: str
    mode: str
    made_from: str
    data: EventData
    exceptions: tuple[Occurrence, ...] = ()


@dataclass(frozen=True, slots=True)
class UpdateCopy:
    """Overwrite the copy ``key`` with ``data`` (every projected field) and its new mark; a
    series then gets its occurrences at each ``exceptions`` original start changed, and
    those at each ``reset`` start put back as the series makes them."""

    key: str
    of: str
    source: str
    mode: str
    made_from: str
    data: EventData
    exceptions: tuple[Occurrence, ...] = ()
    reset: tuple[When, ...] = ()


@dataclass(frozen=True, slots=True)
class DeleteCopy:
    """Remove the copy ``key`` (of ``of``)."""

    key: str
    of: str


MirrorAction = CreateCopy | UpdateCopy | DeleteCopy


@dataclass(frozen=True, slots=True)
class MirrorPlan:
    """What one pass does, and why each original left out was left out (key -> SKIP_*)."""

    creates: tuple[CreateCopy, ...] = ()
    updates: tuple[UpdateCopy, ...] = ()
    deletes: tuple[DeleteCopy, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def actions(self) -> tuple[MirrorAction, ...]:
        """Deletes first (a destination never holds two copies of one original at once)."""
        return (*self.deletes, *self.updates, *self.creates)

    def __bool__(self) -> bool:
        return bool(self.creates or self.updates or self.deletes)


def project(data: EventData, mode: str, busy_title: str = "Busy") -> EventData:
    """The copy of ``data`` a ``mode`` link makes: times, show-as and the rule only, and
    the title (``redacted``) or ``busy_title`` (``busy``)."""
    if mode not in MODES:
        raise ValueError(f"not a mirror mode: {mode!r}")
    return EventData(
        title=data.title if mode == REDACTED else busy_title,
        start=data.start,
        end=data.end,
        timezone=data.timezone,
        all_day=data.all_day,
        show_as=data.show_as,
        recurrence=data.recurrence,
        cancelled=data.cancelled,
    )


def series_of(original: Original) -> EventData:
    """The original's data with its cancelled modified occurrences among its cancelled
    occurrences (what its copy series cancels)."""
    gone = [o.original_start for o in original.exceptions if o.cancelled]
    if not gone or not original.data.recurrence:
        return original.data
    return original.data.with_fields({"cancelled": (*original.data.cancelled, *gone)})


def project_exceptions(
    series: EventData, exceptions: Iterable[Occurrence], mode: str, busy_title: str = "Busy"
) -> tuple[Occurrence, ...]:
    """The occurrences a ``mode`` copy of the series ``series`` changes: each of
    ``exceptions`` projected (no rule), but those the series cancelled and those that
    look like the series' own occurrence, by original start."""
    projected_series = project(series, mode, busy_title)
    found: dict[When, Occurrence] = {}
    for occurrence in exceptions:
        if occurrence.original_start in series.cancelled:
            continue
        data = project(occurrence.data, mode, busy_title).with_fields(
            {"recurrence": None, "cancelled": ()}
        )
        found[occurrence.original_start] = Occurrence(occurrence.original_start, data)
    return exceptional(projected_series, found.values())


def exceptional(series: EventData, occurrences: Iterable[Occurrence]) -> tuple[Occurrence, ...]:
    """``occurrences`` of ``series`` but the cancelled ones and those that look like its own
    occurrence at their original start (times, all-day, title, show-as), sorted by
    original start."""
    kept = [o for o in occurrences if not o.cancelled and not _regular(series, o)]
    return tuple(sorted(kept, key=lambda o: _start_key(o.original_start)))


def regular_occurrence(series: EventData, original_start: When) -> EventData:
    """The occurrence the series ``series`` has at ``original_start`` (unmodified)."""
    if series.all_day:
        day = original_start.date() if isinstance(original_start, datetime) else original_start
        start: When = day
        end: When = day + (series.end - series.start)  # type: ignore[operator]
    else:
        if not isinstance(original_start, datetime):
            raise TypeError("a timed series' occurrence starts at an instant")
        start, end = original_start, original_start + (series.end - series.start)  # type: ignore[operator]
    return series.with_fields({"start": start, "end": end, "recurrence": None, "cancelled": ()})


def projection_hash(
    projected: EventData, mode: str, exceptions: tuple[Occurrence, ...] = ()
) -> str:
    """The mark of what a copy was made from: the mode, the projection's content and its
    projected exceptions (none: the hash a copy had before exceptions were mirrored)."""
    lines = [mode, projected.content_hash()]
    lines += [f"{_start_key(o.original_start)} {o.data.content_hash()}" for o in exceptions]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


def drifted(copy: EventData, projected: EventData) -> bool:
    """True when the copy's content no longer shows its projection (someone edited it)."""
    return any(_drift_value(copy, name) != _drift_value(projected, name) for name in DRIFT_FIELDS)


def exceptions_drifted(
    series: EventData, copy: Iterable[Occurrence], wanted: tuple[Occurrence, ...]
) -> bool:
    """True when a copy series' modified occurrences (``copy``, as read) no longer show
    the ``wanted`` ones (one missing, one more, or one edited)."""
    have = {o.original_start: o.data for o in exceptional(series, copy)}
    if have.keys() != {o.original_start for o in wanted}:
        return True
    return any(drifted(have[o.original_start], o.data) for o in wanted)


def skip_reason(original: Original, destination: Destination) -> str | None:
    """Why ``original`` has no copy in ``destination`` (a SKIP_* code), or None."""
    if original.mirror_of is not None:
        return SKIP_COPY
    if original.series_key is not None:
        return SKIP_EXCEPTION
    if not original.active:
        return SKIP_INACTIVE
    if original.my_response == "declined":
        return SKIP_DECLINED
    if _invited(original, destination):
        return SKIP_INVITED
    return None


def plan_mirror(
    source: str,
    originals: Iterable[Original],
    copies: Iterable[Copy],
    destination: Destination,
    *,
    complete: bool = True,
    removed: frozenset[str] = frozenset(),
) -> MirrorPlan:
    """The actions that make ``destination``'s copies from ``source`` match ``originals``.

    ``complete``: ``originals`` lists every event of the source, so a copy of anything not
    listed is deleted; otherwise only the copies of ``removed`` keys are.
    """
    listed = {original.key: original for original in originals}
    mine = _by_original(copy for copy in copies if copy.source == source)
    skipped = {o.key: r for o in listed.values() if (r := skip_reason(o, destination))}
    deletes = [DeleteCopy(c.key, c.of) for group in mine.values() for c in group[1:]]
    deletes += _orphans(mine, listed, skipped, complete, removed)
    creates, updates = _writes(source, listed, mine, skipped, destination)
    return MirrorPlan(tuple(creates), tuple(updates), tuple(deletes), skipped)


def _by_original(copies: Iterable[Copy]) -> dict[str, list[Copy]]:
    """The copies of each original, the one kept (lowest key) first."""
    groups: dict[str, list[Copy]] = {}
    for copy in copies:
        groups.setdefault(copy.of, []).append(copy)
    for group in groups.values():
        group.sort(key=lambda copy: copy.key)
    return groups


def _orphans(
    mine: dict[str, list[Copy]],
    listed: dict[str, Original],
    skipped: dict[str, str],
    complete: bool,
    removed: frozenset[str],
) -> list[DeleteCopy]:
    """The kept copy of each original that is gone or must have no copy."""
    gone = []
    for of, group in sorted(mine.items()):
        unlisted = of not in listed and (complete or of in removed)
        if unlisted or of in skipped:
            gone.append(DeleteCopy(group[0].key, of))
    return gone


def _writes(
    source: str,
    listed: dict[str, Original],
    mine: dict[str, list[Copy]],
    skipped: dict[str, str],
    destination: Destination,
) -> tuple[list[CreateCopy], list[UpdateCopy]]:
    creates: list[CreateCopy] = []
    updates: list[UpdateCopy] = []
    mode = destination.mode
    for key in sorted(listed.keys() - skipped.keys()):
        original = listed[key]
        series = series_of(original)
        projected = project(series, mode, destination.busy_title)
        changed: tuple[Occurrence, ...] = ()
        if projected.recurrence:
            changed = project_exceptions(series, original.exceptions, mode, destination.busy_title)
        made_from = projection_hash(projected, mode, changed)
        kept = mine.get(key, [None])[0]
        if kept is None:
            creates.append(CreateCopy(key, source, mode, made_from, projected, changed))
        elif _stale(kept, mode, made_from, projected, changed):
            reset = _to_reset(kept, projected, changed)
            updates.append(
                UpdateCopy(kept.key, key, source, mode, made_from, projected, changed, reset)
            )
    return creates, updates


def _stale(
    copy: Copy, mode: str, made_from: str, projected: EventData, changed: tuple[Occurrence, ...]
) -> bool:
    if copy.mode != mode or copy.made_from != made_from:
        return True
    if copy.data is not None and drifted(copy.data, projected):
        return True
    if copy.exceptions is None or not projected.recurrence:
        return False
    return exceptions_drifted(projected, copy.exceptions, changed)


def _to_reset(
    copy: Copy, projected: EventData, changed: tuple[Occurrence, ...]
) -> tuple[When, ...]:
    """The copy's modified occurrences its original no longer has (nor cancelled)."""
    if copy.exceptions is None or not projected.recurrence:
        return ()
    wanted = {o.original_start for o in changed} | set(projected.cancelled)
    have = exceptional(projected, copy.exceptions)
    return tuple(o.original_start for o in have if o.original_start not in wanted)


def _regular(series: EventData, occurrence: Occurrence) -> bool:
    try:
        own = regular_occurrence(series, occurrence.original_start)
    except (TypeError, ValueError):
        return False
    return not drifted(occurrence.data, own)


def _start_key(value: When) -> str:
    return value.isoformat()


def _invited(original: Original, destination: Destination) -> bool:
    if original.ical_uid is not None and original.ical_uid in destination.ical_uids:
        return True
    people = {attendee.email for attendee in original.data.attendees}
    if original.data.organizer is not None:
        people.add(original.data.organizer.email)
    return not people.isdisjoint(destination.addresses)


def _drift_value(data: EventData, name: str) -> object:
    value = getattr(data, name)
    if name == "attendees":
        return tuple(attendee.email for attendee in value)
    return value
