"""A busy or redacted link's Outlook calendar read without listing it every run
(docs/sync.md, Mirrors, "What a run asks Graph").

The link keeps (``CalendarLink.mirror_*``, apart from the two-way delta state) the
deltaLink of a ``calendarView/delta`` round of its Outlook calendar over the sync window,
and that calendar's events as listed just after that round's point, each series with its
exceptions (a change to an occurrence touches its series, so the round returns it). A run:

* follows the stored deltaLink; when the round returns nothing, the stored events are the
  calendar as it is now (one request, no listing, no read of a series' exceptions);
* lists the calendar again when the round returned anything (its new deltaLink was taken
  before the listing, so a change made while it lists comes back next run), when no events
  are stored, when the window moved (once a day) or when Graph refuses the stored link
  (410 ``SyncStateNotFound`` or a refused token: a new round is begun first);
* stores the new deltaLink after the run's writes, and the events it listed; when the run
  wrote copies in Outlook the stored events are dropped instead (the next round returns
  those writes and the calendar is listed again), and the copies written (id and
  changeKey) are kept so that the change notifications about them start no run
  (:func:`calsync.outlook.triggers.handoff.news_in`).

A preview lists and stores nothing. A series wholly outside the window is only read again
with the next listing (at the latest when the window moves).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from calsync.msgraph.mirror_calendar import DeltaRefused, MirrorCalendar
from calsync.outlook.models import CalendarLink

logger = logging.getLogger("calsync.outlook.sync")


@dataclass(frozen=True)
class OutlookRead:
    """The Outlook calendar's events as this run knows them, the deltaLink to store
    (None: store nothing), and whether they were listed now (else: stored ones)."""

    events: list[dict[str, Any]]
    delta_link: str | None
    listed: bool


def read(
    link: CalendarLink, outlook: MirrorCalendar, window: tuple[datetime, datetime], preview: bool
) -> OutlookRead:
    """The link's Outlook calendar over ``window`` (module docstring)."""
    if preview:
        return OutlookRead(outlook.events(window), None, listed=True)
    stored = _stored_link(link, window)
    if stored:
        try:
            changed, delta_link = outlook.changes(stored, window)
        except DeltaRefused as exc:
            logger.info("mirror: delta of link %s refused (%s); listing again", link.pk, exc)
        else:
            if changed == 0 and link.mirror_events is not None:
                return OutlookRead(list(link.mirror_events), delta_link, listed=False)
            return OutlookRead(outlook.events(window), delta_link, listed=True)
    _count, delta_link = outlook.changes(None, window)
    return OutlookRead(outlook.events(window), delta_link, listed=True)


def save(
    link: CalendarLink,
    got: OutlookRead,
    window: tuple[datetime, datetime],
    wrote: bool,
    written: dict[str, str],
) -> None:
    """Store the run's deltaLink and what it listed (nothing after a preview); ``wrote``:
    the run wrote copies in Outlook, so the stored events are dropped, and ``written``
    (copy id -> changeKey) replaces the copies a notification names as our own writes."""
    if got.delta_link is None:
        return
    fields: dict[str, Any] = {
        "mirror_delta_link": got.delta_link,
        "mirror_window_start": window[0],
        "mirror_window_end": window[1],
    }
    if wrote:
        fields["mirror_events"] = None
        fields["mirror_written"] = written
    elif got.listed:
        fields["mirror_events"] = got.events
    CalendarLink.objects.filter(pk=link.pk).update(**fields)


def _stored_link(link: CalendarLink, window: tuple[datetime, datetime]) -> str:
    """The stored deltaLink when it was taken over ``window``, else ''."""
    if (link.mirror_window_start, link.mirror_window_end) != window:
        return ""
    return link.mirror_delta_link
