"""The event JSON of the REST API (docs/contract.md, REST API), read and written.

Reading: :class:`EventSerializer` renders an event row or an :class:`Occurrence` as its
reader (``context["user"]``) sees it. ``start`` and ``end`` carry the offset of the event's
own zone (dates for all-day events, end exclusive); ``outlook`` is the event's link to its
Outlook copy (null until linked), as the app that links events registered it
(:mod:`calsync.calendars.links`). Besides the contract's fields it adds ``uid``,
``original_start`` (occurrences and exceptions), ``version``, ``editable`` (false when the
reader may not change its fields: they do not organise it, or it is a mirror copy),
``mirror`` (a busy or redacted copy's original: ``{"of", "mode", "calendar"}``, else null),
``my_response`` (the reader's own answer when they attend it without organising it, else
null), ``created`` and ``updated``. For an attendee, ``show_as`` is their own (when they
chose one) and ``active`` is false once they declined it. ``calendar`` is the id of the
reader's calendar the event shows in: the one it is filed in for its owner, the reader's
default calendar for a meeting someone else organises that the reader attends. With
``context["brief"]`` only :data:`BRIEF_FIELDS` (a calendar grid's; the API's ``brief=true``).

Writing: :class:`EventWriteSerializer` checks a request body against the event being
changed (``context["current"]``: None on create, an event or an occurrence on PATCH) and
turns it into the ``changes`` dict that :mod:`calsync.calendars.actions` take. Times: an
ISO date-time with an offset, or a naive one read in ``timezone``; all-day events take
dates. A PATCH that moves only ``start`` keeps the duration; one that changes only
``timezone`` keeps the instants of a timed event and the dates of an all-day one. On a
series id, ``start`` is the series' own start (its DTSTART), not an occurrence's. Unknown
and read-only keys (``id``, ``series_id``, ``outlook`` …) are ignored, so a client may send
back what it read. ``calendar`` (a calendar id of the event's owner; on create, of the
caller: ``context["user"]``) files the event there; left out on create, the default one.
A new event without ``timezone`` takes the caller's zone (their profile), else UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calsync.calendars import calendar_list, links, recurrence, validation
from calsync.calendars.access import can_edit, has_declined, my_attendee
from calsync.calendars.models import (
    DESCRIPTION_MAX,
    LOCATION_MAX,
    MAX_ATTENDEES,
    ORIGIN_OUTLOOK,
    TITLE_MAX,
    AttendeeType,
    Calendar,
    Event,
    MirrorMode,
    Privacy,
    ResponseStatus,
    ShowAs,
)
from calsync.calendars.occurrences import Occurrence

DEFAULT_TIMEZONE = "UTC"
BRIEF_FIELDS = (
    "id", "title", "location", "start", "end", "timezone", "all_day", "show_as", "active",
    "recurrence", "series_id", "in_outlook", "from_outlook", "version", "editable", "mirror",
    "my_response", "calendar", "updated",
)  # fmt: skip
"""The fields of an event read with ``context["brief"]`` (the API's ``brief=true``): what
the calendar page's grid draws and compares, without the details its dialog reads (the
description, the people, the links): a month of a busy calendar comes at half the weight."""


class PersonSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")


class AttendeeSerializer(PersonSerializer):
    status = serializers.ChoiceField(
        choices=ResponseStatus.choices, required=False, default=ResponseStatus.NONE
    )
    type = serializers.ChoiceField(
        choices=AttendeeType.choices, required=False, default=AttendeeType.REQUIRED
    )


class OutlookLinkSerializer(serializers.Serializer):
    id = serializers.CharField(help_text=gettext_lazy("The Graph event id."))
    ical_uid = serializers.CharField()
    synced_at = serializers.DateTimeField(allow_null=True)


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeField(serializers.CharField):
    """An ISO date-time (timed events) or date (all-day events)."""


def render_time(instant: datetime, day: date | None, zone: str, all_day: bool) -> str:
    """A date for all-day values, else the instant with the offset of ``zone``."""
    if all_day and day is not None:
        return day.isoformat()
    return instant.astimezone(ZoneInfo(zone)).isoformat()


def _from_outlook(event: Event, link: dict[str, Any] | None) -> bool:
    """Whether ``event`` (or the series of an exception) came from Outlook and is still
    linked there (the exception's own link, or its series')."""
    made = event.series if event.series_id is not None else event
    if made is None or made.origin != ORIGIN_OUTLOOK:
        return False
    return link is not None or (made is not event and links.describe(made) is not None)


def mirror_of(event: Event) -> dict[str, str] | None:
    """A mirror copy's mark as the API shows it (an exception: its series'), else None."""
    made = event.series if event.series_id is not None else event
    if made is None or not made.mirror_of:
        return None
    return {"of": made.mirror_of, "mode": made.mirror_mode, "calendar": made.mirror_source_name}


class MirrorSerializer(serializers.Serializer):
    of = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The key of the original in its calendar.")
    )
    mode = serializers.ChoiceField(choices=MirrorMode.choices, read_only=True)
    calendar = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The name of the original's calendar.")
    )


class EventSerializer(serializers.Serializer):
    """An event as read: a single event, a series, an exception or an occurrence."""

    id = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "A number for stored events; “<series id>.<YYYYMMDDTHHMMSSZ>” for an "
            "unmodified occurrence of a series."
        ),
    )
    uid = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True)
    start = DateOrDateTimeField(read_only=True)
    end = DateOrDateTimeField(read_only=True)
    timezone = serializers.CharField(read_only=True)
    all_day = serializers.BooleanField(read_only=True)
    show_as = serializers.ChoiceField(choices=ShowAs.choices, read_only=True)
    privacy = serializers.ChoiceField(choices=Privacy.choices, read_only=True)
    active = serializers.BooleanField(read_only=True)
    organizer = PersonSerializer(read_only=True)
    attendees = AttendeeSerializer(many=True, read_only=True)
    recurrence = serializers.CharField(read_only=True, allow_null=True)
    series_id = serializers.IntegerField(read_only=True, allow_null=True)
    original_start = DateOrDateTimeField(read_only=True, allow_null=True)
    outlook = OutlookLinkSerializer(read_only=True, allow_null=True)
    in_outlook = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "Whether the event (for an occurrence: its series) has a copy in Outlook."
        ),
    )
    from_outlook = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "Whether the event (for an occurrence or exception: its series) came from Outlook: "
            "a sync brought it in, it was not made here; and it still has its copy there."
        ),
    )
    mirror = MirrorSerializer(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "Set when the event is a busy or redacted copy of an event of another calendar "
            "(edit the original: a change here is undone by the next sync), else null."
        ),
    )
    version = serializers.IntegerField(read_only=True)
    editable = serializers.BooleanField(read_only=True)
    my_response = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "The reader's answer (none, accepted, tentative or declined) when they attend the "
            "meeting without organising it, else null."
        ),
    )
    calendar = serializers.IntegerField(
        read_only=True,
        help_text=gettext_lazy(
            "The reader's calendar the event shows in (a meeting someone else organises: "
            "the reader's default calendar)."
        ),
    )
    created = serializers.DateTimeField(read_only=True)
    updated = serializers.DateTimeField(read_only=True)

    def _calendar(self, event: Event, user: Any, own: Any) -> int:
        if user is None or own is None or event.owner_id == user.pk:
            return event.calendar_id
        key = "_default_calendar"
        if key not in self.context:
            self.context[key] = calendar_list.default_calendar(user).pk
        return self.context[key]

    def to_representation(self, instance: Event | Occurrence) -> dict[str, Any]:
        occurrence = instance if isinstance(instance, Occurrence) else None
        event = occurrence.series if occurrence else instance
        assert isinstance(event, Event)
        user = self.context.get("user")
        own = my_attendee(user, event) if user is not None else None
        link = links.describe(event)
        brief = self._brief(instance, occurrence, event, own, link)
        if self.context.get("brief"):
            return brief
        zone, all_day = event.timezone, event.all_day
        original_start = occurrence.original_start if occurrence else event.original_start
        return {
            **brief,
            "uid": str(event.uid),
            "description": event.description,
            "privacy": event.privacy,
            "organizer": {"email": event.organizer_email, "name": event.organizer_name},
            "attendees": [
                {"email": a.email, "name": a.name, "status": a.status, "type": a.type}
                for a in event.attendees.all()
            ],
            "original_start": (
                None
                if original_start is None
                else render_time(
                    original_start,
                    recurrence.to_local(original_start, ZoneInfo(zone)).date(),
                    zone,
                    all_day,
                )
            ),
            "outlook": None if occurrence else link,
            "created": event.created.isoformat(),
        }

    def _brief(
        self,
        instance: Event | Occurrence,
        occurrence: Occurrence | None,
        event: Event,
        own: Any,
        link: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The fields of :data:`BRIEF_FIELDS`: what a calendar grid draws and compares."""
        user = self.context.get("user")
        declined = bool(user is not None and own is not None and has_declined(user, event))
        zone, all_day = event.timezone, event.all_day
        return {
            "id": occurrence.api_id if occurrence else event.pk,
            "title": event.title,
            "location": event.location,
            "start": render_time(instance.start, instance.start_date, zone, all_day),
            "end": render_time(instance.end, instance.end_date, zone, all_day),
            "timezone": zone,
            "all_day": all_day,
            "show_as": (own.show_as if own is not None else "") or event.show_as,
            # an exception of an archived series is archived with it; a declined meeting
            # has left its attendee's calendar
            "active": event.active
            and (event.series_id is None or event.series.active)
            and not declined,
            "recurrence": (event.recurrence or None) if occurrence is None else None,
            "series_id": event.pk if occurrence else event.series_id,
            "in_outlook": link is not None,
            "from_outlook": _from_outlook(event, link),
            "version": event.version,
            "editable": bool(user is not None and can_edit(user, event)) and not event.mirror_of,
            "mirror": mirror_of(event),
            "my_response": own.status if own is not None else None,
            "calendar": self._calendar(event, user, own),
            "updated": event.updated.isoformat(),
        }


class EventWriteSerializer(serializers.Serializer):
    """An event as written (POST: ``start`` and ``end`` required; PATCH: any subset)."""

    title = serializers.CharField(max_length=TITLE_MAX, allow_blank=True, required=False)
    description = serializers.CharField(
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        help_text=gettext_lazy("HTML, at most 100 KB."),
    )
    location = serializers.CharField(max_length=LOCATION_MAX, allow_blank=True, required=False)
    start = DateOrDateTimeField(
        required=False,
        help_text=gettext_lazy(
            "ISO 8601 date-time with an offset, or naive in `timezone`; a date if all-day."
        ),
    )
    end = DateOrDateTimeField(
        required=False, help_text=gettext_lazy("Like `start`; for all-day events exclusive.")
    )
    timezone = serializers.CharField(
        required=False, max_length=64, help_text=gettext_lazy("An IANA time zone name.")
    )
    all_day = serializers.BooleanField(required=False)
    show_as = serializers.ChoiceField(choices=ShowAs.choices, required=False)
    privacy = serializers.ChoiceField(choices=Privacy.choices, required=False)
    active = serializers.BooleanField(required=False)
    organizer = PersonSerializer(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Defaults to the owner of the calendar."),
    )
    attendees = AttendeeSerializer(many=True, required=False, max_length=MAX_ATTENDEES)
    recurrence = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=1000,
        help_text=gettext_lazy("An RFC 5545 RRULE without DTSTART, or null."),
    )
    calendar = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=gettext_lazy("The id of one of your calendars; default: your default one."),
    )

    def validate_calendar(self, value: int) -> Calendar:
        current = self.context.get("current")
        base = current.series if isinstance(current, Occurrence) else current
        # the owner's calendars; the reader's own too (an attendee sends back what it read)
        owners = {getattr(self.context.get("user"), "pk", None)}
        if base is not None:
            owners.add(base.owner_id)
        found = Calendar.objects.filter(pk=value, owner_id__in=owners - {None}).first()
        if found is None:
            raise serializers.ValidationError(_("No such calendar of yours."))
        return found

    def validate_description(self, value: str) -> str:
        if len(value.encode("utf-8")) > DESCRIPTION_MAX:
            raise serializers.ValidationError(_("The description is larger than 100 KB."))
        return value

    def validate_timezone(self, value: str) -> str:
        try:
            return validation.check_timezone(value.strip())
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate_attendees(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        seen: set[str] = set()
        for position, attendee in enumerate(value, start=1):
            # A PATCH is partial all the way down in DRF, so "email" may be missing here.
            attendee["email"] = (attendee.get("email") or "").strip().lower()
            if not attendee["email"]:
                raise serializers.ValidationError(
                    _("Attendee %(position)d has no email address.") % {"position": position}
                )
            if attendee["email"] in seen:
                raise serializers.ValidationError(
                    _("%(email)s appears twice.") % {"email": attendee["email"]}
                )
            seen.add(attendee["email"])
        return value

    def validate_recurrence(self, value: str | None) -> str:
        if not value:
            return ""
        try:
            return validation.check_rule(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current: Event | Occurrence | None = self.context.get("current")
        changes: dict[str, Any] = {
            name: attrs[name]
            for name in ("title", "description", "location", "show_as", "privacy", "active")
            if name in attrs
        }
        if "organizer" in attrs:
            organizer = attrs["organizer"] or {}
            changes["organizer_email"] = organizer.get("email", "").lower()
            changes["organizer_name"] = organizer.get("name", "")
        if "attendees" in attrs:
            changes["attendees"] = attrs["attendees"]
        if "calendar" in attrs:
            changes["calendar"] = attrs["calendar"]
        if "recurrence" in attrs:
            is_instance = isinstance(current, Occurrence) or (
                isinstance(current, Event) and current.series_id is not None
            )
            if attrs["recurrence"] and is_instance:
                raise serializers.ValidationError(
                    {"recurrence": [_("An occurrence of a series cannot have its own rule.")]}
                )
            changes["recurrence"] = attrs["recurrence"]
        changes.update(self._times(attrs, current))
        return changes

    def _default_zone(self) -> str:
        """A new event's zone when the body names none: the caller's own (their profile),
        else UTC."""
        return getattr(self.context.get("user"), "time_zone", "") or DEFAULT_TIMEZONE

    def _times(self, attrs: dict[str, Any], current: Event | Occurrence | None) -> dict[str, Any]:
        """The time fields of the result, from ``attrs`` over the current values."""
        if current is None:
            missing = {
                name: [_("This field is required.")]
                for name in ("start", "end")
                if name not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        elif not {"start", "end", "timezone", "all_day"} & attrs.keys():
            return {}
        base = current.series if isinstance(current, Occurrence) else current
        zone = attrs.get("timezone") or (base.timezone if base else self._default_zone())
        tz = ZoneInfo(zone)
        all_day = attrs.get("all_day", base.all_day if base else False)
        if all_day:
            start_date, end_date = self._dates(attrs, current, base, tz)
            return {
                "timezone": zone,
                "all_day": True,
                "start_date": start_date,
                "end_date": end_date,
                "start": validation.midnight(start_date, tz),
                "end": validation.midnight(end_date, tz),
            }
        start, end = self._instants(attrs, current, base, tz)
        return {
            "timezone": zone,
            "all_day": False,
            "start_date": None,
            "end_date": None,
            "start": start,
            "end": end,
        }

    @staticmethod
    def _parse(attrs: dict[str, Any], name: str, parse: Any) -> Any:
        try:
            return parse(attrs[name])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({name: exc.messages}) from exc

    def _dates(
        self,
        attrs: dict[str, Any],
        current: Event | Occurrence | None,
        base: Event | None,
        tz: ZoneInfo,
    ) -> tuple[date, date]:
        if current is not None and base is not None and base.all_day:
            assert current.start_date is not None and current.end_date is not None
            cur_start, cur_end = current.start_date, current.end_date
        elif current is not None:
            cur_start = recurrence.to_local(current.start, tz).date()
            local_end = recurrence.to_local(current.end, tz)
            cur_end = local_end.date() + timedelta(days=1 if local_end.time() else 0)
            cur_end = max(cur_end, cur_start + timedelta(days=1))
        start = self._parse(attrs, "start", validation.parse_day) if "start" in attrs else cur_start
        if "end" in attrs:
            end = self._parse(attrs, "end", validation.parse_day)
        else:
            end = start + (cur_end - cur_start)
        try:
            validation.check_day_span(start, end)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"end": exc.messages}) from exc
        return start, end

    def _instants(
        self,
        attrs: dict[str, Any],
        current: Event | Occurrence | None,
        base: Event | None,
        tz: ZoneInfo,
    ) -> tuple[datetime, datetime]:
        if current is not None and base is not None and base.all_day:
            assert current.start_date is not None and current.end_date is not None
            cur_start = validation.midnight(current.start_date, tz)
            cur_end = validation.midnight(current.end_date, tz)
        elif current is not None:
            cur_start, cur_end = current.start, current.end

        def parse(value: str) -> datetime:
            return validation.parse_instant(value, tz)

        start = self._parse(attrs, "start", parse) if "start" in attrs else cur_start
        end = self._parse(attrs, "end", parse) if "end" in attrs else start + (cur_end - cur_start)
        try:
            validation.check_span(start, end)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"end": exc.messages}) from exc
        return start, end
