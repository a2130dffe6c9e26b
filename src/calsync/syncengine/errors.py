"""Errors of the sync engine.

The tree::

    SyncError                 anything the engine reports
    ├── InvalidData           a value given to the engine is malformed (names the field)
    ├── PreconditionFailed    a write's If-Match (change key) no longer matches the item
    ├── ItemNotFound          a write targets an item that no longer exists on that side
    ├── MassDeleteRefused     a plan would delete too much of a calendar; the caller asks
    ├── IdentityConflict      two items claim one identity (uid, iCalUId); not guessed
    └── ItemFailed            one item's actions failed during execution; the rest went on

``MassDeleteRefused`` and ``IdentityConflict`` are reported inside a :class:`~.plan.Plan`
(plan() never raises them); they compare by value so plans stay comparable.
"""

from __future__ import annotations

from dataclasses import dataclass


class SyncError(Exception):
    """Base class of every error the sync engine raises or reports."""


class InvalidData(SyncError, ValueError):
    """A malformed value; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PreconditionFailed(SyncError):
    """The item changed since it was read: its change key is not the one we hold."""

    def __init__(self, item_id: str, expected: str | None, actual: str | None) -> None:
        super().__init__(f"{item_id}: change key is {actual!r}, the write expected {expected!r}")
        self.item_id = item_id
        self.expected = expected
        self.actual = actual


class ItemNotFound(SyncError):
    """The item a write targets does not exist (any more) on that side."""

    def __init__(self, item_id: str) -> None:
        super().__init__(f"{item_id}: no such item")
        self.item_id = item_id


@dataclass(eq=True)
class MassDeleteRefused(SyncError):
    """The plan would delete more than ``limit`` items on a side of a ``size``-item calendar.

    ``local`` counts the archives withheld here, ``remote`` the deletions withheld in
    Outlook. Planning again with ``Policy(confirm_mass_delete=True)`` lets them through.
    """

    local: int
    remote: int
    limit: int
    size: int

    def __str__(self) -> str:
        return (
            f"refused to delete {self.remote} events in Outlook and archive {self.local} here "
            f"(limit {self.limit} of {self.size} synced events); confirm to go on"
        )


@dataclass(eq=True)
class IdentityConflict(SyncError):
    """Several items on ``side`` ("local" or "remote") claim the identity ``key``.

    ``ids`` are the local or remote ids involved. The engine leaves them all alone.
    """

    side: str
    key: str
    ids: tuple[str, ...]

    def __str__(self) -> str:
        return f"{len(self.ids)} {self.side} items share the identity {self.key}: {self.ids}"


class ItemFailed(SyncError):
    """An action of item ``uid`` failed; that item's status was left as it was."""

    def __init__(self, uid: str, action: object, cause: BaseException) -> None:
        super().__init__(f"{uid}: {type(action).__name__} failed: {cause}")
        self.uid = uid
        self.action = action
        self.cause = cause
