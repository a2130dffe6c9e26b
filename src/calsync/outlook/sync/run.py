"""One sync run of one Outlook account: collect -> plan -> act -> record (DESIGN §2).

:func:`run_sync` is what every trigger calls (the button, the API, ``calsync sync``, the
scheduler, Celery). Its guarantees:

* **one run per account at a time**: an atomic claim on the account row (an UPDATE that
  only succeeds while nobody holds it; works on SQLite and PostgreSQL); a claim older than
  :data:`CLAIM_TTL` is taken over (its holder crashed). A second caller gets a summary
  saying a sync is already running.
* **record after act**: the status rows and the delta link are committed in one
  transaction *after* the run's writes. A crash at any point loses no edit and creates no
  duplicate: an unrecorded change is planned again; a create that reached Outlook carries
  our uid (transactionId and extended property) and comes back in the next delta, where
  the engine links it instead of creating it again (transactionId also makes a retried
  POST return the first event).
* **preview** plans and reports (counts and the mails Outlook would send) and writes
  nothing: no event, no status, no delta link (only its line in the sync log).
* **first sync**: local events that already ended are not pushed (nor later: the first
  sync's time is the push cutoff), unless ``CALSYNC_SYNC_PUSH_PAST`` is set.
* **mass delete**: a plan deleting more than the configured share of the calendar stops
  the run before any write (status "needs confirmation"); ``confirm=True`` goes on.
* every run leaves a :class:`~calsync.outlook.models.SyncRun` and one log line; each failed
  event one more log line. Tokens never reach either.
* an event Outlook cannot hold (a rule it cannot repeat) is reported by the run that meets
  it, then left out of the runs until it changes (:mod:`calsync.outlook.sync.unsyncable`).

The summary (:meth:`SyncSummary.as_json`) is exactly CONTRACT §4's JSON.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from calsync.calendars.models import Event
from calsync.msgraph import GraphClient, GraphError
from calsync.msgraph.calendar import Collected, DeltaState, Linked, OutlookCalendar
from calsync.msgraph.patterned_recurrence import UnsupportedRecurrence
from calsync.outlook import signals
from calsync.outlook.connection.tokens import ReconnectNeeded, TokenError
from calsync.outlook.models import OutlookAccount, OutlookLink, SyncRecord, SyncRun
from calsync.outlook.sync import unsyncable
from calsync.outlook.sync.created_after import keep_created_after
from calsync.outlook.sync.local_side import OrmLocalSide
from calsync.outlook.sync.log_messages import entry, message_parts, reason_of, render
from calsync.outlook.sync.progress import (
    COLLECTING,
    PLANNING,
    RECORDING,
    WRITING_HERE,
    WRITING_OUTLOOK,
    Listener,
    RunProgress,
)
from calsync.outlook.sync.records import entry_of, record_values
from calsync.syncengine import (
    Conflict,
    ExecutionResult,
    LocalSnapshot,
    Plan,
    Policy,
    RemoteSnapshot,
    Status,
    execute,
    plan,
)

logger = logging.getLogger("calsync.outlook.sync")

CLAIM_TTL = timedelta(minutes=30)
TRIGGERS = (
    "button", "api", "cli", "schedule", "change", "page", "celery", "notification", "test", "bench"
)  # fmt: skip

_writing = threading.local()


def writing_user() -> int | None:
    """The user whose calendar this thread's sync is writing (its changes are not news)."""
    return getattr(_writing, "user_id", None)


@contextmanager
def _writing_for(user_id: int) -> Iterator[None]:
    _writing.user_id = user_id
    try:
        yield
    finally:
        _writing.user_id = None


@dataclass
class SyncSummary:
    """The outcome of one run; :meth:`as_json` is CONTRACT §4's summary."""

    user: str
    ok: bool = True
    pulled: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "deleted": 0}
    )
    pushed: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "deleted": 0}
    )
    conflicts: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    graph_requests: int = 0
    seconds: float = 0.0
    invitations: int = 0
    status: str = SyncRun.STATUS_OK
    preview: bool = False
    conflict_details: list[dict[str, Any]] = field(default_factory=list)
    run_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "ok": self.ok,
            "pulled": dict(self.pulled),
            "pushed": dict(self.pushed),
            "conflicts": self.conflicts,
            "errors": list(self.errors),
            "graph_requests": self.graph_requests,
            "seconds": round(self.seconds, 3),
            "invitations": self.invitations,
        }


def run_sync(
    account: OutlookAccount,
    trigger: str,
    preview: bool = False,
    *,
    confirm: bool = False,
    client: GraphClient | None = None,
    now: datetime | None = None,
    listener: Listener | None = None,
) -> SyncSummary:
    """Sync ``account`` once (see the module docstring); never raises for a failed run.

    Its progress is kept on its :class:`SyncRun` row and told to ``listener`` (the CLI's
    bar), see :mod:`calsync.outlook.sync.progress`."""
    account = OutlookAccount.objects.select_related("user").get(pk=account.pk)
    summary = SyncSummary(user=account.user.email, preview=preview)
    claim = claim_account(account)
    if claim is None:
        summary.ok = False
        summary.status = SyncRun.STATUS_FAILED
        running = gettext_noop("A sync of this account is running.")
        summary.errors.append(entry("sync_running", running))
        return summary
    started = time.monotonic()
    run = SyncRun.objects.create(
        account=account,
        trigger=trigger,
        preview=preview,
        started_at=timezone.now(),
        status=SyncRun.STATUS_RUNNING,
    )
    summary.run_id = run.pk
    graph = client
    try:
        graph = graph or _client_for(account)
        before = graph.requests_made
        try:
            with _writing_for(account.user_id):
                progress = RunProgress(run.pk, listener)
                when = now or timezone.now()
                _run(account, graph, summary, preview, confirm, when, progress, claim)
        finally:
            summary.graph_requests = graph.requests_made - before
    except ClaimLost:
        took_over = gettext_noop(
            "This sync ran longer than %(reason)s minutes and another run took the account over: "
            "its changes were made but not recorded; the next sync recognises them."
        )
        _fail(summary, "claim_lost", took_over, int(CLAIM_TTL.total_seconds() // 60))
    except ReconnectNeeded as exc:
        _fail(summary, "reconnect_needed", gettext_noop("Reconnect needed: %(reason)s"), exc)
    except (TokenError, GraphError) as exc:
        reason = gettext_noop("Outlook could not be reached: %(reason)s")
        _fail(summary, "outlook_unreachable", reason, exc)
    except Exception as exc:
        logger.exception("sync of account %s failed", account.pk)
        reason = gettext_noop("The sync failed: %(reason)s")
        _fail(summary, "sync_failed", reason, type(exc).__name__)
    finally:
        summary.seconds = time.monotonic() - started
        _finish(account, run, summary, claim)
        if client is None and graph is not None:
            graph.close()
    if not preview and summary.status in (SyncRun.STATUS_OK, SyncRun.STATUS_PARTIAL):
        signals.sync_succeeded.send(sender=OutlookAccount, account_id=account.pk)
    return summary


def _client_for(account: OutlookAccount) -> GraphClient:
    from calsync.outlook.connection.graph import graph_client_for

    return graph_client_for(account)


def _fail(summary: SyncSummary, code: str, template: str, reason: object) -> None:
    """The run failed as a whole: ``template`` (a msgid with ``%(reason)s``) says why."""
    summary.ok = False
    summary.status = SyncRun.STATUS_FAILED
    summary.errors.append(entry(code, template, reason=reason_of(reason)))


def _policy(account: OutlookAccount, now: datetime, confirm: bool) -> Policy:
    return Policy(
        now=now,
        conflict=getattr(settings, "CALSYNC_SYNC_CONFLICT", "latest"),
        max_delete_share=float(getattr(settings, "CALSYNC_SYNC_MAX_DELETE_SHARE", 0.25)),
        max_delete_floor=int(getattr(settings, "CALSYNC_SYNC_MAX_DELETE_FLOOR", 10)),
        first_sync=account.first_synced_at is None,
        push_past_on_first_sync=bool(getattr(settings, "CALSYNC_SYNC_PUSH_PAST", False)),
        confirm_mass_delete=confirm,
        push_cutoff=account.first_synced_at,
    )


class _LazyZones(dict[str, str]):
    """Zone hints of the linked events, read from the database on first use."""

    def __init__(self, account: OutlookAccount) -> None:
        super().__init__()
        self._account = account
        self._loaded = False

    def _load(self) -> None:
        if not self._loaded:
            rows = SyncRecord.objects.filter(account=self._account).values_list(
                "remote_id", "base__timezone"
            )
            self.update({rid: zone for rid, zone in rows if zone})
            self._loaded = True

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._load()
        return super().get(key, default)


def _linked(account: OutlookAccount) -> Linked:
    records = SyncRecord.objects.filter(account=account)
    ids = set(records.values_list("remote_id", flat=True))
    series = frozenset(
        records.filter(base__recurrence__isnull=False)
        .exclude(base__recurrence=None)
        .values_list("remote_id", flat=True)
    )
    linked = _IdLinked(zones=_LazyZones(account), series=series)
    linked.ids = ids
    return linked


class _IdLinked(Linked):
    ids: set[str]

    def __contains__(self, remote_id: object) -> bool:
        return remote_id in self.ids


def _run(
    account: OutlookAccount,
    graph: GraphClient,
    summary: SyncSummary,
    preview: bool,
    confirm: bool,
    now: datetime,
    progress: RunProgress,
    claim: str,
) -> None:
    progress.phase(COLLECTING)
    local = OrmLocalSide(account, on_progress=progress.reporter(WRITING_HERE))
    calendar = OutlookCalendar(
        graph,
        account.mailbox or account.user.email,
        on_thread_exit=connections.close_all,  # $batch workers may read tokens from the DB
        on_progress=progress.reporter(WRITING_OUTLOOK),
    )
    local_snapshot = local.snapshot(account.recheck_local or [])
    state = None
    if account.delta_link and account.window_start and account.window_end:
        state = DeltaState(account.delta_link, (account.window_start, account.window_end))
    collected = calendar.collect(state, now, _linked(account), account.recheck_remote or [])
    if account.sync_created_after is not None:  # Reset Account: "only new events"
        local_snapshot, collected = keep_created_after(account, local_snapshot, collected, graph)
    for local_id, cause in local.invalid:
        template = gettext_noop("This event cannot be synced: %(reason)s")
        summary.errors.append(
            entry("invalid_event", template, _event_ref(local_id), reason=reason_of(cause))
        )
    for remote_id, cause in collected.invalid:
        template = gettext_noop("The Outlook event %(id)s… cannot be synced: %(reason)s")
        summary.errors.append(
            entry("invalid_outlook_event", template, id=remote_id[:24], reason=reason_of(cause))
        )
    remote_snapshot = RemoteSnapshot(
        collected.items,
        collected.removed,
        complete=collected.complete and not collected.invalid,
        window=collected.window,
    )
    quiet = not (
        local_snapshot.items
        or local_snapshot.deleted_local_ids
        or remote_snapshot.items
        or remote_snapshot.removed_remote_ids
        or remote_snapshot.complete
    )
    if quiet:
        decided, status = Plan(), Status()
    else:
        status = Status(entry_of(r) for r in SyncRecord.objects.filter(account=account))
        progress.phase(PLANNING)
        decided = plan(local_snapshot, remote_snapshot, status, _policy(account, now, confirm))
    for conflict in decided.identity_conflicts:
        summary.errors.append(_identity_entry(conflict))
    if decided.refused is not None and not confirm:
        refused = decided.refused
        summary.ok = False
        summary.status = SyncRun.STATUS_CONFIRM
        summary.errors.append(
            entry(
                "mass_delete_refused",
                gettext_noop(
                    "Stopped: this sync would delete %(remote)s events in Outlook and archive "
                    "%(local)s here (more than %(limit)s of %(size)s). Nothing was changed. "
                    "Confirm to go on."
                ),
                remote=refused.remote,
                local=refused.local,
                limit=refused.limit,
                size=refused.size,
            )
        )
        _count_plan(summary, decided)
        return
    if preview:
        _count_plan(summary, decided)
        summary.status = SyncRun.STATUS_OK
        return
    result = execute(decided, local, calendar, status, now) if not quiet else None
    progress.phase(RECORDING)
    _record(account, collected, result, now, claim)
    if result is not None:
        _count_result(summary, decided, result)
        _remember_unsyncable(account, local_snapshot, decided, result)
    if summary.errors:
        summary.ok = False
        summary.status = SyncRun.STATUS_PARTIAL


def _identity_entry(conflict: Any) -> dict[str, Any]:
    """A log entry for an engine ``IdentityConflict`` (items left alone)."""
    if conflict.side == "local":
        template = gettext_noop(
            "%(count)s calsync events claim the same identity %(key)s (%(ids)s): they are "
            "not synced until only one is left."
        )
    else:
        template = gettext_noop(
            "%(count)s Outlook events claim the same identity %(key)s (%(ids)s): they are "
            "not synced until only one is left."
        )
    ids = ", ".join(str(i)[:24] for i in conflict.ids)
    return entry("identity_conflict", template, count=len(conflict.ids), key=conflict.key, ids=ids)


def _count_plan(summary: SyncSummary, decided: Plan) -> None:
    counts = decided.summary()
    summary.pulled = dict(counts["pulled"])  # type: ignore[arg-type]
    summary.pushed = dict(counts["pushed"])  # type: ignore[arg-type]
    summary.conflicts = int(counts["conflicts"])  # type: ignore[arg-type]
    summary.invitations = int(counts["invitations"])  # type: ignore[arg-type]
    zones = _zones(decided)
    summary.conflict_details = [_conflict_json(c, zones) for c in decided.conflicts]


def _count_result(summary: SyncSummary, decided: Plan, result: ExecutionResult) -> None:
    kinds = Counter(type(action).__name__ for action in result.done)
    summary.pulled = {
        "created": kinds["CreateLocal"],
        "updated": kinds["UpdateLocal"],
        "deleted": kinds["ArchiveLocal"],
    }
    summary.pushed = {
        "created": kinds["CreateRemote"],
        "updated": kinds["UpdateRemote"] + kinds["RespondRemote"],
        "deleted": kinds["DeleteRemote"],
    }
    failed = {failure.uid for failure in result.failures}
    conflicts = [c for c in decided.conflicts if c.uid not in failed]
    summary.conflicts = len(conflicts)
    zones = _zones(decided)
    summary.conflict_details = [_conflict_json(c, zones) for c in conflicts]
    summary.invitations = result.mails
    uids = {item.uid: item for item in decided.items}
    for failure in result.failures:
        item = uids.get(failure.uid)
        local_id = _local_id_of(item)
        summary.errors.append(_failure_entry(_event_ref(local_id) or failure.uid, failure.cause))


def _remember_unsyncable(
    account: OutlookAccount, offered: LocalSnapshot, decided: Plan, result: ExecutionResult
) -> None:
    """Events whose push failed for good in this version (:func:`_permanent`) are left out
    of the next runs until they change; the others offered are forgotten
    (:mod:`calsync.outlook.sync.unsyncable`)."""
    items = {item.uid: item for item in decided.items}
    failed: dict[str, dict[str, Any]] = {}
    for failure in result.failures:
        local_id = _local_id_of(items.get(failure.uid))
        if local_id is not None and _permanent(failure.cause):
            failed[local_id] = _failure_entry(_event_ref(local_id), failure.cause)
    unsyncable.remember(account, offered.items, failed)


def _permanent(cause: BaseException) -> bool:
    """Whether ``cause`` fails every push of this version of the event: only a rule Outlook
    cannot express (not Graph's answers, not the network, not a token problem)."""
    return isinstance(cause, UnsupportedRecurrence)


def _local_id_of(item: Any) -> str | None:
    if item is None:
        return None
    if item.entry is not None and item.entry.local_id:
        return item.entry.local_id
    for action in item.actions:
        local_id = getattr(action, "local_id", "")
        if local_id:
            return local_id
    return None


def _event_ref(local_id: str | None) -> int | str | None:
    if local_id is None:
        return None
    return int(local_id) if local_id.isdigit() else local_id


def _failure_entry(event: int | str | None, cause: BaseException) -> dict[str, Any]:
    """The log entry of one event's failed write: a rule Outlook cannot express in its own
    words (msgraph's UnsupportedRecurrence), a token problem framed as the run's would be,
    Graph's answer framed by a translated sentence, or the cause's text framed likewise."""
    if isinstance(cause, UnsupportedRecurrence):
        return entry("unsupported", cause.template, event, **cause.params)
    if isinstance(cause, TokenError):
        framing = gettext_noop("Outlook could not be reached: %(reason)s")
        return entry("outlook_unreachable", framing, event, reason=reason_of(cause))
    if isinstance(cause, GraphError):
        framing = gettext_noop("Outlook refused the change: %(reason)s")
        return entry("outlook_refused", framing, event, reason=str(cause)[:500])
    framing = gettext_noop("The change could not be written: %(reason)s")
    return entry("write_failed", framing, event, reason=(str(cause) or type(cause).__name__)[:500])


def _failure_message(cause: BaseException) -> str:
    """The cause's message (at most 500 characters) in the active language."""
    return render(_failure_entry(None, cause))[:500]


def _zones(decided: Plan) -> dict[str, str]:
    """Each planned uid's time zone (conflict values are shown in the event's zone)."""
    return {item.uid: item.entry.base.timezone for item in decided.items if item.entry is not None}


def _conflict_json(conflict: Conflict, zones: dict[str, str] | None = None) -> dict[str, Any]:
    details = {
        "event": conflict.uid,
        "field": conflict.field,
        "winner": conflict.winner,
        "losing_value": _jsonable(conflict.losing_value),
        "reason": conflict.reason,
    }
    zone = (zones or {}).get(conflict.uid)
    if zone:
        details["timezone"] = zone
    if conflict.field == "deleted":  # restored from Outlook: which fields changed there
        details["changed"] = _jsonable(conflict.remote_value)
    return details


def _jsonable(value: Any) -> Any:
    if hasattr(value, "canonical"):
        return value.canonical()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {name: _jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def _record(
    account: OutlookAccount,
    collected: Collected,
    result: ExecutionResult | None,
    now: datetime,
    claim: str,
) -> None:
    """Status rows, links and the delta link, in one transaction, after the writes; raises
    :class:`ClaimLost` (recording nothing) when the run no longer holds the account's claim."""
    with transaction.atomic():
        held = OutlookAccount.objects.select_for_update().filter(pk=account.pk, sync_claim=claim)
        if not held.exists():
            raise ClaimLost
        if result is not None:
            touched = set(result.removed) | {entry.uid for entry in result.upserted}
            old = SyncRecord.objects.filter(account=account, uid__in=touched)
            old_events = set(old.exclude(event__isnull=True).values_list("event_id", flat=True))
            old.delete()
            records = [SyncRecord(**record_values(account, e)) for e in result.upserted]
            ids = {r.event_id for r in records if r.event_id}
            alive = set(Event.objects.filter(pk__in=ids).values_list("pk", flat=True))
            owned = set(
                Event.objects.filter(pk__in=alive, owner_id=account.user_id).values_list(
                    "pk", flat=True
                )
            )
            for record in records:
                if record.event_id not in alive:
                    record.event_id = None
            SyncRecord.objects.bulk_create(records)
            new_events = {r.event_id for r in records if r.event_id}
            OutlookLink.objects.filter(
                account=account, event_id__in=old_events | new_events
            ).delete()
            OutlookLink.objects.bulk_create(
                OutlookLink(
                    event_id=r.event_id,
                    account=account,
                    remote_id=r.remote_id,
                    ical_uid=r.ical_uid,
                    synced_at=r.synced_at,
                )
                for r in records
                if r.event_id in owned
            )
        fields = {
            "delta_link": collected.state.link,
            "window_start": collected.state.window[0],
            "window_end": collected.state.window[1],
            "recheck_local": sorted(result.recheck_local_ids) if result else [],
            "recheck_remote": sorted(result.recheck_remote_ids) if result else [],
            "last_sync": now,
        }
        if account.first_synced_at is None:
            fields["first_synced_at"] = now
        OutlookAccount.objects.filter(pk=account.pk).update(**fields)


class ClaimLost(Exception):
    """The run outlived :data:`CLAIM_TTL` and another run (or a reset) took the account."""


def claim_account(account: OutlookAccount) -> str | None:
    """Take the account's sync claim (None: someone holds it); see the module docstring.
    The holder gives it back with :func:`release_claim`."""
    token = str(uuid.uuid4())
    now = timezone.now()
    claimed = (
        OutlookAccount.objects.filter(pk=account.pk)
        .filter(Q(sync_claimed_at__isnull=True) | Q(sync_claimed_at__lt=now - CLAIM_TTL))
        .update(sync_claimed_at=now, sync_claim=token)
    )
    return token if claimed else None


def release_claim(account: OutlookAccount, claim: str, **also: Any) -> None:
    """Give back the claim :func:`claim_account` returned (if still held: a run that outlived
    CLAIM_TTL lost it), writing the account fields ``also`` in the same UPDATE."""
    OutlookAccount.objects.filter(pk=account.pk, sync_claim=claim).update(
        sync_claimed_at=None, sync_claim="", **also
    )


def _finish(account: OutlookAccount, run: SyncRun, summary: SyncSummary, claim: str) -> None:
    error_text = "; ".join(str(e["message"]) for e in summary.errors[:3])
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
    update: dict[str, Any] = {}
    if not summary.preview and summary.status != SyncRun.STATUS_CONFIRM:
        update["last_error"] = error_text[:2000] if not summary.ok else ""
    release_claim(account, claim, **update)
    _log_run(account, run, summary)


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


__all__ = ["SyncSummary", "run_sync", "writing_user"]
