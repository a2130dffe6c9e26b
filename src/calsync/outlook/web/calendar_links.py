"""Calendar links as the API shows and changes them (docs/contract.md, REST API).

:func:`link_json` is an entry's ``link``; :func:`save_link` checks a ``PUT`` body against
the mailbox's calendar and the caller's calendars and writes the link, or raises
:class:`LinkRefused` naming the problem (the API's 400). The rules:

* ``calendar`` is one of the caller's calsync calendars;
* ``mode`` is ``two-way``, ``from-outlook``, ``busy``, ``redacted`` or ``off``;
* the mailbox's default calendar is not linked (it syncs every calsync calendar that no
  active link takes);
* a calendar the mailbox may not write (``can_edit`` false) allows only ``from-outlook``
  or ``busy`` (or ``off``);
* a calsync calendar is linked both ways with one Outlook calendar at most.

A ``busy`` or ``redacted`` link that stops mirroring its pair (another mode, another
calendar, deleted) has its copies deleted (:mod:`calsync.outlook.sync.mirror_cleanup`).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from calsync.calendars.models import Calendar
from calsync.msgraph.calendars import MailboxCalendar
from calsync.outlook.models import CalendarLink, OutlookAccount, SyncRecord
from calsync.outlook.sync import mirror_cleanup

MIRROR_MODES = (CalendarLink.MODE_BUSY, CalendarLink.MODE_REDACTED)

RESERVED_MODES: tuple[str, ...] = ()
"""Modes known but not carried out yet (none today)."""


class LinkRefused(Exception):
    """A ``PUT`` the rules refuse: ``field`` and the message naming the problem."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def link_json(link: CalendarLink) -> dict[str, Any]:
    """A link's ``link`` entry: its calsync calendar, mode and health."""
    synced = link.last_synced_at.isoformat() if link.last_synced_at else None
    return {
        "calendar": link.calendar_id,
        "mode": link.mode,
        "status": link.status,
        "last_synced_at": synced,
        "last_error": link.last_error or None,
    }


def primary_json(account: OutlookAccount) -> dict[str, Any]:
    """The default Outlook calendar's ``link``: both ways with every calsync calendar no
    other link takes (``calendar`` null), the account's health."""
    if account.last_error:
        status = CalendarLink.STATUS_FAILED
    elif account.last_sync is not None:
        status = CalendarLink.STATUS_OK
    else:
        status = CalendarLink.STATUS_NEVER
    return {
        "calendar": None,
        "mode": CalendarLink.MODE_TWO_WAY,
        "status": status,
        "last_synced_at": account.last_sync.isoformat() if account.last_sync else None,
        "last_error": account.last_error or None,
    }


def remember(account: OutlookAccount, calendars: list[MailboxCalendar]) -> None:
    """Keep the links' name, owner and ``can_edit`` as Graph just listed them."""
    by_id = {c.id: c for c in calendars}
    for link in CalendarLink.objects.filter(account=account, remote_id__in=list(by_id)):
        found = by_id[link.remote_id]
        values = _described(found)
        if any(getattr(link, k) != v for k, v in values.items()):
            CalendarLink.objects.filter(pk=link.pk).update(**values)


def _described(calendar: MailboxCalendar) -> dict[str, Any]:
    return {
        "name": calendar.name,
        "owner_name": calendar.owner_name,
        "owner_address": calendar.owner_address,
        "can_edit": calendar.can_edit,
    }


def parse_body(data: Any) -> tuple[int, str]:
    """``(calendar id, mode)`` of a ``PUT`` body; :class:`LinkRefused` when malformed."""
    if not isinstance(data, dict):
        raise LinkRefused("body", _('Send {"calendar": <calendar id>, "mode": <mode>}.'))
    mode = data.get("mode")
    known = [m for m, _label in CalendarLink.MODE_CHOICES]
    if mode not in known:
        raise LinkRefused(
            "mode",
            _("Choose a mode: %(modes)s.") % {"modes": ", ".join(CalendarLink.AVAILABLE_MODES)},
        )
    if mode in RESERVED_MODES:
        raise LinkRefused("mode", _("The mode %(mode)s is not available yet.") % {"mode": mode})
    calendar = data.get("calendar")
    if isinstance(calendar, bool) or not isinstance(calendar, int):
        raise LinkRefused("calendar", _("Give the id of one of your calendars."))
    return calendar, str(mode)


def save_link(
    account: OutlookAccount, outlook: MailboxCalendar, calendar_id: int, mode: str
) -> CalendarLink:
    """Check the rules (module docstring) and write the link of ``outlook``."""
    if outlook.is_default:
        raise LinkRefused(
            "id",
            _(
                "The default Outlook calendar syncs with every calendar that no other link "
                "takes; it cannot be linked on its own."
            ),
        )
    calendar = Calendar.objects.filter(pk=calendar_id, owner_id=account.user_id).first()
    if calendar is None:
        raise LinkRefused("calendar", _("No such calendar of yours."))
    if not outlook.can_edit and mode not in CalendarLink.READ_ONLY_MODES:
        raise LinkRefused(
            "mode",
            _(
                "The Outlook calendar %(name)s is shared with you read-only: it can only be "
                "synced from Outlook or copied as busy times."
            )
            % {"name": outlook.name},
        )
    if mode == CalendarLink.MODE_TWO_WAY:
        _one_two_way(account, outlook, calendar)
    return _write(account, outlook, calendar, mode)


def remove_link(account: OutlookAccount, remote_id: str) -> bool:
    """Drop the link of ``remote_id`` and its sync records (its calsync calendar syncs with
    the default Outlook calendar again; a mirror's copies go: here now, in Outlook at the
    next sync). False when there was none."""
    link = CalendarLink.objects.filter(account=account, remote_id=remote_id).first()
    if link is None:
        return False
    with transaction.atomic():
        SyncRecord.objects.filter(account=account, scope=link.scope).delete()
        link.delete()
        mirror_cleanup.stopped(link, link.mode, link.calendar_id)
    return True


def _one_two_way(account: OutlookAccount, outlook: MailboxCalendar, calendar: Calendar) -> None:
    taken = (
        CalendarLink.objects.filter(calendar=calendar, mode=CalendarLink.MODE_TWO_WAY)
        .exclude(account=account, remote_id=outlook.id)
        .first()
    )
    if taken is not None:
        raise LinkRefused(
            "calendar",
            _("That calendar is already linked both ways with the Outlook calendar %(name)s.")
            % {"name": taken.name},
        )


def _write(
    account: OutlookAccount, outlook: MailboxCalendar, calendar: Calendar, mode: str
) -> CalendarLink:
    values = {**_described(outlook), "calendar": calendar, "mode": mode}
    try:
        with transaction.atomic():
            link, created = CalendarLink.objects.select_for_update().get_or_create(
                account=account, remote_id=outlook.id, defaults=values
            )
            was = (link.mode, link.calendar_id)
            if not created:
                for name, value in values.items():
                    setattr(link, name, value)
            if mode == CalendarLink.MODE_OFF:
                link.status = CalendarLink.STATUS_OFF
            elif link.status == CalendarLink.STATUS_OFF:
                link.status = CalendarLink.STATUS_NEVER
            link.save()
            if not created and (mode not in MIRROR_MODES or calendar.pk != was[1]):
                mirror_cleanup.stopped(link, *was)
    except IntegrityError as exc:  # a two-way link made meanwhile
        raise LinkRefused(
            "calendar",
            _("That calendar is already linked both ways with another Outlook calendar."),
        ) from exc
    return link
