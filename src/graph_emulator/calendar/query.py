"""OData query options for event lists: ``$select``, ``$expand``, ``$filter``, ``$orderby``.

Supported ``$filter`` (clauses joined with ``and``):
* ``singleValueExtendedProperties/Any(ep: ep/id eq '...' [and ep/value eq '...'])``
* ``<prop> eq '<text>'`` for subject, iCalUId, type, seriesMasterId, showAs, sensitivity,
  importance, transactionId; ``<prop> eq true|false`` for isAllDay, isCancelled,
  isOrganizer; ``start/dateTime`` or ``end/dateTime`` with ``eq|ne|ge|gt|le|lt '<iso>'`` (UTC)
Supported ``$expand``: ``singleValueExtendedProperties`` (optionally
``($filter=id eq '...' [or id eq '...'])``) and ``exceptionOccurrences``.
``$orderby``: ``start/dateTime``, ``end/dateTime``, ``createdDateTime``,
``lastModifiedDateTime``, ``subject`` (``asc``/``desc``).
Anything else is 400 ``ErrorInvalidUrlQuery`` naming the option.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from graph_emulator.calendar.errors import invalid_query
from graph_emulator.calendar.model import Instance
from graph_emulator.calendar.timezones import parse_iso

Predicate = Callable[[Instance], bool]

_QUOTED = r"'((?:[^']|'')*)'"
_ANY = re.compile(
    r"^singleValueExtendedProperties/any\(\s*(\w+)\s*:\s*(.+)\)$", re.IGNORECASE | re.DOTALL
)
_EP_CLAUSE = re.compile(r"^(\w+)/(id|value)\s+eq\s+" + _QUOTED + r"$", re.IGNORECASE)
_TEXT_EQ = re.compile(r"^(\w+)\s+eq\s+" + _QUOTED + r"$", re.IGNORECASE)
_BOOL_EQ = re.compile(r"^(\w+)\s+eq\s+(true|false)$", re.IGNORECASE)
_TIME_CMP = re.compile(
    r"^(start|end)/dateTime\s+(eq|ne|ge|gt|le|lt)\s+" + _QUOTED + r"$", re.IGNORECASE
)
_EXPAND_EP = re.compile(
    r"^singleValueExtendedProperties(?:\(\s*\$filter\s*=\s*(.+)\))?$", re.IGNORECASE | re.DOTALL
)
_ID_EQ = re.compile(r"^id\s+eq\s+" + _QUOTED + r"$", re.IGNORECASE)
_OPS = {"eq": operator.eq, "ne": operator.ne, "ge": operator.ge, "gt": operator.gt,
        "le": operator.le, "lt": operator.lt}  # fmt: skip
_TEXT_PROPS = {
    "subject": lambda i: i.prop("subject"),
    "icaluid": lambda i: i.ical_uid,
    "type": lambda i: i.kind,
    "seriesmasterid": lambda i: i.series_master_id,
    "showas": lambda i: i.prop("showAs"),
    "sensitivity": lambda i: i.prop("sensitivity"),
    "importance": lambda i: i.prop("importance"),
    "transactionid": lambda i: i.record.transaction_id,
}
_BOOL_PROPS = {
    "isallday": lambda i: i.span.is_all_day,
    "iscancelled": lambda i: i.record.is_cancelled,
    "isorganizer": lambda i: i.record.is_organizer,
}
_ORDER_KEYS: dict[str, Callable[[Instance], Any]] = {
    "start/datetime": lambda i: i.span.start,
    "end/datetime": lambda i: i.span.end,
    "createddatetime": lambda i: i.record.created,
    "lastmodifieddatetime": lambda i: i.modified,
    "subject": lambda i: i.prop("subject").lower(),
}


def _unquote(text: str) -> str:
    return text.replace("''", "'")


def split_top_level(text: str, word: str) -> list[str]:
    """Split on `` word `` outside quotes and parentheses (case-insensitive)."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    needle = f" {word} "
    lowered = text.lower()
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and lowered.startswith(needle, i):
            parts.append(text[start:i].strip())
            i += len(needle)
            start = i
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


def _extended_value(inst: Instance, prop_id: str) -> str | None:
    values = dict(inst.record.extended)
    if inst.exception is not None:
        values.update(inst.exception.overrides.get("singleValueExtendedProperties", {}))
    entry = values.get(prop_id.lower())
    return entry["value"] if entry else None


def _any_clause(variable: str, body: str) -> Predicate:
    wanted_id: str | None = None
    wanted_value: str | None = None
    for clause in split_top_level(body.strip(), "and"):
        match = _EP_CLAUSE.match(clause)
        if not match or match.group(1) != variable:
            raise invalid_query(f"$filter: unsupported condition '{clause}' inside Any()")
        if match.group(2).lower() == "id":
            wanted_id = _unquote(match.group(3))
        else:
            wanted_value = _unquote(match.group(3))
    if wanted_id is None:
        raise invalid_query("$filter: singleValueExtendedProperties/Any() needs an id condition")

    def predicate(inst: Instance) -> bool:
        value = _extended_value(inst, wanted_id)
        return value is not None and (wanted_value is None or value == wanted_value)

    return predicate


def _clause(clause: str) -> Predicate:
    if clause.startswith("(") and clause.endswith(")"):
        clause = clause[1:-1].strip()
    if match := _ANY.match(clause):
        return _any_clause(match.group(1), match.group(2))
    if match := _TIME_CMP.match(clause):
        which, op = match.group(1).lower(), _OPS[match.group(2).lower()]
        try:
            bound = parse_iso(_unquote(match.group(3)))
        except ValueError:
            raise invalid_query(f"$filter: '{match.group(3)}' is not a date-time") from None
        if bound.tzinfo is None:
            bound = bound.replace(tzinfo=UTC)

        def by_time(inst: Instance) -> bool:
            value: datetime = inst.span.start if which == "start" else inst.span.end
            return bool(op(value, bound))

        return by_time
    if match := _TEXT_EQ.match(clause):
        getter = _TEXT_PROPS.get(match.group(1).lower())
        if getter is None:
            raise invalid_query(f"$filter: filtering on '{match.group(1)}' is not supported")
        expected = _unquote(match.group(2))
        return lambda inst: getter(inst) == expected
    if match := _BOOL_EQ.match(clause):
        getter = _BOOL_PROPS.get(match.group(1).lower())
        if getter is None:
            raise invalid_query(f"$filter: filtering on '{match.group(1)}' is not supported")
        expected_bool = match.group(2).lower() == "true"
        return lambda inst: getter(inst) == expected_bool
    raise invalid_query(f"$filter: unsupported expression '{clause}'")


def parse_filter(text: str | None) -> Predicate | None:
    """A predicate for ``$filter`` (None when absent)."""
    if text is None or not text.strip():
        return None
    predicates = [_clause(c) for c in split_top_level(text.strip(), "and")]
    return lambda inst: all(p(inst) for p in predicates)


def parse_select(text: str | None) -> frozenset[str] | None:
    if text is None or not text.strip():
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if not re.fullmatch(r"[A-Za-z@.]+", name):
            raise invalid_query(f"$select: '{name}' is not a property name")
    return frozenset(names)


def parse_expand(text: str | None) -> tuple[tuple[str, ...] | None, bool]:
    """(extended property ids to expand or None, expand exceptionOccurrences?)."""
    if text is None or not text.strip():
        return None, False
    extended: tuple[str, ...] | None = None
    exceptions = False
    for item in split_top_level(text.strip(), ","):
        for part in [p for p in _split_commas(item) if p]:
            if part.lower() == "exceptionoccurrences":
                exceptions = True
                continue
            match = _EXPAND_EP.match(part)
            if not match:
                raise invalid_query(f"$expand: '{part}' is not supported on events")
            if match.group(1) is None:
                extended = ()
                continue
            found = []
            for clause in split_top_level(match.group(1).strip(), "or"):
                id_match = _ID_EQ.match(clause.strip())
                if not id_match:
                    raise invalid_query(f"$expand: unsupported filter '{clause}'")
                found.append(_unquote(id_match.group(1)))
            extended = (*(extended or ()), *found)
    return extended, exceptions


def _split_commas(text: str) -> list[str]:
    parts, depth, quoted, current = [], 0, False, []
    for char in text:
        if char == "'":
            quoted = not quoted
        if not quoted and char == "(":
            depth += 1
        if not quoted and char == ")":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def parse_orderby(text: str | None) -> tuple[Callable[[Instance], Any], bool] | None:
    """(sort key, descending) for ``$orderby`` (None when absent)."""
    if text is None or not text.strip():
        return None
    words = text.strip().split()
    key = _ORDER_KEYS.get(words[0].lower())
    if (
        key is None
        or len(words) > 2
        or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
    ):
        raise invalid_query(f"$orderby: '{text}' is not supported")
    return key, len(words) == 2 and words[1].lower() == "desc"


def parse_int(text: str | None, name: str, *, low: int, high: int) -> int | None:
    if text is None or text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise invalid_query(f"{name}: '{text}' is not an integer") from None
    if not low <= value <= high:
        raise invalid_query(f"{name}: must be between {low} and {high}")
    return value


__all__ = [
    "parse_expand",
    "parse_filter",
    "parse_int",
    "parse_orderby",
    "parse_select",
]
