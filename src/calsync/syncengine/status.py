"""The status record: one entry per linked pair, the state both sides agreed on last time.

The entry's ``base`` is the "base" of the three-way merge. The caller stores entries (one
row each) and writes them, with the delta link, in one transaction at the end of a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from calsync.syncengine.errors import InvalidData
from calsync.syncengine.model import EventData, When


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """The last synced state of one linked pair.

    ``local_version`` is the local item's version after the sync, ``remote_hash`` the
    :func:`~.model.state_hash` of the Outlook item after the sync (Outlook may spell
    content its own way, so it can differ from ``base``'s), ``remote_change_key`` its
    change key then (used as If-Match when the item did not change since), and
    ``my_response`` the user's answer then (the base for merging answers).
    """

    uid: str
    local_id: str
    remote_id: str
    ical_uid: str | None
    base: EventData
    local_version: int
    remote_hash: str
    synced_at: datetime
    remote_change_key: str | None = None
    my_response: str | None = None
    series_uid: str | None = None
    """For an exception: its master's uid (with ``original_start``, its occurrence)."""
    original_start: When | None = None


class Status(Mapping[str, StatusEntry]):
    """An immutable mapping uid -> :class:`StatusEntry`, with lookups by each side's id.

    Two entries for one local id, remote id or iCalUId are refused with
    :class:`~.errors.InvalidData`: the status is the engine's ground truth.
    """

    __slots__ = ("_by_ical_uid", "_by_local_id", "_by_remote_id", "_by_uid")

    def __init__(self, entries: Iterable[StatusEntry] = ()) -> None:
        self._by_uid: dict[str, StatusEntry] = {}
        self._by_local_id: dict[str, StatusEntry] = {}
        self._by_remote_id: dict[str, StatusEntry] = {}
        self._by_ical_uid: dict[str, StatusEntry] = {}
        for entry in entries:
            _put_unique(self._by_uid, entry.uid, entry, "uid")
            _put_unique(self._by_local_id, entry.local_id, entry, "local_id")
            _put_unique(self._by_remote_id, entry.remote_id, entry, "remote_id")
            if entry.ical_uid:
                _put_unique(self._by_ical_uid, entry.ical_uid, entry, "ical_uid")

    def __getitem__(self, uid: str) -> StatusEntry:
        return self._by_uid[uid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_uid)

    def __len__(self) -> int:
        return len(self._by_uid)

    def __repr__(self) -> str:
        return f"Status({len(self)} entries)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Status):
            return NotImplemented
        return self._by_uid == other._by_uid

    __hash__ = None  # type: ignore[assignment]

    def by_local_id(self, local_id: str) -> StatusEntry | None:
        return self._by_local_id.get(local_id)

    def by_remote_id(self, remote_id: str) -> StatusEntry | None:
        return self._by_remote_id.get(remote_id)

    def by_ical_uid(self, ical_uid: str) -> StatusEntry | None:
        return self._by_ical_uid.get(ical_uid)

    def updated(self, upserts: Iterable[StatusEntry], removed: Iterable[str]) -> Status:
        """A new Status with ``upserts`` put in (by uid) and the uids in ``removed`` gone."""
        entries = dict(self._by_uid)
        for uid in removed:
            entries.pop(uid, None)
        for entry in upserts:
            entries[entry.uid] = entry
        return Status(entries.values())


def _put_unique(index: dict[str, StatusEntry], key: str, entry: StatusEntry, field: str) -> None:
    if key in index:
        raise InvalidData(field, f"two status entries share {field} {key!r}")
    index[key] = entry
