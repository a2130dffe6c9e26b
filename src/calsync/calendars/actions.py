"""Every change to the calendar goes through these ``do_*`` actions.

Each checks the values it is given before it opens its one write transaction (a series'
rule search, the slowest check, thus holds no lock; its result is remembered for the
re-check inside), keeps the invariants of :mod:`calsync.calendars.models`
(``version`` bumped on every content change, ``series_end`` of a series, exceptions that
still match their series) and sends ``calendar_changed`` once the transaction commits.
Callers (the API, later the Outlook sync) check access first; the actions re-check values
and raise :class:`django.core.exceptions.ValidationError` keyed by field.

``values``/``changes`` are dicts keyed by model field names (``title``, ``start``,
``start_date``, ``organizer_email``, ``recurrence`` …), plus ``attendees``: a list of
``{"email", "name", "type", "status"}`` dicts that replaces the current list, and
``calendar``: a :class:`~calsync.calendars.models.Calendar` of the owner (default on
create: the owner's default calendar; an exception is always in its series' calendar,
and a series moved to another calendar takes its exceptions along). The calendar is not
content: moving an event leaves its ``version`` alone.

Versions: an exception is a row with its own ``version``; creating or changing it leaves
the series' version alone, while cancelling an occurrence bumps the series' version (the
cancellation has no version of its own).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from calsync.accounts.models import User
from calsync.calendars import calendar_list, recurrence, validation
from calsync.calendars.models import MAX_ATTENDEES, Attendee, CancelledOccurrence, Event
from calsync.calendars.signals import send_calendar_changed_on_commit

CONTENT_FIELDS = (
    "title",
    "description",
    "location",
    "start",
    "end",
    "timezone",
    "all_day",
    "start_date",
    "end_date",
    "show_as",
    "privacy",
    "active",
    "organizer_email",
    "organizer_name",
    "recurrence",
)
"""Fields whose change is a change of content (bumps ``version``)."""

TIME_FIELDS = ("start", "end", "timezone", "all_day", "start_date", "end_date", "recurrence")
"""Fields whose change can move the occurrences of a series."""

MIRROR_FIELDS = ("mirror_of", "mirror_mode", "mirror_source", "mirror_source_name", "mirror_hash")
"""A mirror copy's mark: set by the sync (the event API ignores them), never a content change."""
COPIED_TO_EXCEPTION = tuple(f for f in CONTENT_FIELDS if f != "recurrence")


def _snapshot(event: Event) -> tuple[Any, ...]:
    attendees = tuple(
        sorted((a.email, a.name, a.type, a.status, a.show_as) for a in event.attendees.all())
        if event.pk
        else ()
    )
    return (*(getattr(event, name) for name in CONTENT_FIELDS), attendees)


def _apply(event: Event, changes: Mapping[str, Any]) -> None:
    for name in (*CONTENT_FIELDS, *MIRROR_FIELDS):
        if name in changes:
            setattr(event, name, changes[name])
    if changes.get("calendar") is not None:
        calendar = changes["calendar"]
        if calendar.owner_id != event.owner_id:
            raise ValidationError({"calendar": [_("No such calendar of yours.")]})
        if event.series_id is not None and calendar.pk != event.series.calendar_id:
            raise ValidationError(
                {
                    "calendar": [
                        _(
                            "An occurrence is in its series' calendar: move the whole "
                            "series instead."
                        )
                    ]
                }
            )
        event.calendar = calendar
    elif event.calendar_id is None:
        event.calendar = calendar_list.default_calendar(event.owner)
    if not event.all_day:
        event.start_date = event.end_date = None
    event.organizer_email = (event.organizer_email or event.owner.email).lower()
    if not event.organizer_name and event.organizer_email == event.owner.email.lower():
        event.organizer_name = event.owner.display_name


def _check(event: Event) -> None:
    """Re-check the values of ``event`` (the API checked them already; other callers may not)."""
    errors: dict[str, list[str]] = {}
    try:
        validation.check_timezone(event.timezone)
    except ValidationError as exc:
        errors["timezone"] = exc.messages
    try:
        if event.all_day:
            if event.start_date is None or event.end_date is None:
                raise ValidationError(_("An all-day event needs a start and an end date."))
            validation.check_day_span(event.start_date, event.end_date)
        else:
            validation.check_span(event.start, event.end)
    except ValidationError as exc:
        errors["end"] = exc.messages
    if event.recurrence:
        if event.series_id is not None:
            errors["recurrence"] = [_("An occurrence of a series cannot have its own rule.")]
        else:
            try:
                event.recurrence = validation.check_rule(event.recurrence)
            except ValidationError as exc:
                errors["recurrence"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if event.all_day:
        assert event.start_date is not None and event.end_date is not None
        tz = ZoneInfo(event.timezone)
        event.start = validation.midnight(event.start_date, tz)
        event.end = validation.midnight(event.end_date, tz)
    if event.recurrence:
        first, event.series_end = recurrence.series_bounds(recurrence.SeriesTimes.of(event))
        if first is None:
            raise ValidationError(
                {
                    "recurrence": [
                        _(
                            "This rule yields no occurrence within %(years)d years of the "
                            "event's start."
                        )
                        % {"years": recurrence.SEARCH_YEARS}
                    ]
                }
            )
    else:
        event.series_end = None


def _attendee_rows(attendees: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """Checked attendee rows (at most MAX_ATTENDEES, no email twice), emails normalised."""
    if len(attendees) > MAX_ATTENDEES:
        raise ValidationError({"attendees": [_("Too many attendees.")]})
    emails = [a["email"].strip().lower() for a in attendees]
    if len(set(emails)) != len(emails):
        raise ValidationError({"attendees": [_("An attendee appears twice.")]})
    return [
        {
            "email": email,
            "name": a.get("name", ""),
            "type": a.get("type", "required"),
            "status": a.get("status", "none"),
        }
        for email, a in zip(emails, attendees, strict=True)
    ]


PERSONAL = ("show_as", "comment", "send_response")
"""An attendee's own values on their entry, kept when the organiser rewrites the list."""


def _set_attendees(event: Event, attendees: list[Mapping[str, str]]) -> None:
    rows = _attendee_rows(attendees)
    kept = {
        a.email: {name: getattr(a, name) for name in PERSONAL}
        for a in Attendee.objects.filter(event=event)
    }
    event.attendees.all().delete()
    Attendee.objects.bulk_create(
        Attendee(event=event, **row, **kept.get(row["email"], {})) for row in rows
    )
    if hasattr(event, "_prefetched_objects_cache"):
        event._prefetched_objects_cache.pop("attendees", None)


def _changed(owner_id: int, event_id: int) -> None:
    send_calendar_changed_on_commit(Event, owner_id, event_id)


def do_create_event(owner: User, values: Mapping[str, Any]) -> Event:
    """Create an event (a single one, or a series when ``values["recurrence"]`` is a rule).
    The values are checked before the write transaction opens."""
    event = Event(owner=owner)
    _apply(event, values)
    _check(event)
    _attendee_rows(list(values.get("attendees", [])))
    return _insert(event, values)


@transaction.atomic
def _insert(event: Event, values: Mapping[str, Any]) -> Event:
    event.save()
    _set_attendees(event, list(values.get("attendees", [])))
    _changed(event.owner_id, event.pk)
    return event


def do_create_events_bulk(
    owner: User, items: Sequence[tuple[Mapping[str, Any], str | None]]
) -> list[Event | ValidationError]:
    """Create many events of ``owner`` at once: each ``(values, uid)`` as
    :func:`do_create_event` would (``uid`` sets the event's UID; None: a new one), with one
    INSERT per table. Values are checked one by one, before the write transaction opens:
    an invalid set gets its ``ValidationError`` in its place and the others are created.
    One ``calendar_changed`` per created event after commit. A database error rolls back
    the whole call."""
    results: list[Event | ValidationError] = []
    made: list[tuple[Event, list[dict[str, str]]]] = []
    default = calendar_list.default_calendar(owner) if items else None
    for values, uid in items:
        event = Event(owner=owner, calendar=default)
        if uid is not None:
            event.uid = uid
        try:
            _apply(event, values)
            _check(event)
            rows = _attendee_rows(list(values.get("attendees", [])))
        except ValidationError as exc:
            results.append(exc)
            continue
        results.append(event)
        made.append((event, rows))
    _insert_bulk(owner, made)
    return results


@transaction.atomic
def _insert_bulk(owner: User, made: list[tuple[Event, list[dict[str, str]]]]) -> None:
    Event.objects.bulk_create([event for event, _rows in made])
    Attendee.objects.bulk_create(
        Attendee(event=event, **row) for event, rows in made for row in rows
    )
    for event, _rows in made:
        _changed(owner.pk, event.pk)


def do_update_event(event: Event, changes: Mapping[str, Any]) -> Event:
    """Change ``event`` (a single event, a whole series, or an exception).

    For a series, a change of rule, start, zone or all-day keeps the exceptions and
    cancellations whose original *date* (in the series' zone) is still an occurrence, at
    the new time of day, and drops the others, as Outlook does (so a series moved here or
    in Outlook ends the same on both sides). An exception keeps its own times.
    Removing the rule turns the series into a single event and drops them all.
    ``version`` grows when content changed. The changes are checked on a copy of ``event``
    before the write transaction opens, and again on the locked row inside it.
    """
    draft = copy.copy(event)
    _apply(draft, changes)
    _check(draft)
    return _update(event, changes)


FOLLOWED = (
    "title",
    "description",
    "location",
    "show_as",
    "privacy",
    "organizer_email",
    "organizer_name",
)
"""Fields an exception takes from its series when the series changes them, unless the
exception has a value of its own (as Outlook's exceptions keep only what they override)."""


def _follow(series: Event, old: Mapping[str, Any]) -> None:
    """The exceptions of ``series`` that still had the series' ``old`` values of the
    :data:`FOLLOWED` fields take the new ones (their version moves)."""
    moved: set[int] = set()
    for name in FOLLOWED:
        new = getattr(series, name)
        if old[name] == new:
            continue
        following = series.exceptions.filter(**{name: old[name]})
        moved |= set(following.values_list("pk", flat=True))
        following.update(**{name: new})
    if moved:
        Event.objects.filter(pk__in=moved).update(version=F("version") + 1, updated=timezone.now())


@transaction.atomic
def _update(event: Event, changes: Mapping[str, Any]) -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    before = _snapshot(event)
    old_times = recurrence.SeriesTimes.of(event) if event.is_series else None
    old_values = {name: getattr(event, name) for name in FOLLOWED}
    _apply(event, changes)
    _check(event)
    if "attendees" in changes:
        _set_attendees(event, list(changes["attendees"]))
    if _snapshot(event) != before:
        event.version += 1
    event.save()
    if event.series_id is None and (
        old_times is not None and any(name in changes for name in TIME_FIELDS)
    ):
        _reconcile_series(event, old_times)
    if event.is_series:
        _follow(event, old_values)
        calendar_list.move_series_exceptions(event)
    _changed(event.owner_id, event.pk)
    return event


def _reconcile_series(series: Event, old: recurrence.SeriesTimes) -> None:
    """After ``series`` changed from ``old``, keep exceptions/cancellations still matching."""
    if not series.recurrence:
        series.exceptions.all().delete()
        series.cancellations.all().delete()
        return
    new = recurrence.SeriesTimes.of(series)

    def moved(original: datetime) -> datetime:
        if old.all_day and new.all_day:
            return validation.midnight(recurrence.to_local(original, old.tz).date(), new.tz)
        if not old.all_day and not new.all_day:
            day = recurrence.to_local(original, old.tz).date()
            wall = datetime.combine(day, new.local_start.time())
            return recurrence.localise(wall, new.tz)
        return original

    for exception in series.exceptions.all():
        original = moved(exception.original_start)
        if recurrence.slot_at(new, original) is None:
            exception.delete()
        elif original != exception.original_start:
            exception.original_start = original
            exception.version += 1
            exception.save(update_fields=["original_start", "version", "updated"])
    for cancelled in series.cancellations.all():
        original = moved(cancelled.original_start)
        if recurrence.slot_at(new, original) is None:
            cancelled.delete()
        elif original != cancelled.original_start:
            cancelled.original_start = original
            cancelled.save(update_fields=["original_start"])


@transaction.atomic
def do_delete_event(event: Event) -> None:
    """Delete ``event``: a single event or a whole series (with its exceptions) is gone;
    an exception's occurrence becomes cancelled (it does not fall back to the rule)."""
    if event.series_id is not None:
        assert event.series is not None and event.original_start is not None
        do_cancel_occurrence(event.series, event.original_start)
        return
    owner_id, event_id = event.owner_id, event.pk
    event.delete()
    _changed(owner_id, event_id)


def _set_active(event: Event, active: bool) -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.active != active:
        event.active = active
        event.version += 1
        event.save(update_fields=["active", "version", "updated"])
        _changed(event.owner_id, event.pk)
    return event


@transaction.atomic
def do_archive_event(event: Event) -> Event:
    """Archive ``event`` (hidden, kept, restorable); a series hides all its occurrences."""
    return _set_active(event, False)


@transaction.atomic
def do_unarchive_event(event: Event) -> Event:
    """Bring an archived event back."""
    return _set_active(event, True)


def _occurrence_slot(series: Event, original_start: datetime) -> recurrence.Slot:
    if not series.is_series:
        raise ValidationError({"id": [_("This event is not a series.")]})
    slot = recurrence.slot_at(recurrence.SeriesTimes.of(series), original_start)
    if slot is None:
        raise ValidationError({"id": [_("The series has no occurrence at that time.")]})
    return slot


@transaction.atomic
def do_answer_occurrences(
    series: Event,
    slots: Sequence[recurrence.Slot],
    email: str,
    answer: Mapping[str, Any],
    *,
    responder_id: int | None = None,
) -> list[Event]:
    """Write an attendee's ``answer`` (as :func:`do_answer`) on the occurrences of
    ``series`` at ``slots`` (occurrences of its rule): each occurrence not modified yet
    becomes an exception carrying it (a copy of the series, in a few queries however many
    there are), an exception already there is answered; cancelled ones are left alone.
    The new exceptions send one ``calendar_changed`` to the owner and one to
    ``responder_id`` (naming the first), not one each. Returns the rows written, in the
    order of ``slots``."""
    series = Event.objects.select_for_update().get(pk=series.pk)
    originals = [slot.original_start for slot in slots]
    existing = {e.original_start: e for e in series.exceptions.filter(original_start__in=originals)}
    cancelled = set(
        CancelledOccurrence.objects.filter(series=series, original_start__in=originals).values_list(
            "original_start", flat=True
        )
    )
    new = []
    for slot in slots:
        if slot.original_start in existing or slot.original_start in cancelled:
            continue
        exception = Event(
            owner=series.owner,
            series=series,
            original_start=slot.original_start,
            calendar_id=series.calendar_id,
        )
        for name in COPIED_TO_EXCEPTION:
            setattr(exception, name, getattr(series, name))
        exception.start, exception.end = slot.start, slot.end
        exception.start_date, exception.end_date = slot.start_date, slot.end_date
        exception.version = 2  # made, then answered: a change the sync sees
        new.append(exception)
    Event.objects.bulk_create(new)
    people = list(series.attendees.all())
    rows = [{"email": a.email, "name": a.name, "type": a.type, "status": a.status} for a in people]
    for row in rows:
        if row["email"] == email:
            row.update(answer)
    Attendee.objects.bulk_create(
        Attendee(event=exception, **row) for exception in new for row in rows
    )
    if new:  # one signal per user for the lot (each asks that user's sync)
        _changed(series.owner_id, new[0].pk)
        if responder_id is not None and responder_id != series.owner_id:
            _changed(responder_id, new[0].pk)
    made = {e.original_start: e for e in new}
    for original, exception in existing.items():
        made[original] = do_answer(
            exception, email, answer, whole_series=False, responder_id=responder_id
        )
    return [made[o] for o in originals if o in made]


@transaction.atomic
def do_update_occurrence(
    series: Event, original_start: datetime, changes: Mapping[str, Any]
) -> Event:
    """Turn one occurrence into an exception carrying ``changes`` (or change the existing
    exception). The exception starts as a copy of the series and keeps ``original_start``;
    it is active unless ``changes`` say otherwise (archiving the series hides it, whatever
    its own flag)."""
    series = Event.objects.select_for_update().get(pk=series.pk)
    existing = series.exceptions.filter(original_start=original_start).first()
    if existing is not None:
        return do_update_event(existing, changes)
    if CancelledOccurrence.objects.filter(series=series, original_start=original_start).exists():
        raise ValidationError({"id": [_("This occurrence was cancelled.")]})
    slot = _occurrence_slot(series, original_start)
    exception = Event(
        owner=series.owner,
        series=series,
        original_start=original_start,
        calendar_id=series.calendar_id,
    )
    for name in COPIED_TO_EXCEPTION:
        setattr(exception, name, getattr(series, name))
    exception.active = True  # its own flag: an archived series hides it, unarchiving shows it
    exception.start, exception.end = slot.start, slot.end
    exception.start_date, exception.end_date = slot.start_date, slot.end_date
    _apply(exception, changes)
    _check(exception)
    exception.save()
    attendees = changes.get("attendees")
    if attendees is None:
        attendees = [
            {"email": a.email, "name": a.name, "type": a.type, "status": a.status}
            for a in series.attendees.all()
        ]
    _set_attendees(exception, list(attendees))
    _changed(series.owner_id, exception.pk)
    return exception


@transaction.atomic
def do_cancel_occurrence(series: Event, original_start: datetime) -> None:
    """Cancel one occurrence of ``series`` (dropping its exception, if any)."""
    series = Event.objects.select_for_update().get(pk=series.pk)
    deleted, _rows = series.exceptions.filter(original_start=original_start).delete()
    if not deleted:
        _occurrence_slot(series, original_start)
    _cancelled, created = CancelledOccurrence.objects.get_or_create(
        series=series, original_start=original_start
    )
    if created or deleted:
        series.version += 1
        series.save(update_fields=["version", "updated"])
    _changed(series.owner_id, series.pk)


@transaction.atomic
def do_answer(
    event: Event,
    email: str,
    answer: Mapping[str, Any],
    *,
    whole_series: bool = True,
    responder_id: int | None = None,
) -> Event:
    """Write an attendee's own values on ``event`` (the entry with ``email``): any of
    ``status`` (their answer), ``comment`` and ``send_response`` (what goes with it) and
    ``show_as`` (how it shows in their calendar). On a series, with ``whole_series``, the
    series' exceptions that list the attendee get them too (an answer to the series
    answers all of it). Bumps the version of each event whose entry changed (the answer
    and the show-as are content of the entry; the comment is not) and announces the change
    to the owner and to ``responder_id``."""
    events = [event]
    if whole_series and event.is_series:
        events += list(event.exceptions.filter(attendees__email=email))
    for target in events:
        row = Attendee.objects.select_for_update().filter(event=target, email=email).first()
        if row is None:
            continue
        bumps = any(
            name in answer and getattr(row, name) != answer[name] for name in ("status", "show_as")
        )
        for name, value in answer.items():
            setattr(row, name, value)
        row.save()
        if bumps:
            Event.objects.filter(pk=target.pk).update(
                version=F("version") + 1, updated=timezone.now()
            )
        _changed(target.owner_id, target.pk)
        if responder_id is not None and responder_id != target.owner_id:
            _changed(responder_id, target.pk)
    return Event.objects.get(pk=event.pk)
