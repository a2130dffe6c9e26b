"""Sync records <-> the engine's status entries (``EventData`` stored as canonical JSON).

An exception's entry also keeps its master's uid and its original start: they ride in the
``base`` JSON under :data:`SERIES_KEY` (no column of their own), which
:func:`data_from_json` ignores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from calsync.outlook.models import PRIMARY_SCOPE, OutlookAccount, SyncRecord
from calsync.syncengine.model import Attendee, EventData, Person
from calsync.syncengine.status import StatusEntry

SERIES_KEY = "_series"
"""``{"uid": master uid, "original_start": ISO}`` in an exception record's ``base``."""


def data_to_json(data: EventData) -> dict[str, Any]:
    return data.canonical()


def data_from_json(value: dict[str, Any]) -> EventData:
    """The inverse of :func:`data_to_json`."""
    all_day = bool(value["all_day"])
    if all_day:
        start: datetime | date = date.fromisoformat(value["start"])
        end: datetime | date = date.fromisoformat(value["end"])
    else:
        start = datetime.fromisoformat(value["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(value["end"].replace("Z", "+00:00"))
    organizer = value.get("organizer")
    return EventData(
        title=value["title"],
        start=start,
        end=end,
        timezone=value["timezone"],
        all_day=all_day,
        description=value["description"],
        location=value["location"],
        show_as=value["show_as"],
        privacy=value["privacy"],
        organizer=Person(**organizer) if organizer else None,
        attendees=tuple(Attendee(**a) for a in value.get("attendees") or []),
        recurrence=value.get("recurrence"),
        cancelled=tuple(_when(item, all_day) for item in value.get("cancelled") or ()),
    )


def _when(value: str, all_day: bool) -> datetime | date:
    if all_day:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def entry_of(record: SyncRecord) -> StatusEntry:
    return StatusEntry(
        uid=record.uid,
        local_id=record.local_id,
        remote_id=record.remote_id,
        ical_uid=record.ical_uid or None,
        base=data_from_json(record.base),
        local_version=record.local_version,
        remote_hash=record.remote_hash,
        synced_at=record.synced_at,
        remote_change_key=record.remote_change_key or None,
        my_response=record.my_response or None,
        **_series_of(record.base),
    )


def _series_of(base: dict[str, Any]) -> dict[str, Any]:
    series = base.get(SERIES_KEY) if isinstance(base, dict) else None
    if not series:
        return {}
    original = str(series["original_start"])
    return {
        "series_uid": str(series["uid"]),
        "original_start": _when(original, len(original) == 10),
    }


def _base_json(entry: StatusEntry) -> dict[str, Any]:
    base = data_to_json(entry.base)
    if entry.series_uid is not None and entry.original_start is not None:
        original = entry.original_start
        stamp = original.isoformat() if not isinstance(original, datetime) else (
            original.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )  # fmt: skip
        base[SERIES_KEY] = {"uid": entry.series_uid, "original_start": stamp}
    return base


def record_values(
    account: OutlookAccount, entry: StatusEntry, scope: str = PRIMARY_SCOPE
) -> dict[str, Any]:
    """The field values of the record of ``entry`` in ``scope`` (``event_id`` from its
    local id)."""
    return {
        "account": account,
        "scope": scope,
        "uid": entry.uid,
        "event_id": int(entry.local_id) if entry.local_id.isdigit() else None,
        "local_id": entry.local_id,
        "remote_id": entry.remote_id,
        "ical_uid": entry.ical_uid or "",
        "base": _base_json(entry),
        "local_version": entry.local_version,
        "remote_hash": entry.remote_hash,
        "remote_change_key": entry.remote_change_key or "",
        "my_response": entry.my_response or "",
        "synced_at": entry.synced_at,
    }
