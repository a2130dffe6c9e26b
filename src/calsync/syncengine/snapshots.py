"""What each side looks like now: frozen snapshots handed to :func:`~.plan.plan`.

A snapshot is either *complete* (every item of the side; for Outlook: every item of the
window) or a list of *changes* since the last sync. What an item missing from a snapshot
means is decided here, in one place (:meth:`RemoteSnapshot.is_gone`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from calsync.syncengine.errors import InvalidData
from calsync.syncengine.model import EventData, LocalItem, RemoteItem

WINDOW_MARGIN = timedelta(days=1)
"""Only events at least this far inside the window count as "inside": all-day dates are
compared at UTC midnight, so a day's slack keeps edge events on the safe side."""

_UNTIL = re.compile(r"(?:^|;)UNTIL=(\d{8})(?:T(\d{6})Z?)?")
_COUNT = re.compile(r"(?:^|;)COUNT=")


@dataclass(frozen=True, slots=True)
class LocalSnapshot:
    """calsync's side: ``items`` (archived ones too, with ``active=False``).

    ``complete=False`` means only the items changed since the last sync are listed, and
    ``deleted_local_ids`` the ids of items destroyed since. ``complete=True`` means every
    item is listed, so a linked item that is missing was deleted.
    """

    items: tuple[LocalItem, ...]
    deleted_local_ids: frozenset[str] = frozenset()
    complete: bool = False


@dataclass(frozen=True, slots=True)
class RemoteSnapshot:
    """Outlook's side, from ``calendarView/delta``.

    ``removed_remote_ids`` are the ids delta reported ``@removed``. The collector must
    send only deletions here: delta also reports events that left the window as removed,
    so it confirms each (a GET answering 404) or lists a still-existing event among
    ``items``. ``complete=True`` (a fresh round) means every event of ``window`` is
    listed, so a linked event inside the window that is missing was deleted. Events
    outside the window are never treated as deleted, removed or missing.
    ``window=None`` means the whole calendar. ``listed`` are the ids of a complete round
    listed (and applied) by its earlier pages: they are there, not missing, though absent
    from ``items``.
    """

    items: tuple[RemoteItem, ...]
    removed_remote_ids: frozenset[str] = frozenset()
    complete: bool = False
    window: tuple[datetime, datetime] | None = None
    listed: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.window is not None:
            start, end = self.window
            if start.tzinfo is None or end.tzinfo is None or end <= start:
                raise InvalidData("window", "needs two aware datetimes, start before end")

    def is_gone(self, remote_id: str, last_known: EventData) -> bool:
        """True when the linked event ``remote_id`` (last seen as ``last_known``) was deleted.

        The caller has already checked that ``remote_id`` is not among ``items``.
        """
        if remote_id in self.listed or not self.inside_window(last_known):
            return False
        return remote_id in self.removed_remote_ids or self.complete

    def inside_window(self, data: EventData) -> bool:
        """True when ``data`` lies in the window, with :data:`WINDOW_MARGIN` to spare."""
        if self.window is None:
            return True
        low, high = self.window[0] + WINDOW_MARGIN, self.window[1] - WINDOW_MARGIN
        start, end = event_span(data)
        return start < high and end > low


def event_span(data: EventData) -> tuple[datetime, datetime]:
    """From the start to the end of the event; of a series, to the end of its rule."""
    start, end = as_instant(data.start), as_instant(data.end)
    if data.recurrence is not None:
        end = max(end, _series_end(data.recurrence, start))
    return start, end


def as_instant(value: datetime | date) -> datetime:
    """A datetime as is; a date at UTC midnight (only for window and age comparisons)."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), tzinfo=UTC)


def series_until(rule: str) -> datetime | None:
    """The UNTIL instant of an RRULE (a date-only UNTIL: the end of that day), if any."""
    until = _UNTIL.search(rule)
    if until is None:
        return None
    stamp = until.group(1) + (until.group(2) or "235959")
    return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def _series_end(rule: str, start: datetime) -> datetime:
    """When a series ends, for window checks, erring towards "it never ends".

    A COUNT rule's end is unknown without expanding it: such a series counts as inside
    the window only when it starts inside it (so it is never archived on a guess).
    """
    until = series_until(rule)
    if until is not None:
        return until
    if _COUNT.search(rule):
        return start + timedelta(seconds=1)
    return datetime.max.replace(tzinfo=UTC)
