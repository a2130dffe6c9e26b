"""The one door to events: who may read, who may change what, and who answers.

A user is known by every address they have (:func:`calsync.calendars.people.addresses_of`:
their login and their mailbox's addresses). A meeting has one owner here: its organiser
when the organiser is a calsync user, else each attendee's own copy.

* A user reads their own events, the events they organise (whoever's row it is), and the
  meetings they attend that their owner organises (so another attendee's own copy of an
  outside meeting is not theirs to read).
* Only the organiser changes a meeting's fields, moves it or cancels it (the owner of an
  event with no organiser is its organiser). An attendee may answer it
  (:func:`access_event_for_answer`) and change their own show-as; an attendee's delete or
  archive is a decline. A meeting an attendee declined leaves their calendar (listed only
  with the archived ones, as archived).
* An administrator reads every calendar but changes only what the rules above allow.
* Another user's event is a 404, never a 403: its existence does not leak. A read-only
  event is a 403 that says why.

Event references are API ids: ``"12"`` (a row) or ``"12.20261124T080000Z"`` (an
occurrence of series 12; resolves to the exception row when that occurrence was modified).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from calsync.accounts.models import User
from calsync.calendars import recurrence
from calsync.calendars.models import (
    Attendee,
    CancelledOccurrence,
    Event,
    MailAddress,
    ResponseStatus,
)
from calsync.calendars.occurrences import (
    EVENT_ID,
    BadOccurrenceId,
    Occurrence,
    split_occurrence_id,
    with_details,
)
from calsync.calendars.people import addresses_of
from calsync.calendars.validation import MAX_YEAR, MIN_YEAR


def organised_by_owner() -> Q:
    """Events whose owner is their organiser (no organiser, the owner's login, or an
    address of the owner's mailbox): the meetings their attendees may read."""
    owner_address = MailAddress.objects.filter(
        user_id=OuterRef("owner_id"), email=OuterRef("organizer_email")
    )
    return Q(organizer_email="") | Q(organizer_email=F("owner__email")) | Exists(owner_address)


def events_visible_to(user: User) -> QuerySet[Event]:
    """Events on ``user``'s calendar: their own, those they organise, and the meetings
    they attend (see the module docstring), declined ones included."""
    mine = addresses_of(user)
    attended = Attendee.objects.filter(email__in=mine).values("event_id")
    return Event.objects.filter(
        Q(owner=user) | Q(organizer_email__in=mine) | (Q(pk__in=attended) & organised_by_owner())
    )


def declined_by(user: User) -> Q:
    """The events ``user`` declined as an attendee (and the exceptions of a series they
    declined): they have left ``user``'s calendar."""
    mine = addresses_of(user)
    declined = Attendee.objects.filter(email__in=mine, status=ResponseStatus.DECLINED)
    ids = declined.values("event_id")
    organiser = Q(organizer_email__in=mine) | (Q(organizer_email="") & Q(owner=user))
    return (Q(pk__in=ids) | Q(series_id__in=ids)) & ~organiser


def events_readable_by(user: User) -> QuerySet[Event]:
    """Events ``user`` may read: every event for an administrator, else the visible ones."""
    return Event.objects.all() if user.is_admin else events_visible_to(user)


def organises(user: User, event: Event) -> bool:
    """Whether ``user`` organises ``event`` (its organiser is one of their addresses; an
    event with no organiser is its owner's)."""
    organizer = event.organizer_email.lower()
    if not organizer:
        return event.owner_id == user.pk
    return organizer in addresses_of(user)


def can_edit(user: User, event: Event) -> bool:
    """Whether ``user`` may change ``event``'s fields, move it or cancel it (or, for an
    occurrence, its series'): only its organiser."""
    return organises(user, event)


def my_attendee(user: User, event: Event) -> Attendee | None:
    """``user``'s own attendee entry on ``event`` when they attend it without organising it
    (uses the prefetched attendees), else None."""
    if organises(user, event):
        return None
    mine = addresses_of(user)
    return next((a for a in event.attendees.all() if a.email in mine), None)


def has_declined(user: User, event: Event) -> bool:
    """Whether ``user`` declined ``event`` (or, for an exception, its whole series)."""
    own = my_attendee(user, event)
    if own is not None and own.status == ResponseStatus.DECLINED:
        return True
    series = event.series if event.series_id is not None else None
    if series is None:
        return False
    own = my_attendee(user, series)
    return own is not None and own.status == ResponseStatus.DECLINED


def access_event(user: User, ref: str) -> Event | Occurrence:
    """The event or occurrence ``ref`` for reading; :class:`Http404` if ``user`` may not."""
    return _resolve(events_readable_by(user), ref)


def access_event_for_answer(user: User, ref: str) -> tuple[Event | Occurrence, Attendee]:
    """The event or occurrence ``ref`` and ``user``'s attendee entry on it, for answering
    it (or declining it by a delete). :class:`Http404` as for reading,
    :class:`PermissionDenied` saying why when ``user`` has nothing to answer."""
    item = access_event(user, ref)
    target = item.series if isinstance(item, Occurrence) else item
    own = my_attendee(user, target)
    if own is None:
        if target.owner_id != user.pk and user.is_admin and not _visible(user, target):
            raise PermissionDenied(_("Administrators may read other calendars, not change them."))
        if organises(user, target):
            raise PermissionDenied(
                _("You organise this meeting: there is no invitation to answer.")
            )
        raise PermissionDenied(
            _("You are not invited to this event: there is no invitation to answer.")
        )
    return item, own


def read_only_reason(user: User, event: Event) -> str:
    """Why ``user`` may not change ``event``'s fields (translated)."""
    if event.owner_id != user.pk and user.is_admin and not _visible(user, event):
        return _("Administrators may read other calendars, not change them.")
    organizer = event.organizer_name or event.organizer_email
    return _(
        "Only the organiser changes a meeting, and %(organizer)s organises this one. You can "
        "answer it (accept, tentative or decline) and choose how it shows in your calendar."
    ) % {"organizer": organizer}


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
