"""The ICS (RFC 5545) export of a user's calendar, built with ``icalendar``.

Holds every active event of the calendar (own and attended): single events; series with
their RRULE (DTSTART is the first occurrence, UNTIL in the form RFC 5545 requires for the
DTSTART's type), cancelled and archived occurrences as EXDATE, modified occurrences as
VEVENTs with the series' UID and a RECURRENCE-ID. Timed values carry their TZID and the
VTIMEZONEs are included; all-day values are DATEs. The HTML description goes in
X-ALT-DESC, its text in DESCRIPTION.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.db.models import Count, Max, QuerySet
from django.utils import timezone as django_timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from calsync import rrules
from calsync.accounts.models import User
from calsync.calendars import calendar_list, recurrence
from calsync.calendars.access import declined_by, events_visible_to
from calsync.calendars.models import Calendar, CancelledOccurrence, Event
from calsync.calendars.occurrences import with_details

PRODID = "-//calsync//calsync calendar//EN"

_BUSY_STATUS = {
    "free": "FREE",
    "tentative": "TENTATIVE",
    "busy": "BUSY",
    "oof": "OOF",
    "workingElsewhere": "WORKINGELSEWHERE",
    "unknown": "BUSY",
}
_CLASS = {"normal": "PUBLIC", "personal": "PRIVATE", "private": "PRIVATE"}
_PARTSTAT = {
    "none": "NEEDS-ACTION",
    "accepted": "ACCEPTED",
    "tentative": "TENTATIVE",
    "declined": "DECLINED",
}
_ROLE = {
    "required": "REQ-PARTICIPANT",
    "optional": "OPT-PARTICIPANT",
    "resource": "NON-PARTICIPANT",
}


def _value(instant: datetime, day: date | None, event: Event) -> datetime | date:
    """A DTSTART-like value: the date of an all-day event, else the instant in its zone."""
    if event.all_day:
        return day if day is not None else recurrence.to_local(instant, _tz(event)).date()
    return instant.astimezone(_tz(event))


def _tz(event: Event) -> ZoneInfo:
    return ZoneInfo(event.timezone)


def _rule(series: Event) -> icalendar.vRecur:
    """The series' rule with UNTIL as RFC 5545 wants it: a DATE for all-day series,
    else a UTC instant."""
    rule = rrules.parse(series.recurrence)
    if rule.until is None:
        return icalendar.vRecur.from_ical(rule.text)
    tz = _tz(series)
    if series.all_day:
        until = rrules.until_wall(rule.until, tz, all_day=True).strftime("%Y%m%d")
    elif isinstance(rule.until, datetime) and rule.until.tzinfo is not None:
        until = rule.until.strftime("%Y%m%dT%H%M%SZ")
    else:
        wall = rrules.until_wall(rule.until, tz, all_day=False)
        until = recurrence.localise(wall, tz).strftime("%Y%m%dT%H%M%SZ")
    return icalendar.vRecur.from_ical(rule.with_part("UNTIL", until))


def _person(email: str, name: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address


def _component(event: Event, uid: str) -> icalendar.Event:
    """A VEVENT with ``event``'s content and times (the caller adds series properties)."""
    vevent = icalendar.Event()
    vevent.add("uid", uid)
    vevent.add("dtstamp", event.updated.astimezone(UTC))
    vevent.add("created", event.created.astimezone(UTC))
    vevent.add("last-modified", event.updated.astimezone(UTC))
    vevent.add("sequence", event.version - 1)
    vevent.add("summary", event.title)
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", strip_tags(event.description))
        vevent.add("x-alt-desc", event.description, parameters={"FMTTYPE": "text/html"})
    vevent.add("dtstart", _value(event.start, event.start_date, event))
    vevent.add("dtend", _value(event.end, event.end_date, event))
    vevent.add("transp", "TRANSPARENT" if event.show_as == "free" else "OPAQUE")
    vevent.add("x-microsoft-cdo-busystatus", _BUSY_STATUS[event.show_as])
    vevent.add("class", _CLASS.get(event.privacy, "CONFIDENTIAL"))
    vevent.add("status", "CONFIRMED")
    if event.organizer_email:
        vevent.add("organizer", _person(event.organizer_email, event.organizer_name))
    for attendee in event.attendees.all():
        address = _person(attendee.email, attendee.name)
        address.params["ROLE"] = _ROLE[attendee.type]
        address.params["PARTSTAT"] = _PARTSTAT[attendee.status]
        address.params["CUTYPE"] = "RESOURCE" if attendee.type == "resource" else "INDIVIDUAL"
        vevent.add("attendee", address)
    return vevent


def _series_components(
    series: Event, exceptions: list[Event], cancelled: list[datetime]
) -> list[icalendar.Event]:
    times = recurrence.SeriesTimes.of(series)
    first = recurrence.first_slot(times)
    if first is None:
        return []
    master = _component(series, str(series.uid))
    master.pop("dtstart")
    master.pop("dtend")
    master.add("dtstart", _value(first.start, first.start_date, series))
    master.add("dtend", _value(first.end, first.end_date, series))
    master.add("rrule", _rule(series))
    excluded = sorted([*cancelled, *(e.original_start for e in exceptions if not e.active)])
    if excluded:
        master.add("exdate", [_value(moment, None, series) for moment in excluded])
    components = [master]
    for exception in exceptions:
        if not exception.active:
            continue
        vevent = _component(exception, str(series.uid))
        assert exception.original_start is not None
        vevent.add("recurrence-id", _value(exception.original_start, None, series))
        components.append(vevent)
    return components


def _visible(user: User, calendar: Calendar | None) -> QuerySet[Event]:
    events = events_visible_to(user)
    return events if calendar is None else events.filter(calendar_list.filed_in(user, calendar))


def calendar_etag(user: User, calendar: Calendar | None = None) -> str:
    """A validator that changes whenever :func:`build_calendar` of ``user`` (and
    ``calendar``) would: any event of theirs added, changed (``updated`` moves on every
    save, a move to another calendar too) or deleted."""
    events = _visible(user, calendar)
    summary = events.aggregate(count=Count("pk"), latest=Max("updated"))
    cancelled = CancelledOccurrence.objects.filter(series__in=events.values("pk")).count()
    name = calendar_list.display_name(calendar) if calendar is not None else ""
    text = f"{summary['count']}:{summary['latest']}:{cancelled}:{user.display_name}:{name}"
    return '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'


def build_calendar(user: User, only: Calendar | None = None) -> icalendar.Calendar:
    """The calendar of ``user`` (their own and attended events, archived and declined ones
    left out): all their calendars, or only the calendar ``only`` (for the default one, with
    the meetings others organise that ``user`` attends)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if only is None:
        title = _("calsync: %(user)s") % {"user": user.display_name}
    else:
        title = _("calsync: %(user)s, %(calendar)s") % {
            "user": user.display_name,
            "calendar": calendar_list.display_name(only),
        }
    calendar.add("x-wr-calname", title)
    visible = _visible(user, only).filter(active=True)
    declined = set(visible.filter(declined_by(user)).values_list("pk", flat=True))
    events = [
        event
        for event in with_details(visible).order_by("start")
        if event.pk not in declined or event.series_id is not None
    ]
    exceptions: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event.series_id is not None:
            event.active = event.pk not in declined  # a declined occurrence is left out
            exceptions[event.series_id].append(event)
    archived = with_details(
        Event.objects.filter(series__in=[e.pk for e in events if e.is_series], active=False)
    )
    for event in archived:
        assert event.series_id is not None
        exceptions[event.series_id].append(event)
    cancelled: dict[int, list[datetime]] = defaultdict(list)
    for series_id, original in CancelledOccurrence.objects.filter(
        series__in=[e.pk for e in events if e.is_series]
    ).values_list("series_id", "original_start"):
        cancelled[series_id].append(original)
    for event in events:
        if event.is_series:
            for component in _series_components(event, exceptions[event.pk], cancelled[event.pk]):
                calendar.add_component(component)
        elif event.series_id is None:
            calendar.add_component(_component(event, str(event.uid)))
    if events:
        earliest = min(e.start for e in events).date() - timedelta(days=366)
        latest = max(django_timezone.now().date(), max(e.end for e in events).date())
        calendar.add_missing_timezones(first_date=earliest, last_date=latest + timedelta(days=3660))
    return calendar
