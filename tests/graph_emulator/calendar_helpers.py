"""Helpers for the pure calendar-model tests (no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graph_emulator.calendar import CalendarStore
from graph_emulator.calendar.model import Instance


@dataclass
class FakeUser:
    """The directory user shape ``CalendarStore.ensure_mailbox`` reads."""

    id: str
    email: str
    name: str


class Clock:
    """A settable clock for the store."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def make_store(*emails: str, **kwargs: Any) -> CalendarStore:
    notes: list[tuple[str, str, str, str | None]] = []
    store = CalendarStore(on_change=lambda *args: notes.append(args), **kwargs)
    store.notes = notes  # type: ignore[attr-defined]
    for email in emails:
        name = email.split("@")[0].title()
        store.ensure_mailbox(FakeUser(email.split("@")[0], email, name))
    return store


def event_body(
    start: str, end: str, zone: str = "UTC", subject: str = "Event", **extra: Any
) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
        **extra,
    }


def series_body(
    start: str, end: str, zone: str, pattern: dict, rng: dict, **extra: Any
) -> dict[str, Any]:
    return event_body(
        start,
        end,
        zone,
        extra.pop("subject", "Series"),
        recurrence={"pattern": pattern, "range": rng},
        **extra,
    )


def starts_utc(instances: list[Instance]) -> list[str]:
    return [inst.span.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") for inst in instances]


def attendee(address: str) -> dict[str, Any]:
    return {"emailAddress": {"address": address}, "type": "required"}
