"""The calendar page: FullCalendar plus an event editor, driven by the REST API
(docs/contract.md, REST API).

The page holds no event data itself: its scripts read ``/api/events`` with the session
cookie and send ``X-CSRFToken`` on every change. Configuration reaches the scripts through
``json_script`` (no inline code, no secrets).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import get_script_prefix, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

from calsync.accounts.zones import zone_names
from calsync.calendars import calendar_list, search
from calsync.calendars.models import DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX

LIMITS = {
    "title": TITLE_MAX,
    "location": LOCATION_MAX,
    "description": DESCRIPTION_MAX,
    "timezone": 64,
    "recurrence": 1000,
    "search": search.QUERY_MAX,
}
"""The server's limits of the editor's fields (the inputs' ``maxlength``; the API's
serializers enforce the same numbers)."""

WEEK_STARTS = {"vi": 1}
"""The first day of the week (0 Sunday, 1 Monday …) by language, Sunday for the others:
FullCalendar's locales say the same. The page's grid, mini-calendar and date pickers use
it, and so does the script that asks for the first window of events before FullCalendar
is loaded (first_window.js)."""


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CalendarPageView(LoginRequiredMixin, TemplateView):
    """``/``: the logged-in user's calendar (month, week, day) and the Outlook panel.

    Context for ``calendars/_outlook_panel.html``: ``outlook`` is a dict; while its
    ``enabled`` is false the panel shows a disabled **Sync with Outlook** button.
    The Outlook app can replace the panel by shipping a template of the same name
    (it comes before this app in ``INSTALLED_APPS``).
    """

    template_name = "calendars/calendar.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        prefix = get_script_prefix()
        language = get_language() or "en"
        context["calendar_config"] = {
            "eventsUrl": f"{prefix}api/events",
            "changesUrl": f"{prefix}api/changes",
            "calendarsUrl": f"{prefix}api/calendars",
            "calendarPalette": calendar_list.PALETTE,
            "timeZone": getattr(user, "time_zone", "") or "",
            "language": language,
            "firstDay": WEEK_STARTS.get(language.split("-")[0], 0),
            "user": {
                "email": getattr(user, "email", ""),
                "name": getattr(user, "display_name", ""),
            },
            "loginUrl": reverse("login"),
        }
        context["time_zones"] = zone_names()
        context["limits"] = LIMITS
        context.setdefault("outlook", {"enabled": False})
        return context
