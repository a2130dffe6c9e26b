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
FRESH_FOR = timedelta(minutes=1)
"""Opening the calendar asks for no sync when a run ended this recently (or one is going)."""


def outlook(request: HttpRequest) -> dict[str, Any]:
    """Adds ``outlook_panel`` (:func:`status_for`) and ``outlook_runs`` (None when logged out)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"outlook_panel": None, "outlook_runs": None}
    match = getattr(request, "resolver_match", None)
    opening = match is not None and match.url_name == "calendar" and request.method == "GET"
    if opening and not _synced_lately(user):
        scheduler.ask(user.pk, 0.0, "page")
    return {
        "outlook_panel": SimpleLazyObject(lambda: status_for(user)),
        "outlook_runs": SimpleLazyObject(lambda: recent_runs(user)),
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
