"""A mirror copy in Outlook: its marker and its Graph JSON (pure, no HTTP).

A copy calsync makes in an Outlook calendar carries the single-value extended property
:data:`MIRROR_PROPERTY_ID` (``String {3f9b2c71-...} Name calsyncMirror``, fixed forever),
whose value is the marker :func:`marker_value`: ``1 <mode> <made_from> <source> <of>``
(format version, ``busy``/``redacted``, the projection hash it was made from, the source
calendar, the original's key; space-free words, the key last). Its ``transactionId`` is
``calsync-mirror:<name-based id>`` of (source, original), so a retried POST never makes a
second copy, and delta (which returns no extended property) still tells a copy from an
original (:func:`is_copy`). A copy never carries calsync's uid property: it is no event of
the two-way sync.

A copy's body: the projection's subject, times, zone, all-day, show-as and rule; an empty
body and location, no attendee (nobody is mailed), and no reminder.
"""

from __future__ import annotations

import uuid
from typing import Any

from calsync.msgraph import mapping
from calsync.syncengine.mirror import MODES, Copy, CreateCopy, UpdateCopy

MIRROR_PROPERTY_GUID = "3f9b2c71-8d4e-4a6b-b1f0-5e2c7a9d4e18"
MIRROR_PROPERTY_ID = f"String {{{MIRROR_PROPERTY_GUID}}} Name calsyncMirror"
"""The single-value extended property that marks a copy (never change it)."""

MIRROR_TRANSACTION_PREFIX = "calsync-mirror:"
MARKER_VERSION = "1"
_NAMESPACE = uuid.UUID("5a1e7c3b-9f2d-4b8a-a6c4-1d3e5f7a9b20")

EXPAND_MARKER = f"singleValueExtendedProperties($filter=id eq '{MIRROR_PROPERTY_ID}')"
"""``$expand`` that reads the marker with an event."""
FILTER_COPIES = f"singleValueExtendedProperties/Any(ep: ep/id eq '{MIRROR_PROPERTY_ID}')"
"""``$filter`` that lists a calendar's copies only."""

COPY_FIELDS = frozenset(mapping.CONTENT_FIELDS - {"privacy"})
"""What a copy's create and update write (the projection leaves the rest empty)."""


def marker_value(source: str, of: str, mode: str, made_from: str) -> str:
    """The marker's text; raises ValueError for a word with a space or an unknown mode."""
    words = (mode, made_from, source, of)
    if mode not in MODES or any(not word or " " in word for word in words):
        raise ValueError(f"cannot mark a copy with {words!r}")
    return " ".join((MARKER_VERSION, *words))


def parse_marker(value: str | None) -> tuple[str, str, str, str] | None:
    """(source, of, mode, made_from) of a marker, or None when it is not one we wrote."""
    parts = (value or "").split(" ", 4)
    if len(parts) != 5 or parts[0] != MARKER_VERSION or parts[1] not in MODES:
        return None
    _, mode, made_from, source, of = parts
    return (source, of, mode, made_from) if all(parts) else None


def marker_of(obj: dict[str, Any]) -> str | None:
    """The marker property's value on a Graph event read with :data:`EXPAND_MARKER`."""
    for prop in obj.get("singleValueExtendedProperties") or []:
        if str(prop.get("id", "")).lower() == MIRROR_PROPERTY_ID.lower():
            return str(prop.get("value") or "") or None
    return None


def is_copy(obj: dict[str, Any]) -> bool:
    """True for a copy calsync made, read from delta (its transactionId) or with its marker."""
    transaction = str(obj.get("transactionId") or "")
    return transaction.startswith(MIRROR_TRANSACTION_PREFIX) or marker_of(obj) is not None


def copy_transaction_id(source: str, of: str) -> str:
    """The transactionId of the copy of ``of`` from ``source`` (stable: a retry is a no-op)."""
    return MIRROR_TRANSACTION_PREFIX + str(uuid.uuid5(_NAMESPACE, f"{source}\n{of}"))


def create_copy_body(action: CreateCopy) -> dict[str, Any]:
    """The POST body of a new copy: the projection, the marker, the transactionId."""
    body = _copy_body(action)
    body["transactionId"] = copy_transaction_id(action.source, action.of)
    return body


def update_copy_body(action: UpdateCopy) -> dict[str, Any]:
    """The PATCH body that puts the projection and the new marker back on a copy."""
    return _copy_body(action)


def read_copy(obj: dict[str, Any], *, mailbox: str) -> Copy | None:
    """The :class:`Copy` a Graph event read with :data:`EXPAND_MARKER` is, or None."""
    marker = parse_marker(marker_of(obj))
    if marker is None:
        return None
    source, of, mode, made_from = marker
    data = mapping.event_data(obj, mailbox=mailbox)
    return Copy(obj["id"], of, source, mode, made_from, data)


def _copy_body(action: CreateCopy | UpdateCopy) -> dict[str, Any]:
    body = mapping.patch_body(action.data, COPY_FIELDS)
    body["isReminderOn"] = False
    marker = marker_value(action.source, action.of, action.mode, action.made_from)
    body["singleValueExtendedProperties"] = [{"id": MIRROR_PROPERTY_ID, "value": marker}]
    return body
