"""Meetings between calsync users, on calsync's side of a sync (docs/sync.md, Meetings).

A meeting is one event here: its organiser's when the organiser is a calsync user (known
by any of their addresses, :mod:`calsync.calendars.people`), whichever participant's sync
brings it first; else each attendee's own copy. :func:`owner_for` says whose event an
Outlook meeting becomes and :func:`existing` finds it when it is already here, so no
participant's sync copies it twice and nobody's own events depend on who synced first.

An organiser who connects after attendees synced their own copies of the meeting (its
organiser was no calsync user they knew yet) folds those copies into the one event
(:func:`fold_copies`): nothing is written in Outlook, so nobody gets a mail.

On a meeting the user does not organise, their own values (their answer with its
comment, and their show-as) live on their attendee entry (:func:`write_mine`), never in the
organiser's fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from calsync.accounts.models import User
from calsync.calendars import actions as calendar_actions
from calsync.calendars import people
from calsync.calendars.models import Attendee, Event, ResponseStatus
from calsync.outlook.models import OutlookAccount, OutlookLink, SyncRecord
from calsync.syncengine.model import EventData

OWN_COPY_NAMESPACE = uuid.UUID("3e0f5d1c-8b7a-4f2e-9c6d-5a4b3c2d1e0f")
"""uuid5 namespace of the uids of own copies (several users' copies of one outside
meeting have the same derived uid; each user's copy gets its own)."""


def owner_for(me_id: int, data: EventData, is_organizer: bool) -> User | None:
    """Whose event the Outlook meeting ``data`` becomes when it is not here yet: its
    organiser when another calsync user organises it, else None (the syncing user's)."""
    if is_organizer or data.organizer is None:
        return None
    email = data.organizer.email
    organiser = people.user_for_address(email) or _mailbox_holder(email)
    return organiser if organiser is not None and organiser.pk != me_id else None


def _mailbox_holder(email: str) -> User | None:
    """The user whose connected mailbox is ``email`` (before their own run has recorded
    its addresses: it is theirs from now on)."""
    account = OutlookAccount.objects.filter(mailbox__iexact=email).select_related("user").first()
    if account is None or not people.do_add_mailbox_address(account.user, email):
        return None
    return account.user


def outlook_address(email: str) -> str:
    """The address Outlook knows the person ``email`` by: the mailbox of the calsync user
    known by ``email`` when they connected one, else ``email``."""
    user = people.user_for_address(email)
    if user is None:
        return email
    account = OutlookAccount.objects.filter(user=user).exclude(mailbox="").first()
    return account.mailbox.lower() if account is not None else email


def own_copy_uid(uid: str, owner_id: int) -> str:
    """The uid of ``owner_id``'s own copy of the meeting ``uid`` when ``uid`` is taken."""
    return str(uuid.uuid5(OWN_COPY_NAMESPACE, f"{uid}:{owner_id}"))


def existing(uid: str, ical_uid: str | None, owner_id: int) -> Event | None:
    """The event of ``owner_id`` the meeting already is here: by our uid (or the uid of an
    own copy), else by its iCalUId (a link or a record of any account). None: not here."""
    found = Event.objects.filter(
        uid__in=[uid, own_copy_uid(uid, owner_id)], owner_id=owner_id
    ).first()
    if found is not None or not ical_uid:
        return found
    mine = {"ical_uid": ical_uid, "event__owner_id": owner_id, "event__series__isnull": True}
    link = OutlookLink.objects.filter(**mine).select_related("event").first()
    if link is not None:
        return link.event
    record = SyncRecord.objects.filter(**mine).select_related("event").first()
    return record.event if record is not None else None


def my_entry(event: Event, addresses: frozenset[str]) -> Attendee | None:
    """The user's own attendee entry on ``event`` (by any of their ``addresses``)."""
    return next((a for a in event.attendees.all() if a.email in addresses), None)


def write_mine(event: Event, addresses: frozenset[str], values: Mapping[str, Any]) -> None:
    """Write the user's own ``values`` (``status``, ``show_as``) on their entry of ``event``,
    only those that differ; nothing when they have no entry (invited through a list)."""
    entry = Attendee.objects.filter(event=event, email__in=addresses).first()
    if entry is None:
        return
    current = {"status": entry.status, "show_as": entry.show_as or event.show_as}
    changed = {name: value for name, value in values.items() if current[name] != value}
    if changed:
        calendar_actions.do_answer(event, entry.email, changed, whole_series=False)


def fold_copies(event: Event, ical_uid: str | None) -> int:
    """Fold into ``event`` (a meeting its owner organises, iCalUId ``ical_uid``) the own
    copies other calsync users made of it before its organiser connected, when they are
    among its attendees: each one's answer (with its comment) and show-as go to their entry
    on ``event`` (and answers to single occurrences to ``event``'s occurrences), their
    account's sync records move to ``event`` (their mailbox's copy stays linked: no write,
    no mail), and the copy goes. Returns how many copies were folded."""
    if not ical_uid:
        return 0
    linked = Q(outlook_link__ical_uid=ical_uid) | Q(
        pk__in=SyncRecord.objects.filter(ical_uid=ical_uid).values("event_id")
    )
    copies = (
        Event.objects.filter(linked, series__isnull=True)
        .exclude(owner_id=event.owner_id)
        .select_related("owner")
        .prefetch_related("attendees")
        .distinct()
    )
    folded = 0
    for copy in copies:
        mine = people.addresses_of(copy.owner)
        theirs = my_entry(copy, mine)
        target = Attendee.objects.filter(event=event, email__in=mine).first()
        if theirs is None or target is None:
            continue  # not on the organiser's list: their copy stays theirs
        calendar_actions.do_answer(
            event, target.email, _own_values(copy, theirs), whole_series=False
        )
        for exception in copy.exceptions.exclude(original_start=None).prefetch_related("attendees"):
            _fold_exception(event, exception, mine, target.email)
        _move_records(copy, event)
        calendar_actions.do_delete_event(copy)
        folded += 1
    return folded


def _own_values(copy: Event, entry: Attendee) -> dict[str, Any]:
    """The owner's own values on their copy: their show-as (on their entry, else the
    copy's), and their answer if they gave one."""
    values: dict[str, Any] = {"show_as": entry.show_as or copy.show_as}
    if entry.status != ResponseStatus.NONE:
        values.update(status=entry.status, comment=entry.comment, send_response=entry.send_response)
    return values


def _fold_exception(event: Event, exception: Event, mine: frozenset[str], email: str) -> None:
    """An occurrence of a copied series: its answer goes to ``event``'s occurrence (made an
    exception when the answer is one), and its records follow."""
    assert exception.original_start is not None
    theirs = my_entry(exception, mine)
    target = event.exceptions.filter(original_start=exception.original_start).first()
    if target is None and theirs is not None and theirs.status != ResponseStatus.NONE:
        try:
            target = calendar_actions.do_update_occurrence(event, exception.original_start, {})
        except ValidationError:
            target = None  # the organiser's series has no such occurrence (now)
    if target is None:
        SyncRecord.objects.filter(event=exception).delete()
        return
    if theirs is not None:
        calendar_actions.do_answer(
            target, email, _own_values(exception, theirs), whole_series=False
        )
    _move_records(exception, target)


def _move_records(copy: Event, event: Event) -> None:
    """The sync records of ``copy`` now stand for ``event`` (same base, same remote copy)."""
    SyncRecord.objects.filter(event=copy).update(event=event, local_id=str(event.pk))
