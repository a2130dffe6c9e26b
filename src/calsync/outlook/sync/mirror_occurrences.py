"""A mirror's modified occurrences here (docs/sync.md, Mirrors): read from a series'
exception rows, written on a copy series.

:func:`read` gives a series' exceptions as :class:`~calsync.syncengine.mirror.Occurrence`
values keyed as the engine keys original starts (the instant; for an all-day series the
local date); an archived one is a cancelled occurrence (its copy series cancels it).
:func:`write` carries out a copy's ``exceptions`` (each occurrence at its original start
gets the projected times, title and show-as, through the calendar actions) and ``reset``
(the occurrence put back as the series makes it); an occurrence the copy series does not
have is logged and left (the next pass sees the copy unchanged and tries again), never
failing the copy itself."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from calsync.calendars import actions as calendar_actions
from calsync.calendars.models import Event
from calsync.outlook.sync.local_side import original_instant, original_key
from calsync.syncengine import EventData
from calsync.syncengine.mirror import CreateCopy, Occurrence, UpdateCopy, regular_occurrence

logger = logging.getLogger("calsync.outlook.sync")


def read(local: Any, series: Event, is_organizer: bool) -> tuple[Occurrence, ...]:
    """The exceptions of ``series`` (none for a single event), read through the sync's
    local side ``local`` (:class:`~.local_side.OrmLocalSide`); an archived one cancelled."""
    if not series.recurrence:
        return ()
    return tuple(
        Occurrence(
            original_key(row.original_start, series),
            local.data(row, is_organizer),
            cancelled=not row.active,
        )
        for row in series.exceptions.all()
        if row.original_start is not None
    )


def write(series: Event, action: CreateCopy | UpdateCopy) -> None:
    """Change the occurrences of the copy series ``series`` as ``action`` says."""
    if not series.recurrence:
        return
    for occurrence in action.exceptions:
        _put(series, occurrence.original_start, occurrence.data)
    for start in getattr(action, "reset", ()):
        _put(series, start, regular_occurrence(action.data, start))


def _put(series: Event, original: datetime | date, data: EventData) -> None:
    values: dict[str, Any] = {
        "title": data.title,
        "show_as": data.show_as,
        "all_day": data.all_day,
        "timezone": data.timezone,
    }
    if data.all_day:
        values["start_date"], values["end_date"] = data.start, data.end
    else:
        values["start"], values["end"] = data.start, data.end
    instant = original_instant(original, series)
    try:
        with transaction.atomic():
            calendar_actions.do_update_occurrence(series, instant, values)
    except ValidationError as exc:
        logger.info("mirror: copy %s occurrence %s not written: %s", series.pk, original, exc)
