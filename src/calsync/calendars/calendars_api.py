"""``/api/calendars``: a user's own calendars (docs/contract.md, REST API).

A user sees and changes only their own: another user's calendar id is a 404, as an
unknown one. Deleting the default calendar is a 409 that says why; deleting another moves
its events to the default calendar and says how many moved.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calsync.calendars import calendar_list, feeds
from calsync.calendars.models import CALENDAR_NAME_MAX, Calendar

CALENDAR_ID = OpenApiParameter(
    "calendar_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_lazy("A calendar id.")
)


class CalendarSerializer(serializers.Serializer):
    """A calendar as read and written."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=CALENDAR_NAME_MAX)
    color = serializers.RegexField(
        r"^#[0-9a-fA-F]{6}$",
        required=False,
        help_text=_lazy("#rrggbb; on create, default: the next colour of the palette."),
    )
    is_default = serializers.BooleanField(
        required=False,
        help_text=_lazy("Set true to make it the default calendar (new events go there)."),
    )
    events = serializers.IntegerField(
        read_only=True, help_text=_lazy("How many events (a series counts once) are filed in it.")
    )


class DefaultCalendarConflict(APIException):
    """409: the default calendar cannot be deleted."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "default_calendar"


_KNOWN = frozenset({"id", "name", "color", "is_default", "events"})


def _values(request: Request) -> dict:
    """The body as a dict of known keys (read-only ones a client echoes are dropped)."""
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    unknown = sorted(set(request.data) - _KNOWN)
    if unknown:
        raise ValidationError({unknown[0]: [_("Unknown field.")]})
    return {k: v for k, v in request.data.items() if k in {"name", "color", "is_default"}}


def _counted(user) -> dict[int, int]:
    rows = (
        Calendar.objects.filter(owner=user)
        .annotate(n=Count("events", filter=Q(events__series__isnull=True)))
        .values_list("pk", "n")
    )
    return dict(rows)


def _one(request: Request, calendar_id: int) -> Calendar:
    found = Calendar.objects.filter(pk=calendar_id, owner=request.user).first()
    if found is None:
        raise NotFound(_("No such calendar."))
    return found


def _out(calendar: Calendar) -> dict:
    return calendar_list.as_json(calendar, _counted(calendar.owner).get(calendar.pk, 0))


def _django(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class CalendarListView(APIView):
    """``GET /api/calendars`` lists the caller's calendars (the default first);
    ``POST`` creates one."""

    @extend_schema(responses={200: CalendarSerializer(many=True)})
    def get(self, request: Request) -> Response:
        calendar_list.default_calendar(request.user)
        counts = _counted(request.user)
        return Response(
            [
                calendar_list.as_json(c, counts.get(c.pk, 0))
                for c in Calendar.objects.filter(owner=request.user)
            ]
        )

    @extend_schema(request=CalendarSerializer, responses={201: CalendarSerializer})
    def post(self, request: Request) -> Response:
        values = _values(request)
        if values.get("is_default"):
            raise ValidationError(
                {"is_default": [_("Create the calendar, then make it the default.")]}
            )
        try:
            made = calendar_list.create_calendar(request.user, values)
        except DjangoValidationError as exc:
            raise _django(exc) from exc
        return Response(_out(made), status=status.HTTP_201_CREATED)


class CalendarDetailView(APIView):
    """``GET``/``PATCH``/``DELETE /api/calendars/<id>``."""

    @extend_schema(parameters=[CALENDAR_ID], responses={200: CalendarSerializer})
    def get(self, request: Request, calendar_id: int) -> Response:
        return Response(_out(_one(request, calendar_id)))

    @extend_schema(
        parameters=[CALENDAR_ID], request=CalendarSerializer, responses={200: CalendarSerializer}
    )
    def patch(self, request: Request, calendar_id: int) -> Response:
        calendar = _one(request, calendar_id)
        try:
            changed = calendar_list.update_calendar(calendar, _values(request))
        except DjangoValidationError as exc:
            raise _django(exc) from exc
        return Response(_out(changed))

    @extend_schema(
        parameters=[CALENDAR_ID],
        request=None,
        responses={
            200: inline_serializer(
                "CalendarDeleted",
                {
                    "deleted": serializers.IntegerField(),
                    "moved_to": serializers.IntegerField(),
                    "moved": serializers.IntegerField(),
                },
            )
        },
        description=_lazy(
            "Deletes the calendar after moving its events to the default calendar (nothing "
            "is lost; the busy and redacted copies a mirror made there are deleted instead, "
            "and those it made in Outlook from this calendar at the next sync); the answer "
            "says how many moved. The default calendar cannot be deleted (409)."
        ),
    )
    def delete(self, request: Request, calendar_id: int) -> Response:
        calendar = _one(request, calendar_id)
        try:
            target, moved = calendar_list.delete_calendar(calendar)
        except calendar_list.DefaultCalendarError:
            raise DefaultCalendarConflict(
                _(
                    "This is your default calendar, where new events go: make another "
                    "calendar the default before deleting this one."
                )
            ) from None
        return Response({"deleted": calendar_id, "moved_to": target.pk, "moved": moved})


class _FeedAnswer(serializers.Serializer):
    url = serializers.URLField(read_only=True)


def _feed_answer(request: Request, feed) -> Response:
    path = reverse("ics-feed", kwargs={"token": feeds.feed_token(feed)})
    return Response({"url": request.build_absolute_uri(path)})


class CalendarIcsView(APIView):
    """``GET /api/calendars/<id>/ics``: the private ICS URL of that calendar alone."""

    @extend_schema(parameters=[CALENDAR_ID], responses={200: _FeedAnswer})
    def get(self, request: Request, calendar_id: int) -> Response:
        return _feed_answer(request, feeds.ensure_feed(request.user, _one(request, calendar_id)))


class CalendarIcsRotateView(APIView):
    """``POST /api/calendars/<id>/ics/rotate``: a new URL for that calendar's feed."""

    @extend_schema(parameters=[CALENDAR_ID], request=None, responses={200: _FeedAnswer})
    def post(self, request: Request, calendar_id: int) -> Response:
        return _feed_answer(request, feeds.rotate_feed(request.user, _one(request, calendar_id)))
