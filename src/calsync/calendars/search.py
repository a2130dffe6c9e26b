"""Search over a calendar: ``GET /api/events?q=`` (title, location, attendees' emails and
names), case-insensitive, every word must match somewhere."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from calsync.calendars.models import Attendee, Event

QUERY_MAX = 200
"""The longest query (characters); the page's search box has the same ``maxlength``."""
RESULTS_MAX = 50
"""The most events a search without a window returns: upcoming first, then the latest past."""


def matching(events: QuerySet[Event], query: str) -> QuerySet[Event]:
    """``events`` whose title, location or an attendee's email or name contains each word of
    ``query``."""
    for word in query.split()[:10]:
        attended = Attendee.objects.filter(Q(email__icontains=word) | Q(name__icontains=word))
        events = events.filter(
            Q(title__icontains=word)
            | Q(location__icontains=word)
            | Q(pk__in=attended.values("event_id"))
        )
    return events


def best_first(events: QuerySet[Event], limit: int = RESULTS_MAX) -> list[Event]:
    """At most ``limit`` of ``events``: those that end from now on by start, then past ones,
    latest first (a series counts as upcoming while it has occurrences ahead)."""
    now = timezone.now()
    ahead = Q(end__gte=now) | Q(series_end__isnull=True, recurrence__gt="") | Q(series_end__gte=now)
    upcoming = list(events.filter(ahead).order_by("start", "id")[:limit])
    past = list(events.exclude(ahead).order_by("-start", "-id")[: limit - len(upcoming)])
    return upcoming + past
