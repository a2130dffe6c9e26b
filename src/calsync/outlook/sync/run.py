"""One sync run of one Outlook account: collect -> plan -> act -> record (docs/sync.md).

:func:`run_sync` is what every trigger calls (the button, the API, ``calsync sync``, the
scheduler, Celery). Its guarantees:

* **one run per account at a time**: the account claim (:mod:`calsync.outlook.sync.claims`).
  A second caller gets a summary saying a sync is already running.
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

The summary (:meth:`SyncSummary.as_json`) is exactly the sync summary of docs/contract.md,
REST API.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from calsync.msgraph import GraphClient, GraphError, Throttled
from calsync.msgraph.calendar import (
    DEFAULT_PATHS,
    PAGE_SIZE,
    CalendarPaths,
    Collected,
    DeltaState,
    Linked,
    OutlookCalendar,
)
from calsync.outlook import signals
from calsync.outlook.connection.tokens import ReconnectNeeded, TokenError
from calsync.outlook.models import OutlookAccount, SyncRun
from calsync.outlook.sync import addresses, links, mirror_cleanup, mirrors
from calsync.outlook.sync.claims import ClaimLost, Lease, claim_account, lease_length
from calsync.outlook.sync.created_after import keep_created_after
from calsync.outlook.sync.local_side import OrmLocalSide
from calsync.outlook.sync.log_messages import entry, reason_of
from calsync.outlook.sync.pages import PagedPull, PageRefused, final_status, remaining_items
from calsync.outlook.sync.progress import (
    COLLECTING,
    PLANNING,
    RECORDING,
    WRITING_HERE,
    WRITING_OUTLOOK,
    Listener,
    RunProgress,
    Snapshot,
)
from calsync.outlook.sync.recording import finish, record, remember_unsyncable
from calsync.outlook.sync.scope import Scope, primary
from calsync.outlook.sync.summary import (
    SyncSummary,
    count_plan,
    count_result,
    event_ref,
    identity_entry,
    throttled_entry,
)
from calsync.syncengine import (
    LocalSnapshot,
    Plan,
    Policy,
    RemoteSnapshot,
    Status,
    execute,
    plan,
)

logger = logging.getLogger("calsync.outlook.sync")

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
    waiting = account.throttled_until
    if waiting is not None and waiting > timezone.now():  # nothing goes to Outlook before
        _stop_throttled(summary, waiting)
        _announce(account, summary)
        return summary
    started = time.monotonic()
    with transaction.atomic():  # one commit for both
        claim = claim_account(account)
        run = None if claim is None else _start_run(account, trigger, preview)
    if claim is None or run is None:
        _fail(summary, "sync_running", gettext_noop("A sync of this account is running."))
        return summary
    summary.run_id = run.pk
    lease = Lease(account.pk, claim).start()
    graph = client
    try:
        graph = graph or _client_for(account)
        before = graph.requests_made
        try:
            with _writing_for(account.user_id):
                progress = RunProgress(run.pk, listener, stored=Snapshot(COLLECTING))
                when = now or timezone.now()
                _run(account, graph, summary, preview, confirm, when, progress, lease)
        finally:
            summary.graph_requests = graph.requests_made - before
    except Exception as exc:  # every failure ends the run with its reason; never raised
        _fail_with(summary, account, exc)
    finally:
        lease.stop()
        if graph is not None and graph.throttled_until is not None and not preview:
            _stop_throttled(summary, graph.throttled_until)
        summary.seconds = time.monotonic() - started
        finish(account, run, summary, claim)
        if client is None and graph is not None:
            graph.close()
    _announce(account, summary)
    return summary


def _start_run(account: OutlookAccount, trigger: str, preview: bool) -> SyncRun:
    """The run's row, "running" and collecting."""
    return SyncRun.objects.create(
        account=account,
        trigger=trigger,
        preview=preview,
        started_at=timezone.now(),
        status=SyncRun.STATUS_RUNNING,
        phase=COLLECTING,
    )


def _announce(account: OutlookAccount, summary: SyncSummary) -> None:
    """Tell the triggers how the run ended: a success keeps the notification subscription
    alive; a throttled end schedules the next sync at the time Outlook gave."""
    if not summary.preview and summary.status in (SyncRun.STATUS_OK, SyncRun.STATUS_PARTIAL):
        signals.sync_succeeded.send(sender=OutlookAccount, account_id=account.pk)
    if summary.throttled_until is not None:
        signals.sync_throttled.send(
            sender=OutlookAccount, user_id=account.user_id, until=summary.throttled_until
        )


def _client_for(account: OutlookAccount) -> GraphClient:
    from calsync.outlook.connection.graph import graph_client_for

    return graph_client_for(account)


def _fail(summary: SyncSummary, code: str, template: str, reason: object = None) -> None:
    """The run failed as a whole: ``template`` (a msgid, with ``%(reason)s`` when ``reason``
    is given) says why."""
    summary.ok = False
    summary.status = SyncRun.STATUS_FAILED
    params = {} if reason is None else {"reason": reason_of(reason)}
    summary.errors.append(entry(code, template, **params))


def _stop_throttled(summary: SyncSummary, until: datetime | None) -> None:
    """Outlook asked to wait (until ``until``): the run ends "throttled" and says until when;
    its other entries (each throttled event's own) stay."""
    summary.ok = False
    summary.status = SyncRun.STATUS_THROTTLED
    summary.throttled_until = until
    if not any(e.get("code") == "throttled" and e.get("event") is None for e in summary.errors):
        summary.errors.insert(0, throttled_entry(until))


def _fail_with(summary: SyncSummary, account: OutlookAccount, exc: Exception) -> None:
    """The run ended by ``exc``: its reason, in the words people read in the sync log."""
    if isinstance(exc, Throttled):
        _stop_throttled(summary, exc.until)
    elif isinstance(exc, ClaimLost):
        took_over = gettext_noop(
            "This sync stalled for longer than its %(reason)s-second hold on the account and "
            "another run took the account over: it stopped, and what it had written was not "
            "recorded; the next sync recognises it."
        )
        _fail(summary, "claim_lost", took_over, int(lease_length().total_seconds()))
    elif isinstance(exc, ReconnectNeeded):
        _fail(summary, "reconnect_needed", gettext_noop("Reconnect needed: %(reason)s"), exc)
    elif isinstance(exc, TokenError | GraphError):
        reason = gettext_noop("Outlook could not be reached: %(reason)s")
        _fail(summary, "outlook_unreachable", reason, exc)
    else:
        logger.error("sync of account %s failed", account.pk, exc_info=exc)
        reason = gettext_noop("The sync failed: %(reason)s")
        _fail(summary, "sync_failed", reason, type(exc).__name__)


def _policy(scope: Scope, now: datetime, confirm: bool) -> Policy:
    return Policy(
        now=now,
        conflict="remote" if scope.pull_only else _conflict_setting(),
        max_delete_share=float(getattr(settings, "CALSYNC_SYNC_MAX_DELETE_SHARE", 0.25)),
        max_delete_floor=int(getattr(settings, "CALSYNC_SYNC_MAX_DELETE_FLOOR", 10)),
        first_sync=scope.first_synced_at is None,
        push_past_on_first_sync=bool(getattr(settings, "CALSYNC_SYNC_PUSH_PAST", False)),
        confirm_mass_delete=confirm,
        push_cutoff=scope.first_synced_at,
    )


def _conflict_setting() -> str:
    return str(getattr(settings, "CALSYNC_SYNC_CONFLICT", "latest"))


class _LazyZones(dict[str, str]):
    """Zone hints of the linked events, read from the database on first use."""

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self._scope = scope
        self._loaded = False

    def _load(self) -> None:
        if not self._loaded:
            rows = self._scope.records().values_list("remote_id", "base__timezone")
            self.update({rid: zone for rid, zone in rows if zone})
            self._loaded = True

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._load()
        return super().get(key, default)


def _linked(scope: Scope) -> Linked:
    records = scope.records()
    ids = set(records.values_list("remote_id", flat=True))
    series = frozenset(
        records.filter(base__recurrence__isnull=False)
        .exclude(base__recurrence=None)
        .values_list("remote_id", flat=True)
    )
    linked = _IdLinked(zones=_LazyZones(scope), series=series)
    linked.ids = ids
    return linked


class _IdLinked(Linked):
    ids: set[str]

    def __contains__(self, remote_id: object) -> bool:
        return remote_id in self.ids


@dataclass
class _Pass:
    """What every scope of one run shares: the client (its $batch budget), the summary,
    the options, the clock, the progress and the lease."""

    graph: GraphClient
    summary: SyncSummary
    preview: bool
    confirm: bool
    now: datetime
    progress: RunProgress
    lease: Lease


def _run(
    account: OutlookAccount,
    graph: GraphClient,
    summary: SyncSummary,
    preview: bool,
    confirm: bool,
    now: datetime,
    progress: RunProgress,
    lease: Lease,
) -> None:
    """The default calendar's scope, the stopped mirrors' cleanups, then each active
    calendar link's, with one client and one summary (a link that fails is reported on its
    health; the others go on)."""
    progress.phase(COLLECTING)
    addresses.refresh(account, graph)
    run = _Pass(graph, summary, preview, confirm, now, progress, lease)
    _sync_scope(primary(account), run)
    run.lease.check()
    mirror_cleanup.clean_up(account, graph, summary, preview)
    for link in links.to_sync(account):
        scope = Scope(account, link)
        links.sync_link(scope, run, _mirror_scope if mirrors.is_mirror(scope) else _sync_scope)
    if summary.errors and not preview and summary.status != SyncRun.STATUS_CONFIRM:
        summary.ok = False
        summary.status = SyncRun.STATUS_PARTIAL


def _mirror_scope(scope: Scope, run: _Pass) -> None:
    """A busy or redacted link's mirror pass (calsync.outlook.sync.mirrors)."""
    run.lease.check()
    mirrors.mirror_link(scope, run.graph, run.summary, run.preview, run.now)


def _sync_scope(scope: Scope, run: _Pass) -> None:
    """Collect, plan, act and record one scope (the module docstring says what each step
    promises). Every write first checks that the run still holds its ``lease``."""
    summary, lease, progress = run.summary, run.lease, run.progress
    progress.phase(COLLECTING)
    local = OrmLocalSide(
        scope.account, on_progress=_guarded(progress, WRITING_HERE, lease), scope=scope
    )
    calendar = _calendar(scope, run.graph, _guarded(progress, WRITING_OUTLOOK, lease))
    policy = _policy(scope, run.now, run.confirm)
    report = functools.partial(_report_unreadable, summary, ())
    # a long round is applied page by page (calsync.outlook.sync.pages), save in a preview
    pager = None
    if not run.preview:
        pager = PagedPull(scope, local, calendar, summary, policy, lease, report)
    try:
        local_snapshot, collected = _collect(scope, local, calendar, run.graph, run.now, pager)
    except PageRefused as stop:
        _stop_before_writing(summary, stop.plan, True, scope)
        return
    _report_unreadable(summary, local.invalid, collected.invalid)
    decided, status, quiet = _plan(scope, local_snapshot, collected, policy, progress)
    summary.errors.extend(identity_entry(conflict) for conflict in decided.identity_conflicts)
    refuse = decided.refused is not None and not run.confirm
    if refuse or run.preview:
        _stop_before_writing(summary, decided, refuse, scope)
        return
    lease.check()
    result = execute(decided, local, calendar, status, run.now) if not quiet else None
    if result is not None:  # a quiet run's recording is one statement: no phase for it
        progress.phase(RECORDING)
    recheck = pager.recheck if pager else (set(), set())
    record(scope, collected, result, run.now, lease.token, recheck)
    if result is not None:
        count_result(summary, decided, result)
        remember_unsyncable(scope.account, local_snapshot, decided, result)


def _plan(
    scope: Scope,
    local_snapshot: LocalSnapshot,
    collected: Collected,
    policy: Policy,
    progress: RunProgress,
) -> tuple[Plan, Status, bool]:
    """The scope's plan, its status and whether the run is quiet (nothing to plan)."""
    remote_snapshot = RemoteSnapshot(
        collected.items,
        collected.removed,
        complete=collected.complete and not collected.invalid,
        window=collected.window,
        listed=collected.listed,
    )
    if _nothing_new(local_snapshot, remote_snapshot):
        return Plan(), Status(), True
    status, linked_count = final_status(scope, collected.listed, local_snapshot, remote_snapshot)
    progress.phase(PLANNING)
    policy = replace(policy, linked_count=linked_count)
    return plan(local_snapshot, remote_snapshot, status, policy), status, False


def _calendar(
    scope: Scope, graph: GraphClient, on_progress: Callable[[int, int], None]
) -> OutlookCalendar:
    """The scope's Outlook calendar, read in pages of ``CALSYNC_GRAPH_PAGE_SIZE``."""
    account = scope.account
    link = scope.link
    mailbox = account.mailbox or account.user.email
    paths = DEFAULT_PATHS
    if link is not None:
        shared = links.is_shared(link.owner_address, mailbox)
        paths = CalendarPaths.of_calendar(link.remote_id, shared=shared)
        mailbox = link.owner_address if shared else mailbox
    return OutlookCalendar(
        graph,
        mailbox,
        page_size=int(getattr(settings, "CALSYNC_GRAPH_PAGE_SIZE", PAGE_SIZE)),
        on_thread_exit=connections.close_all,  # $batch workers may read tokens from the DB
        on_progress=on_progress,
        aliases=addresses.of(account),
        paths=paths,
        read_only=scope.pull_only,
    )


def _guarded(progress: RunProgress, phase: str, lease: Lease) -> Callable[[int, int], None]:
    """A side's ``on_progress`` that also stops its writes once the lease is lost (the side
    fails its remaining writes with :class:`ClaimLost`)."""
    report = progress.reporter(phase)

    def on_progress(done: int, total: int) -> None:
        lease.check()
        report(done, total)

    return on_progress


def _collect(
    scope: Scope,
    local: OrmLocalSide,
    calendar: OutlookCalendar,
    graph: GraphClient,
    now: datetime,
    pager: PagedPull | None = None,
) -> tuple[LocalSnapshot, Collected]:
    """What changed on each side since the scope's last run (Outlook's delta from the
    stored link). With ``pager``, the pages of a long round before its last are applied as
    they come: the local snapshot returned is what they left
    (:mod:`calsync.outlook.sync.pages`)."""
    account = scope.account
    local_snapshot = local.snapshot(scope.recheck_local)
    stored = scope.delta()
    state = DeltaState(stored[0], (stored[1], stored[2])) if stored else None
    linked = _linked(scope)
    on_page = pager.start(local_snapshot, linked.ids) if pager is not None else None
    collected = calendar.collect(state, now, linked, scope.recheck_remote, on_page=on_page)
    local_snapshot = remaining_items(pager, local_snapshot)
    if account.sync_created_after is not None:  # Reset Account: "only new events"
        local_snapshot, collected = keep_created_after(
            account, local_snapshot, collected, graph, scope=scope.key, paths=calendar.paths
        )
    return local_snapshot, collected


def _report_unreadable(
    summary: SyncSummary,
    local_invalid: Iterable[tuple[str, BaseException]],
    remote_invalid: Iterable[tuple[str, BaseException]],
) -> None:
    """One log entry per event that cannot be read on either side (the rest goes on)."""
    for local_id, cause in local_invalid:
        template = gettext_noop("This event cannot be synced: %(reason)s")
        summary.errors.append(
            entry("invalid_event", template, event_ref(local_id), reason=reason_of(cause))
        )
    for remote_id, cause in remote_invalid:
        template = gettext_noop("The Outlook event %(id)s… cannot be synced: %(reason)s")
        summary.errors.append(
            entry("invalid_outlook_event", template, id=remote_id[:24], reason=reason_of(cause))
        )


def _nothing_new(local: LocalSnapshot, remote: RemoteSnapshot) -> bool:
    """Whether neither side brought anything to plan (a quiet run writes nothing)."""
    return not (
        local.items
        or local.deleted_local_ids
        or remote.items
        or remote.removed_remote_ids
        or remote.complete
    )


def _stop_before_writing(
    summary: SyncSummary, decided: Plan, refuse: bool, scope: Scope | None = None
) -> None:
    """A preview, or a mass delete that waits for confirmation (``refuse``): the plan's
    counts (added to the run's for a linked calendar), and no write."""
    refused = decided.refused
    if not refuse or refused is None:
        if summary.status != SyncRun.STATUS_CONFIRM:
            summary.status = SyncRun.STATUS_OK
    else:
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
    count_plan(summary, decided, add=scope is not None and scope.link is not None)


__all__ = ["SyncSummary", "run_sync", "writing_user"]
