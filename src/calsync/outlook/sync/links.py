"""The calendar links' part of a sync run: which links sync, and each one's health.

A run syncs the mailbox's default calendar first, then every link whose mode is active
(:data:`~calsync.outlook.models.CalendarLink.AVAILABLE_MODES` but ``off``), in link order,
with the run's one client (one ``$batch`` budget) and summary. A link that fails as a whole
(its calendar was deleted in Outlook, the share was withdrawn, Graph refused) is marked
``failed`` with the reason and one ``calendar_link_failed`` entry in the run's log; the
next link goes on. A throttled answer, a lost claim or a token problem ends the whole run
(they are the account's, not the link's). A link whose events failed one by one (a write
Outlook refused) is ``failed`` with the first such error; otherwise ``ok``. A preview
changes no health.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from calsync.msgraph import Throttled
from calsync.outlook.connection.tokens import TokenError
from calsync.outlook.models import CalendarLink, OutlookAccount
from calsync.outlook.sync.claims import ClaimLost
from calsync.outlook.sync.log_messages import entry, reason_of
from calsync.outlook.sync.scope import Scope

logger = logging.getLogger("calsync.outlook.sync")

SYNCED_MODES = tuple(m for m in CalendarLink.AVAILABLE_MODES if m != CalendarLink.MODE_OFF)


class _Run(Protocol):
    summary: Any
    preview: bool
    now: Any


def to_sync(account: OutlookAccount) -> QuerySet[CalendarLink]:
    """The links a run syncs, in order."""
    rows = CalendarLink.objects.filter(account=account, mode__in=SYNCED_MODES)
    return rows.select_related("calendar").order_by("id")


def is_shared(owner_address: str, mailbox: str) -> bool:
    """Whether a calendar owned by ``owner_address`` is another mailbox's than ``mailbox``
    (reached only through its entry)."""
    return bool(owner_address) and owner_address.lower() != mailbox.lower()


def sync_link(scope: Scope, run: _Run, sync_scope: Callable[[Scope, Any], None]) -> None:
    """``sync_scope(scope, run)`` for one link, its failure kept on the link's health."""
    link = scope.link
    assert link is not None
    errors_before = len(run.summary.errors)
    try:
        sync_scope(scope, run)
    except (Throttled, ClaimLost, TokenError):
        raise
    except Exception as exc:  # the link's failure: the others go on
        logger.info("sync: calendar link %s failed: %s", link.pk, exc)
        failed = entry(
            "calendar_link_failed",
            gettext_noop("The Outlook calendar %(name)s could not be synced: %(reason)s"),
            name=link.name or link.remote_id[:24],
            reason=reason_of(exc),
        )
        run.summary.errors.append(failed)
        if not run.preview:
            _health(link, CalendarLink.STATUS_FAILED, run, str(failed["message"]))
        return
    if run.preview:
        return
    new_errors = run.summary.errors[errors_before:]
    if new_errors:
        _health(link, CalendarLink.STATUS_FAILED, run, str(new_errors[0]["message"]))
    else:
        _health(link, CalendarLink.STATUS_OK, run, "")


def _health(link: CalendarLink, status: str, run: _Run, error: str) -> None:
    fields: dict[str, Any] = {"status": status, "last_error": error[:2000]}
    if status == CalendarLink.STATUS_OK:
        fields["last_synced_at"] = run.now
    CalendarLink.objects.filter(pk=link.pk).update(**fields)
