"""Doing Reset Account: Outlook deletions, local deletions, the disconnect, the log entry."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsync.calendars import actions as calendar_actions
from calsync.msgraph import GraphClient, GraphError
from calsync.msgraph.batching import SubRequest, run_batch
from calsync.outlook.connection.graph import graph_client_for
from calsync.outlook.connection.tokens import TokenError
from calsync.outlook.models import (
    CalendarLink,
    OutlookAccount,
    OutlookLink,
    SyncRecord,
    SyncRun,
)
from calsync.outlook.reset.options import (
    EXISTING_LABELS,
    NEXT_LABELS,
    ExistingEvents,
    NextSync,
    ResetError,
    account_of,
)
from calsync.outlook.reset.preview import (
    ResetPreview,
    cancellation_notices,
    local_targets,
    outlook_targets,
    preview_of,
)
from calsync.outlook.sync import log_messages
from calsync.outlook.sync.claims import claim_account, holding, release_claim
from calsync.outlook.triggers import subscriptions

logger = logging.getLogger("calsync.outlook.reset")

TRIGGER = "reset"


@dataclass
class ResetResult:
    """What :func:`reset_account` did; ``errors`` lists the events Outlook refused to delete."""

    preview: ResetPreview
    reset_at: datetime
    outlook_deleted: int = 0
    local_deleted: int = 0
    cancellations: int = 0
    already_gone: int = 0
    """Events to delete from Outlook that it no longer had (deleted there): done too."""
    errors: list[dict[str, Any]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    """Remote ids no longer in Outlook (deleted now, or already gone)."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "done": True,
            "reset_at": self.reset_at.isoformat(),
            "outlook_deleted": self.outlook_deleted,
            "already_gone": self.already_gone,
            "local_deleted": self.local_deleted,
            "cancellations": self.cancellations,
            "errors": list(self.errors),
            "preview": self.preview.as_json(),
        }


def reset_account(
    user: Any,
    existing: ExistingEvents,
    next_sync: NextSync,
    *,
    client: GraphClient | None = None,
    now: datetime | None = None,
) -> ResetResult:
    """Apply ``existing``, drop the account's sync links, set up ``next_sync``, disconnect.

    Raises :class:`ResetError` (nothing changed here) when the account is missing, a sync
    of it is running or took it over meanwhile, or Outlook deletions are asked for but
    Outlook cannot be reached or stops answering (no tokens, reconnect needed; deletions
    already made in Outlook stay made, and a retry counts them as done). An event Outlook
    refuses to delete is reported in ``errors``; the rest of the reset still happens.
    ``client`` replaces the account's own Graph client (tests); ``now`` is the reset's
    instant, the "only new events" cutoff.
    """
    account = account_of(user)
    if existing.deletes_outlook and client is None and not account.connected:
        raise ResetError(
            _(
                "Outlook cannot be reached for %(email)s (not connected, or reconnect needed): "
                "choose to leave the Outlook events untouched, or reconnect first."
            )
            % {"email": account.user.email}
        )
    claim = claim_account(account)
    if claim is None:
        raise ResetError(_("A sync of this account is running; try again in a moment."))
    started, clock = timezone.now(), time.monotonic()
    try:
        with holding(account, claim):
            result = _reset(account, existing, next_sync, claim, client, now, started, clock)
    finally:
        release_claim(account, claim)
    _log(account, existing, next_sync, result)
    return result


def _reset(
    account: OutlookAccount,
    existing: ExistingEvents,
    next_sync: NextSync,
    claim: str,
    client: GraphClient | None,
    now: datetime | None,
    started: datetime,
    clock: float,
) -> ResetResult:
    """The reset's steps, while the claim is held (see :func:`reset_account`)."""
    preview = preview_of(account, existing, next_sync)
    result = ResetResult(preview, reset_at=started)
    if existing.deletes_outlook:
        _delete_in_outlook(account, result, client)
    _check_claim(account, claim)
    subscriptions.remove(account)  # while the tokens still work; never raises
    with transaction.atomic():
        _check_claim(account, claim)  # locked: no sync takes it over from here on
        if existing.deletes_local:
            result.local_deleted = _delete_here(account)
        result.reset_at = now or timezone.now()
        _disconnect(account, next_sync, result.reset_at, result.gone)
        _record(account, existing, next_sync, result, started, time.monotonic() - clock)
    return result


def _log(
    account: OutlookAccount, existing: ExistingEvents, next_sync: NextSync, result: ResetResult
) -> None:
    """The reset's one ``outlook_reset`` log line (key=value, greppable)."""
    logger.info(
        "outlook_reset user=%s email=%s existing=%s next=%s outlook_deleted=%s "
        "local_deleted=%s cancellations=%s links_dropped=%s errors=%s",
        account.user_id,
        account.user.email,
        existing.value,
        next_sync.value,
        result.outlook_deleted,
        result.local_deleted,
        result.cancellations,
        result.preview.linked,
        len(result.errors),
    )


def _check_claim(account: OutlookAccount, claim: str) -> None:
    """:class:`ResetError` when a sync took the account's claim over (the reset stalled past
    its lease): the reset then changes nothing here. Locks the row inside a transaction."""
    rows = OutlookAccount.objects.filter(pk=account.pk, sync_claim=claim)
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    if not rows.exists():
        raise ResetError(
            _(
                "A sync took this account over during the reset (the reset ran too long). "
                "Nothing was changed in calsync; any event already deleted in Outlook stays "
                "deleted, and running the same reset again finishes it."
            )
        )


def _delete_in_outlook(
    account: OutlookAccount, result: ResetResult, client: GraphClient | None
) -> None:
    """DELETE each target through ``$batch``; 404 counts as already gone."""
    records = list(outlook_targets(account))
    if not records:
        return
    requests = [SubRequest("DELETE", f"/me/events/{quote(r.remote_id, safe='')}") for r in records]
    graph = client
    try:
        if graph is None:
            graph = graph_client_for(account)
        answers = run_batch(graph, requests)
    except (TokenError, GraphError) as exc:
        # earlier batches may have gone through: those deletions (and mails) are made
        raise ResetError(
            _(
                "Outlook stopped answering (%(reason)s). Nothing was changed in calsync; any "
                "event already deleted in Outlook stays deleted, and running the same reset "
                "again finishes it."
            )
            % {"reason": log_messages.reason_text(exc).rstrip(".")}
        ) from exc
    finally:
        if client is None and graph is not None:
            graph.close()
    for record, answer in zip(records, answers, strict=True):
        if answer.ok:
            result.outlook_deleted += 1
            result.cancellations += len(cancellation_notices(account, record))
            result.gone.add(record.remote_id)
        elif answer.status == 404:  # deleted in Outlook since the last sync: done
            result.already_gone += 1
            result.gone.add(record.remote_id)
        else:
            code, message = answer.error()
            text = f"{code}: {message}" if code else message
            refused = gettext_noop("Outlook refused to delete this event: %(reason)s")
            result.errors.append(
                log_messages.entry("delete_refused", refused, _event_ref(record), reason=text[:500])
            )
            logger.warning(
                "outlook_reset_event_failed user=%s event=%s status=%s error=%s",
                account.user_id,
                _event_ref(record),
                answer.status,
                json.dumps(text)[:600],
            )


def _event_ref(record: SyncRecord) -> int | str:
    """The event a record links, also when it is destroyed here (its kept local id)."""
    if record.event_id is not None:
        return record.event_id
    return int(record.local_id) if record.local_id.isdigit() else record.local_id


def _delete_here(account: OutlookAccount) -> int:
    """Destroy the user's linked events (a series with its exceptions); returns how many."""
    count = 0
    for event in local_targets(account):
        calendar_actions.do_delete_event(event)
        count += 1
    return count


def _disconnect(
    account: OutlookAccount, next_sync: NextSync, reset_at: datetime, gone: set[str]
) -> None:
    """Drop the account's status rows, its tokens and sync state (see the module doc).

    The events' Outlook links (remote id, iCalUId) are dropped with "only new events"; with
    "all existing events" those of copies still in Outlook stay: the iCalUId is how the next
    sync relinks an event made in Outlook (it carries no uid of ours). ``gone``: remote ids
    deleted by the reset.
    """
    SyncRecord.objects.filter(account=account).delete()  # every calendar's
    CalendarLink.objects.filter(account=account).update(
        delta_link="", window_start=None, window_end=None, first_synced_at=None,
        recheck_local=[], recheck_remote=[], mirror_delta_link="", mirror_window_start=None,
        mirror_window_end=None, mirror_events=None, mirror_written={},
    )  # fmt: skip
    account.unsyncable_events.all().delete()  # links gone: the next sync tries them again
    links = OutlookLink.objects.filter(account=account)
    if next_sync is NextSync.ALL:
        links = links.filter(remote_id__in=gone)
    links.delete()
    OutlookAccount.objects.filter(pk=account.pk).update(
        token_cache_encrypted="",
        token_version=F("token_version") + 1,
        needs_reconnect=False,
        oid="",
        tid="",
        home_account_id="",
        connected_at=None,
        token_refreshed_at=None,
        last_sync=None,
        last_error="",
        delta_link="",
        window_start=None,
        window_end=None,
        first_synced_at=None,
        recheck_local=[],
        recheck_remote=[],
        sync_created_after=reset_at if next_sync is NextSync.NEW else None,
    )


def _record(
    account: OutlookAccount,
    existing: ExistingEvents,
    next_sync: NextSync,
    result: ResetResult,
    started: datetime,
    seconds: float,
) -> None:
    """The reset's entry in the sync log (its message stored by meaning, see
    :mod:`calsync.outlook.sync.log_messages`)."""
    part = log_messages.entry(
        "reset",
        gettext_noop(
            "Reset Account: existing events: %(existing)s; next sync: %(next)s. "
            "%(outlook)s deleted in Outlook, %(local)s deleted here; disconnected."
        ),
        existing=log_messages.msgid_phrase(EXISTING_LABELS[existing]),
        next=log_messages.msgid_phrase(NEXT_LABELS[next_sync]),
        outlook=result.outlook_deleted,
        local=result.local_deleted,
    )
    message = part["message"]
    SyncRun.objects.create(
        account=account,
        trigger=TRIGGER,
        started_at=started,
        finished_at=timezone.now(),
        status=SyncRun.STATUS_OK if result.ok else SyncRun.STATUS_PARTIAL,
        ok=result.ok,
        pushed_deleted=result.outlook_deleted,
        errors=result.errors,
        invitations=result.cancellations,
        seconds=seconds,
        message=message[:2000],
        message_parts=log_messages.message_parts([part]),
    )
