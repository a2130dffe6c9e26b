"""A conflict of the sync log as people read it, in their language.

``sync`` stores each conflict as ``field``, ``winner``, ``losing_value``, ``reason`` and, when
known, ``timezone`` (the event's) and ``changed``; :func:`conflict_text` makes its line:
the field by its translated label (:func:`field_label`), the losing value in readable form
(:func:`display_value`: instants in the event's zone, yes/no, choice labels, HTML as short
plain text).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.template.defaultfilters import yesno
from django.utils import formats, timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_noop

VALUE_MAX = 80
"""Longest conflict value shown (characters); longer texts are shortened with an ellipsis."""

FIELD_LABELS = {
    "title": gettext_noop("Title"),
    "start": gettext_noop("Start"),
    "end": gettext_noop("End"),
    "when": gettext_noop("Time"),
    "all_day": gettext_noop("All day"),
    "timezone": gettext_noop("Time zone"),
    "location": gettext_noop("Location"),
    "description": gettext_noop("Description"),
    "show_as": gettext_noop("Show as"),
    "privacy": gettext_noop("Privacy"),
    "organizer": gettext_noop("Organizer"),
    "attendees": gettext_noop("Attendees"),
    "recurrence": gettext_noop("Repeat"),
    "cancelled": gettext_noop("Cancelled occurrences"),
    "my_response": gettext_noop("Your answer"),
    "deleted": gettext_noop("Deleted"),
}
"""The engine's field names (:data:`calsync.syncengine.model.FIELDS`, merge's ``when`` and
``my_response``, ``attendees[email]``) as people read them."""


def field_label(name: str) -> str:
    """The translated label of a conflict's field (an unknown name is shown as it is)."""
    if name.startswith("attendees[") and name.endswith("]"):
        return gettext("Attendee %(email)s") % {"email": name[len("attendees[") : -1]}
    label = FIELD_LABELS.get(name)
    return gettext(label) if label else name


def display_value(name: str, value: Any, zone: str | None = None) -> str:
    """A conflict's value as people read it: instants as local date-time (in ``zone``, the
    event's, else the active time zone), booleans yes/no, choices by their label, HTML
    descriptions as short plain text."""
    if value is None or value == "" or value == [] or value == {}:
        return gettext("(empty)")
    if name == "when" and isinstance(value, list | tuple) and len(value) == 3:
        return _when_text(value[0], value[1], bool(value[2]), zone)
    if name in ("start", "end", "original_start"):
        return _moment_text(value, zone)
    if name == "cancelled" and isinstance(value, list | tuple):
        return _short(", ".join(_moment_text(v, zone) for v in value))
    if isinstance(value, bool):
        return yesno(value)
    if name == "description":
        return _short(" ".join(html.unescape(strip_tags(str(value))).split()))
    if name == "organizer" and isinstance(value, Mapping):
        return _person(value)
    if name.startswith("attendees") and isinstance(value, Mapping):
        return _attendee(value)
    if name in _CHOICES:
        return _choice(name, str(value))
    if isinstance(value, list | tuple):
        return _short(", ".join(display_value("", v, zone) for v in value))
    return _short(str(value))


REASON_NOT_ORGANIZER = "not_organizer"
REASON_DELETED_HERE = "deleted_here_changed_in_outlook"
"""The engine's conflict reasons that get their own sentence (``calsync.syncengine.actions``)."""


def conflict_text(conflict: Mapping[str, Any]) -> str:
    """One line of the sync log for a conflict as ``sync`` stores it: ``field``, ``winner``,
    ``losing_value``, ``reason`` and, when known, ``timezone`` and ``changed``."""
    name = str(conflict.get("field") or "")
    zone = conflict.get("timezone")
    if conflict.get("reason") == REASON_DELETED_HERE:
        changed = ", ".join(field_label(str(f)) for f in conflict.get("changed") or ())
        return gettext(
            "This event was deleted in calsync but changed in Outlook (%(fields)s): it was "
            "restored from Outlook."
        ) % {"fields": changed or "—"}
    values = {
        "field": field_label(name),
        "value": display_value(name, conflict.get("losing_value"), zone),
    }
    if conflict.get("reason") == REASON_NOT_ORGANIZER:
        return (
            gettext(
                "Conflict on %(field)s: you do not organise this meeting, so the organizer's "
                "value stands; the calsync value was “%(value)s”."
            )
            % values
        )
    if conflict.get("winner") == "local":
        return (
            gettext(
                "Conflict on %(field)s: the calsync value won; the Outlook value was “%(value)s”."
            )
            % values
        )
    if conflict.get("winner") == "remote":
        return (
            gettext(
                "Conflict on %(field)s: the Outlook value won; the calsync value was “%(value)s”."
            )
            % values
        )
    return gettext("Conflict on %(field)s: %(winner)s won; the other value was “%(value)s”.") % {
        **values,
        "winner": conflict.get("winner"),
    }


def _short(text: str) -> str:
    return Truncator(text).chars(VALUE_MAX)


def _person(value: Mapping[str, Any]) -> str:
    email, name = str(value.get("email") or ""), str(value.get("name") or "")
    return f"{name} <{email}>" if name and name != email else email


def _attendee(value: Mapping[str, Any]) -> str:
    details = [_choice("my_response", str(value.get("status") or "none"))]
    if value.get("type") and value.get("type") != "required":
        details.append(_choice("attendee_type", str(value["type"])))
    return f"{_person(value)} ({', '.join(details)})"


_CHOICES = {"show_as", "privacy", "my_response", "attendee_type"}


def _choice(name: str, value: str) -> str:
    from calsync.calendars.models import AttendeeType, Privacy, ResponseStatus, ShowAs

    kinds: dict[str, Any] = {
        "show_as": ShowAs,
        "privacy": Privacy,
        "my_response": ResponseStatus,
        "attendee_type": AttendeeType,
    }
    labels = dict(kinds[name].choices)
    return str(labels.get(value, value))


def _moment(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return None


def _zone(zone: str | None) -> Any:
    if zone:
        try:
            return ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_current_timezone()


def _local(moment: datetime, zone: str | None) -> datetime:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, ZoneInfo("UTC"))
    return timezone.localtime(moment, _zone(zone))


def _moment_text(value: Any, zone: str | None) -> str:
    moment = _moment(value)
    if moment is None:
        return _short(str(value))
    if isinstance(moment, datetime):
        local = _local(moment, zone)
        return f"{formats.date_format(local, 'SHORT_DATETIME_FORMAT')} ({local.tzname()})"
    return formats.date_format(moment, "SHORT_DATE_FORMAT")


def _when_text(start: Any, end: Any, all_day: bool, zone: str | None) -> str:
    first, last = _moment(start), _moment(end)
    if all_day and isinstance(first, date) and isinstance(last, date):
        last = last - timedelta(days=1)  # the end is exclusive
        days = formats.date_format(first, "SHORT_DATE_FORMAT")
        if last > first:
            days += " – " + formats.date_format(last, "SHORT_DATE_FORMAT")
        return f"{days} ({gettext('All day')})"
    if isinstance(first, datetime) and isinstance(last, datetime):
        begins, ends = _local(first, zone), _local(last, zone)
        if begins.date() == ends.date():  # one day: its date once
            start_text = formats.date_format(begins, "SHORT_DATETIME_FORMAT")
            return f"{start_text} – {formats.time_format(ends)} ({ends.tzname()})"
    return f"{_moment_text(start, zone)} – {_moment_text(end, zone)}"
