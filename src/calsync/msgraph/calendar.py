"""One Outlook mailbox's calendar for the sync engine: delta collection and batched writes.

:class:`OutlookCalendar` is the engine's remote side (``apply_remote``, see
:mod:`calsync.syncengine.sides`) plus :meth:`OutlookCalendar.collect`, which reads what
changed with ``calendarView/delta``:

* a round runs over a rolling window (:func:`~.mapping.window`: a year back, two ahead);
  the delta link is kept by the caller and resumed next time; a new round starts when
  there is no link, when the window has drifted more than :data:`WINDOW_SLACK` from
  today's, or when Graph answers 410 ``SyncStateNotFound`` (or 400 ``InvalidDeltaToken``);
  a new round is *complete*: every event of the window is listed, so the engine reconciles
  it against the status (nothing outside the window counts as deleted);
* nextLinks are followed to the deltaLink (pages of up to :data:`PAGE_SIZE`);
* occurrences come skeletal: their series master is fetched (``GET /me/events/{id}``) and
  the series is one item; exceptions are not synced yet (the series issue);
* ``@removed`` is also sent for events that merely left the window, so a removal of a linked
  event is confirmed by a GET (404: deleted; else the event is listed as it is now); a
  removal we cannot place (an occurrence) makes the linked series be checked the same way;
* ``recheck`` ids (items a previous run must look at again) are read the same way;
* an unlinked event whose transactionId is not ours gets its extended property read, so an
  event we created before a reset still links by our uid.

All reads beyond the delta pages, and every write, go through ``$batch``
(:mod:`.batching`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from calsync.msgraph import mapping
from calsync.msgraph.batching import SubRequest, SubResponse, run_batch
from calsync.msgraph.client import GraphClient
from calsync.msgraph.errors import BadRequest, GraphError, SyncStateNotFound, error_class_for
from calsync.syncengine.actions import (
    CreateRemote,
    DeleteRemote,
    RemoteAction,
    RespondRemote,
    UpdateRemote,
)
from calsync.syncengine.errors import InvalidData, ItemNotFound, PreconditionFailed
from calsync.syncengine.model import RemoteItem
from calsync.syncengine.sides import RemoteOutcome

logger = logging.getLogger("calsync.msgraph")

PAGE_SIZE = 1000
WINDOW_SLACK = timedelta(days=30)
UTC_PREFER = 'outlook.timezone="UTC"'
DELTA_PATH = "/me/calendarView/delta"


@dataclass(frozen=True, slots=True)
class DeltaState:
    """Where the last round left off: its deltaLink and window."""

    link: str
    window: tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Collected:
    """What :meth:`OutlookCalendar.collect` found; ``state`` is to be saved after the writes."""

    items: tuple[RemoteItem, ...]
    removed: frozenset[str]
    complete: bool
    window: tuple[datetime, datetime]
    state: DeltaState
    invalid: tuple[tuple[str, str], ...] = ()
    """Events Graph gave us that we could not read: (remote id, reason)."""


@dataclass
class Linked:
    """What the caller knows of the linked events: zone hints, series masters."""

    zones: Mapping[str, str] = field(default_factory=dict)
    series: frozenset[str] = frozenset()

    def __contains__(self, remote_id: object) -> bool:
        return remote_id in self.zones


class OutlookCalendar:
    """The calendar of the mailbox ``mailbox`` reached through ``client``."""

    def __init__(
        self,
        client: GraphClient,
        mailbox: str,
        *,
        page_size: int = PAGE_SIZE,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.client = client
        self.mailbox = mailbox
        self.page_size = page_size
        self._sleep = sleep
        self.batches = 0

    # -- reading -----------------------------------------------------------------------

    def collect(
        self,
        state: DeltaState | None,
        now: datetime,
        linked: Linked,
        recheck: Iterable[str] = (),
    ) -> Collected:
        """Read the changes since ``state`` (or a complete round); see the module docstring."""
        wanted = mapping.window(now)
        rechecked = set(recheck)
        fresh = state is None or abs(state.window[0] - wanted[0]) > WINDOW_SLACK
        raw: dict[str, dict[str, Any]] = {}
        removed: set[str] = set()
        masters: set[str] = set()
        try:
            link = self._round(None if fresh else state, wanted, raw, removed, masters)  # type: ignore[arg-type]
        except (SyncStateNotFound, _InvalidToken):
            logger.info("graph delta: sync state gone for %s; starting a new round", self.mailbox)
            fresh = True
            raw.clear()
            removed.clear()
            masters.clear()
            link = self._round(None, wanted, raw, removed, masters)
        window = wanted if fresh or state is None else state.window
        unknown_removals = {rid for rid in removed if rid not in linked}
        removed -= unknown_removals
        to_read = set(masters) - raw.keys()
        to_read |= {rid for rid in removed if rid not in raw}
        to_read |= {rid for rid in rechecked if rid and rid not in raw}
        if unknown_removals and not fresh:
            to_read |= {rid for rid in linked.series if rid not in raw}
        gone = self._read(to_read, raw)
        removed = {rid for rid in gone if rid in linked or rid in rechecked}
        self._find_uids(raw, linked)
        items, invalid = [], []
        for remote_id, obj in raw.items():
            if obj.get("type") in ("occurrence", "exception"):
                continue
            try:
                items.append(
                    mapping.remote_item(
                        obj, mailbox=self.mailbox, zone_hint=linked.zones.get(remote_id)
                    )
                )
            except (InvalidData, KeyError, ValueError, TypeError) as exc:
                invalid.append((remote_id, str(exc)))
        return Collected(
            tuple(items),
            frozenset(removed),
            fresh,
            window,
            DeltaState(link, window),
            tuple(invalid),
        )

    def _round(
        self,
        state: DeltaState | None,
        window: tuple[datetime, datetime],
        raw: dict[str, dict[str, Any]],
        removed: set[str],
        masters: set[str],
    ) -> str:
        """Follow the pages of one delta round from ``state`` (None: a new round)."""
        prefer = [UTC_PREFER, f"odata.maxpagesize={self.page_size}"]
        url: str = DELTA_PATH if state is None else state.link
        params: dict[str, str] | None = None
        if state is None:
            params = {
                "startDateTime": window[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
                "endDateTime": window[1].strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        while True:
            try:
                page = self.client.get_json(url, params=params, prefer=prefer)
            except BadRequest as exc:
                if exc.code in ("InvalidDeltaToken", "resyncRequired", "syncStateNotFound"):
                    raise _InvalidToken(str(exc)) from exc
                raise
            params = None
            for obj in page.get("value", []):
                remote_id = obj.get("id")
                if not remote_id:
                    continue
                if "@removed" in obj:
                    raw.pop(remote_id, None)
                    removed.add(remote_id)
                    continue
                removed.discard(remote_id)
                if obj.get("seriesMasterId"):
                    masters.add(obj["seriesMasterId"])
                raw[remote_id] = obj
            if page.get("@odata.nextLink"):
                url = page["@odata.nextLink"]
                continue
            link = page.get("@odata.deltaLink")
            if not link:
                raise GraphError("delta page with neither nextLink nor deltaLink")
            return link

    def _read(self, ids: Iterable[str], raw: dict[str, dict[str, Any]]) -> set[str]:
        """GET each event into ``raw``; returns the ids Graph says do not exist."""
        ordered = sorted(ids)
        requests = [SubRequest("GET", f"/me/events/{quote(rid, safe='')}") for rid in ordered]
        gone: set[str] = set()
        for remote_id, answer in zip(ordered, self._batch(requests), strict=True):
            if answer.ok and isinstance(answer.body, dict):
                raw[remote_id] = answer.body
            elif answer.status == 404:
                gone.add(remote_id)
            else:
                raise _error(answer, f"GET event {remote_id}")
        return gone

    def _find_uids(self, raw: dict[str, dict[str, Any]], linked: Linked) -> None:
        """Read our extended property on unlinked events another app's transactionId hides."""
        ids = sorted(
            rid
            for rid, obj in raw.items()
            if rid not in linked
            and obj.get("transactionId")
            and mapping.uid_from_transaction(obj.get("transactionId")) is None
            and obj.get("type") not in ("occurrence", "exception")
        )
        expand = f"singleValueExtendedProperties($filter=id eq '{mapping.UID_PROPERTY_ID}')"
        requests = [
            SubRequest("GET", f"/me/events/{quote(rid, safe='')}?$select=id&$expand={expand}")
            for rid in ids
        ]
        for remote_id, answer in zip(ids, self._batch(requests), strict=True):
            if answer.ok and isinstance(answer.body, dict):
                uid = mapping.uid_from_extended(answer.body)
                if uid:
                    raw[remote_id]["singleValueExtendedProperties"] = answer.body[
                        "singleValueExtendedProperties"
                    ]

    # -- writing -----------------------------------------------------------------------

    def apply_remote(self, actions: Sequence[RemoteAction]) -> list[RemoteOutcome]:
        """Carry out ``actions`` through ``$batch``; one outcome per action (engine contract)."""
        requests: list[SubRequest | BaseException] = []
        for action in actions:
            try:
                requests.append(_request_for(action))
            except (ValueError, InvalidData) as exc:
                requests.append(exc)
        to_send = [r for r in requests if isinstance(r, SubRequest)]
        answers = iter(self._batch(to_send))
        outcomes: list[RemoteOutcome] = []
        for action, request in zip(actions, requests, strict=True):
            if isinstance(request, BaseException):
                outcomes.append(request)
                continue
            outcomes.append(self._outcome(action, next(answers)))
        return outcomes

    def _outcome(self, action: RemoteAction, answer: SubResponse) -> RemoteOutcome:
        remote_id = getattr(action, "remote_id", "")
        if answer.status == 404 and remote_id:
            return ItemNotFound(remote_id)
        if answer.status == 412:
            return PreconditionFailed(remote_id, getattr(action, "if_match", None), None)
        if not answer.ok:
            return _error(answer, type(action).__name__)
        if isinstance(action, DeleteRemote | RespondRemote):
            return None
        if not isinstance(answer.body, dict):
            return GraphError("Graph answered a write without the event")
        zone = action.data.timezone if isinstance(action, CreateRemote) else action.before.timezone
        if isinstance(action, UpdateRemote) and "timezone" in action.fields:
            zone = str(action.fields["timezone"])
        try:
            return mapping.remote_item(
                answer.body, mailbox=self.mailbox, zone_hint=zone, uid=action.uid
            )
        except (InvalidData, KeyError, ValueError, TypeError) as exc:
            return exc

    def _batch(self, requests: Sequence[SubRequest]) -> list[SubResponse]:
        if not requests:
            return []
        kwargs: dict[str, Any] = {"on_batch": self._count}
        if self._sleep is not None:
            kwargs["sleep"] = self._sleep
        return run_batch(self.client, requests, **kwargs)

    def _count(self, _size: int) -> None:
        self.batches += 1


class _InvalidToken(Exception):
    """Graph refused the delta token itself: start a new round."""


def _request_for(action: RemoteAction) -> SubRequest:
    if isinstance(action, CreateRemote):
        body = mapping.create_body(action.data, action.uid, action.transaction_id)
        return SubRequest("POST", "/me/events", body)
    path = f"/me/events/{quote(action.remote_id, safe='')}"
    if isinstance(action, UpdateRemote):
        target = action.before.with_fields(action.fields)
        body = mapping.patch_body(target, frozenset(action.fields))
        headers = {"If-Match": f'W/"{action.if_match}"'} if action.if_match else {}
        return SubRequest("PATCH", path, body, headers)
    if isinstance(action, DeleteRemote):
        return SubRequest("DELETE", path)
    if isinstance(action, RespondRemote):
        return SubRequest("POST", f"{path}/{action.response}", {"sendResponse": True})
    raise TypeError(f"not an Outlook action: {action!r}")


def _error(answer: SubResponse, what: str) -> GraphError:
    code, message = answer.error()
    if answer.status == 0:
        return GraphError(f"{what}: {message}", status=None)
    cls = error_class_for(answer.status)
    return cls(f"{what}: {message}", status=answer.status, code=code, body=answer.body)
