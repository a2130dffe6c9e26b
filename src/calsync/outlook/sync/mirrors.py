"""A ``busy`` or ``redacted`` calendar link's part of a sync run (docs/sync.md, Mirrors).

Each run reads the linked Outlook calendar
(:class:`~calsync.msgraph.mirror_calendar.MirrorCalendar`) and the link's calsync calendar
within the sync window (:func:`calsync.msgraph.mapping.window`: single events that overlap
it, and every series; what lies outside is neither copied nor deleted),
then plans with :func:`calsync.syncengine.mirror.plan_mirror` both ways: Outlook's
originals into copies here, and, when the calendar can be edited, calsync's originals into
copies there. The planner always sees complete listings: the Outlook one is the calendar
as stored at the link's last delta point when a delta round says nothing changed since,
else listed again (:mod:`.mirror_state`); every copy carries its mark (here
``Event.mirror_*``, there the marker property), and the planner is idempotent.

Sources: copies here from the link's Outlook calendar are marked ``outlook:<uuid5 of its
id>`` (so relinking the same calendar finds them again); copies there from the calsync
calendar are marked ``calsync:<calendar id>``. Dedupe addresses are the destination
owner's that the source's owner does not share (an event in one's own calendar lists
oneself as organiser). A preview plans and counts but writes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop, pgettext

from calsync.calendars import actions as calendar_actions
from calsync.calendars import validation
from calsync.calendars.models import Event
from calsync.calendars.people import addresses_of
from calsync.msgraph import mapping
from calsync.msgraph.calendar import CalendarPaths
from calsync.msgraph.client import GraphClient
from calsync.msgraph.mirror_calendar import Listing, MirrorCalendar
from calsync.outlook.models import OutlookAccount, OutlookLink
from calsync.outlook.sync import addresses, mirror_occurrences, mirror_state
from calsync.outlook.sync.links import is_shared
from calsync.outlook.sync.local_side import OrmLocalSide
from calsync.outlook.sync.log_messages import entry
from calsync.outlook.sync.scope import Scope
from calsync.syncengine.mirror import (
    MODES,
    Copy,
    CreateCopy,
    DeleteCopy,
    Destination,
    MirrorAction,
    MirrorPlan,
    Original,
    UpdateCopy,
    plan_mirror,
)

logger = logging.getLogger("calsync.outlook.sync")

_SOURCE_NAMESPACE = uuid.UUID("c4d1f0a2-7b3e-4f59-8e21-9a6b5d3c2f10")
HERE_FAILED = gettext_noop("A busy or redacted copy could not be written here: %(reason)s")
OUTLOOK_FAILED = gettext_noop("A busy or redacted copy could not be written in Outlook: %(reason)s")
COUNTED = {CreateCopy: "created", UpdateCopy: "updated", DeleteCopy: "deleted"}


def is_mirror(scope: Scope) -> bool:
    """Whether the scope's link copies in a mirror mode (else it syncs two-way or one way)."""
    return scope.link is not None and scope.link.mode in MODES


def outlook_source(remote_id: str) -> str:
    """The mark of copies made here from the Outlook calendar ``remote_id``."""
    return f"outlook:{uuid.uuid5(_SOURCE_NAMESPACE, remote_id)}"


def calsync_source(calendar_id: int) -> str:
    """The mark of copies made in Outlook from the calsync calendar ``calendar_id``."""
    return f"calsync:{calendar_id}"


def busy_title() -> str:
    """The title of a busy copy, in the run's language."""
    return pgettext("the title of a copy that shows only busy times", "Busy")


@dataclass
class _Sides:
    """The link's two calendars as this run read them."""

    outlook: MirrorCalendar
    outlook_read: mirror_state.OutlookRead
    remote: Listing
    local_originals: list[Original]
    local_copies: list[Copy]


def mirror_link(
    scope: Scope, graph: GraphClient, summary: Any, preview: bool, now: datetime
) -> None:
    """One mirror pass of the scope's link, both ways (Outlook to calsync only when the
    calendar is read-only), over the sync window around ``now``; counts and failures go to
    ``summary``."""
    link = scope.link
    assert link is not None and link.mode in MODES
    window = mapping.window(now)
    sides = _read(scope, graph, window, preview)
    into_here = plan_mirror(
        outlook_source(link.remote_id),
        sides.remote.originals,
        sides.local_copies,
        _destination_here(scope),
    )
    _count(summary.pulled, into_here)
    if not preview:
        _report(summary, HERE_FAILED, _apply_here(scope, into_here.actions))
    wrote = False
    if link.can_edit:
        into_outlook = plan_mirror(
            calsync_source(link.calendar_id),
            sides.local_originals,
            sides.remote.copies,
            _destination_there(scope, sides.remote),
        )
        _count(summary.pushed, into_outlook)
        if not preview:
            _report(summary, OUTLOOK_FAILED, sides.outlook.apply(into_outlook.actions))
            wrote = bool(into_outlook)
    mirror_state.save(link, sides.outlook_read, window, wrote, sides.outlook.written)


def outlook_calendar(
    account: OutlookAccount, graph: GraphClient, remote_id: str, owner_address: str
) -> MirrorCalendar:
    """The mailbox calendar ``remote_id`` (another mailbox's when ``owner_address`` is not
    the account's: reached through that mailbox's entry) for a mirror pass or cleanup."""
    mailbox = (account.mailbox or account.user.email).lower()
    shared = is_shared(owner_address, mailbox)
    paths = CalendarPaths.of_calendar(remote_id, shared=shared)
    owner = owner_address.lower() if shared else mailbox
    return MirrorCalendar(graph, paths, owner, addresses.of(account))


def _read(
    scope: Scope, graph: GraphClient, window: tuple[datetime, datetime], preview: bool
) -> _Sides:
    link = scope.link
    assert link is not None
    outlook = outlook_calendar(scope.account, graph, link.remote_id, link.owner_address)
    local = OrmLocalSide(scope.account, scope=scope)
    events = list(_events(scope).filter(in_window(window)))
    originals = [_local_original(local, event) for event in events if not event.mirror_of]
    source = outlook_source(link.remote_id)
    copies = Event.objects.filter(owner_id=scope.account.user_id, mirror_source=source)
    copies = copies.filter(in_window(window))
    got = mirror_state.read(link, outlook, window, preview)
    return _Sides(
        outlook,
        got,
        outlook.read(got.events),
        originals,
        [_local_copy(local, e) for e in _with(copies)],
    )


def in_window(window: tuple[datetime, datetime]) -> Q:
    """A series, or a single event overlapping ``window`` (as the Outlook listing's filter)."""
    start, end = window
    return ~Q(recurrence="") | Q(end__gt=start, start__lt=end)


def _events(scope: Scope) -> Any:
    """The link calendar's own single events and series (exceptions go with their series)."""
    assert scope.link is not None
    rows = Event.objects.filter(
        owner_id=scope.account.user_id, calendar_id=scope.link.calendar_id, series__isnull=True
    )
    return _with(rows.select_related("outlook_link"))


def _with(rows: Any) -> Any:
    return rows.prefetch_related(
        "attendees", "cancellations", "exceptions", "exceptions__attendees"
    ).order_by("pk")


def _local_original(local: OrmLocalSide, event: Event) -> Original:
    organises = local.me.is_me(event.organizer_email or local.me.email)
    mine = (a for a in event.attendees.all() if local.me.is_me(a.email))
    own = None if organises else next(mine, None)
    data = local.data(event, organises)
    if organises:  # the user's own: in a shared scope it reads as the owner's, not an invite
        data = data.with_fields({"organizer": None})
    return Original(
        key=str(event.uid),
        data=data,
        active=event.active,
        my_response=own.status if own is not None else None,
        ical_uid=_ical_uid(event),
        exceptions=mirror_occurrences.read(local, event, organises),
    )


def _local_copy(local: OrmLocalSide, event: Event) -> Copy:
    return Copy(
        key=str(event.pk),
        of=event.mirror_of,
        source=event.mirror_source,
        mode=event.mirror_mode,
        made_from=event.mirror_hash,
        data=local.data(event, True),
        exceptions=mirror_occurrences.read(local, event, True),
    )


def _ical_uid(event: Event) -> str | None:
    """The meeting's iCalUId when the event is linked to Outlook (fetched with it)."""
    try:
        link = event.outlook_link  # type: ignore[attr-defined]
    except OutlookLink.DoesNotExist:
        return None
    return link.ical_uid or None


def _destination_here(scope: Scope) -> Destination:
    """calsync as the destination: the user's addresses the source calendar's owner lacks,
    and every iCalUId the user's events already have in Outlook."""
    link = scope.link
    assert link is not None
    user = scope.account.user
    mine = addresses_of(user) | {user.email.lower()}
    source_owner = _outlook_owner(scope)
    known = OutlookLink.objects.filter(account=scope.account).exclude(ical_uid="")
    return Destination(
        link.mode,
        addresses=frozenset(mine - source_owner),
        ical_uids=frozenset(known.values_list("ical_uid", flat=True)),
        busy_title=busy_title(),
    )


def _destination_there(scope: Scope, remote: Listing) -> Destination:
    """The Outlook calendar as the destination: its owner's addresses the calsync user
    lacks, and the iCalUIds of its own events."""
    link = scope.link
    assert link is not None
    user = scope.account.user
    mine = addresses_of(user) | {user.email.lower()}
    return Destination(
        link.mode,
        addresses=frozenset(_outlook_owner(scope) - mine),
        ical_uids=remote.ical_uids,
        busy_title=busy_title(),
    )


def _outlook_owner(scope: Scope) -> frozenset[str]:
    link = scope.link
    assert link is not None
    mailbox = (scope.account.mailbox or scope.account.user.email).lower()
    if is_shared(link.owner_address, mailbox):
        return frozenset({link.owner_address.lower()})
    return addresses.of(scope.account) | {mailbox}


# -- writes here -------------------------------------------------------------------------


def _apply_here(scope: Scope, actions: Sequence[MirrorAction]) -> list[str | None]:
    return [_apply_one(scope, action) for action in actions]


def _apply_one(scope: Scope, action: MirrorAction) -> str | None:
    try:
        with transaction.atomic():
            _write_here(scope, action)
    except (ValidationError, Event.DoesNotExist) as exc:
        if isinstance(exc, Event.DoesNotExist) and isinstance(action, DeleteCopy):
            return None
        return str(exc)
    return None


def _write_here(scope: Scope, action: MirrorAction) -> None:
    owner_id = scope.account.user_id
    if isinstance(action, DeleteCopy):
        calendar_actions.do_delete_event(Event.objects.get(pk=action.key, owner_id=owner_id))
        return
    values = _values(scope, action)
    if isinstance(action, CreateCopy):
        assert scope.link is not None
        values["calendar"] = scope.link.calendar
        made = calendar_actions.do_create_event(scope.account.user, values)
    else:
        made = calendar_actions.do_update_event(
            Event.objects.get(pk=action.key, owner_id=owner_id), values
        )
    _cancel(made, action.data.cancelled)
    mirror_occurrences.write(made, action)


def _values(scope: Scope, action: CreateCopy | UpdateCopy) -> dict[str, Any]:
    data = action.data
    assert scope.link is not None
    values: dict[str, Any] = {
        "title": data.title,
        "description": "",
        "location": "",
        "attendees": [],
        "timezone": data.timezone,
        "all_day": data.all_day,
        "show_as": data.show_as,
        "recurrence": data.recurrence or "",
        "mirror_of": action.of,
        "mirror_mode": action.mode,
        "mirror_source": action.source,
        "mirror_source_name": scope.link.name[:255],
        "mirror_hash": action.made_from,
    }
    if data.all_day:
        values["start_date"], values["end_date"] = data.start, data.end
    else:
        values["start"], values["end"] = data.start, data.end
    return values


def _cancel(series: Event, cancelled: Iterable[Any]) -> None:
    """Cancel the copy series' occurrences its original cancelled (not yet cancelled)."""
    if not series.recurrence:
        return
    done = {c.original_start for c in series.cancellations.all()}
    for original in cancelled:
        instant = original
        if not isinstance(original, datetime):
            instant = validation.midnight(original, ZoneInfo(series.timezone))
        if instant in done:
            continue
        try:
            with transaction.atomic():
                calendar_actions.do_cancel_occurrence(series, instant)
        except ValidationError:
            logger.info("mirror: copy series %s has no occurrence there", series.pk)


# -- counts and failures -------------------------------------------------------------------


def _count(counts: dict[str, int], plan: MirrorPlan) -> None:
    for action in plan.actions:
        counts[COUNTED[type(action)]] += 1


def _report(summary: Any, template: str, failures: Sequence[str | None]) -> None:
    for failure in failures:
        if failure is not None:
            summary.errors.append(entry("mirror_write_failed", template, reason=failure))
