"""A stopped mirror's copies go (docs/sync.md, Mirrors, "Stopping a mirror").

When a ``busy`` or ``redacted`` link stops mirroring an Outlook calendar X with a calsync
calendar C (its mode turns ``two-way``, ``from-outlook`` or ``off``, it is linked to
another calsync calendar, or it is deleted), :func:`stopped` deletes at once the copies
here of X's source (a database write only) and records a
:class:`~calsync.outlook.models.MirrorCleanup`. The next run's :func:`clean_up` lists X and
deletes there the copies marked ``calsync:<C>``, deletes here any copy of X's source made
meanwhile, and drops the row. Only marked copies of that pair are touched: never an
original, never a copy of another link. A pair that mirrors again (the same X and C, busy
or redacted) is left to its mirror pass; a copy here of X's source is kept when it sits in
a calendar X mirrors into (one elsewhere goes: X's pass makes it again where X mirrors
now). An X Outlook no longer shows (404, 403) has nothing left to clean; another failure
is reported and the row stays for the next run. Copies carry no attendee, so deleting
them mails nobody. A preview counts, writes nothing. A calsync calendar deleted while a
busy or redacted link has it stops that link the same way (:func:`calendar_deleted`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from calsync.calendars import actions as calendar_actions
from calsync.calendars.models import Event
from calsync.msgraph import Forbidden, NotFound, Throttled
from calsync.msgraph.client import GraphClient
from calsync.outlook.connection.tokens import TokenError
from calsync.outlook.models import CalendarLink, MirrorCleanup, OutlookAccount, SyncRecord
from calsync.outlook.sync.claims import ClaimLost
from calsync.outlook.sync.log_messages import entry, reason_of
from calsync.outlook.sync.mirrors import calsync_source, outlook_calendar, outlook_source
from calsync.syncengine.mirror import MODES, DeleteCopy

logger = logging.getLogger("calsync.outlook.sync")

CLEANUP_FAILED = gettext_noop(
    "The copies of a stopped busy or redacted link could not be deleted in Outlook: %(reason)s"
)


def stopped(link: CalendarLink, mode: str, calendar_id: int) -> None:
    """``link`` mirrored its Outlook calendar with ``calendar_id`` in ``mode`` and no longer
    does so (``link`` as it is now, or deleted): its copies here go now, those in Outlook
    at the next run. Nothing when ``mode`` was not a mirror mode."""
    if mode not in MODES:
        return
    MirrorCleanup.objects.get_or_create(
        account=link.account,
        remote_id=link.remote_id,
        calendar_id=calendar_id,
        defaults={"owner_address": link.owner_address},
    )
    delete_local_copies(link.account, link.remote_id)


def calendar_deleted(calendar_id: int) -> int:
    """The calsync calendar ``calendar_id`` is being deleted (in its transaction, before its
    events move): each busy or redacted link with it goes, as if removed (its status rows,
    its copies here now, those it made in Outlook from the calendar at the next run). How
    many links went. Two-way and one-way links are left to the calendar's cascade."""
    links = CalendarLink.objects.filter(calendar_id=calendar_id, mode__in=MODES)
    gone = 0
    for link in links.select_related("account").order_by("pk"):
        SyncRecord.objects.filter(account=link.account, scope=link.scope).delete()
        link.delete()
        stopped(link, link.mode, calendar_id)
        gone += 1
    return gone


def stale_local_copies(account: OutlookAccount, remote_id: str) -> QuerySet[Event]:
    """The copies here made from the Outlook calendar ``remote_id`` that no busy or
    redacted link of it keeps (those in a calendar it mirrors into are its pass's)."""
    kept = _mirror_links(account, remote_id)
    rows = Event.objects.filter(
        owner_id=account.user_id, mirror_source=outlook_source(remote_id), series__isnull=True
    )
    return rows.exclude(calendar_id__in=kept.values("calendar_id"))


def delete_local_copies(account: OutlookAccount, remote_id: str) -> int:
    """Delete :func:`stale_local_copies`; how many."""
    count = 0
    for event in stale_local_copies(account, remote_id).order_by("pk"):
        with transaction.atomic():
            calendar_actions.do_delete_event(event)
        count += 1
    return count


def clean_up(account: OutlookAccount, graph: GraphClient, summary: Any, preview: bool) -> None:
    """Carry out the account's pending cleanups (module docstring); counts go to
    ``summary.pulled``/``pushed["deleted"]``, failures to its errors (the row stays)."""
    for cleanup in MirrorCleanup.objects.filter(account=account).order_by("id"):
        if _mirrors(account, cleanup.remote_id, cleanup.calendar_id):
            if not preview:
                cleanup.delete()
            continue
        _clean_one(account, graph, cleanup, summary, preview)


def _clean_one(
    account: OutlookAccount, graph: GraphClient, cleanup: MirrorCleanup, summary: Any, preview: bool
) -> None:
    failures: list[Any] = []
    try:
        outlook = outlook_calendar(account, graph, cleanup.remote_id, cleanup.owner_address)
        source = calsync_source(cleanup.calendar_id)
        copies = [c for c in outlook.listing().copies if c.source == source]
        summary.pushed["deleted"] += len(copies)
        if not preview:
            failures = outlook.apply([DeleteCopy(c.key, c.of) for c in copies])
    except (NotFound, Forbidden):
        logger.info("mirror cleanup: Outlook calendar %s is gone", cleanup.remote_id[:24])
    except (Throttled, ClaimLost, TokenError):
        raise
    except Exception as exc:  # this cleanup's failure: the row stays, the run goes on
        failures = [reason_of(exc)]
    if preview:
        summary.pulled["deleted"] += stale_local_copies(account, cleanup.remote_id).count()
        return
    summary.pulled["deleted"] += delete_local_copies(account, cleanup.remote_id)
    reasons = [f for f in failures if f is not None]
    for reason in reasons:
        summary.errors.append(entry("mirror_cleanup_failed", CLEANUP_FAILED, reason=reason))
    if not reasons:
        cleanup.delete()


def _mirrors(account: OutlookAccount, remote_id: str, calendar_id: int) -> bool:
    """Whether the busy or redacted link of ``remote_id`` with ``calendar_id`` exists."""
    return _mirror_links(account, remote_id).filter(calendar_id=calendar_id).exists()


def _mirror_links(account: OutlookAccount, remote_id: str) -> QuerySet[CalendarLink]:
    """The account's busy or redacted links of the Outlook calendar ``remote_id``."""
    return CalendarLink.objects.filter(account=account, remote_id=remote_id, mode__in=MODES)
