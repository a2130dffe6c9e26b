"""An event's copy in an outside calendar, as the event API shows it (its ``outlook`` key).

The calendar knows no sync app. The app that links events (Outlook's) registers a
:class:`LinkSource` when it starts: the one-to-one relation to preload with the events, and
how to describe an event's link as JSON. Without one, every event reads ``"outlook": null``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class LinkSource:
    """``related_name``: the reverse one-to-one accessor on ``Event``; ``describe``: the
    JSON of an event's link (``{"id", "ical_uid", "synced_at"}``), None when not linked."""

    related_name: str
    describe: Callable[[Any], dict[str, Any] | None]


_source: LinkSource | None = None


def register(source: LinkSource) -> None:
    """Make ``source`` the events' link (one app links events; a second call replaces it)."""
    global _source
    _source = source


def preload(events: QuerySet[Any]) -> QuerySet[Any]:
    """``events`` with their links fetched in the same query."""
    return events.select_related(_source.related_name) if _source else events


def describe(event: Any) -> dict[str, Any] | None:
    """The event's link as the API shows it, or None."""
    return _source.describe(event) if _source else None
