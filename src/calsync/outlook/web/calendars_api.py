"""``GET /api/outlook/calendars``: the calendars the caller's mailbox can read, through
Graph (``/me/calendars``: its own and those shared with it), each with the calsync
calendar it is linked to. Links are not built yet: ``link`` is always null.

Answers 409 when Outlook is not connected or needs a reconnect, 503 (with
``Retry-After``) when Outlook asks to wait, 502 when Graph fails otherwise; every error
body is ``{"detail": …}`` in the caller's language.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calsync.msgraph import GraphError, Throttled
from calsync.msgraph.calendars import MailboxCalendar, list_calendars
from calsync.outlook.connection.graph import graph_client_for
from calsync.outlook.connection.tokens import ReconnectNeeded, TokenUnavailable
from calsync.outlook.models import OutlookAccount


def as_json(calendar: MailboxCalendar) -> dict[str, Any]:
    """One mailbox calendar as the API shows it."""
    return {
        "id": calendar.id,
        "name": calendar.name,
        "color": calendar.hex_color or None,
        "is_default": calendar.is_default,
        "owner": {"name": calendar.owner_name, "email": calendar.owner_address},
        "can_edit": calendar.can_edit,
        "link": None,
    }


def _wait(until: datetime | None) -> str:
    seconds = (until - datetime.now(UTC)).total_seconds() if until else 60
    return str(max(1, math.ceil(seconds)))


class OutlookCalendarsView(APIView):
    """The caller's mailbox calendars (docs/contract.md, REST API)."""

    @extend_schema(
        responses=inline_serializer(
            "OutlookCalendar",
            {
                "id": serializers.CharField(),
                "name": serializers.CharField(),
                "color": serializers.CharField(allow_null=True),
                "is_default": serializers.BooleanField(),
                "owner": serializers.DictField(child=serializers.CharField()),
                "can_edit": serializers.BooleanField(),
                "link": serializers.DictField(allow_null=True),
            },
            many=True,
        )
    )
    def get(self, request: Request) -> Response:
        account = OutlookAccount.objects.filter(user=request.user).first()
        if account is None or not account.connected:
            return Response(
                {"detail": _("Connect Outlook first (Sync with Outlook on the calendar).")},
                status=409,
            )
        try:
            with graph_client_for(account) as client:
                calendars = list_calendars(client)
        except ReconnectNeeded:
            return Response(
                {"detail": _("Outlook needs you to sign in again: press Sync with Outlook.")},
                status=409,
            )
        except TokenUnavailable:
            return Response(
                {"detail": _("Outlook cannot be reached right now. Try again in a minute.")},
                status=503,
                headers={"Retry-After": "60"},
            )
        except Throttled as exc:
            return Response(
                {"detail": _("Outlook asked calsync to wait. Try again in a minute.")},
                status=503,
                headers={"Retry-After": _wait(exc.until)},
            )
        except GraphError as exc:
            return Response(
                {"detail": _("Outlook could not list your calendars (%(error)s).") % {
                    "error": exc
                }},
                status=502,
            )  # fmt: skip
        return Response([as_json(c) for c in calendars])
