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
* occurrences come skeletal: their series master is fetched (``GET /me/events/{id}`` with
  :data:`~.mapping.MASTER_SELECT`, which brings its ``cancelledOccurrences``) and the series
  is one item; exceptions (modified occurrences) come in full and are items of their own,
  following their master (``series_remote_id``, ``original_start``);
* ``@removed`` is also sent for events that merely left the window, so a removal of a linked
  event is confirmed by a GET (404: deleted; else the event is listed as it is now); a
  removal we cannot place (an occurrence) makes the linked series be checked the same way;
* ``recheck`` ids (items a previous run must look at again) are read the same way;
* an unlinked event whose transactionId is not ours gets its extended property read, so an
  event we created before a reset still links by our uid;
* an event in a custom zone (``tzone://Microsoft/Custom``: ICS imports, some clients) gets
  its zone definition read (:data:`~.zones.DEFINITION_PROPERTIES`), so its zone is known.

All reads beyond the delta pages, and every write, go through ``$batch``
(:mod:`.batching`).

Series writes: an exception made here (``CreateRemote`` with ``series_remote_id``) is a
PATCH of the master's occurrence at ``original_start``, found with
``GET /me/events/{master}/instances`` around it; occurrences cancelled here (new entries
in a master's ``cancelled``) are DELETEs of those occurrences, sent before the master's
other fields (then without If-Match: our own deletes moved its change key). A master
written is read back with its ``cancelledOccurrences`` so the status holds what Outlook has.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from calsync.msgraph import mapping, mirrors, zones
from calsync.msgraph.batching import SubRequest, SubResponse, run_batch
from calsync.msgraph.client import GraphClient
from calsync.msgraph.errors import (
    BadRequest,
    GraphError,
    SyncStateNotFound,
    error_class_for,
    parse_retry_after,
)
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

PAGE_SIZE = 500
"""Events per delta page asked for: a 20,000-event first pull then peaks under 120 MB
(bench/cost_bench.py: 118 MB at 500, 124 MB at 1000), for one more request per 500."""
WINDOW_SLACK = timedelta(days=30)
UTC_PREFER = 'outlook.timezone="UTC"'
DELTA_PATH = "/me/calendarView/delta"


@dataclass(frozen=True, slots=True)
class CalendarPaths:
    """Where one calendar's events are reached: ``events`` + ``/{id}`` (one event),
    ``create`` (POST of a new one), ``delta`` (its calendarView delta).

    The default calendar's are ``/me/events`` and ``/me/calendarView/delta``. Another own
    calendar's events are reached by id through ``/me/events`` too; a calendar another
    mailbox shares is reached only through its entry, ``/me/calendars/{id}/events``."""

    events: str = "/me/events"
    create: str = "/me/events"
    delta: str = DELTA_PATH

    @classmethod
    def of_calendar(cls, calendar_id: str, *, shared: bool) -> CalendarPaths:
        """The paths of the mailbox's calendar ``calendar_id`` (``shared``: another's)."""
        base = f"/me/calendars/{quote(calendar_id, safe='')}"
        events = f"{base}/events"
        return cls(
            events=events if shared else "/me/events",
            create=events,
            delta=f"{base}/calendarView/delta",
        )

    def event(self, remote_id: str) -> str:
        """The path of one event."""
        return f"{self.events}/{quote(remote_id, safe='')}"


DEFAULT_PATHS = CalendarPaths()


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
    invalid: tuple[tuple[str, Exception], ...] = ()
    """Events Graph gave us that we could not read: (remote id, reason)."""
    listed: frozenset[str] = frozenset()
    """Ids the round listed on earlier pages, handed to ``on_page`` (see ``collect``)."""


PageSink = Callable[[tuple[RemoteItem, ...], tuple[tuple[str, Exception], ...]], None]
"""Takes one page of a long round: its items and the events that could not be read."""


@dataclass
class _Pages:
    """What a round has read: the page(s) held (``raw``), the removals and series masters
    seen, and the ids of the pages already handed to ``on_page`` (``listed``)."""

    on_page: PageSink | None
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    masters: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)

    def take(self, objects: Iterable[dict[str, Any]]) -> None:
        """One page's events: removals noted (an event listed again is not removed)."""
        for obj in objects:
            remote_id = obj.get("id")
            if not remote_id:
                continue
            if "@removed" in obj:
                self.raw.pop(remote_id, None)
                self.listed.discard(remote_id)
                self.removed.add(remote_id)
                continue
            self.removed.discard(remote_id)
            if obj.get("seriesMasterId"):
                self.masters.add(obj["seriesMasterId"])
            self.raw[remote_id] = obj


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
        on_thread_exit: Callable[[], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        aliases: Iterable[str] = (),
        paths: CalendarPaths = DEFAULT_PATHS,
        read_only: bool = False,
    ) -> None:
        """``on_thread_exit``: see :func:`~.batching.run_batch` (worker threads of $batch).
        ``on_progress(done, total)`` hears how far :meth:`apply_remote` is, from whichever
        thread a batch was answered in. ``aliases``: the mailbox's other addresses.
        ``paths``: which of the mailbox's calendars (default: its default calendar).
        ``read_only``: synced from Outlook only: :meth:`apply_remote` sends nothing and
        fails every action with :class:`WritesRefused`."""
        self.client = client
        self.paths = paths
        self.read_only = read_only
        self.mailbox = mailbox
        self.aliases = frozenset(a.lower() for a in aliases)
        self.page_size = page_size
        self._on_thread_exit = on_thread_exit
        self._on_progress = on_progress
        self._progress = (0, 0)
        self._progress_lock = threading.Lock()
        self.batches = 0

    # -- reading -----------------------------------------------------------------------

    def collect(
        self,
        state: DeltaState | None,
        now: datetime,
        linked: Linked,
        recheck: Iterable[str] = (),
        on_page: PageSink | None = None,
    ) -> Collected:
        """Read the changes since ``state`` (or a complete round); see the module docstring.

        With ``on_page``, a round of several pages is streamed: each page but the last is
        read into items and handed to ``on_page`` as it arrives (which applies it and adds
        what it linked to ``linked``), then forgotten, so one page is held at a time; the
        result holds the last page, and ``listed`` names the ids the earlier pages had."""
        wanted = mapping.window(now)
        rechecked = set(recheck)
        fresh = state is None or abs(state.window[0] - wanted[0]) > WINDOW_SLACK
        pages = _Pages(on_page)
        try:
            link = self._round(None if fresh else state, wanted, pages, linked)  # type: ignore[arg-type]
        except (SyncStateNotFound, _InvalidToken):
            logger.info("graph delta: sync state gone for %s; starting a new round", self.mailbox)
            fresh = True
            pages = _Pages(on_page)
            link = self._round(None, wanted, pages, linked)
        raw, removed = pages.raw, pages.removed
        window = wanted if fresh or state is None else state.window
        unknown_removals = {rid for rid in removed if rid not in linked}
        removed -= unknown_removals
        to_read = pages.masters - raw.keys() - pages.listed
        to_read |= {rid for rid in removed if rid not in raw}
        to_read |= {rid for rid in rechecked if rid and rid not in raw}
        if unknown_removals and not fresh:
            to_read |= {rid for rid in linked.series if rid not in raw}
        gone = self._read(to_read, raw)
        removed = {rid for rid in gone if rid in linked or rid in rechecked}
        self._find_uids(raw, linked)
        self._find_zones(raw)
        items, invalid = self._items(raw, linked)
        return Collected(
            items,
            frozenset(removed),
            fresh,
            window,
            DeltaState(link, window),
            invalid,
            frozenset(pages.listed - removed),
        )

    def _items(
        self, raw: dict[str, dict[str, Any]], linked: Linked
    ) -> tuple[tuple[RemoteItem, ...], tuple[tuple[str, Exception], ...]]:
        """The engine's items of the Graph events ``raw`` (occurrences stand for their
        series; a mirror copy is no item: a copy is never synced on), and the events that
        could not be read, with why."""
        items, invalid = [], []
        for remote_id, obj in raw.items():
            if obj.get("type") == "occurrence" or (obj.get("isCancelled") and _instance(obj)):
                continue
            if mirrors.is_copy(obj):
                continue
            try:
                items.append(
                    mapping.remote_item(
                        obj,
                        mailbox=self.mailbox,
                        aliases=self.aliases,
                        zone_hint=linked.zones.get(remote_id),
                    )
                )
            except (InvalidData, KeyError, ValueError, TypeError) as exc:
                invalid.append((remote_id, exc))
        return tuple(items), tuple(invalid)

    def _round(
        self,
        state: DeltaState | None,
        window: tuple[datetime, datetime],
        pages: _Pages,
        linked: Linked,
    ) -> str:
        """Follow the pages of one delta round from ``state`` (None: a new round)."""
        prefer = [UTC_PREFER, f"odata.maxpagesize={self.page_size}"]
        url: str = self.paths.delta if state is None else state.link
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
            pages.take(page.get("value", []))
            if page.get("@odata.nextLink"):
                url = page["@odata.nextLink"]
                if pages.on_page is not None:
                    self._hand_over(pages, linked)
                continue
            link = page.get("@odata.deltaLink")
            if not link:
                raise GraphError("delta page with neither nextLink nor deltaLink")
            return link

    def _hand_over(self, pages: _Pages, linked: Linked) -> None:
        """The page read so far, as items, to ``pages.on_page``; then it is forgotten (its
        ids stay in ``pages.listed``; its series masters are read with it, once a round)."""
        raw = pages.raw
        self._read(pages.masters - raw.keys() - pages.listed, raw)
        self._find_uids(raw, linked)
        self._find_zones(raw)
        items, invalid = self._items(raw, linked)
        assert pages.on_page is not None
        pages.on_page(items, invalid)
        pages.listed |= raw.keys()
        pages.masters.clear()
        raw.clear()

    def _read(self, ids: Iterable[str], raw: dict[str, dict[str, Any]]) -> set[str]:
        """GET each event into ``raw``; returns the ids Graph says do not exist."""
        ordered = sorted(ids)
        requests = [SubRequest("GET", _event_read_url(self.paths, rid)) for rid in ordered]
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
            SubRequest("GET", f"{self.paths.event(rid)}?$select=id&$expand={expand}") for rid in ids
        ]
        for remote_id, answer in zip(ids, self._batch(requests), strict=True):
            if answer.ok and isinstance(answer.body, dict):
                uid = mapping.uid_from_extended(answer.body)
                if uid:
                    raw[remote_id]["singleValueExtendedProperties"] = answer.body[
                        "singleValueExtendedProperties"
                    ]

    def _find_zones(self, raw: dict[str, dict[str, Any]]) -> None:
        """Read the zone definition of events whose zone is custom (see the module docstring)."""
        ids = sorted(
            rid
            for rid, obj in raw.items()
            if obj.get("type") != "occurrence" and zones.is_custom(obj.get("originalStartTimeZone"))
        )
        wanted = " or ".join(f"id eq '{prop}'" for prop in zones.DEFINITION_PROPERTIES)
        expand = f"singleValueExtendedProperties($filter={wanted})"
        requests = [
            SubRequest("GET", f"{self.paths.event(rid)}?$select=id&$expand={expand}") for rid in ids
        ]
        for remote_id, answer in zip(ids, self._batch(requests), strict=True):
            if answer.ok and isinstance(answer.body, dict):
                found = answer.body.get("singleValueExtendedProperties") or []
                raw[remote_id].setdefault("singleValueExtendedProperties", []).extend(found)

    # -- writing -----------------------------------------------------------------------

    def apply_remote(self, actions: Sequence[RemoteAction]) -> list[RemoteOutcome]:
        """Carry out ``actions`` through ``$batch``; one outcome per action (engine contract).

        In three rounds: deletes of whole series (the deletes of their exceptions then find
        nothing, instead of cancelling occurrences one by one, one more mail each); other
        series writes; the rest (a write of one occurrence moves its master's change key,
        which would fail the master's If-Match; an exception of a series created in this
        call takes the new series' id).
        """
        actions = list(actions)
        if self.read_only:
            return [WritesRefused(type(action).__name__) for action in actions]
        self._answered(0, total=len(actions))
        instances = self._find_instances(actions)
        cancelled = self._cancel_occurrences(actions, instances)
        outcomes: dict[int, RemoteOutcome] = {
            index: error for index, error in cancelled.items() if error is not None
        }
        phases: tuple[list[int], list[int], list[int]] = ([], [], [])
        for index, action in enumerate(actions):
            phases[_phase(action)].append(index)
        for number, group in enumerate(phases):
            if number == 2:
                actions = self._place_exceptions(actions, group, outcomes, instances)
            todo = [index for index in group if index not in outcomes]
            self._send(actions, todo, instances, set(cancelled), outcomes)
        result = [outcomes[index] for index in range(len(actions))]
        self._cancel_after_create(actions, result)
        done = self._reread_masters(result)
        self._answered(len(actions))
        return done

    def _send(
        self,
        actions: list[RemoteAction],
        indexes: list[int],
        instances: dict[tuple[str, str], str],
        cancelled: set[int],
        outcomes: dict[int, RemoteOutcome],
    ) -> None:
        """One ``$batch`` round of the actions at ``indexes``; outcomes filed by index."""
        requests: dict[int, SubRequest] = {}
        for index in indexes:
            try:
                requests[index] = _request_for(
                    actions[index], instances, index in cancelled, self.paths
                )
            except (ValueError, InvalidData, ItemNotFound) as exc:
                outcomes[index] = exc
        sending = [index for index in indexes if index in requests]
        early: dict[int, tuple[SubResponse, RemoteOutcome]] = {}

        def read_early(got: dict[int, SubResponse]) -> None:
            """Each answer's outcome as its batch comes back (from the batch's thread),
            while later batches are in flight."""
            for position, answer in got.items():
                index = sending[position]
                early[index] = (answer, self._outcome(actions[index], answer))

        answers = self._batch([requests[index] for index in sending], on_answers=read_early)
        for index, answer in zip(sending, answers, strict=True):
            read = early.get(index)
            if read is not None and read[0] is answer:
                outcomes[index] = read[1]
            else:  # answered again after a retry, or stopped meanwhile
                outcomes[index] = self._outcome(actions[index], answer)

    def _place_exceptions(
        self,
        actions: list[RemoteAction],
        group: list[int],
        outcomes: dict[int, RemoteOutcome],
        instances: dict[tuple[str, str], str],
    ) -> list[RemoteAction]:
        """Exceptions of series created in this call, given the new series' id."""
        created: dict[str, RemoteOutcome] = {
            action.uid: outcomes.get(index)
            for index, action in enumerate(actions)
            if isinstance(action, CreateRemote) and action.data.recurrence
        }
        placed = list(actions)
        pending: list[RemoteAction] = []
        for index in group:
            action = actions[index]
            if not isinstance(action, CreateRemote) or action.series_remote_id:
                continue
            if action.series_uid is None:
                continue
            master = created.get(action.series_uid)
            if not isinstance(master, RemoteItem):
                # the series' create failed: the exception fails for the same reason
                outcomes[index] = master or ItemNotFound(action.series_uid)
                continue
            placed[index] = replace(action, series_remote_id=master.remote_id)
            pending.append(placed[index])
        instances.update(self._find_instances(pending))
        return placed

    def _cancel_after_create(
        self, actions: Sequence[RemoteAction], outcomes: list[RemoteOutcome]
    ) -> None:
        """A series created with cancelled occurrences: DELETE those occurrences now (an
        outcome becomes the error when one fails; the series is read again after)."""
        made = [
            (i, a, o)
            for i, (a, o) in enumerate(zip(actions, outcomes, strict=True))
            if isinstance(a, CreateRemote) and a.data.cancelled and isinstance(o, RemoteItem)
        ]
        if not made:
            return
        as_updates = [
            UpdateRemote(a.uid, o.remote_id, {"cancelled": a.data.cancelled}, None,
                         a.data.with_fields({"cancelled": ()}))
            for _i, a, o in made
            if isinstance(o, RemoteItem)
        ]  # fmt: skip
        instances = self._find_instances(as_updates)
        errors = self._cancel_occurrences(as_updates, instances)
        for position, (index, _a, _o) in enumerate(made):
            error = errors.get(position)
            if error is not None:
                outcomes[index] = error

    def _find_instances(self, actions: Sequence[RemoteAction]) -> dict[tuple[str, str], str]:
        """The ids of the occurrences the actions write: (master id, start key) -> id."""
        wanted: set[tuple[str, datetime | date, str]] = set()
        for action in actions:
            if isinstance(action, CreateRemote) and action.series_remote_id:
                assert action.original_start is not None
                start = action.original_start
                wanted.add((action.series_remote_id, start, action.data.timezone))
            elif isinstance(action, UpdateRemote) and "cancelled" in action.fields:
                for start in _added_cancellations(action):
                    wanted.add((action.remote_id, start, action.before.timezone))
            elif isinstance(action, RespondRemote) and action.original_start is not None:
                wanted.add((action.remote_id, action.original_start, action.timezone))
        ordered = sorted(wanted, key=lambda w: (w[0], _start_key(w[1])))
        requests = [
            SubRequest("GET", _instances_url(self.paths, want[0], want[1])) for want in ordered
        ]
        found: dict[tuple[str, str], str] = {}
        for (master, start, zone), answer in zip(ordered, self._batch(requests), strict=True):
            if not answer.ok or not isinstance(answer.body, dict):
                continue
            for obj in answer.body.get("value") or []:
                if _same_original(obj, start, zone):
                    found[(master, _start_key(start))] = obj["id"]
        return found

    def _cancel_occurrences(
        self, actions: Sequence[RemoteAction], instances: dict[tuple[str, str], str]
    ) -> dict[int, BaseException | None]:
        """DELETE the occurrences cancelled here; index of each such action -> its error."""
        targets: list[tuple[int, str]] = []
        for index, action in enumerate(actions):
            if isinstance(action, UpdateRemote) and "cancelled" in action.fields:
                for start in _added_cancellations(action):
                    found = instances.get((action.remote_id, _start_key(start)))
                    if found is not None:
                        targets.append((index, found))
        result: dict[int, BaseException | None] = {
            i: None
            for i, a in enumerate(actions)
            if isinstance(a, UpdateRemote) and _added_cancellations(a)
        }
        requests = [SubRequest("DELETE", self.paths.event(r)) for _i, r in targets]
        for (index, remote_id), answer in zip(targets, self._batch(requests), strict=True):
            if not answer.ok and answer.status != 404 and result[index] is None:
                result[index] = _error(answer, f"DELETE occurrence {remote_id}")
        return result

    def _reread_masters(self, outcomes: list[RemoteOutcome]) -> list[RemoteOutcome]:
        """Series masters just written, read again with their cancelled occurrences."""
        masters = [
            i
            for i, outcome in enumerate(outcomes)
            if isinstance(outcome, RemoteItem) and outcome.data.recurrence
        ]
        if not masters:
            return outcomes
        requests = [
            SubRequest("GET", _event_read_url(self.paths, outcomes[i].remote_id))  # type: ignore[union-attr]
            for i in masters
        ]
        for index, answer in zip(masters, self._batch(requests), strict=True):
            before = outcomes[index]
            assert isinstance(before, RemoteItem)
            if answer.ok and isinstance(answer.body, dict):
                try:
                    outcomes[index] = mapping.remote_item(
                        answer.body,
                        mailbox=self.mailbox,
                        aliases=self.aliases,
                        zone_hint=before.data.timezone,
                        uid=before.uid,
                    )
                except (InvalidData, KeyError, ValueError, TypeError) as exc:
                    outcomes[index] = exc
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
                answer.body,
                mailbox=self.mailbox,
                aliases=self.aliases,
                zone_hint=zone,
                uid=action.uid,
            )
        except (InvalidData, KeyError, ValueError, TypeError) as exc:
            return exc

    def _batch(
        self,
        requests: Sequence[SubRequest],
        on_answers: Callable[[dict[int, SubResponse]], None] | None = None,
    ) -> list[SubResponse]:
        if not requests:
            return []
        return run_batch(
            self.client,
            requests,
            on_batch=self._count,
            on_thread_exit=self._on_thread_exit,
            on_answered=self._answered,
            on_answers=on_answers,
        )

    def _count(self, _size: int) -> None:
        self.batches += 1

    def _answered(self, count: int, total: int | None = None) -> None:
        """``count`` more actions answered (a retry counts again; capped at the total)."""
        if self._on_progress is None:
            return
        with self._progress_lock:
            done, known = self._progress if total is None else (0, total)
            self._progress = (min(done + count, known), known)
            self._on_progress(*self._progress)


class WritesRefused(Exception):
    """A write to a calendar synced from Outlook only (nothing was sent)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: this calendar is synced from Outlook only")


class _InvalidToken(Exception):
    """Graph refused the delta token itself: start a new round."""


def _request_for(
    action: RemoteAction,
    instances: dict[tuple[str, str], str],
    cancelled: bool = False,
    paths: CalendarPaths = DEFAULT_PATHS,
) -> SubRequest:
    """The request of ``action`` (at ``paths``); ``cancelled``: occurrences of this master
    were just deleted (our own change moved its change key: no If-Match)."""
    if isinstance(action, CreateRemote) and action.series_remote_id:
        assert action.original_start is not None
        key = (action.series_remote_id, _start_key(action.original_start))
        if key not in instances:
            raise ItemNotFound(f"{action.series_remote_id} has no occurrence at {key[1]}")
        fields = mapping.overridden_fields(action.data, action.series_data)
        body = mapping.patch_body(action.data, fields)
        return SubRequest("PATCH", paths.event(instances[key]), body)
    if isinstance(action, CreateRemote):
        body = mapping.create_body(action.data, action.uid, action.transaction_id)
        return SubRequest("POST", paths.create, body)
    path = paths.event(action.remote_id)
    if isinstance(action, UpdateRemote):
        target = action.before.with_fields(action.fields)
        body = mapping.patch_body(target, frozenset(action.fields))
        if not body:
            return SubRequest("GET", _event_read_url(paths, action.remote_id))
        headers = {"If-Match": f'W/"{action.if_match}"'} if action.if_match else {}
        if cancelled:
            headers = {}
        return SubRequest("PATCH", path, body, headers)
    if isinstance(action, DeleteRemote):
        return SubRequest("DELETE", path)
    if isinstance(action, RespondRemote):
        body = {"comment": action.comment, "sendResponse": action.send}
        if action.original_start is not None:  # that occurrence only
            key = (action.remote_id, _start_key(action.original_start))
            if key not in instances:
                raise ItemNotFound(f"{action.remote_id} has no occurrence at {key[1]}")
            path = paths.event(instances[key])
        return SubRequest("POST", f"{path}/{action.response}", body)
    raise TypeError(f"not an Outlook action: {action!r}")


def _phase(action: RemoteAction) -> int:
    """0: deletes of whole series; 1: other writes of series; 2: everything else."""
    if isinstance(action, DeleteRemote) and action.data.recurrence:
        return 0
    if isinstance(action, CreateRemote) and action.data.recurrence:
        return 1
    if isinstance(action, UpdateRemote) and (
        action.before.recurrence or action.fields.get("recurrence")
    ):
        return 1
    return 2


def _instance(obj: dict[str, Any]) -> bool:
    return bool(obj.get("seriesMasterId"))


def _event_read_url(paths: CalendarPaths, remote_id: str) -> str:
    """GET of one event with every field we read (a master's cancelledOccurrences too)."""
    return f"{paths.event(remote_id)}?$select={mapping.MASTER_SELECT}"


def _start_key(value: datetime | date) -> str:
    return value.isoformat()


def _added_cancellations(action: UpdateRemote) -> list[datetime | date]:
    """The original starts a master's update newly cancels."""
    new = action.fields.get("cancelled")
    if new is None:
        return []
    old = set(action.before.cancelled)
    return sorted((start for start in new if start not in old), key=_start_key)


def _instances_url(paths: CalendarPaths, master: str, start: datetime | date) -> str:
    """``/instances`` over two days around the original start ``start`` (UTC)."""
    instant = _as_utc(start)
    low = (instant - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    high = (instant + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = f"{paths.event(master)}/instances"
    return f"{path}?startDateTime={low}&endDateTime={high}&$select=id,originalStart,type"


def _as_utc(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, datetime.min.time(), tzinfo=UTC)


def _same_original(obj: dict[str, Any], start: datetime | date, zone: str) -> bool:
    """True when the instance ``obj`` is originally at ``start`` (a date: that local date
    in ``zone``)."""
    stamp = obj.get("originalStart")
    if not stamp or not obj.get("id"):
        return False
    original = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")[:19] + "+00:00")
    if isinstance(start, datetime):
        return original == start.astimezone(UTC)
    return original.astimezone(ZoneInfo(zone or "UTC")).date() == start


def _error(answer: SubResponse, what: str) -> GraphError:
    """The error of a failed item: its failure on our side (a Throttled when Graph asked to
    wait longer than we do: the caller ends the run), else Graph's answer as a typed error."""
    if answer.failure is not None:
        return answer.failure
    code, message = answer.error()
    if answer.status == 0:
        return GraphError(f"{what}: {message}", status=None)
    cls = error_class_for(answer.status)
    return cls(
        f"{what}: {message}",
        status=answer.status,
        code=code,
        body=answer.body,
        retry_after=parse_retry_after(answer.headers.get("Retry-After")),
    )


def instances_url(paths: CalendarPaths, master: str, start: datetime | date) -> str:
    """The ``/instances`` request that finds the occurrence of ``master`` originally at
    ``start`` (for other writers of series: the mirrors)."""
    return _instances_url(paths, master, start)


def is_original_at(obj: dict[str, Any], start: datetime | date, zone: str) -> bool:
    """True when the instance ``obj`` is originally at ``start`` (see ``_same_original``)."""
    return _same_original(obj, start, zone)
