"""Field-level three-way merge of event content against the last synced base.

For each field: changed on one side only -> that side's value; changed on both sides to
the same value -> that value; changed on both to different values -> a conflict the
policy decides, the losing value recorded. Attendees merge one person at a time (keyed
by e-mail), so an attendee added here and an answer received in Outlook both survive.
Start, end and all-day move together as one unit, ``when``, so a merge never builds an
event that ends before it starts. Without a base (a link rebuilt after a reset) every
differing field is a conflict. A series' cancelled occurrences merge as a set (a
cancellation made on either side stays; one side's rule change may drop some): never a
conflict, except on a meeting the user does not organise (Outlook's stand, as for content).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from calsync.syncengine.actions import REASON_BOTH_CHANGED, REASON_NOT_ORGANIZER, Conflict
from calsync.syncengine.meetings import PERSONAL_FIELDS
from calsync.syncengine.model import FIELDS, Attendee, EventData

_MISSING: Any = object()

WHEN = ("start", "end", "all_day")
"""Fields merged as one unit, reported as the field ``"when"`` with (start, end, all_day)."""


@dataclass(frozen=True, slots=True)
class Merged:
    """The merge result: agreed ``data`` and ``response``, and the conflicts decided."""

    data: EventData
    response: str | None
    conflicts: tuple[Conflict, ...]


@dataclass(frozen=True, slots=True)
class _Rules:
    uid: str
    local_wins: bool
    organizer_owns_content: bool


def merge(
    uid: str,
    base: tuple[EventData, str | None] | None,
    local: tuple[EventData, str | None],
    remote: tuple[EventData, str | None],
    *,
    local_wins: bool,
    local_is_organizer: bool,
) -> Merged:
    """Merge ``local`` and ``remote`` (content, my answer) against ``base``.

    When the user is not the organizer (``local_is_organizer=False``) Outlook owns the
    content: a local content change is refused and reported as a conflict Outlook won;
    the answer and the attendee's own fields (``PERSONAL_FIELDS``) still merge both ways
    (without a base, such a field is the copy's: the attendee's mailbox holds their own
    value until they change it here). Without a base, one attendee differing only by an
    answer on one side takes it.
    """
    rules = _Rules(uid, local_wins, organizer_owns_content=not local_is_organizer)
    base_data, base_response = base if base is not None else (None, _MISSING)
    conflicts: list[Conflict] = []
    values: dict[str, Any] = {}
    answer_rules = _Rules(uid, local_wins, organizer_owns_content=False)
    for name in FIELDS:
        if name in ("attendees", "cancelled") or name in WHEN:
            continue
        old = getattr(base_data, name) if base_data is not None else _MISSING
        if name in PERSONAL_FIELDS and rules.organizer_owns_content and base_data is None:
            values[name] = getattr(remote[0], name)  # a new link: the copy's own value
            continue
        own = answer_rules if name in PERSONAL_FIELDS else rules  # the attendee's own field
        values[name] = _pick(
            own, name, old, getattr(local[0], name), getattr(remote[0], name), conflicts
        )
    old_when = when(base_data) if base_data is not None else _MISSING
    chosen = _pick(rules, "when", old_when, when(local[0]), when(remote[0]), conflicts)
    values.update(zip(WHEN, chosen, strict=True))
    old_cancelled = base_data.cancelled if base_data is not None else None
    if rules.organizer_owns_content:  # another's series: Outlook's cancellations stand
        old = old_cancelled if old_cancelled is not None else _MISSING
        pick = _pick(rules, "cancelled", old, local[0].cancelled, remote[0].cancelled, conflicts)
        values["cancelled"] = pick
    else:
        values["cancelled"] = _merge_set(old_cancelled, local[0].cancelled, remote[0].cancelled)
    values["attendees"] = _merge_attendees(
        rules, base_data.attendees if base_data is not None else None,
        local[0].attendees, remote[0].attendees, conflicts,
    )  # fmt: skip
    response = _pick(answer_rules, "my_response", base_response, local[1], remote[1], conflicts)
    return Merged(EventData(**values), response, tuple(conflicts))


def when(data: EventData) -> tuple[Any, ...]:
    """The ``when`` unit of an event: (start, end, all_day)."""
    return tuple(getattr(data, name) for name in WHEN)


def _pick(rules: _Rules, name: str, old: Any, mine: Any, theirs: Any, out: list[Conflict]) -> Any:
    if mine == theirs:
        return mine
    if rules.organizer_owns_content:
        if mine != old:
            out.append(Conflict(rules.uid, name, mine, theirs, "remote", REASON_NOT_ORGANIZER))
        return theirs
    if mine == old:
        return theirs
    if theirs == old:
        return mine
    winner = "local" if rules.local_wins else "remote"
    out.append(Conflict(rules.uid, name, mine, theirs, winner, REASON_BOTH_CHANGED))
    return mine if rules.local_wins else theirs


def _merge_set(
    base: tuple[Any, ...] | None, local: tuple[Any, ...], remote: tuple[Any, ...]
) -> tuple[Any, ...]:
    """Three-way merge of a set: kept by both, or added by either since the base."""
    if base is None:
        return tuple(sorted(set(local) | set(remote)))
    old, mine, theirs = set(base), set(local), set(remote)
    return tuple(sorted((mine & theirs) | (mine - old) | (theirs - old)))


def _merge_attendees(
    rules: _Rules,
    base: tuple[Attendee, ...] | None,
    local: tuple[Attendee, ...],
    remote: tuple[Attendee, ...],
    out: list[Conflict],
) -> tuple[Attendee, ...]:
    old = {a.email: a for a in base} if base is not None else None
    mine = {a.email: a for a in local}
    theirs = {a.email: a for a in remote}
    kept: list[Attendee] = []
    for email in sorted(mine.keys() | theirs.keys() | (old.keys() if old else set())):
        was = old.get(email) if old is not None else _MISSING
        name = f"attendees[{email}]"
        answered = _answered(mine.get(email), theirs.get(email)) if old is None else None
        if answered is not None:  # no base: an answer beats no answer, it is no conflict
            kept.append(answered)
            continue
        chosen = _pick(rules, name, was, mine.get(email), theirs.get(email), out)
        if chosen is not None:
            kept.append(chosen)
    return tuple(kept)


def _answered(mine: Attendee | None, theirs: Attendee | None) -> Attendee | None:
    """Of one person differing only by their answer, where one side has none: the answer."""
    if mine is None or theirs is None or replace(mine, status=theirs.status) != theirs:
        return None
    if mine.status == "none":
        return theirs
    return mine if theirs.status == "none" else None
