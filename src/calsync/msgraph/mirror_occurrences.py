"""A mirror's modified occurrences in Outlook (no Django): read with a series, written on
a copy series.

:func:`fetch_exceptions` reads each series master's exceptions, one ``GET`` of the master
with ``$expand=exceptionOccurrences`` each, in ``$batch`` (Graph returns that navigation
only on a GET of one master: event resource, ``exceptionOccurrences``), and
:func:`occurrences` reads them as the planner's occurrences; an exception marked
``isCancelled`` (a meeting's occurrence its organiser cancelled, still shown to an
attendee) is a cancelled occurrence.

:func:`write_occurrences` finds, for each occurrence a copy series must change, the
instance at its original start with ``/instances`` (under the calendar's entry for a shared
calendar) and PATCHes its times, title and show-as; an instance not found is left (the
next pass sees the copy unchanged and tries again). It returns the error text of each copy
whose occurrence write Graph refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from calsync.msgraph import mapping
from calsync.msgraph.batching import SubRequest, run_batch
from calsync.msgraph.calendar import UTC_PREFER, CalendarPaths, instances_url, is_original_at
from calsync.msgraph.client import GraphClient
from calsync.msgraph.errors import GraphError, error_class_for
from calsync.syncengine import EventData
from calsync.syncengine.errors import InvalidData
from calsync.syncengine.mirror import CreateCopy, Occurrence, UpdateCopy, regular_occurrence

OCCURRENCE_FIELDS = frozenset({"title", "show_as", "start", "end", "all_day", "timezone"})
"""What a copy's occurrence write sends (a copy has nothing else)."""


def fetch_exceptions(
    client: GraphClient, paths: CalendarPaths, masters: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Series master id -> its exceptions as Graph gives them, for each of ``masters``;
    a master gone meanwhile (404) is left out. Any other failure raises (the link's pass
    fails this run: planning with an original's exceptions unknown would put its copy's
    back for nothing)."""
    requests = [
        SubRequest(
            "GET",
            f"{paths.event(master)}?$select=id&$expand=exceptionOccurrences",
            headers={"Prefer": UTC_PREFER},
        )
        for master in masters
    ]
    found: dict[str, list[dict[str, Any]]] = {}
    for master, answer in zip(masters, run_batch(client, requests), strict=True):
        if answer.status == 404:
            continue
        if not answer.ok or not isinstance(answer.body, dict):
            raise _failed(answer, master)
        found[master] = list(answer.body.get("exceptionOccurrences") or [])
    return found


def occurrences(
    objects: Iterable[dict[str, Any]], series: EventData, mailbox: str, aliases: Iterable[str]
) -> tuple[Occurrence, ...]:
    """The modified occurrences of the series ``series`` among its Graph exceptions
    ``objects`` (one marked ``isCancelled``: a cancelled occurrence); unreadable ones
    are left out."""
    return tuple(
        occurrence
        for obj in objects
        if (occurrence := _occurrence(obj, series, mailbox, aliases)) is not None
    )


def _failed(answer: Any, master: str) -> Exception:
    if answer.failure is not None:
        return answer.failure  # type: ignore[no-any-return]
    code, message = answer.error()
    cls = error_class_for(answer.status) if answer.status else GraphError
    return cls(f"exceptions of {master[:24]}: {message}", status=answer.status or None, code=code)


def _occurrence(
    obj: dict[str, Any], series: EventData, mailbox: str, aliases: Iterable[str]
) -> Occurrence | None:
    stamp = mapping.parse_graph_time(obj.get("originalStart"))
    if stamp is None:
        return None
    try:
        item = mapping.remote_item(obj, mailbox=mailbox, zone_hint=series.timezone, aliases=aliases)
    except (InvalidData, KeyError, ValueError, TypeError):
        return None
    key: datetime | date = stamp
    if series.all_day:
        key = stamp.astimezone(ZoneInfo(series.timezone)).date()
    return Occurrence(key, item.data, cancelled=bool(obj.get("isCancelled")))


def write_occurrences(
    client: GraphClient,
    paths: CalendarPaths,
    written: Sequence[tuple[str, CreateCopy | UpdateCopy]],
) -> dict[str, str]:
    """Change the occurrences of each copy series written (its id, its action): the
    action's ``exceptions`` as they are, its ``reset`` ones as the series makes them.
    Copy id -> the error text of an occurrence write Graph refused."""
    wanted: list[tuple[str, datetime | date, str, EventData]] = []
    for copy_id, action in written:
        zone = action.data.timezone
        for occurrence in action.exceptions:
            wanted.append((copy_id, occurrence.original_start, zone, occurrence.data))
        for start in getattr(action, "reset", ()):
            wanted.append((copy_id, start, zone, regular_occurrence(action.data, start)))
    if not wanted:
        return {}
    gets = [SubRequest("GET", instances_url(paths, cid, start)) for cid, start, _z, _d in wanted]
    patches: list[tuple[str, SubRequest]] = []
    for (copy_id, start, zone, data), answer in zip(wanted, run_batch(client, gets), strict=True):
        found = answer.body.get("value") if answer.ok and isinstance(answer.body, dict) else []
        for obj in found or []:
            if is_original_at(obj, start, zone):
                body = mapping.patch_body(data, OCCURRENCE_FIELDS)
                patches.append((copy_id, SubRequest("PATCH", paths.event(obj["id"]), body)))
    errors: dict[str, str] = {}
    answers = run_batch(client, [request for _cid, request in patches]) if patches else []
    for (copy_id, _request), answer in zip(patches, answers, strict=True):
        if not answer.ok:
            code, message = answer.error()
            errors.setdefault(copy_id, f"{code}: {message}" if code else message)
    return errors
