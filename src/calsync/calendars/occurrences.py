"""Occurrences of series as values, and listing a calendar for a window.

An :class:`Occurrence` is an unmodified occurrence computed from its series' rule: it has
no row of its own. Its API id is ``"<series id>.<original start YYYYMMDDTHHMMSSZ>"``.
Modified occurrences (exceptions) are :class:`~calsync.calendars.models.Event` rows and
cancelled ones are :class:`~calsync.calendars.models.CancelledOccurrence` rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from calsync.calendars import links, recurrence, window_count
from calsync.calendars.models import Attendee, CancelledOccurrence, Event
from calsync.calendars.validation import MAX_YEAR, MIN_YEAR

OCCURRENCE_ID = re.compile(r"^(?P<series>[1-9][0-9]{0,18})\.(?P<stamp>[0-9]{8}T[0-9]{6}Z)$")
EVENT_ID = re.compile(r"^[1-9][0-9]{0,18}$")
COUNT_WALK = 5000
"""The most wall times a listing walks, over all its series, to count the occurrences of
rules that arithmetic does not count (see :mod:`calsync.calendars.window_count`)."""


@dataclass(frozen=True)
class Occurrence:
    """An unmodified occurrence of ``series`` at ``slot``."""

    series: Event
    slot: recurrence.Slot

    @property
    def api_id(self) -> str:
        return f"{self.series.pk}.{recurrence.occurrence_key(self.slot.original_start)}"

    @property
    def original_start(self) -> datetime:
        return self.slot.original_start

    @property
    def start(self) -> datetime:
        return self.slot.start

    @property
    def end(self) -> datetime:
        return self.slot.end

    @property
    def start_date(self) -> date | None:
        return self.slot.start_date

    @property
    def end_date(self) -> date | None:
        return self.slot.end_date


class BadOccurrenceId(ValueError):
    """An id shaped like an occurrence id whose stamp is no date-time calsync can hold."""


class WindowTooFull(Exception):
    """A window holds more than the listing's ``limit`` items."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the window holds more than {limit} items")


def split_occurrence_id(ref: str) -> tuple[int, datetime] | None:
    """``(series id, original start)`` of an occurrence id, or None if ``ref`` is not
    shaped like one; :class:`BadOccurrenceId` when its stamp is not a real UTC date-time
    between the years ``MIN_YEAR`` and ``MAX_YEAR`` of :mod:`calsync.calendars.validation`."""
    match = OCCURRENCE_ID.match(ref)
    if match is None:
        return None
    try:
        instant = recurrence.parse_occurrence_key(match["stamp"])
    except ValueError:
        raise BadOccurrenceId(match["stamp"]) from None
    if not MIN_YEAR <= instant.year <= MAX_YEAR:
        raise BadOccurrenceId(match["stamp"])
    return int(match["series"]), instant


_ATTENDEES = Prefetch("attendees", queryset=Attendee.objects.all())


def with_details(events: QuerySet[Event]) -> QuerySet[Event]:
    """``events`` with attendees and their outside link (:mod:`calsync.calendars.links`)
    preloaded."""
    events = events.prefetch_related(_ATTENDEES)
    return links.preload(events)


def list_window(
    events: QuerySet[Event],
    start: datetime,
    end: datetime,
    *,
    archived: bool = False,
    limit: int | None = None,
) -> list[Event | Occurrence]:
    """What of ``events`` overlaps ``[start, end)``: single events, exceptions, and the
    occurrences of series (minus their exceptions and cancellations), ordered by start.
    Archived events, and occurrences of archived series, only with ``archived``.

    With ``limit``, :class:`WindowTooFull` when more than ``limit`` items are found: before
    expanding anything when the series' occurrences are counted without expanding them
    (:mod:`calsync.calendars.window_count`), else as soon as the expansion passes the
    limit (a long window of many series costs no more than that)."""
    if not archived:
        events = events.filter(active=True).exclude(series__active=False)
    masters = list(
        links.preload(
            events.filter(series__isnull=True, start__lt=end)
            .exclude(recurrence="")
            .filter(Q(series_end__isnull=True) | Q(series_end__gt=start))
        )
    )
    taken = _taken(masters, start, end) if masters else {}
    if limit is not None:  # before fetching anything more
        _refuse_if_surely_full(masters, taken, start, end, limit)
    prefetch_related_objects(masters, _ATTENDEES)
    overlapping = Q(start__lt=end, end__gt=start)
    singles = with_details(events.filter(overlapping, recurrence=""))
    rows: list[Event | Occurrence] = list(singles if limit is None else singles[: limit + 1])
    if limit is not None and len(rows) > limit:
        raise WindowTooFull(limit)
    if masters:
        room = None if limit is None else limit - len(rows)
        try:
            rows.extend(_expand(masters, taken, start, end, room))
        except WindowTooFull:
            assert limit is not None
            raise WindowTooFull(limit) from None
    rows.sort(key=_order)
    return rows


def _order(item: Event | Occurrence) -> tuple[datetime, str]:
    return item.start, item.api_id if isinstance(item, Occurrence) else str(item.pk)


def _taken(masters: list[Event], start: datetime, end: datetime) -> dict[int, set[datetime]]:
    """The original starts of the modified and cancelled occurrences of ``masters`` that
    could lie in the window, by series id."""
    longest = max(m.end - m.start for m in masters) + timedelta(days=2)
    ids = [m.pk for m in masters]
    taken: dict[int, set[datetime]] = defaultdict(set)
    in_window = {
        "original_start__lt": end + timedelta(days=1),
        "original_start__gt": start - longest,
    }
    for series_id, original in Event.objects.filter(series_id__in=ids, **in_window).values_list(
        "series_id", "original_start"
    ):
        taken[series_id].add(original)
    for series_id, original in CancelledOccurrence.objects.filter(
        series_id__in=ids, **in_window
    ).values_list("series_id", "original_start"):
        taken[series_id].add(original)
    return taken


def _refuse_if_surely_full(
    masters: list[Event],
    taken: Mapping[int, set[datetime]],
    start: datetime,
    end: datetime,
    room: int,
) -> None:
    """:class:`WindowTooFull` when ``masters`` surely have more than ``room`` occurrences in
    the window, counted without expanding them (:mod:`calsync.calendars.window_count`;
    rules counted by walking share one walk of :data:`COUNT_WALK` wall times)."""
    surely = 0
    walk = COUNT_WALK
    for master in masters:
        times = recurrence.SeriesTimes.of(master)
        found, walked = window_count.at_least(times, start, end, budget=walk)
        walk -= walked
        surely += max(0, found - len(taken.get(master.pk, ())))
        if surely > room:
            raise WindowTooFull(room)


def _expand(
    masters: list[Event],
    taken: Mapping[int, set[datetime]],
    start: datetime,
    end: datetime,
    room: int | None,
) -> list[Occurrence]:
    """Occurrences of ``masters`` in the window, skipping the ``taken`` ones (modified or
    cancelled); :class:`WindowTooFull` past ``room`` of them."""
    result = []
    for master in masters:
        times = recurrence.SeriesTimes.of(master)
        for slot in recurrence.iter_slots(times, start, end):
            if slot.original_start not in taken.get(master.pk, ()):
                result.append(Occurrence(master, slot))
                if room is not None and len(result) > room:
                    raise WindowTooFull(room)
    return result
