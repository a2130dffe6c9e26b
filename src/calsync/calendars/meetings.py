"""What an attendee may do to a meeting someone else organises: answer it, decline it (a
delete or an archive is a decline), and choose how it shows in their calendar.

The answer is the attendee's own entry on the one event the meeting is here (the
organiser's, or the attendee's own copy of an outside meeting): the organiser sees it at
once, and the app that syncs the attendee's mailbox sends it on (Outlook's accept,
tentativelyAccept or decline). An answer to a series answers all of it; an answer to one
occurrence turns that occurrence into an exception carrying it, as Outlook tracks it. An
answer to "this and the following occurrences" answers each of them on its own (Outlook has
no such answer), up to :data:`FOLLOWING_AHEAD` from now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calsync.accounts.models import User
from calsync.calendars import actions, recurrence
from calsync.calendars.models import Event, ResponseStatus
from calsync.calendars.occurrences import Occurrence

COMMENT_MAX = 2000
"""The longest comment sent with an answer."""

PERSONAL_FIELDS = frozenset({"show_as"})
"""Fields an attendee changes for themself (kept on their attendee entry)."""

FOLLOWING_AHEAD = timedelta(days=730)
"""How far from now an answer to an occurrence and the following ones reaches: the sync's
window ahead (two years), the occurrences whose answers the sync takes to Outlook."""

_TIMES = ("start", "end", "start_date", "end_date")


def decline() -> dict[str, Any]:
    """The answer a delete or an archive by an attendee gives (sent to the organiser)."""
    return {"status": ResponseStatus.DECLINED, "comment": "", "send_response": True}


@transaction.atomic
def answer(user: User, item: Event | Occurrence, email: str, values: Mapping[str, Any]) -> Event:
    """Write ``user``'s own ``values`` (``status``, ``comment``, ``send_response``,
    ``show_as``) on their entry ``email`` of ``item``: a series or single event, an
    exception, or an occurrence (made an exception first). Returns the row written."""
    if isinstance(item, Occurrence):
        item = actions.do_update_occurrence(item.series, item.original_start, {})
    return actions.do_answer(
        item,
        email,
        values,
        whole_series=item.series_id is None,
        responder_id=user.pk,
    )


@transaction.atomic
def answer_following(
    user: User, item: Event | Occurrence, email: str, values: Mapping[str, Any]
) -> list[Event]:
    """Write ``user``'s answer ``values`` (as :func:`answer`) on the occurrence ``item``
    and on each later occurrence of its series that starts before :data:`FOLLOWING_AHEAD`
    from now (cancelled ones skipped; each becomes an exception carrying the answer, so
    each goes to Outlook as the answer to that occurrence). Returns the rows written, the
    first being ``item``'s. :class:`ValidationError` when ``item`` is no occurrence."""
    series, first = (
        (item.series, item.original_start)
        if isinstance(item, Occurrence) or item.series_id is not None
        else (None, None)
    )
    if series is None or first is None:
        raise ValidationError(
            {"following": [_("Only an occurrence of a series has following occurrences.")]}
        )
    rows = [answer(user, item, email, values)]
    horizon = timezone.now() + FOLLOWING_AHEAD
    if first < horizon:
        slots = recurrence.iter_slots(recurrence.SeriesTimes.of(series), first, horizon)
        later = [s for s in slots if first < s.original_start < horizon]
        rows += actions.do_answer_occurrences(series, later, email, values, responder_id=user.pk)
    return rows


def organiser_fields_changed(changes: Mapping[str, Any], item: Event | Occurrence) -> list[str]:
    """The fields of a PATCH's ``changes`` (model names, as the write serializer gives
    them) that would change the organiser's values of ``item``; an attendee may send back
    what they read, and their own ``show_as``."""
    event = item.series if isinstance(item, Occurrence) else item
    changed = []
    for name, value in changes.items():
        if name in PERSONAL_FIELDS or name == "calendar":  # where it shows is the reader's
            continue
        if name == "attendees":
            same = _people(value) == _people(
                [{"email": a.email, "name": a.name, "type": a.type} for a in event.attendees.all()]
            )
        elif name in _TIMES:
            same = getattr(item, name) == value
        elif name == "recurrence":
            same = (value or "") == ("" if isinstance(item, Occurrence) else event.recurrence)
        else:
            same = getattr(event, name) == value
        if not same:
            changed.append(name)
    return changed


def _people(rows: Any) -> list[tuple[str, str, str]]:
    return sorted(
        (str(r.get("email", "")).lower(), r.get("name", ""), r.get("type", "required"))
        for r in rows
    )
