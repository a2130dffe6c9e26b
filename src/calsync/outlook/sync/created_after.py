"""The "sync only new events" cutoff that Reset Account leaves on an account.

After a reset with *Synchronize only new events*, ``OutlookAccount.sync_created_after``
holds the instant of the reset. :func:`keep_created_after` then takes out of every run the
events created before it, on both sides, unless they are linked (only events created
after the reset ever get linked). Old events stay where they are, unsynced: editing one
later does not bring it into the sync either.

Creation times: here ``Event.created`` (for an exception, its series' too); in Outlook
``createdDateTime``. The delta pages do not reach this module, so an unlinked Outlook
event whose ``lastModifiedDateTime`` is before the cutoff is old without asking; only one
modified after it (a new event, or an old one edited since) costs a ``$batch`` GET of its
``createdDateTime``. An event whose creation time cannot be read is left out this run
(asked again next time): never synced by mistake.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from django.db.models import Q

from calsync.calendars.models import Event
from calsync.msgraph import GraphClient
from calsync.msgraph.batching import SubRequest, run_batch
from calsync.msgraph.calendar import DEFAULT_PATHS, CalendarPaths, Collected
from calsync.msgraph.mapping import parse_graph_time
from calsync.outlook.models import PRIMARY_SCOPE, OutlookAccount, SyncRecord
from calsync.syncengine.snapshots import LocalSnapshot

logger = logging.getLogger("calsync.outlook.sync")


def keep_created_after(
    account: OutlookAccount,
    local: LocalSnapshot,
    collected: Collected,
    graph: GraphClient,
    *,
    scope: str = PRIMARY_SCOPE,
    paths: CalendarPaths = DEFAULT_PATHS,
) -> tuple[LocalSnapshot, Collected]:
    """``local`` and ``collected`` without the unlinked events created before the cutoff
    (linked: in ``scope``; Outlook events read at ``paths``)."""
    cutoff = account.sync_created_after
    if cutoff is None:
        return local, collected
    records = SyncRecord.objects.filter(account=account, scope=scope)
    links = list(records.values_list("local_id", "remote_id", "uid"))
    linked_local = {local_id for local_id, _remote, _uid in links}
    linked_remote = {remote_id for _local, remote_id, _uid in links}
    linked_uids = {uid for _local, _remote, uid in links}

    unlinked_local = [
        int(item.local_id)
        for item in local.items
        if item.local_id not in linked_local and item.local_id.isdigit()
    ]
    old_local = {
        str(pk)
        for pk in Event.objects.filter(pk__in=unlinked_local)
        .filter(Q(created__lt=cutoff) | Q(series__created__lt=cutoff))
        .values_list("pk", flat=True)
    }
    local = replace(local, items=tuple(i for i in local.items if i.local_id not in old_local))

    unlinked = [
        item
        for item in collected.items
        if item.remote_id not in linked_remote and (item.uid is None or item.uid not in linked_uids)
    ]
    surely_old = cutoff.replace(microsecond=0)  # modified_at may be cut to the second
    old_remote = {item.remote_id for item in unlinked if item.modified_at < surely_old}
    unsure = [item.remote_id for item in unlinked if item.modified_at >= surely_old]
    created = _created_times(graph, unsure, paths)
    old_remote |= {rid for rid in unsure if created.get(rid) is None or created[rid] < cutoff}
    kept = tuple(
        item
        for item in collected.items
        if item.remote_id not in old_remote and item.series_remote_id not in old_remote
    )
    if old_local or old_remote:
        logger.info(
            "sync_cutoff user=%s cutoff=%s left_out_local=%s left_out_outlook=%s",
            account.user_id,
            cutoff.isoformat(),
            len(old_local),
            len(collected.items) - len(kept),
        )
    return local, replace(collected, items=kept)


def _created_times(
    graph: GraphClient, remote_ids: Iterable[str], paths: CalendarPaths
) -> dict[str, datetime | None]:
    """``createdDateTime`` of each event (None when Graph did not give it)."""
    ordered = sorted(set(remote_ids))
    requests = [
        SubRequest("GET", f"{paths.event(rid)}?$select=id,createdDateTime") for rid in ordered
    ]
    found: dict[str, datetime | None] = {}
    for remote_id, answer in zip(ordered, run_batch(graph, requests), strict=True):
        stamp = answer.body.get("createdDateTime") if isinstance(answer.body, dict) else None
        found[remote_id] = parse_graph_time(stamp) if answer.ok else None
    return found
