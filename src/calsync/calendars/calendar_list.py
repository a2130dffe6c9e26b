"""A user's calendars: the default one, creating, changing and deleting the others.

Contract:
* every user has exactly one default calendar: made when the user is made (a
  ``post_save`` receiver, connected in :mod:`calsync.calendars.apps`), and by
  :func:`default_calendar` for anyone who somehow lacks one; a partial unique constraint
  keeps it one;
* another calendar becomes the default only by :func:`update_calendar` with
  ``is_default=True`` (the old default stops being it); the default cannot be unset or
  deleted, so there is always one;
* deleting a calendar moves its events (series with their exceptions) to the owner's
  default calendar: nothing is lost; their ``version`` does not move (the calendar an
  event is filed in is not synced today) but ``updated`` does, so open pages redraw;
* names are unique per owner in any case (the default's empty name reads "Calendar").
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from calsync.accounts.models import User
from calsync.calendars.models import CALENDAR_NAME_MAX, Calendar, Event
from calsync.calendars.signals import calendar_deleting

PALETTE = ("#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6", "#64748b")
"""Colours given in turn to new calendars when none is asked for."""
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def default_calendar(user: User) -> Calendar:
    """``user``'s default calendar, made when missing (read anew at each call: it may
    change or go between two calls)."""
    found = Calendar.objects.filter(owner=user, is_default=True).first()
    if found is None:
        try:
            with transaction.atomic():
                found = Calendar.objects.create(owner=user, is_default=True, color=PALETTE[0])
        except IntegrityError:  # made meanwhile by another request
            found = Calendar.objects.get(owner=user, is_default=True)
    return found


def on_user_saved(sender: Any, instance: User, created: bool, raw: bool = False, **_: Any) -> None:
    """``post_save`` of the user model: a new user gets their default calendar."""
    if created and not raw:
        default_calendar(instance)


def display_name(calendar: Calendar) -> str:
    """The name shown: the default's empty name reads "Calendar" in the reader's language."""
    return calendar.name or _("Calendar")


def as_json(calendar: Calendar, events: int | None = None) -> dict[str, Any]:
    """A calendar as the API shows it."""
    body: dict[str, Any] = {
        "id": calendar.pk,
        "name": display_name(calendar),
        "color": calendar.color,
        "is_default": calendar.is_default,
    }
    if events is not None:
        body["events"] = events
    return body


def _clean_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"name": [_("A calendar needs a name.")]})
    name = value.strip()
    if len(name) > CALENDAR_NAME_MAX:
        raise ValidationError(
            {"name": [_("At most %(max)d characters.") % {"max": CALENDAR_NAME_MAX}]}
        )
    return name


def _check_unique(owner: User, name: str, keep: Calendar | None = None) -> None:
    for other in Calendar.objects.filter(owner=owner).exclude(pk=keep.pk if keep else None):
        if display_name(other).lower() == name.lower():
            raise ValidationError(
                {"name": [_("You already have a calendar named “%(name)s”.") % {"name": name}]}
            )


def _clean_color(value: Any) -> str:
    if not isinstance(value, str) or not _COLOR.match(value):
        raise ValidationError({"color": [_("A colour is written #rrggbb, like #3b82f6.")]})
    return value.lower()


@transaction.atomic
def create_calendar(owner: User, values: dict[str, Any]) -> Calendar:
    """A new calendar of ``owner``: ``name`` (required), ``color`` (default: the palette's
    next). Raises ValidationError keyed by field."""
    name = _clean_name(values.get("name"))
    default_calendar(owner)
    User.objects.select_for_update().filter(pk=owner.pk).first()  # one create at a time
    _check_unique(owner, name)
    if values.get("color") is not None:
        color = _clean_color(values["color"])
    else:
        color = PALETTE[Calendar.objects.filter(owner=owner).count() % len(PALETTE)]
    return Calendar.objects.create(owner=owner, name=name, color=color)


@transaction.atomic
def update_calendar(calendar: Calendar, values: dict[str, Any]) -> Calendar:
    """Rename, recolour, or make it the default (``is_default: true``; false on the default
    is refused: make another one the default instead)."""
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    if "name" in values:
        name = _clean_name(values["name"])
        _check_unique(calendar.owner, name, keep=calendar)
        calendar.name = name
    if "color" in values:
        calendar.color = _clean_color(values["color"])
    if "is_default" in values:
        wanted = values["is_default"]
        if not isinstance(wanted, bool):
            raise ValidationError({"is_default": [_("Must be true or false.")]})
        if not wanted and calendar.is_default:
            raise ValidationError(
                {
                    "is_default": [
                        _(
                            "You always have a default calendar: make another calendar the "
                            "default instead."
                        )
                    ]
                }
            )
        if wanted and not calendar.is_default:
            old = Calendar.objects.filter(owner=calendar.owner, is_default=True)
            old.filter(name="").update(name=_("Calendar"))  # keeps the name it showed
            old.update(is_default=False)
            calendar.is_default = True
    calendar.save()
    return calendar


class DefaultCalendarError(Exception):
    """Deleting the default calendar, which is refused."""


@transaction.atomic
def delete_calendar(calendar: Calendar) -> tuple[Calendar, int]:
    """Delete ``calendar`` after moving its events to the owner's default calendar:
    (that default calendar, how many events moved). The default itself raises
    :class:`DefaultCalendarError`. ``calendar_deleting`` is sent first (receivers may
    delete events of it, which then do not move)."""
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    if calendar.is_default:
        raise DefaultCalendarError
    target = Calendar.objects.get(owner=calendar.owner, is_default=True)
    calendar_deleting.send(sender=Calendar, calendar=calendar)
    moved = Event.objects.filter(calendar=calendar).update(calendar=target, updated=timezone.now())
    calendar.delete()
    return target, moved


def filed_in(user: User, calendar: Calendar) -> Q:
    """Events (of those visible to ``user``) that show in ``calendar`` of ``user``: their
    own filed there, and for the default calendar the meetings others organise that
    ``user`` attends."""
    own = Q(owner=user, calendar=calendar)
    return own | ~Q(owner=user) if calendar.is_default else own


def move_series_exceptions(series: Event) -> None:
    """Exceptions follow their series into its calendar."""
    series.exceptions.exclude(calendar_id=series.calendar_id).update(
        calendar_id=series.calendar_id, updated=timezone.now()
    )
