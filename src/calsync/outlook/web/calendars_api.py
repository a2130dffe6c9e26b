"""``GET /api/outlook/calendars``: the calendars the caller's mailbox can read, through
Graph (``/me/calendars``: its own and those shared with it), each with its ``link`` (the
calsync calendar, the mode, the link's health; the default calendar's link is the
account's); ``PUT /api/outlook/calendars/<id>`` links one (:mod:`.calendar_links`).
Turning a link ``off`` or deleting it asks for a sync of the account
(:func:`calsync.outlook.triggers.scheduler.ask`, trigger ``change``, after the usual
debounce), which drops that calendar's change subscription and a mirror's copies in
Outlook promptly.

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
from calsync.outlook.models import CalendarLink, OutlookAccount
from calsync.outlook.triggers import scheduler
from calsync.outlook.web import calendar_links
from calsync.outlook.web.calendar_links import link_json


def as_json(calendar: MailboxCalendar, link: dict[str, Any] | None = None) -> dict[str, Any]:
    """One mailbox calendar as the API shows it, with its ``link`` (None: not linked)."""
    return {
        "id": calendar.id,
        "name": calendar.name,
        "color": calendar.hex_color or None,
        "is_default": calendar.is_default,
        "owner": {"name": calendar.owner_name, "email": calendar.owner_address},
        "can_edit": calendar.can_edit,
        "link": link,
    }


def _stored(link: CalendarLink) -> MailboxCalendar:
    """A linked calendar Graph no longer lists, as the link last read it."""
    return MailboxCalendar(
        id=link.remote_id,
        name=link.name,
        color="auto",
        hex_color="",
        is_default=False,
        can_edit=link.can_edit,
        owner_name=link.owner_name,
        owner_address=link.owner_address,
    )


def listing(account: OutlookAccount, calendars: list[MailboxCalendar]) -> list[dict[str, Any]]:
    """The answer of ``GET``: Graph's calendars with their links, then the links whose
    calendar Graph no longer lists (deleted, or no longer shared)."""
    calendar_links.remember(account, calendars)
    links = {link.remote_id: link for link in CalendarLink.objects.filter(account=account)}
    answer = []
    for calendar in calendars:
        link = links.pop(calendar.id, None)
        shown = link_json(link) if link is not None else None
        if calendar.is_default:
            shown = calendar_links.primary_json(account)
        answer.append(as_json(calendar, shown))
    answer.extend(as_json(_stored(link), link_json(link)) for link in links.values())
    return answer


def _wait(until: datetime | None) -> str:
    seconds = (until - datetime.now(UTC)).total_seconds() if until else 60
    return str(max(1, math.ceil(seconds)))


def _mailbox_calendars(request: Request) -> tuple[OutlookAccount, list[MailboxCalendar]]:
    """The caller's account and its mailbox's calendars; :class:`_Answer` on failure."""
    account = OutlookAccount.objects.filter(user=request.user).first()
    if account is None or not account.connected:
        raise _Answer(_("Connect Outlook first (Sync with Outlook on the calendar)."), 409)
    try:
        with graph_client_for(account) as client:
            return account, list_calendars(client)
    except ReconnectNeeded as exc:
        raise _Answer(
            _("Outlook needs you to sign in again: press Sync with Outlook."), 409
        ) from exc
    except TokenUnavailable as exc:
        raise _Answer(
            _("Outlook cannot be reached right now. Try again in a minute."), 503, "60"
        ) from exc
    except Throttled as exc:
        raise _Answer(
            _("Outlook asked calsync to wait. Try again in a minute."), 503, _wait(exc.until)
        ) from exc
    except GraphError as exc:
        raise _Answer(
            _("Outlook could not list your calendars (%(error)s).") % {"error": exc}, 502
        ) from exc


class _Answer(Exception):
    """An error answer: ``{"detail": message}`` with ``status`` (and ``Retry-After``)."""

    def __init__(self, message: str, status: int, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after

    def response(self) -> Response:
        headers = {"Retry-After": self.retry_after} if self.retry_after else None
        return Response({"detail": self.message}, status=self.status, headers=headers)


_ENTRY = inline_serializer(
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
)


class OutlookCalendarsView(APIView):
    """The caller's mailbox calendars (docs/contract.md, REST API)."""

    @extend_schema(responses=_ENTRY.__class__(many=True))
    def get(self, request: Request) -> Response:
        try:
            account, calendars = _mailbox_calendars(request)
        except _Answer as answer:
            return answer.response()
        return Response(listing(account, calendars))


class OutlookCalendarLinkView(APIView):
    """``PUT /api/outlook/calendars/<id>``: link one mailbox calendar to a calsync calendar
    in a mode (docs/contract.md, REST API); 400 names what the rules refuse."""

    @extend_schema(
        request=inline_serializer(
            "OutlookCalendarLink",
            {"calendar": serializers.IntegerField(), "mode": serializers.CharField()},
        ),
        responses=_ENTRY,
    )
    def put(self, request: Request, calendar_id: str) -> Response:
        try:
            wanted, mode = calendar_links.parse_body(request.data)
            account, calendars = _mailbox_calendars(request)
        except calendar_links.LinkRefused as refused:
            return Response({refused.field: [refused.message]}, status=400)
        except _Answer as answer:
            return answer.response()
        found = next((c for c in calendars if c.id == calendar_id), None)
        if found is None:
            return Response({"detail": _("No such calendar in your Outlook mailbox.")}, status=404)
        try:
            link = calendar_links.save_link(account, found, wanted, mode)
        except calendar_links.LinkRefused as refused:
            return Response({refused.field: [refused.message]}, status=400)
        if mode == CalendarLink.MODE_OFF:
            _sync_soon(request)
        return Response(as_json(found, link_json(link)))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, calendar_id: str) -> Response:
        """Unlink: the calsync calendar syncs with the default Outlook calendar again; a
        busy or redacted link's copies go (here now, in Outlook at the next sync, asked
        for now)."""
        account = OutlookAccount.objects.filter(user=request.user).first()
        if account is None or not calendar_links.remove_link(account, calendar_id):
            return Response({"detail": _("This Outlook calendar is not linked.")}, status=404)
        _sync_soon(request)
        return Response(status=204)


def _sync_soon(request: Request) -> None:
    """Ask for a sync of the caller's account after a link was turned off or deleted: the
    sync drops that calendar's change subscription (a calendar no longer watched) and a
    mirror's copies in Outlook, rather than leave them until the next periodic run."""
    scheduler.ask(request.user.pk, scheduler.default_debounce(), "change")
