"""One Outlook calendar as a mirror link sees it: its originals and its copies, read in one
listing, and the copies written through ``$batch`` (no Django).

:meth:`MirrorCalendar.listing` pages through the calendar's ``/events`` (single events and
series masters, with their cancelled occurrences and the marker, :data:`.mirrors.EXPAND_MARKER`;
given the sync window, only the single events overlapping it, by ``$filter`` on type, start and
end, then every series master, whose first occurrence says nothing of its last):
an event carrying the marker is a :class:`~calsync.syncengine.mirror.Copy`, any other an
:class:`~calsync.syncengine.mirror.Original` (a cancelled meeting is an inactive one; the
user's answer is its ``my_response``). A listing is complete (within its window): the
planner deletes the copy of an original it does not list. :meth:`MirrorCalendar.events`
gives the listing's Graph events, each series master with its exceptions
(``exceptionOccurrences``, read in one ``$batch`` of a GET per master), to be stored
(:meth:`MirrorCalendar.read` makes the listing of them without asking Graph again), and
:meth:`MirrorCalendar.changes` follows one ``calendarView/delta`` round of the calendar (how
many items it returned, its deltaLink; :class:`DeltaRefused` when Graph no longer knows the
link), which tells whether a stored listing still holds.

:meth:`MirrorCalendar.apply` creates (POST to the calendar), updates (PATCH) and deletes
copies, each alone: it returns the error text of each action that failed (None: done; a
copy already gone counts as deleted). Series come with their modified occurrences, and a
copy series written gets its occurrences changed as its action says
(:mod:`.mirror_occurrences`). A copy series written loses the occurrences its
original cancelled: each is found with ``/instances`` (under the calendar's entry for a
calendar another mailbox shares) and deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from calsync.msgraph import mapping, mirrors
from calsync.msgraph.batching import SubRequest, run_batch
from calsync.msgraph.calendar import (
    PAGE_SIZE,
    UTC_PREFER,
    CalendarPaths,
    instances_url,
    is_original_at,
)
from calsync.msgraph.client import GraphClient
from calsync.msgraph.errors import BadRequest, GraphError, SyncStateNotFound
from calsync.msgraph.mirror_occurrences import fetch_exceptions, occurrences, write_occurrences
from calsync.syncengine.errors import InvalidData
from calsync.syncengine.mirror import (
    Copy,
    CreateCopy,
    DeleteCopy,
    MirrorAction,
    Occurrence,
    Original,
    UpdateCopy,
)

LISTING_PAGE = 200
"""Events per page of a listing."""
EXCEPTIONS = "exceptionOccurrences"
"""The key of a series master's exceptions in :meth:`MirrorCalendar.events` (as a GET of
the master with ``$expand=exceptionOccurrences`` gives them; null: not read)."""
REFUSED_TOKEN_CODES = frozenset({"InvalidDeltaToken", "resyncRequired", "syncStateNotFound"})
"""The codes of a 400 that refuses a delta token itself (as :mod:`.calendar` reads them)."""


@dataclass(frozen=True, slots=True)
class Listing:
    """A calendar's originals and copies, and the iCalUIds of its own events."""

    originals: tuple[Original, ...]
    copies: tuple[Copy, ...]
    ical_uids: frozenset[str]
    unreadable: tuple[str, ...] = ()
    """Ids of events that could not be read (skipped)."""


class MirrorCalendar:
    """The calendar at ``paths``, read as ``mailbox`` (its owner) knows it."""

    def __init__(
        self,
        client: GraphClient,
        paths: CalendarPaths,
        mailbox: str,
        aliases: Iterable[str] = (),
    ) -> None:
        self.client = client
        self.paths = paths
        self.mailbox = mailbox
        self.aliases = tuple(aliases)
        self.written: dict[str, str] = {}
        """The copies :meth:`apply` created or updated: Graph id -> its changeKey then."""

    def listing(self, window: tuple[datetime, datetime] | None = None) -> Listing:
        """Every single event and series of the calendar, sorted into originals and copies;
        with a ``window`` (UTC), only the single events that overlap it, and every series."""
        return self.read(self.events(window))

    def events(self, window: tuple[datetime, datetime] | None = None) -> list[dict[str, Any]]:
        """The Graph events :meth:`listing` reads, each series master with its exceptions
        (``exceptionOccurrences``, read in one ``$batch``), kept small for storing: an
        original's body is dropped (no copy shows it; a copy keeps its own, an edit of it is
        drift). ``read`` of them is the same listing, and asks Graph nothing."""
        return [_without_body(obj) for obj in self._with_exceptions(list(self._listed(window)))]

    def changes(self, delta_link: str | None, window: tuple[datetime, datetime]) -> tuple[int, str]:
        """Follow one ``calendarView/delta`` round to its end: from ``delta_link`` (what
        changed since), or, without one, a new round over ``window``. Returns how many
        items the round returned (0: the calendar did not change) and its deltaLink.
        Raises :class:`DeltaRefused` when Graph no longer knows ``delta_link``."""
        url = delta_link or self.paths.delta
        params: dict[str, str] | None = None
        if delta_link is None:
            start, end = (_graph_instant(moment) for moment in window)
            params = {"startDateTime": start, "endDateTime": end}
        prefer = (UTC_PREFER, f"odata.maxpagesize={PAGE_SIZE}")
        count = 0
        while True:
            try:
                page = self.client.get_json(url, params=params, prefer=prefer)
            except SyncStateNotFound as exc:
                raise DeltaRefused(str(exc)) from exc
            except BadRequest as exc:
                if exc.code in REFUSED_TOKEN_CODES:
                    raise DeltaRefused(str(exc)) from exc
                raise
            count += len(page.get("value") or [])
            url, params = page.get("@odata.nextLink") or "", None
            if not url:
                break
        link = page.get("@odata.deltaLink")
        if not link:
            raise GraphError("delta page with neither nextLink nor deltaLink")
        return count, str(link)

    def read(self, objs: Iterable[dict[str, Any]]) -> Listing:
        """The listing of the Graph events ``objs`` (read with the marker; a series master
        with its ``exceptionOccurrences`` as :meth:`events` gives them, else they are read
        from Graph now)."""
        originals: list[Original] = []
        copies: list[Copy] = []
        unreadable: list[str] = []
        for obj in self._with_exceptions(list(objs)):
            try:
                copy = mirrors.read_copy(obj, mailbox=self.mailbox)
                if copy is not None:
                    copies.append(self._copy_occurrences(copy, obj))
                else:
                    originals.append(self._original(obj))
            except (InvalidData, KeyError, ValueError, TypeError):
                unreadable.append(str(obj.get("id")))
        icals = frozenset(o.ical_uid for o in originals if o.ical_uid)
        return Listing(tuple(originals), tuple(copies), icals, tuple(unreadable))

    def _with_exceptions(self, objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``objs``, each series master that lacks its ``exceptionOccurrences`` given them
        from Graph (one ``$batch``). A series gone meanwhile (404) is left out as an
        original, and as a copy keeps them null (not checked for drift this time)."""
        missing = [
            str(obj["id"])
            for obj in objs
            if obj.get("recurrence") and obj.get("id") and EXCEPTIONS not in obj
        ]
        if not missing:
            return objs
        found = fetch_exceptions(self.client, self.paths, missing)
        given: list[dict[str, Any]] = []
        for obj in objs:
            key = str(obj.get("id"))
            if obj.get("recurrence") and EXCEPTIONS not in obj:
                if key not in found and mirrors.marker_of(obj) is None:
                    continue
                obj = {**obj, EXCEPTIONS: found.get(key)}
            given.append(obj)
        return given

    def _copy_occurrences(self, copy: Copy, obj: dict[str, Any]) -> Copy:
        """``copy`` with its modified occurrences (None when they were not read)."""
        exceptions = obj.get(EXCEPTIONS)
        if copy.data is None or not copy.data.recurrence or exceptions is None:
            return copy
        return replace(
            copy, exceptions=occurrences(exceptions, copy.data, self.mailbox, self.aliases)
        )

    def apply(self, actions: Sequence[MirrorAction]) -> list[str | None]:
        """Carry out ``actions``; the error text of each that failed, else None. A copy
        series written then loses the occurrences its original cancelled."""
        if not actions:
            return []
        answers = run_batch(self.client, [self._request(action) for action in actions])
        for action, answer in zip(actions, answers, strict=True):
            body = answer.body if answer.ok and isinstance(answer.body, dict) else {}
            if not isinstance(action, DeleteCopy) and body.get("id") and body.get("changeKey"):
                self.written[str(body["id"])] = str(body["changeKey"])
        self._cancel_occurrences(actions, answers)
        written = [
            (_written_id(action, answer), action)
            for action, answer in zip(actions, answers, strict=True)
            if not isinstance(action, DeleteCopy) and answer.ok and action.data.recurrence
        ]
        refused = write_occurrences(self.client, self.paths, written)
        failures = [_failure(a, answer) for a, answer in zip(actions, answers, strict=True)]
        for index, (action, answer) in enumerate(zip(actions, answers, strict=True)):
            if failures[index] is None and not isinstance(action, DeleteCopy):
                failures[index] = refused.get(_written_id(action, answer))
        return failures

    def _cancel_occurrences(self, actions: Sequence[MirrorAction], answers: list[Any]) -> None:
        """DELETE each occurrence of a written copy series that its original cancelled
        (one found by ``/instances``; one already gone is no error)."""
        wanted: list[tuple[str, Any, str]] = []
        for action, answer in zip(actions, answers, strict=True):
            if isinstance(action, DeleteCopy) or not action.data.cancelled or not answer.ok:
                continue
            copy_id = answer.body.get("id") if isinstance(answer.body, dict) else None
            for start in action.data.cancelled:
                wanted.append((copy_id or getattr(action, "key", ""), start, action.data.timezone))
        gets = [
            SubRequest("GET", instances_url(self.paths, cid, start)) for cid, start, _ in wanted
        ]
        deletes = []
        for (_cid, start, zone), answer in zip(wanted, run_batch(self.client, gets), strict=True):
            found = answer.body.get("value") if answer.ok and isinstance(answer.body, dict) else []
            for obj in found or []:
                if is_original_at(obj, start, zone):
                    deletes.append(SubRequest("DELETE", self.paths.event(obj["id"])))
        if deletes:
            run_batch(self.client, deletes)

    def _listed(self, window: tuple[datetime, datetime] | None) -> Iterable[dict[str, Any]]:
        if window is None:
            yield from self._pages(None)
            return
        yield from self._pages(single_events_filter(window))
        yield from self._pages("type eq 'seriesMaster'")

    def _pages(self, where: str | None) -> Iterable[dict[str, Any]]:
        params: dict[str, Any] | None = {
            "$select": mapping.MASTER_SELECT,
            "$expand": mirrors.EXPAND_MARKER,
        }
        if where is not None:
            params["$filter"] = where
        url = self.paths.create
        prefer = (UTC_PREFER, f"odata.maxpagesize={LISTING_PAGE}")
        while url:
            page = self.client.get_json(url, params=params, prefer=prefer)
            yield from page.get("value") or []
            url, params = page.get("@odata.nextLink") or "", None

    def _original(self, obj: dict[str, Any]) -> Original:
        item = mapping.remote_item(obj, mailbox=self.mailbox, aliases=self.aliases)
        exceptions: tuple[Occurrence, ...] = ()
        if item.data.recurrence:
            found = obj.get(EXCEPTIONS) or []
            exceptions = occurrences(found, item.data, self.mailbox, self.aliases)
        return Original(
            key=item.remote_id,
            data=item.data,
            active=not item.cancelled,
            my_response=item.my_response,
            ical_uid=item.ical_uid,
            mirror_of="" if mirrors.is_copy(obj) else None,
            exceptions=exceptions,
        )

    def _request(self, action: MirrorAction) -> SubRequest:
        if isinstance(action, CreateCopy):
            return SubRequest("POST", self.paths.create, mirrors.create_copy_body(action))
        if isinstance(action, DeleteCopy):
            return SubRequest("DELETE", self.paths.event(action.key))
        return SubRequest("PATCH", self.paths.event(action.key), mirrors.update_copy_body(action))


def single_events_filter(window: tuple[datetime, datetime]) -> str:
    """The ``$filter`` of the single events that overlap ``window`` (checked with msgraph-sdk
    in tests/graph_emulator/test_sdk_mirror_routes.py)."""
    start, end = (moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") for moment in window)
    return f"type eq 'singleInstance' and end/dateTime gt '{start}' and start/dateTime lt '{end}'"


def _written_id(action: CreateCopy | UpdateCopy, answer: Any) -> str:
    """The id of the copy ``action`` wrote (a create's, from Graph's answer)."""
    if isinstance(action, CreateCopy):
        body = answer.body if isinstance(answer.body, dict) else {}
        return str(body.get("id") or "")
    return action.key


class DeltaRefused(Exception):
    """Graph no longer knows a stored delta link (410 ``SyncStateNotFound``, or a 400 that
    refuses the token): the calendar is listed again and a new round begun."""


def _without_body(obj: dict[str, Any]) -> dict[str, Any]:
    """An original's event (and its exceptions) with an empty body; a copy as it is."""
    if mirrors.marker_of(obj) is not None:
        return obj
    kept = dict(obj)
    if isinstance(obj.get(EXCEPTIONS), list):
        kept[EXCEPTIONS] = [_without_body(o) for o in obj[EXCEPTIONS]]
    if "body" in obj:
        kept["body"] = {"contentType": "text", "content": ""}
    return kept


def _graph_instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _failure(action: MirrorAction, answer: Any) -> str | None:
    if answer.ok or (isinstance(action, DeleteCopy) and answer.status == 404):
        return None
    code, message = answer.error()
    return f"{code}: {message}" if code else message
