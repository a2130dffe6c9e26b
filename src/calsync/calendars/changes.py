"""The change cursor of a calendar page (``GET /api/changes``): short strings that move when
something the page shows changed, so an open page polls cheaply and redraws only then.

The ``events`` part is one aggregate query over the user's visible events: the latest
``updated`` and the count (a deletion lowers it; every other write moves ``updated``, a
cancelled occurrence too, through its series). Other apps add parts with :func:`register`
(the Outlook app adds its sync state); the calendar never imports them.

The stamp of the ``events`` part is what ``GET /api/changes/events?since=`` takes: the page
then fetches only the events changed since, and the window's ids to drop the gone ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Count, Max

from calsync.calendars.access import events_visible_to

_parts: dict[str, Callable[[Any], str]] = {}


def register(name: str, part: Callable[[Any], str]) -> None:
    """Add a part: ``part(user)`` returns a string that changes when that part's state does."""
    _parts[name] = part


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stamp_instant(stamp: int) -> datetime:
    """The instant of an events part's stamp (microseconds since 1970)."""
    return EPOCH + timedelta(microseconds=stamp)


def events_part(user: Any) -> str:
    """``"<latest updated, µs>.<count>"`` of the events on ``user``'s calendar."""
    row = events_visible_to(user).aggregate(latest=Max("updated"), count=Count("pk"))
    latest = row["latest"]
    stamp = (latest - EPOCH) // timedelta(microseconds=1) if latest is not None else 0
    return f"{stamp}.{row['count']}"


def cursor(user: Any) -> dict[str, str]:
    """Every part for ``user``: ``{"events": …, <registered name>: …}``."""
    return {"events": events_part(user), **{name: part(user) for name, part in _parts.items()}}
