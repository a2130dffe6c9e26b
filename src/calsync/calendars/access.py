"""The one door to events: who may read and who may change what.

* A user reads their own events and the events whose attendees include their email.
  They change their own events, and attended events where they are the organizer; other
  attended events are read-only.
* An administrator reads every calendar but changes only what the rules above allow.
* Another user's event is a 404, never a 403: its existence does not leak. A read-only
  event is a 403 that says why.

Event references are API ids: ``"12"`` (a row) or ``"12.20261124T080000Z"`` (an
occurrence of series 12; resolves to the exception row when that occurrence was modified).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from calsync.accounts.models import User
from calsync.calendars import recurrence
from calsync.calendars.models import Attendee, CancelledOccurrence, Event
from calsync.calendars.occurrences import (
    EVENT_ID,
    BadOccurrenceId,
    Occurrence,
    split_occurrence_id,
    with_details,
)
from calsync.calendars.validation import MAX_YEAR, MIN_YEAR


def events_visible_to(user: User) -> QuerySet[Event]:
    """Events on ``user``'s calendar: their own, and those they attend."""
    attended = Attendee.objects.filter(email=user.email.lower()).values("event_id")
    return Event.objects.filter(Q(owner=user) | Q(pk__in=attended))


def events_readable_by(user: User) -> QuerySet[Event]:
    """Events ``user`` may read: every event for an administrator, else the visible ones."""
    return Event.objects.all() if user.is_admin else events_visible_to(user)


def can_edit(user: User, event: Event) -> bool:
    """Whether ``user`` may change ``event`` (or, for an occurrence, its series)."""
    if event.owner_id == user.pk:
        return True
    email = user.email.lower()
    return event.organizer_email.lower() == email and any(
        attendee.email == email for attendee in event.attendees.all()
    )


def access_event(user: User, ref: str) -> Event | Occurrence:
    """The event or occurrence ``ref`` for reading; :class:`Http404` if ``user`` may not."""
    return _resolve(events_readable_by(user), ref)


def access_event_for_update(user: User, ref: str) -> Event | Occurrence:
    """The event or occurrence ``ref`` for changing.

    :class:`Http404` when ``user`` cannot see it (another user's event),
    :class:`PermissionDenied` with a clear message when they can only read it.
    """
    item = access_event(user, ref)
    target = item.series if isinstance(item, Occurrence) else item
    if not can_edit(user, target):
        if target.owner_id != user.pk and user.is_admin and not _visible(user, target):
            raise PermissionDenied(_("Administrators may read other calendars, not change them."))
        raise PermissionDenied(
            _("You attend this event but do not organise it: it is read-only for you.")
        )
    return item


def _visible(user: User, event: Event) -> bool:
    return events_visible_to(user).filter(pk=event.pk).exists()


def _resolve(readable: QuerySet[Event], ref: str) -> Event | Occurrence:
    ref = str(ref)
    if EVENT_ID.match(ref):
        event = with_details(readable).filter(pk=int(ref)).first()
        if event is None:
            raise Http404(_("No such event."))
        return event
    try:
        parts = split_occurrence_id(ref)
    except BadOccurrenceId as exc:
        raise Http404(
            _(
                "“%(stamp)s” is not the start of an occurrence: an occurrence id ends with its "
                "UTC start as YYYYMMDDTHHMMSSZ, between the years %(low)d and %(high)d."
            )
            % {"stamp": exc.args[0], "low": MIN_YEAR, "high": MAX_YEAR}
        ) from exc
    if parts is None:
        raise Http404(
            _("“%(id)s” is neither an event id (12) nor an occurrence id (12.20261124T080000Z).")
            % {"id": ref[:64]}
        )
    series_id, original_start = parts
    series = (
        with_details(readable)
        .filter(pk=series_id, series__isnull=True)
        .exclude(recurrence="")
        .first()
    )
    if series is None:
        raise Http404(_("No such event."))
    exception = with_details(readable).filter(series=series, original_start=original_start).first()
    if exception is not None:
        return exception
    if Event.objects.filter(series=series, original_start=original_start).exists():
        raise Http404(_("No such event."))
    if CancelledOccurrence.objects.filter(series=series, original_start=original_start).exists():
        raise Http404(_("This occurrence was cancelled."))
    slot = recurrence.slot_at(recurrence.SeriesTimes.of(series), original_start)
    if slot is None:
        raise Http404(_("The series has no occurrence at that time."))
    return Occurrence(series, slot)
