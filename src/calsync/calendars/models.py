"""The local calendar: a user's calendars, events, their attendees, series and their
cancelled occurrences.

A user has one or more :class:`Calendar` rows, exactly one of them the default (made with
the user; see :mod:`calsync.calendars.calendar_list`). Every event is filed in one calendar
of its owner; an exception is in its series' calendar.

An :class:`Event` row is one of three things:

* a **single** event: ``recurrence == ""`` and ``series is None``;
* a **series master**: ``recurrence`` holds an RFC 5545 RRULE (without DTSTART: the
  event's own start is the DTSTART, read as wall time in ``timezone``);
* an **exception** (a modified occurrence): ``series`` points at the master and
  ``original_start`` is the instant the occurrence would have had under the rule.

A *mirror copy* (``mirror_of`` not empty) is the busy or redacted copy of an event of
another calendar, made by a link in that mode: ``mirror_mode``, the source calendar
(``mirror_source``, its name when last copied ``mirror_source_name``) and the hash of the
projection it was made from (``mirror_hash``). It is never copied on by any link, and the
page shows it read-only (editing it never reaches its original).

A cancelled occurrence is a :class:`CancelledOccurrence` row. Instants are stored in UTC;
all-day events keep their dates in ``start_date``/``end_date`` (end exclusive) and, for
window queries only, ``start``/``end`` at local midnight of those dates.

Rows are written through :mod:`calsync.calendars.actions` only: they keep ``version``,
``series_end`` and the exceptions of a series consistent.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ShowAs(models.TextChoices):
    FREE = "free", _("Free")
    TENTATIVE = "tentative", _("Tentative")
    BUSY = "busy", _("Busy")
    OOF = "oof", _("Away")
    WORKING_ELSEWHERE = "workingElsewhere", _("Working elsewhere")
    UNKNOWN = "unknown", _("Unknown")


class Privacy(models.TextChoices):
    NORMAL = "normal", _("Normal")
    PERSONAL = "personal", _("Personal")
    PRIVATE = "private", _("Private")
    CONFIDENTIAL = "confidential", _("Confidential")


class MirrorMode(models.TextChoices):
    """What a copy of another calendar's event keeps (see :attr:`Event.mirror_of`)."""

    BUSY = "busy", _("busy")
    REDACTED = "redacted", _("redacted")


class AttendeeType(models.TextChoices):
    REQUIRED = "required", _("Required")
    OPTIONAL = "optional", _("Optional")
    RESOURCE = "resource", _("Resource")


class ResponseStatus(models.TextChoices):
    NONE = "none", _("No response")
    ACCEPTED = "accepted", _("Accepted")
    TENTATIVE = "tentative", _("Tentative")
    DECLINED = "declined", _("Declined")


TITLE_MAX = 255
LOCATION_MAX = 255
DESCRIPTION_MAX = 100 * 1024
MAX_ATTENDEES = 500
ORIGIN_OUTLOOK = "outlook"
"""``Event.origin`` of an event a sync brought in from Outlook (made there, not here)."""
CALENDAR_NAME_MAX = 100


class Calendar(models.Model):
    """One of ``owner``'s calendars: a name, a colour (``#rrggbb``), whether it is the
    default one (where new events go unless told otherwise). The default's ``name`` may be
    empty: it then reads "Calendar" in the reader's language."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendars",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=CALENDAR_NAME_MAX, blank=True)
    color = models.CharField(_("colour"), max_length=7, default="#3b82f6")
    is_default = models.BooleanField(_("default calendar"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")
        ordering = ("-is_default", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(is_default=True),
                name="calendar_one_default_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(_("Calendar"))


class Event(models.Model):
    """A calendar entry of ``owner``: a single event, a series master or an exception."""

    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("owner"),
    )
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.RESTRICT,
        related_name="events",
        verbose_name=_("calendar"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX, blank=True)
    description = models.TextField(_("description (HTML)"), blank=True)
    location = models.CharField(_("location"), max_length=LOCATION_MAX, blank=True)

    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    all_day = models.BooleanField(_("all day"), default=False)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date (exclusive)"), null=True, blank=True)

    show_as = models.CharField(
        _("show as"), max_length=20, choices=ShowAs.choices, default=ShowAs.BUSY
    )
    privacy = models.CharField(
        _("privacy"), max_length=20, choices=Privacy.choices, default=Privacy.NORMAL
    )
    active = models.BooleanField(_("active"), default=True)
    origin = models.CharField(
        _("origin"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("The outside calendar the event was made in (empty: made in calsync)."),
    )
    mirror_of = models.CharField(
        _("copy of"),
        max_length=255,
        blank=True,
        default="",
        help_text=_("The key of the event this one is a busy or redacted copy of (empty: none)."),
    )
    mirror_mode = models.CharField(
        _("copy mode"), max_length=16, choices=MirrorMode.choices, blank=True, default=""
    )
    mirror_source = models.CharField(
        _("copied from calendar"), max_length=255, blank=True, default=""
    )
    mirror_source_name = models.CharField(
        _("name of the calendar copied from"), max_length=255, blank=True, default=""
    )
    mirror_hash = models.CharField(_("copied projection"), max_length=64, blank=True, default="")

    organizer_email = models.EmailField(_("organizer email"), blank=True)
    organizer_name = models.CharField(_("organizer name"), max_length=255, blank=True)

    recurrence = models.TextField(_("recurrence rule"), blank=True)
    series_end = models.DateTimeField(
        _("end of the series"),
        null=True,
        blank=True,
        help_text=_("End of the last occurrence; empty when the series never ends."),
    )
    series = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exceptions",
        verbose_name=_("series"),
    )
    original_start = models.DateTimeField(_("original start"), null=True, blank=True)

    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ("start", "id")
        indexes = [
            models.Index(fields=["owner", "start", "end"], name="event_owner_window"),
            models.Index(fields=["series", "original_start"], name="event_series_original"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "original_start"],
                condition=Q(series__isnull=False),
                name="event_one_exception_per_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True, original_start__isnull=True)
                | Q(series__isnull=False, original_start__isnull=False),
                name="event_exception_has_original_start",
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True) | Q(recurrence=""),
                name="event_exception_has_no_rule",
            ),
            models.CheckConstraint(
                condition=Q(all_day=False) | Q(start_date__isnull=False, end_date__isnull=False),
                name="event_all_day_has_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(self.uid)

    @property
    def is_series(self) -> bool:
        """True for a series master (it has a rule)."""
        return bool(self.recurrence) and self.series_id is None

    @property
    def is_exception(self) -> bool:
        """True for a modified occurrence of a series."""
        return self.series_id is not None


class Attendee(models.Model):
    """Someone invited to an event; ``email`` is stored lower-case, unique per event."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="attendees", verbose_name=_("event")
    )
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=255, blank=True)
    type = models.CharField(
        _("type"), max_length=10, choices=AttendeeType.choices, default=AttendeeType.REQUIRED
    )
    status = models.CharField(
        _("response"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.NONE
    )
    show_as = models.CharField(
        _("show as (the attendee's own)"),
        max_length=20,
        choices=ShowAs.choices,
        blank=True,
        help_text=_("How the meeting shows in the attendee's calendar; empty: as the event."),
    )
    comment = models.TextField(_("comment with the answer"), blank=True)
    send_response = models.BooleanField(_("answer sent to the organiser"), default=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=["event", "email"], name="attendee_once_per_event"),
        ]
        indexes = [models.Index(fields=["email"], name="attendee_email")]

    def __str__(self) -> str:
        return self.email


class CancelledOccurrence(models.Model):
    """One occurrence of a series that does not take place (an EXDATE)."""

    series = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="cancellations",
        verbose_name=_("series"),
    )
    original_start = models.DateTimeField(_("original start"))
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("cancelled occurrence")
        verbose_name_plural = _("cancelled occurrences")
        ordering = ("original_start",)
        constraints = [
            models.UniqueConstraint(
                fields=["series", "original_start"], name="cancellation_once_per_occurrence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series_id}@{self.original_start.isoformat()}"


class MailAddress(models.Model):
    """An address of a user's connected mailbox besides their login (its primary SMTP
    address, user principal name, aliases): invitations to it are the user's, and meetings
    it organises are theirs. One user per address; stored lower-case; kept up to date by
    the app that reads the mailbox (see :mod:`calsync.calendars.people`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mail_addresses",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("email"), unique=True)
    checked = models.DateTimeField(_("last read from the mailbox"), auto_now=True)

    class Meta:
        verbose_name = _("mailbox address")
        verbose_name_plural = _("mailbox addresses")
        ordering = ("email",)

    def __str__(self) -> str:
        return self.email


class IcsFeed(models.Model):
    """A user's private ICS subscription URL: of all their calendars (``calendar`` null, one
    per user) or of one calendar (one per calendar).

    The URL token is ``HMAC(SECRET_KEY, secret)``; the database keeps ``secret`` and the
    SHA-256 of the token, so a copy of the database alone does not open any feed.
    Rotating replaces ``secret``, which revokes the old URL.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ics_feeds",
        verbose_name=_("user"),
    )
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ics_feeds",
        verbose_name=_("calendar"),
    )
    secret = models.CharField(_("secret"), max_length=64)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created = models.DateTimeField(_("created"), auto_now=True)

    class Meta:
        verbose_name = _("ICS feed")
        verbose_name_plural = _("ICS feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(calendar__isnull=True), name="ics_feed_one_for_all"
            ),
            models.UniqueConstraint(
                fields=["calendar"],
                condition=Q(calendar__isnull=False),
                name="ics_feed_one_per_calendar",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)
