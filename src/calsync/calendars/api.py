"""REST API of the calendar (docs/contract.md, REST API): thin views over access checks
and actions.

Every event URL takes an API id (see :mod:`calsync.calendars.access`): the verbs on a
series' id act on the whole series; on an occurrence id, PATCH turns that occurrence into
an exception (the answer carries its stable id) and DELETE cancels it.

Meetings someone else organises: their fields are the organiser's (a PATCH that would
change one is a 403 saying why; one carrying only the reader's own ``show_as``, or values
as they are, passes); ``POST …/respond`` answers them; a DELETE or an archive declines
them (the organiser keeps the meeting).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calsync.accounts.models import User
from calsync.calendars import (
    actions,
    calendar_list,
    changes,
    feeds,
    ics,
    meetings,
    people,
    search,
    validation,
)
from calsync.calendars.access import (
    access_event,
    access_event_for_answer,
    can_edit,
    declined_by,
    events_visible_to,
    has_declined,
    read_only_reason,
)
from calsync.calendars.models import Calendar, Event, IcsFeed, ResponseStatus
from calsync.calendars.occurrences import Occurrence, WindowTooFull, list_window, with_details
from calsync.calendars.serializers import EventSerializer, EventWriteSerializer

MAX_WINDOW = timedelta(days=5 * 366)
"""The longest window ``GET /api/events`` expands (Graph's calendarView has the same)."""
MAX_WINDOW_ITEMS = 5000
"""The most items ``GET /api/events?start=&end=`` returns; a fuller window is a 400 that
says so (the calendar page asks for a month at most: 50 daily series make 2,100 items)."""


class WindowTooFullError(APIException):
    """400: the window holds more than :data:`MAX_WINDOW_ITEMS` items."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "window_too_full"


_SPACE_FOR_PLUS = re.compile(r"^(?P<head>.*\d) (?P<offset>\d{2}:?\d{2})$")

EVENT_ID_PARAMETER = OpenApiParameter(
    "event_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_lazy("An event id (`12`) or an occurrence id (`12.20261124T080000Z`)."),
)


def _django_errors(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"non_field_errors": exc.messages})


def _window_bound(request: Request, name: str, tz: ZoneInfo) -> datetime:
    raw = request.query_params[name].strip()
    match = _SPACE_FOR_PLUS.match(raw)
    if match:  # an unescaped "+" in a query string arrives as a space
        raw = f"{match['head']}+{match['offset']}"
    try:
        if len(raw) == 10 and validation.parse_date_safe(raw) is not None:
            return validation.midnight(validation.parse_day(raw), tz)
        return validation.parse_instant(raw, tz)
    except DjangoValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc


def _window(request: Request) -> tuple[datetime, datetime] | None:
    """The ``start``/``end`` window of a listing, or None when neither is given."""
    given = [name for name in ("start", "end") if request.query_params.get(name)]
    if not given:
        return None
    if len(given) == 1:
        missing = "end" if given == ["start"] else "start"
        raise ValidationError({missing: [_("Give both start and end, or neither.")]})
    zone = request.query_params.get("timezone") or "UTC"
    try:
        tz = ZoneInfo(validation.check_timezone(zone))
    except DjangoValidationError as exc:
        raise ValidationError({"timezone": exc.messages}) from exc
    start, end = _window_bound(request, "start", tz), _window_bound(request, "end", tz)
    if end <= start:
        raise ValidationError({"end": [_("The end of the window must be after its start.")]})
    if end - start > MAX_WINDOW:
        raise ValidationError({"end": [_("The window may span at most five years.")]})
    return start, end


def _calendar_of(request: Request) -> Any:
    """The events listed: the user's calendar, or (admins only) that of ``?user=<id>``."""
    user: User = request.user
    wanted = request.query_params.get("user")
    if not wanted or wanted == str(user.pk):
        return events_visible_to(user)
    if not user.is_admin:
        raise PermissionDenied(_("Only administrators may read another user's calendar."))
    if not wanted.isdigit():
        raise ValidationError({"user": [_("A user id is a number.")]})
    target = User.objects.filter(pk=int(wanted)).first()
    if target is None:
        raise ValidationError({"user": [_("No such user.")]})
    return events_visible_to(target)


def _reader(request: Request) -> User:
    """Whose calendar a listing shows (``?user=`` for administrators, else the caller)."""
    wanted = request.query_params.get("user")
    if wanted and wanted.isdigit() and request.user.is_admin:
        return User.objects.filter(pk=int(wanted)).first() or request.user
    return request.user


BRIEF_PARAMETER = OpenApiParameter(
    "brief",
    OpenApiTypes.BOOL,
    description=_lazy(
        "Only the fields a calendar grid draws (id, title, location, times, show_as, active, "
        "recurrence, series_id, in_outlook, from_outlook, version, editable, mirror, "
        "my_response, calendar, updated): read one event in full when it is opened."
    ),
)


def _listing_context(request: Request) -> dict[str, Any]:
    """The serializer's context of a listing: its reader, and ``brief`` when asked for."""
    brief = request.query_params.get("brief", "") in {"1", "true", "yes"}
    return {"user": request.user, "brief": brief}


def _out(request: Request, item: Event | Occurrence) -> dict[str, Any]:
    return EventSerializer(item, context={"user": request.user}).data


def _api_id(item: Event | Occurrence) -> str | int:
    return item.api_id if isinstance(item, Occurrence) else item.pk


def _reloaded(event: Event) -> Event:
    return with_details(Event.objects.filter(pk=event.pk)).get()


class EventListView(APIView):
    """``GET /api/events`` lists; ``POST /api/events`` creates."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.STR, description=_lazy("Window start (ISO).")),
            OpenApiParameter(
                "end", OpenApiTypes.STR, description=_lazy("Window end (ISO), ≤ 5 years.")
            ),
            OpenApiParameter(
                "timezone", OpenApiTypes.STR, description=_lazy("Zone of naive window bounds.")
            ),
            OpenApiParameter("archived", OpenApiTypes.BOOL, description=_lazy("Include archived.")),
            OpenApiParameter(
                "user", OpenApiTypes.INT, description=_lazy("Admins: whose calendar.")
            ),
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description=_lazy("Search: every word in the title, location or attendees."),
            ),
            OpenApiParameter(
                "calendar",
                OpenApiTypes.STR,
                description=_lazy(
                    "Only these calendars: ids separated by commas (the default calendar also "
                    "holds the meetings others organise); an id that is not one of yours is "
                    "a 400 naming it."
                ),
            ),
            BRIEF_PARAMETER,
        ],
        responses={200: EventSerializer(many=True)},
        description=_lazy(
            "With `start` and `end`: the events overlapping the window, series expanded to "
            "occurrences; a window of more than 5 years, or holding more than 5000 items, is "
            "a 400 that says so. Without: single events, series masters and exceptions, "
            "unexpanded. With `q`: only the matching ones (without a window, at most 50: "
            "upcoming first, then the latest past)."
        ),
    )
    def get(self, request: Request) -> Response:
        events = _calendar_of(request)
        archived = request.query_params.get("archived", "") in {"1", "true", "yes"}
        query = _query(request)
        if query:
            events = search.matching(events, query)
        events = _in_calendars(request, events)
        if not archived:
            events = events.exclude(declined_by(_reader(request)))
        window = _window(request)
        if window is None:
            if not archived:
                events = events.filter(active=True).exclude(series__active=False)
            ordered = with_details(events).order_by("start", "id")
            items: list[Event | Occurrence] = search.best_first(ordered) if query else list(ordered)
        else:
            items = _window_items(events, window, archived)
        context = _listing_context(request)
        return Response(EventSerializer(items, many=True, context=context).data)

    @extend_schema(request=EventWriteSerializer, responses={201: EventSerializer})
    def post(self, request: Request) -> Response:
        form = EventWriteSerializer(
            data=request.data, context={"current": None, "user": request.user}
        )
        form.is_valid(raise_exception=True)
        try:
            event = actions.do_create_event(request.user, form.validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(_out(request, _reloaded(event)), status=status.HTTP_201_CREATED)


def _window_items(
    events: Any, window: tuple[datetime, datetime], archived: bool
) -> list[Event | Occurrence]:
    """What of ``events`` the window holds (series expanded); a 400 past the item limit."""
    try:
        return list_window(events, *window, archived=archived, limit=MAX_WINDOW_ITEMS)
    except WindowTooFull as exc:
        raise WindowTooFullError(
            _(
                "This window holds more than %(limit)d events and occurrences: ask for "
                "a shorter one."
            )
            % {"limit": exc.limit}
        ) from exc


def _in_calendars(request: Request, events: Any) -> Any:
    """``events`` narrowed to ``?calendar=<id>[,<id>…]`` (calendars of the user whose calendar
    is listed; the default one also holds the meetings others organise), or as they are
    when the parameter is absent or empty. A bad, unknown or foreign id is a 400 naming it."""
    raw = request.query_params.get("calendar", "").strip()
    if not raw:
        return events
    wanted: list[int] = []
    for part in raw.split(","):
        text = part.strip()
        if not text.isdigit() or len(text) > 18:
            raise ValidationError(
                {"calendar": [_("“%(id)s” is not a calendar id.") % {"id": text[:40]}]}
            )
        wanted.append(int(text))
    reader = _reader(request)
    found = {c.pk: c for c in Calendar.objects.filter(owner=reader, pk__in=wanted)}
    for pk in wanted:
        if pk not in found:
            raise ValidationError(
                {"calendar": [_("Calendar %(id)d is not one of yours.") % {"id": pk}]}
            )
    shown = Q(pk__in=[])
    for calendar in found.values():
        shown |= calendar_list.filed_in(reader, calendar)
    return events.filter(shown)


def _query(request: Request) -> str:
    """The ``q`` search text (stripped), or "" when there is none."""
    query = request.query_params.get("q", "").strip()
    if len(query) > search.QUERY_MAX:
        raise ValidationError(
            {"q": [_("Search for at most %(max)d characters.") % {"max": search.QUERY_MAX}]}
        )
    return query


class ChangesView(APIView):
    """``GET /api/changes``: the caller's change cursor (:mod:`calsync.calendars.changes`)."""

    @extend_schema(
        responses=inline_serializer(
            "ChangeCursor", {"parts": serializers.DictField(child=serializers.CharField())}
        )
    )
    def get(self, request: Request) -> Response:
        return Response({"parts": changes.cursor(request.user)})


def _since(request: Request) -> datetime:
    """The ``since`` instant: microseconds since 1970 (the stamp of the cursor's events part)."""
    raw = request.query_params.get("since", "").strip()
    if not raw.isdigit() or len(raw) > 19:
        raise ValidationError({"since": [_("Give since as the microseconds of a change cursor.")]})
    return changes.stamp_instant(int(raw))


def _touched_since(item: Event | Occurrence, since: datetime) -> bool:
    """Whether ``item``'s row, or its series' row, changed after ``since``."""
    event = item.series if isinstance(item, Occurrence) else item
    if event.updated > since:
        return True
    return event.series_id is not None and event.series.updated > since


class ChangedEventsView(APIView):
    """``GET /api/changes/events``: what changed in a window since a cursor's stamp."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.STR, description=_lazy("Window start (ISO).")),
            OpenApiParameter("end", OpenApiTypes.STR, description=_lazy("Window end (ISO).")),
            OpenApiParameter(
                "since",
                OpenApiTypes.INT,
                description=_lazy("Microseconds since 1970: the stamp of an earlier cursor."),
            ),
            OpenApiParameter("archived", OpenApiTypes.BOOL, description=_lazy("Include archived.")),
            OpenApiParameter(
                "calendar",
                OpenApiTypes.STR,
                description=_lazy(
                    "Only these calendars, as for GET /api/events: an event moved out of "
                    "them is not in `ids`; an id that is not one of yours is a 400 naming it."
                ),
            ),
            BRIEF_PARAMETER,
        ],
        responses=inline_serializer(
            "ChangedEvents",
            {
                "events": EventSerializer(many=True),
                "ids": serializers.ListField(child=serializers.CharField()),
            },
        ),
        description=_lazy(
            "The window's events and occurrences whose event (or series) changed after "
            "`since`, in full, and the ids of everything the window holds now: a page "
            "redraws the first and removes what is not in `ids`, leaving the rest as drawn."
        ),
    )
    def get(self, request: Request) -> Response:
        since = _since(request)
        window = _window(request)
        if window is None:
            raise ValidationError({"start": [_("Give the window's start and end.")]})
        archived = request.query_params.get("archived", "") in {"1", "true", "yes"}
        events = _in_calendars(request, _calendar_of(request))
        if not archived:
            events = events.exclude(declined_by(_reader(request)))
        items = _window_items(events, window, archived)
        changed = [item for item in items if _touched_since(item, since)]
        context = _listing_context(request)
        return Response(
            {
                "events": EventSerializer(changed, many=True, context=context).data,
                "ids": [str(_api_id(item)) for item in items],
            }
        )


class EventDetailView(APIView):
    """``GET``/``PATCH``/``DELETE /api/events/<id>`` on an event, series or occurrence."""

    @extend_schema(parameters=[EVENT_ID_PARAMETER], responses={200: EventSerializer})
    def get(self, request: Request, event_id: str) -> Response:
        return Response(_out(request, access_event(request.user, event_id)))

    @extend_schema(
        parameters=[EVENT_ID_PARAMETER],
        request=EventWriteSerializer,
        responses={200: EventSerializer},
        description=_lazy("On an occurrence id this turns the occurrence into an exception."),
    )
    def patch(self, request: Request, event_id: str) -> Response:
        item = access_event(request.user, event_id)
        target = item.series if isinstance(item, Occurrence) else item
        form = EventWriteSerializer(
            data=request.data, partial=True, context={"current": item, "user": request.user}
        )
        if not can_edit(request.user, target):
            return self._patch_as_attendee(request, item, form)
        form.is_valid(raise_exception=True)
        try:
            if isinstance(item, Occurrence):
                event = actions.do_update_occurrence(
                    item.series, item.original_start, form.validated_data
                )
            else:
                event = actions.do_update_event(item, form.validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(_out(request, _reloaded(event)))

    def _patch_as_attendee(
        self, request: Request, item: Event | Occurrence, form: EventWriteSerializer
    ) -> Response:
        """A PATCH by someone who does not organise the event: only their own show-as."""
        target = item.series if isinstance(item, Occurrence) else item
        if not form.is_valid() or meetings.organiser_fields_changed(form.validated_data, item):
            raise PermissionDenied(read_only_reason(request.user, target))
        _item, own = access_event_for_answer(request.user, str(_api_id(item)))
        show_as = form.validated_data.get("show_as")
        if show_as is not None and show_as != (own.show_as or target.show_as):
            meetings.answer(request.user, item, own.email, {"show_as": show_as})
        return Response(_out(request, access_event(request.user, str(_api_id(item)))))

    @extend_schema(
        parameters=[EVENT_ID_PARAMETER],
        responses={204: None},
        description=_lazy(
            "On an occurrence or exception id this cancels that occurrence only. On a meeting "
            "someone else organises it declines it (the organiser keeps it)."
        ),
    )
    def delete(self, request: Request, event_id: str) -> Response:
        item = access_event(request.user, event_id)
        target = item.series if isinstance(item, Occurrence) else item
        if not can_edit(request.user, target):
            _item, own = access_event_for_answer(request.user, event_id)
            meetings.answer(request.user, item, own.email, meetings.decline())
            return Response(status=status.HTTP_204_NO_CONTENT)
        try:
            if isinstance(item, Occurrence):
                actions.do_cancel_occurrence(item.series, item.original_start)
            else:
                actions.do_delete_event(item)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class _ActiveView(APIView):
    archive = True

    @extend_schema(parameters=[EVENT_ID_PARAMETER], request=None, responses={200: EventSerializer})
    def post(self, request: Request, event_id: str) -> Response:
        item = access_event(request.user, event_id)
        target = item.series if isinstance(item, Occurrence) else item
        if not can_edit(request.user, target):
            return self._as_attendee(request, event_id)
        if isinstance(item, Occurrence):
            if not self.archive:
                return Response(_out(request, item))
            event = actions.do_update_occurrence(
                item.series, item.original_start, {"active": False}
            )
        elif self.archive:
            event = actions.do_archive_event(item)
        else:
            event = actions.do_unarchive_event(item)
        return Response(_out(request, _reloaded(event)))

    def _as_attendee(self, request: Request, event_id: str) -> Response:
        """Archiving a meeting one attends declines it; unarchiving one declined is
        answering it again, which a 403 says."""
        item, own = access_event_for_answer(request.user, event_id)
        if self.archive:
            meetings.answer(request.user, item, own.email, meetings.decline())
        elif has_declined(request.user, item.series if isinstance(item, Occurrence) else item):
            raise PermissionDenied(
                _(
                    "You declined this meeting. To bring it back, answer it again: accept it "
                    "or answer tentatively."
                )
            )
        return Response(_out(request, access_event(request.user, event_id)))


class EventArchiveView(_ActiveView):
    """``POST /api/events/<id>/archive``: hide the event (kept, restorable)."""

    archive = True


class EventUnarchiveView(_ActiveView):
    """``POST /api/events/<id>/unarchive``: bring it back."""

    archive = False


class RespondSerializer(serializers.Serializer):
    """The body of ``POST /api/events/<id>/respond``."""

    response = serializers.ChoiceField(
        choices=[(value, label) for value, label in ResponseStatus.choices if value != "none"]
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=meetings.COMMENT_MAX
    )
    send = serializers.BooleanField(
        required=False,
        default=True,
        help_text=_lazy("Whether the organiser gets the answer (Outlook's sendResponse)."),
    )
    following = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_lazy(
            "On an occurrence: answer it and every later occurrence of the series (up to "
            "two years ahead), each on its own."
        ),
    )


class EventRespondView(APIView):
    """``POST /api/events/<id>/respond``: answer an invitation (a series, one occurrence,
    or an occurrence and the following ones)."""

    @extend_schema(
        parameters=[EVENT_ID_PARAMETER],
        request=RespondSerializer,
        responses={200: EventSerializer},
        description=_lazy(
            "Answer a meeting someone else organises: on a series' id the whole series, on "
            "an occurrence id that occurrence only, or with following that occurrence and "
            "every later one up to two years ahead (Outlook has no answer for the rest of a "
            "series: each occurrence is answered on its own, and with send the organiser "
            "gets one answer for each). The answer reaches Outlook at the next sync (accept, "
            "tentativelyAccept or decline). A declined meeting leaves the calendar (listed "
            "with the archived ones); the organiser keeps it."
        ),
    )
    def post(self, request: Request, event_id: str) -> Response:
        form = RespondSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        item, own = access_event_for_answer(request.user, event_id)
        answer = {
            "status": form.validated_data["response"],
            "comment": form.validated_data["comment"],
            "send_response": form.validated_data["send"],
        }
        if form.validated_data["following"]:
            try:
                meetings.answer_following(request.user, item, own.email, answer)
            except DjangoValidationError as exc:
                raise _django_errors(exc) from exc
        else:
            meetings.answer(request.user, item, own.email, answer)
        return Response(_out(request, access_event(request.user, event_id)))


class DirectoryEntrySerializer(serializers.Serializer):
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True)


class PeopleView(APIView):
    """``GET /api/people?search=…``: calsync users to invite (at most 20)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "search",
                OpenApiTypes.STR,
                description=_lazy("Part of a name or an address (at least two characters)."),
            )
        ],
        responses={200: DirectoryEntrySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(people.search_people(request.query_params.get("search", "")))


class IcsUrlSerializer(serializers.Serializer):
    url = serializers.URLField(read_only=True)


def _feed_answer(request: Request, feed: IcsFeed) -> Response:
    path = reverse("ics-feed", kwargs={"token": feeds.feed_token(feed)})
    return Response({"url": request.build_absolute_uri(path)})


class IcsUrlView(APIView):
    """``GET /api/ics``: the private URL of the user's ICS feed of all their calendars
    (created on first use); one calendar's is ``GET /api/calendars/<id>/ics``."""

    @extend_schema(responses={200: IcsUrlSerializer})
    def get(self, request: Request) -> Response:
        return _feed_answer(request, feeds.ensure_feed(request.user))


class IcsRotateView(APIView):
    """``POST /api/ics/rotate``: a new private URL; the old one stops working."""

    @extend_schema(request=None, responses={200: IcsUrlSerializer})
    def post(self, request: Request) -> Response:
        return _feed_answer(request, feeds.rotate_feed(request.user))


class IcsFeedView(APIView):
    """``GET /api/ics/<token>.ics``: the calendar as ICS; the token is the only credential."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.BINARY})
    def get(self, request: Request, token: str) -> HttpResponse:
        feed = feeds.feed_for_token(token)
        if feed is None:
            raise NotFound(_("No such calendar feed."))
        user, only = feed.user, feed.calendar
        etag = ics.calendar_etag(user, only)
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = HttpResponse(
                ics.build_calendar(user, only).to_ical(),
                content_type="text/calendar; charset=utf-8",
            )
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        response["Referrer-Policy"] = "no-referrer"
        response["Content-Disposition"] = 'inline; filename="calendar.ics"'
        return response
