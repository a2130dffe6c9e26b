"""Recording a run: status rows, links and the delta link in one transaction after the
writes; the run's row and its log lines; the events Outlook could not hold."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calsync.calendars.models import Event
from calsync.msgraph.calendar import Collected
from calsync.msgraph.patterned_recurrence import UnsupportedRecurrence
from calsync.outlook.models import OutlookAccount, OutlookLink, SyncRecord, SyncRun
from calsync.outlook.sync import unsyncable
from calsync.outlook.sync.claims import ClaimLost, release_claim
from calsync.outlook.sync.log_messages import message_parts
from calsync.outlook.sync.records import record_values
from calsync.outlook.sync.scope import Scope
from calsync.outlook.sync.summary import SyncSummary, event_ref, failure_entry, local_id_of
from calsync.syncengine import ExecutionResult, LocalSnapshot, Plan

logger = logging.getLogger("calsync.outlook.sync")


def remember_unsyncable(
    account: OutlookAccount, offered: LocalSnapshot, decided: Plan, result: ExecutionResult
) -> None:
    """Events whose push failed for good in this version (:func:`_permanent`) are left out
    of the next runs until they change; the others offered are forgotten
    (:mod:`calsync.outlook.sync.unsyncable`)."""
    items = {item.uid: item for item in decided.items}
    failed: dict[str, dict[str, Any]] = {}
    for failure in result.failures:
        local_id = local_id_of(items.get(failure.uid))
        if local_id is not None and _permanent(failure.cause):
            failed[local_id] = failure_entry(event_ref(local_id), failure.cause)
    unsyncable.remember(account, offered.items, failed)


def _permanent(cause: BaseException) -> bool:
    """Whether ``cause`` fails every push of this version of the event: only a rule Outlook
    cannot express (not Graph's answers, not the network, not a token problem)."""
    return isinstance(cause, UnsupportedRecurrence)


def record(
    scope: Scope,
    collected: Collected,
    result: ExecutionResult | None,
    now: datetime,
    claim: str,
    recheck: tuple[set[str], set[str]] = (set(), set()),
) -> None:
    """Status rows, links and the delta link of ``scope``, in one transaction, after the
    writes; raises :class:`ClaimLost` (recording nothing) when the run no longer holds the
    account's claim. ``recheck``: ids (local, Outlook) earlier pages asked to look at again."""
    account = scope.account
    with transaction.atomic():
        _hold(account, claim)
        if result is not None:
            _write_status(scope, result)
        again_local = set(recheck[0]) | set(result.recheck_local_ids if result else ())
        again_remote = set(recheck[1]) | set(result.recheck_remote_ids if result else ())
        fields = {
            "delta_link": collected.state.link,
            "window_start": collected.state.window[0],
            "window_end": collected.state.window[1],
            "recheck_local": sorted(again_local),
            "recheck_remote": sorted(again_remote),
            "last_sync": now,
        }
        if scope.first_synced_at is None:
            fields["first_synced_at"] = now
        scope.save_state(fields)


def record_page(scope: Scope, result: ExecutionResult, claim: str) -> None:
    """The status rows and links of one page of a long pull, committed as it is applied;
    not the delta link, which only the last page's :func:`record` stores."""
    with transaction.atomic():
        _hold(scope.account, claim)
        _write_status(scope, result)


def _hold(account: OutlookAccount, claim: str) -> None:
    """Lock the account row; :class:`ClaimLost` when the run no longer holds its claim."""
    held = OutlookAccount.objects.select_for_update().filter(pk=account.pk, sync_claim=claim)
    if not held.exists():
        raise ClaimLost


def _write_status(scope: Scope, result: ExecutionResult) -> None:
    account = scope.account
    touched = set(result.removed) | {entry.uid for entry in result.upserted}
    old = scope.records().filter(uid__in=touched)
    old_links = set(old.exclude(event__isnull=True).values_list("event_id", "remote_id"))
    old.delete()
    records = [SyncRecord(**record_values(account, e, scope.key)) for e in result.upserted]
    ids = {r.event_id for r in records if r.event_id}
    alive = set(Event.objects.filter(pk__in=ids).values_list("pk", flat=True))
    owned = set(
        Event.objects.filter(pk__in=alive, owner_id=account.user_id).values_list("pk", flat=True)
    )
    for record in records:
        if record.event_id not in alive:
            record.event_id = None
    SyncRecord.objects.bulk_create(records)
    _relink(account, records, old_links, owned)


def _relink(
    account: OutlookAccount,
    records: list[SyncRecord],
    old_links: set[tuple[int, str]],
    owned: set[int],
) -> None:
    """The events' links to their Outlook copy: the owner's account's copy for the user's
    own events; another user's meeting keeps the first link it got (an attendee's copy
    until its organiser's sync links it), whose iCalUId lets the organiser's sync find it.
    A record dropped here unlinks its own copy only (the event may have moved to another
    calendar of the run, whose copy it links now)."""
    new_events = {r.event_id for r in records if r.event_id}
    candidates = OutlookLink.objects.filter(
        account=account, event_id__in={event_id for event_id, _remote in old_links}
    ).values_list("pk", "event_id", "remote_id")
    dropped = [pk for pk, event_id, remote_id in candidates if (event_id, remote_id) in old_links]
    OutlookLink.objects.filter(
        Q(pk__in=dropped) | Q(account=account, event_id__in=new_events) | Q(event_id__in=owned)
    ).delete()
    elsewhere = set(
        OutlookLink.objects.filter(event_id__in=new_events).values_list("event_id", flat=True)
    )
    OutlookLink.objects.bulk_create(
        OutlookLink(
            event_id=r.event_id,
            account=account,
            remote_id=r.remote_id,
            ical_uid=r.ical_uid,
            synced_at=r.synced_at,
        )
        for r in records
        if r.event_id in owned or (r.event_id and r.event_id not in elsewhere)
    )


def finish(account: OutlookAccount, run: SyncRun, summary: SyncSummary, claim: str) -> None:
    error_text = "; ".join(str(e["message"]) for e in summary.errors[:3])
    update: dict[str, Any] = {}
    if not summary.preview and summary.status != SyncRun.STATUS_CONFIRM:
        update["last_error"] = error_text[:2000] if not summary.ok else ""
        update["throttled_until"] = summary.throttled_until
    with transaction.atomic():  # one commit for the run's row and the account's
        _store_run(run, summary, error_text)
        release_claim(account, claim, **update)
    _log_run(account, run, summary)


def _store_run(run: SyncRun, summary: SyncSummary, error_text: str) -> None:
    """The finished run's row."""
    SyncRun.objects.filter(pk=run.pk).update(
        message_parts=message_parts(summary.errors),
        finished_at=timezone.now(),
        status=summary.status,
        ok=summary.ok,
        pulled_created=summary.pulled["created"],
        pulled_updated=summary.pulled["updated"],
        pulled_deleted=summary.pulled["deleted"],
        pushed_created=summary.pushed["created"],
        pushed_updated=summary.pushed["updated"],
        pushed_deleted=summary.pushed["deleted"],
        conflicts=summary.conflict_details,
        errors=summary.errors,
        graph_requests=summary.graph_requests,
        invitations=summary.invitations,
        seconds=summary.seconds,
        message=error_text[:2000],
    )


def _log_run(account: OutlookAccount, run: SyncRun, summary: SyncSummary) -> None:
    """One ``sync_run`` line per run, one ``sync_event_failed`` line per error (key=value,
    greppable; messages JSON-quoted; never a token)."""
    for error in summary.errors:
        logger.warning(
            "sync_event_failed user=%s run=%s event=%s error=%s",
            account.user_id,
            run.pk,
            error["event"] if error["event"] is not None else "-",
            json.dumps(str(error["message"]))[:600],
        )
    logger.info(
        "sync_run user=%s email=%s run=%s trigger=%s preview=%s status=%s "
        "pulled_created=%s pulled_updated=%s pulled_deleted=%s "
        "pushed_created=%s pushed_updated=%s pushed_deleted=%s conflicts=%s "
        "errors=%s graph_requests=%s invitations=%s seconds=%.3f",
        account.user_id,
        account.user.email,
        run.pk,
        run.trigger,
        str(summary.preview).lower(),
        summary.status,
        summary.pulled["created"],
        summary.pulled["updated"],
        summary.pulled["deleted"],
        summary.pushed["created"],
        summary.pushed["updated"],
        summary.pushed["deleted"],
        summary.conflicts,
        len(summary.errors),
        summary.graph_requests,
        summary.invitations,
        summary.seconds,
    )
