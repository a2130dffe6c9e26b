"""calendarView/delta: opaque tokens, a per-mailbox change log, token generations.

A round starts with ``startDateTime``/``endDateTime`` and returns the current state of
the window: single instances, exceptions (full) and occurrences (skeletal: ``@odata.type``,
``@odata.etag``, ``id``, ``seriesMasterId``, ``type``, ``start``, ``end``); series masters
are not emitted (fetch them by ``seriesMasterId``). Pages hold at most
``Prefer: odata.maxpagesize`` items (default 10, at most 1000) except that a series is never
split across pages. A page ends with a ``$skiptoken`` (more to come) or a ``$deltatoken``
(round complete). Later rounds return only what changed since the round's start:
changed items in full/skeletal form, and ``{"@removed": {"reason": "deleted"}}`` for
deleted events, for cancelled or no-longer-existing occurrences in the window, and for
changed events that are now outside the window. Items may repeat (Graph does too).

Each calendar of a mailbox has its own rounds: a token names its calendar (``""`` for the
default one, which ``/calendarView/delta`` and ``/calendars/{default id}/calendarView/delta``
share), and is refused (400 ``InvalidDeltaToken``) on another calendar's URL.

Tokens encode the mailbox, the calendar, the window, the change-log position and a cursor; they are
compressed and signed. Each issued link is a new *generation* of the calendar's sync state;
only the newest ``CalendarStore.delta_generations`` (default 4) stay valid: an older
token answers 410 ``SyncStateNotFound`` (capital S, as Outlook answers). A token that does
not decode, was altered or belongs to another mailbox answers 400 ``InvalidDeltaToken``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph_emulator.calendar import ids
from graph_emulator.calendar.errors import CalendarError
from graph_emulator.calendar.exceptions import expand, overlaps, pattern_dates_in, stored_instance
from graph_emulator.calendar.model import EventRecord, Mailbox
from graph_emulator.calendar.serialize import View, delta_json, removed_json

if TYPE_CHECKING:
    from graph_emulator.calendar.store import CalendarStore

DEFAULT_PAGE_SIZE = 10
#: ``Cursor.base`` of a round begun from a window: list the current state, report no removals.
#: (Not 0: a round whose deltaLink was issued at mailbox sequence 0 is a *next* round.)
INITIAL = -1
MAX_PAGE_SIZE = 1000
_MAC_LEN = 12


@dataclass(frozen=True)
class Cursor:
    """What a token carries."""

    mailbox: str
    start: datetime
    end: datetime
    base: int  # changes after this seq belong to the round; INITIAL: the first round
    snapshot: int  # the mailbox seq when the round began (the next round's base)
    after: int  # record numbers <= after are done in this round
    generation: int
    is_delta: bool = False  # a deltaLink's token: starts the next round
    calendar: str = ""  # the calendar's key ("" the default)


@dataclass
class DeltaPage:
    items: list[dict[str, Any]]
    skip_token: str | None
    delta_token: str | None


def _micros(value: datetime) -> int:
    return int(value.timestamp() * 1_000_000)


def encode(store: CalendarStore, cursor: Cursor) -> str:
    payload = json.dumps(
        [cursor.mailbox, _micros(cursor.start), _micros(cursor.end), cursor.base,
         cursor.snapshot, cursor.after, cursor.generation, int(cursor.is_delta),
         cursor.calendar],
        separators=(",", ":"),
    ).encode()  # fmt: skip
    packed = zlib.compress(payload, 9)
    mac = hmac.new(store.secret, packed, hashlib.sha256).digest()[:_MAC_LEN]
    return base64.urlsafe_b64encode(packed + mac).decode().rstrip("=")


def _invalid(token: str, param: str) -> CalendarError:
    shown = token if len(token) <= 80 else token[:77] + "..."
    return CalendarError(
        400, "InvalidDeltaToken", f"The value '{shown}' of parameter '{param}' is invalid."
    )


def _state(mb: Mailbox, calendar: str) -> Any:
    """What holds the calendar's generations: the mailbox for the default calendar."""
    return mb.calendars[calendar] if calendar else mb


def decode(
    store: CalendarStore, mb: Mailbox, token: str, param: str = "$deltaToken", calendar: str = ""
) -> Cursor:
    """The cursor of a token issued for ``mb``'s ``calendar``; 400 InvalidDeltaToken / 410
    SyncStateNotFound. Tokens issued before calendars existed are the default calendar's."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        packed, mac = raw[:-_MAC_LEN], raw[-_MAC_LEN:]
        expected = hmac.new(store.secret, packed, hashlib.sha256).digest()[:_MAC_LEN]
        if len(raw) <= _MAC_LEN or not hmac.compare_digest(mac, expected):
            raise ValueError("bad signature")
        values = json.loads(zlib.decompress(packed))
        if len(values) == 8:
            values.append("")
        mailbox, start, end, base, snapshot, after, generation, is_delta, key = values
    except (ValueError, TypeError, binascii.Error, zlib.error):
        raise _invalid(token, param) from None
    if mailbox != mb.user_id or key != calendar:
        raise _invalid(token, param)
    state = _state(mb, calendar)
    if generation not in state.generations:
        highest = state.next_generation - 1
        kept = "".join(f"[{g}]" for g in state.generations)
        raise CalendarError(
            410,
            "SyncStateNotFound",
            "The sync state generation is not found; "
            f"generation={generation};[highest={highest}]{kept}.",
        )
    return Cursor(
        mailbox,
        datetime.fromtimestamp(start / 1_000_000, UTC),
        datetime.fromtimestamp(end / 1_000_000, UTC),
        base,
        snapshot,
        after,
        generation,
        bool(is_delta),
        key,
    )


def _new_generation(store: CalendarStore, mb: Mailbox, calendar: str) -> int:
    state = _state(mb, calendar)
    generation = state.next_generation
    state.next_generation += 1
    state.generations.append(generation)
    del state.generations[: max(0, len(state.generations) - store.delta_generations)]
    return generation


def _in_calendar(mb: Mailbox, number: int, calendar: str) -> bool:
    rec = mb.records.get(number) or mb.tombstones.get(number)
    return rec is not None and rec.calendar == calendar


def _candidates(mb: Mailbox, base: int, after: int, calendar: str) -> list[int]:
    """Record numbers of the calendar to visit in this round after ``after``, ascending."""
    if base == INITIAL:
        numbers = mb.numbers[bisect_right(mb.numbers, after) :]
    else:
        changed = sorted(set(mb.log_numbers[bisect_right(mb.log_seqs, base) :]))
        numbers = changed[bisect_right(changed, after) :]
    return [n for n in numbers if _in_calendar(mb, n, calendar)]


def _old_occurrence_ids(
    rec: EventRecord, base: int, start: datetime, end: datetime
) -> Iterator[str]:
    """Occurrence ids in the window under rules replaced since ``base``."""
    for seq, old_rule in rec.history:
        if seq <= base:
            continue
        shadow = replace(rec, recurrence=old_rule, exceptions={}, cancelled=set())
        for day in pattern_dates_in(shadow, start, end):
            span = shadow.occurrence_span(day)
            if overlaps(span.start, span.end, start, end):
                yield ids.occurrence_id(rec.id, day)


def _items(mb: Mailbox, number: int, cursor: Cursor, view: View) -> list[dict[str, Any]]:
    start, end, base = cursor.start, cursor.end, cursor.base
    later = base != INITIAL  # a next round: report what left the window or was deleted
    rec = mb.records.get(number)
    if rec is None:
        tomb = mb.tombstones.get(number)
        if tomb is None or not later:
            return []
        removed = [removed_json(tomb.id)]
        if tomb.recurrence is not None:
            removed.extend(removed_json(inst.id) for inst in expand(tomb, start, end))
        return removed
    items: list[dict[str, Any]] = []
    current: set[str] = set()
    if rec.recurrence is None:
        if overlaps(rec.span.start, rec.span.end, start, end):
            items.append(delta_json(stored_instance(rec), view))
        elif later:
            items.append(removed_json(rec.id))
    else:
        for inst in expand(rec, start, end):
            current.add(inst.id)
            items.append(delta_json(inst, view))
        if later:
            for day in sorted(rec.cancelled):
                span = rec.occurrence_span(day)
                if overlaps(span.start, span.end, start, end):
                    items.append(removed_json(ids.occurrence_id(rec.id, day)))
    if later:
        seen: set[str] = set()
        for old_id in _old_occurrence_ids(rec, base, start, end):
            if old_id not in current and old_id not in seen:
                seen.add(old_id)
                items.append(removed_json(old_id))
    return items


def page(
    store: CalendarStore,
    mb: Mailbox,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    token: str | None = None,
    token_param: str = "$deltaToken",  # noqa: S107 (a query parameter name)
    max_page_size: int | None = None,
    view: View = View(),  # noqa: B008
    calendar: str = "",
) -> DeltaPage:
    """One page of a round of ``calendar`` (its key): from a window (first call) or from a
    skip/delta token."""
    if token is not None:
        cursor = decode(store, mb, token, token_param, calendar)
        if cursor.is_delta:
            cursor = replace(cursor, snapshot=mb.seq, after=0, is_delta=False)
    else:
        if start is None or end is None:
            from graph_emulator.calendar.errors import invalid_parameter

            raise invalid_parameter(
                "This request requires a time window specified by the query string parameters "
                "StartDateTime and EndDateTime."
            )
        cursor = Cursor(mb.user_id, start, end, INITIAL, mb.seq, 0, 0, calendar=calendar)
    limit = min(max(1, max_page_size or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    items: list[dict[str, Any]] = []
    candidates = _candidates(mb, cursor.base, cursor.after, calendar)
    last = cursor.after
    more = False
    for position, number in enumerate(candidates):
        items.extend(_items(mb, number, cursor, view))
        last = number
        if len(items) >= limit:
            more = position + 1 < len(candidates)
            break
    generation = _new_generation(store, mb, calendar)
    if more:
        following = replace(cursor, after=last, generation=generation)
        return DeltaPage(items, encode(store, following), None)
    finished = replace(cursor, base=cursor.snapshot, after=0, generation=generation, is_delta=True)
    return DeltaPage(items, None, encode(store, finished))
