"""How a sync decides what the data alone cannot: conflicts, past events, mass deletes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calsync.syncengine import normalise
from calsync.syncengine.errors import InvalidData

CONFLICT_POLICIES = frozenset({"latest", "local", "remote"})


@dataclass(frozen=True, slots=True)
class Policy:
    """The knobs of one plan.

    * ``conflict``: who wins a field changed on both sides: ``"latest"`` (the side whose
      item was modified later; a tie goes to Outlook), ``"local"`` or ``"remote"``.
    * ``max_delete_share`` / ``max_delete_floor``: a plan that would delete (in Outlook)
      or archive (here) more than ``max(max_delete_floor, share * synced events)`` on one
      side is refused; see :mod:`.guards`. ``confirm_mass_delete=True`` lets it through.
    * ``first_sync``: this is the account's first sync; with
      ``push_past_on_first_sync=False`` events that ended before ``now`` stay here.
    * ``push_cutoff``: after the first sync, local events never synced that ended before
      this instant (the first sync's time, kept by the caller) are not pushed either, so
      the events the first sync held back stay back.
    * ``now``: the current time, injected: plan() reads no clock.
    * ``linked_count``: the synced events the mass-delete rule measures against, when the
      status given to plan() is only the part of it a page of a long pull needs (None: the
      status's size).
    """

    now: datetime
    conflict: str = "latest"
    max_delete_share: float = 0.25
    max_delete_floor: int = 10
    first_sync: bool = False
    push_past_on_first_sync: bool = False
    confirm_mass_delete: bool = False
    push_cutoff: datetime | None = None
    linked_count: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "now", normalise.instant("now", self.now))
        normalise.choice("conflict", self.conflict, CONFLICT_POLICIES)
        if not 0 <= self.max_delete_share <= 1:
            raise InvalidData("max_delete_share", "must lie between 0 and 1")
        if self.max_delete_floor < 0:
            raise InvalidData("max_delete_floor", "must not be negative")
        if self.push_cutoff is not None:
            object.__setattr__(
                self, "push_cutoff", normalise.instant("push_cutoff", self.push_cutoff)
            )

    def local_wins(self, local_modified: datetime, remote_modified: datetime) -> bool:
        """Whether the local value wins a field both sides changed."""
        if self.conflict == "local":
            return True
        if self.conflict == "remote":
            return False
        return local_modified > remote_modified

    def cutoff(self) -> datetime | None:
        """Local-only events that ended before this instant are not pushed (None: all are)."""
        if self.first_sync:
            return None if self.push_past_on_first_sync else self.now
        return self.push_cutoff
