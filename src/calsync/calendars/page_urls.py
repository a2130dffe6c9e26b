"""Page routes of the calendar: the calendar at ``/`` and the JavaScript translation catalog."""

from __future__ import annotations

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from calsync.calendars.page_views import CalendarPageView

urlpatterns = [
    path("", CalendarPageView.as_view(), name="calendar"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
