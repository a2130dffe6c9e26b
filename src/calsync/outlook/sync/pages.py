"""A long pull applied page by page, as Outlook's delta pages arrive (docs/sync.md).

A delta round of several pages (a first sync, a new round, a long absence) is not held
whole: :meth:`OutlookCalendar.collect` hands each page but the last to :class:`PagedPull`,
which plans that page's Outlook items against the local changes they pair with and the
status rows they touch, carries the plan out and commits the page's status rows and links
(:func:`~.recording.record_page`). So a run holds one page at a time, and a run that dies
midway keeps what its pages did.

What stays with the last page, in the run's own record step: the delta link (a run that dies
before it starts the round again, and finds the pages it applied already linked: no
duplicate, nothing lost), the local changes that paired with no Outlook item of the round
(pushed once the whole round is known, so nothing is created in Outlook that a later page
would have linked), the removals, and, for a complete round, what is missing from it (the
earlier pages' ids count as listed: ``RemoteSnapshot.listed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from django.db.models import Q

from calsync.msgraph.calendar import Collected, DeltaState, OutlookCalendar, PageSink
from calsync.outlook.sync.claims import Lease
from calsync.outlook.sync.created_after import keep_created_after
from calsync.outlook.sync.local_side import OrmLocalSide
from calsync.outlook.sync.recording import record_page, remember_unsyncable
from calsync.outlook.sync.records import entry_of
from calsync.outlook.sync.scope import Scope
from calsync.outlook.sync.summary import SyncSummary, count_result, identity_entry
from calsync.syncengine import LocalSnapshot, Plan, Policy, RemoteSnapshot, Status, execute, plan
from calsync.syncengine.identity import derived_uid, pair
from calsync.syncengine.model import RemoteItem


class PageRefused(Exception):
    """A page's plan would delete more than the mass-delete rule allows: the run stops
    there (the pages before it stay applied) and waits for confirmation."""

    def __init__(self, decided: Plan) -> None:
        super().__init__("mass delete refused")
        self.plan = decided


class PagedPull:
    """Applies the pages of a long delta round for one run (see the module docstring)."""

    def __init__(
        self,
        scope: Scope,
        local: OrmLocalSide,
        calendar: OutlookCalendar,
        summary: SyncSummary,
        policy: Policy,
        lease: Lease,
        report_invalid: Callable[[Iterable[tuple[str, BaseException]]], None],
    ) -> None:
        self.scope = scope
        self.account = scope.account
        self.local = local
        self.calendar = calendar
        self.summary = summary
        self.policy = policy
        self.lease = lease
        self.report_invalid = report_invalid
        self.remaining = LocalSnapshot(())
        """The local changes no page has taken yet (the last page's to plan)."""
        self.recheck: tuple[set[str], set[str]] = (set(), set())
        """Ids (local, Outlook) the pages' runs asked to look at again."""
        self.pages = 0
        self._linked_ids: set[str] = set()

    def start(self, local: LocalSnapshot, linked_ids: set[str]) -> PageSink:
        """The sink for ``collect``: ``local`` is the run's local snapshot, ``linked_ids``
        the linked Outlook ids ``collect`` knows (each page adds those it linked)."""
        self.remaining = local
        self._linked_ids = linked_ids
        return self.apply

    def apply(
        self, items: tuple[RemoteItem, ...], invalid: tuple[tuple[str, Exception], ...]
    ) -> None:
        """Plan, carry out and record one page (the engine's rules, on that page's part)."""
        self.lease.check()
        self.pages += 1
        self.report_invalid(invalid)
        items = self._created_after(items)
        status = _status_of(self.scope, items)
        page = RemoteSnapshot(items)
        paired = set(pair(self.remaining, page, status).remote)
        mine = tuple(item for item in self.remaining.items if item.uid in paired)
        local = LocalSnapshot(mine, self.remaining.deleted_local_ids)
        count = self.scope.records().count()
        decided = plan(local, page, status, replace(self.policy, linked_count=count))
        if decided.refused is not None and not self.policy.confirm_mass_delete:
            raise PageRefused(decided)
        self.summary.errors.extend(identity_entry(c) for c in decided.identity_conflicts)
        result = execute(decided, self.local, self.calendar, status, self.policy.now)
        record_page(self.scope, result, self.lease.token)
        count_result(self.summary, decided, result)
        remember_unsyncable(self.account, local, decided, result)
        self.recheck[0].update(result.recheck_local_ids)
        self.recheck[1].update(result.recheck_remote_ids)
        self._linked_ids.update(entry.remote_id for entry in result.upserted)
        left = tuple(item for item in self.remaining.items if item.uid not in paired)
        self.remaining = replace(self.remaining, items=left)

    def _created_after(self, items: tuple[RemoteItem, ...]) -> tuple[RemoteItem, ...]:
        """After Reset Account's "only new events": the page without the older events."""
        if self.account.sync_created_after is None:
            return items
        window = (self.policy.now, self.policy.now)
        page = Collected(items, frozenset(), False, window, DeltaState("", window))
        graph = self.calendar.client
        kept = keep_created_after(
            self.account,
            LocalSnapshot(()),
            page,
            graph,
            scope=self.scope.key,
            paths=self.calendar.paths,
        )
        return kept[1].items


def _status_of(scope: Scope, items: Iterable[RemoteItem]) -> Status:
    """The status rows a page's items can touch: by Outlook id (theirs, their master's),
    by our uid (carried or derived from the iCalUId) and by iCalUId."""
    remote_ids: set[str] = set()
    uids: set[str] = set()
    icals: set[str] = set()
    for item in items:
        remote_ids.add(item.remote_id)
        if item.series_remote_id:
            remote_ids.add(item.series_remote_id)
        else:
            uids.add(derived_uid(item))
        if item.uid:
            uids.add(item.uid)
        if item.ical_uid:
            icals.add(item.ical_uid)
    query = Q(remote_id__in=remote_ids) | Q(uid__in=uids) | Q(ical_uid__in=icals)
    rows = scope.records().filter(query)
    return Status(entry_of(row) for row in rows)


def remaining_items(pager: PagedPull | None, local: LocalSnapshot) -> LocalSnapshot:
    """The local snapshot the last page plans with: what no page took."""
    return local if pager is None or not pager.pages else pager.remaining


def final_status(
    scope: Scope, listed: frozenset[str], local: LocalSnapshot, remote: RemoteSnapshot
) -> tuple[Status, int]:
    """The status rows the last page's plan needs, and how many the account has (the
    mass-delete rule's measure). After earlier pages, a row whose Outlook event they listed
    is left out unless the last page's items or the local changes left name it: it is
    there and was dealt with, so only the rows that may be missing stay in memory."""
    rows = scope.records().order_by()
    if not listed:
        entries = [entry_of(row) for row in rows]
        return Status(entries), len(entries)
    wanted_remote = {item.remote_id for item in remote.items}
    wanted_remote |= {i.series_remote_id for i in remote.items if i.series_remote_id}
    wanted_uids = {item.uid for item in local.items}
    wanted_uids |= {i.series_uid for i in local.items if i.series_uid}
    wanted_uids |= {item.uid for item in remote.items if item.uid}
    wanted_local = {item.local_id for item in local.items} | set(local.deleted_local_ids)
    wanted_icals = {item.ical_uid for item in remote.items if item.ical_uid}
    kept, count = [], 0
    for row in rows.iterator(chunk_size=1000):
        count += 1
        if (
            row.remote_id not in listed
            or row.remote_id in wanted_remote
            or row.uid in wanted_uids
            or row.local_id in wanted_local
            or (row.ical_uid and row.ical_uid in wanted_icals)
        ):
            kept.append(entry_of(row))
    return Status(kept), count
