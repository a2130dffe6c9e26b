"""Small builders of engine values for the sync-engine tests (no engine logic here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from calsync.syncengine import (
    Attendee,
    EventData,
    LocalItem,
    LocalSnapshot,
    Person,
    Plan,
    Policy,
    RemoteItem,
    RemoteSnapshot,
)
from calsync.syncengine.memory import MemoryLocal, MemoryOutlook, Round, sync
from calsync.syncengine.status import Status, StatusEntry

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ME = Person("me@example.com", "Me")


def event(title: str = "Standup", *, days: int = 1, hours: int = 9, **fields: Any) -> EventData:
    """A one-hour event ``days`` after NOW at ``hours`` o'clock UTC, organised by ME."""
    start = (NOW + timedelta(days=days)).replace(hour=hours, minute=0)
    values: dict[str, Any] = {
        "title": title,
        "start": start,
        "end": start + timedelta(hours=1),
        "timezone": "Europe/Paris",
        "organizer": ME,
    }
    values.update(fields)
    return EventData(**values)


def all_day(title: str, first: date, days: int = 1) -> EventData:
    return EventData(
        title=title, start=first, end=first + timedelta(days=days), all_day=True, organizer=ME
    )


def guests(*emails: str, status: str = "none") -> tuple[Attendee, ...]:
    return tuple(
        Attendee(email, email.split("@")[0].title(), "required", status) for email in emails
    )


def local_item(data: EventData, **fields: Any) -> LocalItem:
    values: dict[str, Any] = {
        "uid": "uid-1",
        "local_id": "L1",
        "version": 1,
        "data": data,
        "active": True,
        "modified_at": NOW - timedelta(hours=1),
    }
    values.update(fields)
    return LocalItem(**values)


def remote_item(data: EventData, **fields: Any) -> RemoteItem:
    values: dict[str, Any] = {
        "remote_id": "R1",
        "ical_uid": "ical-1",
        "change_key": "ck1",
        "data": data,
        "modified_at": NOW - timedelta(hours=1),
    }
    values.update(fields)
    return RemoteItem(**values)


class Ticker:
    """A clock that moves one minute per reading: every write gets its own instant."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class Pair:
    """A local calendar and a mailbox in memory, with the status between them."""

    def __init__(self) -> None:
        self.clock = Ticker()
        self.local = MemoryLocal(self.clock)
        self.outlook = MemoryOutlook(self.clock)
        self.status = Status()

    def policy(self, **knobs: Any) -> Policy:
        return Policy(now=self.clock(), **knobs)

    def sync(self, **knobs: Any) -> Round:
        """One complete round; the status moves on."""
        window = knobs.pop("window", None)
        done = sync(self.local, self.outlook, self.status, self.policy(**knobs), window=window)
        self.status = done.result.status
        return done

    def pairs(self) -> Iterator[tuple[LocalItem, RemoteItem]]:
        for entry in self.status.values():
            yield self.local.items[entry.local_id], self.outlook.items[entry.remote_id]


def linked(
    data: EventData,
    *,
    uid: str = "uid-1",
    local_id: str = "L1",
    remote_id: str = "R1",
    is_organizer: bool = True,
    my_response: str | None = None,
) -> tuple[LocalItem, RemoteItem, StatusEntry]:
    """A local event and its Outlook copy, in step, with the status entry linking them."""
    mine = local_item(
        data, uid=uid, local_id=local_id, is_organizer=is_organizer, my_response=my_response
    )
    theirs = remote_item(
        data,
        remote_id=remote_id,
        ical_uid=f"ical-{uid}",
        uid=uid if is_organizer else None,
        is_organizer=is_organizer,
        my_response=my_response,
    )
    entry = StatusEntry(
        uid=uid,
        local_id=local_id,
        remote_id=remote_id,
        ical_uid=theirs.ical_uid,
        base=data,
        local_version=mine.version,
        remote_hash=theirs.state_hash(),
        synced_at=NOW - timedelta(hours=1),
        remote_change_key=theirs.change_key,
        my_response=None if is_organizer else (my_response or "none"),
    )
    return mine, theirs, entry


def local_snapshot(
    *items: LocalItem, deleted: tuple[str, ...] = (), complete: bool = False
) -> LocalSnapshot:
    return LocalSnapshot(tuple(items), frozenset(deleted), complete)


def remote_snapshot(
    *items: RemoteItem,
    removed: tuple[str, ...] = (),
    complete: bool = False,
    window: tuple[datetime, datetime] | None = None,
) -> RemoteSnapshot:
    return RemoteSnapshot(tuple(items), frozenset(removed), complete, window)


def policy(**knobs: Any) -> Policy:
    return Policy(now=NOW, **knobs)


def kinds(plan: Plan) -> list[str]:
    """The class names of a plan's actions, records included, in order."""
    return [type(action).__name__ for item in plan.items for action in item.actions]
