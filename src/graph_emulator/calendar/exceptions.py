"""Series instances: occurrences, modified occurrences (exceptions), cancelled occurrences.

* An occurrence's id encodes its master and original date (``ids.occurrence_id``); an
  exception keeps the id of the occurrence it modifies.
* ``cancelledOccurrences`` lists ``OID.{masterId}.{original date}`` for deleted ones; those
  are never returned by ``/instances`` or calendarView.
* Moving an occurrence onto or before the day of the previous occurrence, or onto or after
  the day of the next one, is 400 ``ErrorOccurrenceCrossingBoundary``.
* After the master's rule or start changes, exceptions and cancellations whose original
  date is no longer a pattern date are dropped (the ones that still fit are kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from graph_emulator.calendar import ids
from graph_emulator.calendar.errors import CalendarError
from graph_emulator.calendar.model import EventRecord, Instance, Span


def overlaps(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> bool:
    """calendarView's rule: the event overlaps ``[window_start, window_end)``.

    A zero-length event counts when it starts inside the window.
    """
    if start >= window_end:
        return False
    if end > window_start:
        return True
    return start == end and start >= window_start


def stored_instance(record: EventRecord) -> Instance:
    """The stored event itself: a single instance or a series master."""
    kind = "seriesMaster" if record.is_series else "singleInstance"
    return Instance(kind, record.id, record, record.span)


def occurrence(record: EventRecord, day: date) -> Instance | None:
    """The instance originally on ``day`` (occurrence or exception); None if none/cancelled."""
    rec = record.recurrence
    if rec is None or day in record.cancelled:
        return None
    exception = record.exceptions.get(day)
    occurrence_id = ids.occurrence_id(record.id, day)
    if exception is not None:
        return Instance("exception", occurrence_id, record, exception.span, day, exception)
    if not rec.occurs_on(day):
        return None
    return Instance("occurrence", occurrence_id, record, record.occurrence_span(day), day)


def cancelled_occurrence_ids(record: EventRecord) -> list[str]:
    """``cancelledOccurrences`` of a master (``OID.{masterId}.{date}``), in date order."""
    return [f"OID.{record.id}.{day.isoformat()}" for day in sorted(record.cancelled)]


def _local_date(record: EventRecord, value: datetime) -> date:
    return value.astimezone(record.span.start_zone.tz).date()


def pattern_dates_in(
    record: EventRecord, window_start: datetime, window_end: datetime
) -> Iterator[date]:
    """Pattern dates whose unmodified occurrence could overlap the window."""
    rec = record.recurrence
    if rec is None:
        return
    slack = max(1, int(record.span.duration / timedelta(days=1)) + 2)
    first = _local_date(record, window_start) - timedelta(days=slack)
    for day in rec.dates(max(first, rec.start_date)):
        if record.occurrence_start(day) >= window_end:
            return
        yield day


def expand(record: EventRecord, window_start: datetime, window_end: datetime) -> list[Instance]:
    """Occurrences and exceptions of a master that overlap the window, by start."""
    found: list[Instance] = []
    for day in pattern_dates_in(record, window_start, window_end):
        if day in record.cancelled or day in record.exceptions:
            continue
        span = record.occurrence_span(day)
        if overlaps(span.start, span.end, window_start, window_end):
            found.append(
                Instance("occurrence", ids.occurrence_id(record.id, day), record, span, day)
            )
    for day, exception in record.exceptions.items():
        if day in record.cancelled:
            continue
        if overlaps(exception.span.start, exception.span.end, window_start, window_end):
            found.append(
                Instance(
                    "exception",
                    ids.occurrence_id(record.id, day),
                    record,
                    exception.span,
                    day,
                    exception,
                )
            )
    found.sort(key=lambda inst: (inst.span.start, inst.original or date.min))
    return found


def _instance_date(record: EventRecord, day: date) -> date:
    exception = record.exceptions.get(day)
    if exception is not None:
        return _local_date(record, exception.span.start)
    return day


def _neighbours(record: EventRecord, day: date) -> tuple[date | None, date | None]:
    """Current dates of the nearest live instances before and after ``day``."""
    rec = record.recurrence
    assert rec is not None
    previous: date | None = None
    reach = rec.max_gap_days() * (len(record.cancelled) + 1)
    start = max(rec.start_date, day - timedelta(days=reach))
    following: date | None = None
    for candidate in rec.dates(start):
        if candidate in record.cancelled:
            continue
        if candidate < day:
            previous = candidate
        elif candidate > day:
            following = candidate
            break
    prev_date = _instance_date(record, previous) if previous else None
    next_date = _instance_date(record, following) if following else None
    return prev_date, next_date


def check_boundary(record: EventRecord, day: date, span: Span) -> None:
    """400 ErrorOccurrenceCrossingBoundary when the moved occurrence crosses a neighbour."""
    new_day = _local_date(record, span.start)
    previous, following = _neighbours(record, day)
    if (previous is not None and new_day <= previous) or (
        following is not None and new_day >= following
    ):
        raise CalendarError(
            400,
            "ErrorOccurrenceCrossingBoundary",
            "Modified occurrence is crossing or overlapping adjacent occurrence. Property 'start'.",
        )


def drop_misfits(record: EventRecord) -> list[date]:
    """After a rule/start change: drop exceptions and cancellations that no longer fit."""
    rec = record.recurrence
    dropped: list[date] = []
    for day in list(record.exceptions):
        if rec is None or not rec.occurs_on(day):
            del record.exceptions[day]
            dropped.append(day)
    for day in list(record.cancelled):
        if rec is None or not rec.occurs_on(day):
            record.cancelled.discard(day)
    return dropped
