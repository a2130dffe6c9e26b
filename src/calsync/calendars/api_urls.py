"""REST API routes of the calendar (docs/contract.md, REST API), mounted under ``/api/``."""

from __future__ import annotations

from django.urls import path, register_converter

from calsync.calendars import api, calendars_api


class EventIdConverter:
    """An event id (``12``) or an occurrence id (``12.20261124T080000Z``); anything else
    that starts with a digit reaches the view too, which answers a JSON 404."""

    regex = r"[0-9][^/]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(EventIdConverter, "event_id")

urlpatterns = [
    path("events", api.EventListView.as_view(), name="api-events"),
    path("changes", api.ChangesView.as_view(), name="api-changes"),
    path("changes/events", api.ChangedEventsView.as_view(), name="api-changed-events"),
    path("events/<event_id:event_id>", api.EventDetailView.as_view(), name="api-event"),
    path(
        "events/<event_id:event_id>/archive",
        api.EventArchiveView.as_view(),
        name="api-event-archive",
    ),
    path(
        "events/<event_id:event_id>/unarchive",
        api.EventUnarchiveView.as_view(),
        name="api-event-unarchive",
    ),
    path(
        "events/<event_id:event_id>/respond",
        api.EventRespondView.as_view(),
        name="api-event-respond",
    ),
    path("people", api.PeopleView.as_view(), name="api-people"),
]

urlpatterns += [
    path("calendars", calendars_api.CalendarListView.as_view(), name="api-calendars"),
    path(
        "calendars/<int:calendar_id>",
        calendars_api.CalendarDetailView.as_view(),
        name="api-calendar",
    ),
    path(
        "calendars/<int:calendar_id>/ics",
        calendars_api.CalendarIcsView.as_view(),
        name="api-calendar-ics",
    ),
    path(
        "calendars/<int:calendar_id>/ics/rotate",
        calendars_api.CalendarIcsRotateView.as_view(),
        name="api-calendar-ics-rotate",
    ),
    path("ics", api.IcsUrlView.as_view(), name="api-ics"),
    path("ics/rotate", api.IcsRotateView.as_view(), name="api-ics-rotate"),
    path("ics/<str:token>.ics", api.IcsFeedView.as_view(), name="ics-feed"),
]
