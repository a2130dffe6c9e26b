"""The sync log as people read it: consecutive runs that changed nothing fold into one line
("12 syncs, no changes, last at 14:05"); a run with changes says what changed, in words with
plurals, and names the events it wrote (links to them); a run that goes shows its progress,
never "running … 0.00 s".

:func:`entries` turns runs (newest first) into :class:`Entry` rows for
``outlook/_sync_log.html``. Which events a run wrote is read from the sync records it
stamped (``SyncRecord.synced_at`` within the run): one query for a page of entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calsync.outlook.models import SyncRecord, SyncRun

EVENTS_SHOWN = 8
"""Events named per run; the rest are counted ("and 3 more")."""
ENTRIES_PER_PAGE = 20
"""Entries per page of the administrator's log."""


@dataclass(frozen=True)
class ChangedEvent:
    """An event a run wrote: its id (for the link) and title."""

    id: int
    title: str


@dataclass
class Entry:
    """One line of the log: ``runs`` folded (``quiet``: none changed anything), or one run."""

    runs: list[SyncRun]
    quiet: bool
    events: list[ChangedEvent] = field(default_factory=list)
    more_events: int = 0

    @property
    def run(self) -> SyncRun:
        """The newest run of the entry."""
        return self.runs[0]

    @property
    def count(self) -> int:
        return len(self.runs)

    @property
    def first(self) -> SyncRun:
        """The oldest run of the entry."""
        return self.runs[-1]

    @property
    def summary(self) -> str:
        """What the run changed, in words (see :func:`change_text`)."""
        return change_text(self.run)

    @property
    def cost(self) -> str:
        """Mails, Graph requests and time, in words (see :func:`cost_text`)."""
        return cost_text(self.run)


def is_quiet(run: SyncRun) -> bool:
    """A finished run that changed nothing and has nothing to say."""
    counts = (
        run.pulled_created,
        run.pulled_updated,
        run.pulled_deleted,
        run.pushed_created,
        run.pushed_updated,
        run.pushed_deleted,
        run.invitations,
    )
    return (
        run.status == SyncRun.STATUS_OK
        and not run.preview
        and run.trigger != "reset"
        and not any(counts)
        and not run.errors
        and not run.conflicts
    )


def fold(runs: Sequence[SyncRun]) -> list[Entry]:
    """Runs (newest first) as entries: each stretch of quiet runs becomes one entry."""
    folded: list[Entry] = []
    for run in runs:
        if is_quiet(run) and folded and folded[-1].quiet:
            folded[-1].runs.append(run)
        else:
            folded.append(Entry(runs=[run], quiet=is_quiet(run)))
    return folded


def name_events(account_id: int | None, folded: Sequence[Entry]) -> None:
    """Fill each non-quiet entry's ``events``: the events whose sync record its run stamped."""
    busy = [e for e in folded if not e.quiet and e.run.finished_at and not e.run.preview]
    if account_id is None or not busy:
        return
    low = min(e.run.started_at for e in busy)
    high = max(e.run.finished_at for e in busy)
    stamped = list(
        SyncRecord.objects.filter(
            account_id=account_id, synced_at__range=(low, high), event__isnull=False
        )
        .order_by("synced_at", "pk")
        .values_list("event_id", "event__title", "synced_at")
    )
    for entry in busy:
        run = entry.run
        found = [
            ChangedEvent(pk, title or "—")
            for pk, title, when in stamped
            if run.started_at <= when <= run.finished_at
        ]
        entry.events, entry.more_events = found[:EVENTS_SHOWN], max(0, len(found) - EVENTS_SHOWN)


def entries(runs: Sequence[SyncRun], account_id: int | None) -> list[Entry]:
    """The log's entries of ``runs`` (newest first), their events named."""
    folded = fold(runs)
    name_events(account_id, folded)
    return folded


def page_of(runs: Sequence[SyncRun], account_id: int | None, number: Any) -> Page:
    """Page ``number`` (1 when unreadable or past the end) of the entries of ``runs``; only
    that page's events are looked up."""
    paginator = Paginator(fold(runs), ENTRIES_PER_PAGE)
    page = paginator.get_page(number)
    name_events(account_id, page.object_list)
    return page


def change_text(run: SyncRun) -> str:
    """ "From Outlook: 2 new events, 1 changed. To Outlook: 1 deleted." (only what is not 0),
    or "No changes"."""
    pulled = _changes(run.pulled_created, run.pulled_updated, run.pulled_deleted, _("archived"))
    pushed = _changes(run.pushed_created, run.pushed_updated, run.pushed_deleted, _("deleted"))
    parts = []
    if pulled:
        parts.append(_("From Outlook: %(changes)s.") % {"changes": pulled})
    if pushed:
        parts.append(_("To Outlook: %(changes)s.") % {"changes": pushed})
    return " ".join(parts) or _("No changes.")


def _changes(created: int, updated: int, deleted: int, gone_word: str) -> str:
    words = []
    if created:
        words.append(ngettext("%(count)d new", "%(count)d new", created) % {"count": created})
    if updated:
        words.append(
            ngettext("%(count)d changed", "%(count)d changed", updated) % {"count": updated}
        )
    if deleted:
        words.append(f"{deleted} {gone_word}")
    return ", ".join(words)


def cost_text(run: SyncRun) -> str:
    """ "Outlook sent 1 mail · 3 Graph requests · 1.2 s" (mails only when some were sent)."""
    parts = []
    if run.invitations:
        parts.append(
            ngettext("Outlook sent %(count)d mail", "Outlook sent %(count)d mails", run.invitations)
            % {"count": run.invitations}
        )
    parts.append(
        ngettext("%(count)d Graph request", "%(count)d Graph requests", run.graph_requests)
        % {"count": run.graph_requests}
    )
    if run.status != SyncRun.STATUS_RUNNING:
        seconds = run.seconds
        parts.append(
            _("under 0.1 s") if seconds < 0.1 else _("%(seconds).1f s") % {"seconds": seconds}
        )
    return " · ".join(parts)
