"""``outlook_panel`` and ``outlook_runs`` in every template, computed only if used.

The calendar page includes ``calendars/_outlook_panel.html``; this app ships that template
and reads ``outlook_panel`` (a different name from the page's own ``outlook`` placeholder,
so the page view cannot shadow it) and ``outlook_runs`` (the user's last sync runs).
Rendering the calendar page (``/``) also asks the background scheduler for a sync of the
user's account (a request the engines take), unless a run is going or one ended less than
:data:`FRESH_FOR` ago: the page never waits for it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from calsync.outlook.triggers import scheduler
from calsync.outlook.web.status import status_for

PANEL_RUNS = 5
PANEL_ENTRIES = 5
"""Entries of the sync log on the panel (quiet runs fold into one)."""
PANEL_LOOKBACK = 200
"""Runs read to make the panel's entries."""
FRESH_FOR = timedelta(minutes=1)
"""Opening the calendar asks for no sync when a run ended this recently (or one is going)."""


def outlook(request: HttpRequest) -> dict[str, Any]:
    """Adds ``outlook_panel`` (:func:`status_for`), ``outlook_runs`` (the latest runs) and
    ``outlook_log`` (the panel's sync log entries); None each when logged out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"outlook_panel": None, "outlook_runs": None, "outlook_log": None}
    match = getattr(request, "resolver_match", None)
    opening = match is not None and match.url_name == "calendar" and request.method == "GET"
    if opening and not _synced_lately(user):
        scheduler.ask(user.pk, 0.0, "page")
    return {
        "outlook_panel": SimpleLazyObject(lambda: status_for(user)),
        "outlook_runs": SimpleLazyObject(lambda: recent_runs(user)),
        "outlook_log": SimpleLazyObject(lambda: recent_entries(user)),
    }


def _synced_lately(user: Any) -> bool:
    """Whether a run of ``user``'s account is going or ended within :data:`FRESH_FOR`."""
    from calsync.outlook.models import SyncRun

    since = timezone.now() - FRESH_FOR
    runs = SyncRun.objects.filter(account__user=user, preview=False)
    return (
        runs.filter(started_at__gte=since).exists() or runs.filter(finished_at__gte=since).exists()
    )


def recent_runs(user: Any, limit: int = PANEL_RUNS) -> list[Any]:
    from calsync.outlook.models import SyncRun

    return list(SyncRun.objects.filter(account__user=user).order_by("-started_at", "-id")[:limit])


def recent_entries(user: Any) -> list[Any]:
    """The panel's sync log: the first :data:`PANEL_ENTRIES` entries of the latest runs."""
    from calsync.outlook.models import SyncRun
    from calsync.outlook.web import sync_log

    runs = list(
        SyncRun.objects.filter(account__user=user).order_by("-started_at", "-id")[:PANEL_LOOKBACK]
    )
    folded = sync_log.fold(runs)[:PANEL_ENTRIES]
    sync_log.name_events(runs[0].account_id if runs else None, folded)
    return folded
