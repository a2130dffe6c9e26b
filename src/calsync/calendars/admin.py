"""Django admin views of the calendar, for inspection (changes go through the API)."""

from __future__ import annotations

from django.contrib import admin

from calsync.calendars.models import Attendee, Calendar, CancelledOccurrence, Event


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0


class CancelledOccurrenceInline(admin.TabularInline):
    model = CancelledOccurrence
    fk_name = "series"
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "start", "end", "timezone", "all_day", "active", "version")
    list_filter = ("active", "all_day", "show_as")
    search_fields = ("title", "owner__email", "uid")
    raw_id_fields = ("owner", "series", "calendar")
    readonly_fields = ("uid", "created", "updated", "version", "series_end")
    inlines = (AttendeeInline, CancelledOccurrenceInline)


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("__str__", "owner", "color", "is_default", "created")
    list_filter = ("is_default",)
    search_fields = ("name", "owner__email")
    raw_id_fields = ("owner",)
