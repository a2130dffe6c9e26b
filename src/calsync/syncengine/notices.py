"""The mails Outlook sends to people because of a write: what a preview counts.

Graph has no switch to stop them (docs/sync.md, Mails Outlook sends; Odoo's Outlook guide
warns of them too), so the engine counts them before writing. The rules, per write
made by the organizer (one mail per recipient):

* create with attendees: an *invitation* to each attendee ("the server sends invitations
  to all the attendees"); without attendees nothing is sent;
* update: each attendee added gets an *invitation*, each attendee removed a
  *cancellation*, each attendee whose type changed an *update* ("a PATCH containing only
  attendees sends updates only to the changed attendees"); when a meeting field changes
  (:data:`MEETING_FIELDS`: time, place, subject, body, privacy, recurrence) every
  remaining attendee not just invited gets an *update*;
* delete of a meeting on the organizer's calendar: a *cancellation* to each attendee;
  so does each occurrence of a series cancelled by an update (new ``cancelled`` entries);
* an exception made here (the occurrence's PATCH): an *update* to each attendee;
* an attendee's accept / tentativelyAccept / decline: a *response* to the organizer
  (none when the answer is sent with ``sendResponse`` false);
* an attendee deleting their own copy: nothing (undocumented; nothing seen).

Outlook sends one message per kind and write, addressed to all its recipients:
:func:`messages` counts those (what an outbox records), ``len(notices)`` the mails
people receive.

Not modelled: removing an attendee that came from a distribution list (Outlook then
updates everyone); series masters with modified instances (one mail per instance more).
"""

from __future__ import annotations

from dataclasses import dataclass

from calsync.syncengine.model import Attendee, EventData

MEETING_FIELDS = frozenset(
    {
        "title",
        "description",
        "location",
        "start",
        "end",
        "timezone",
        "all_day",
        "privacy",
        "recurrence",
    }
)
"""Fields whose change makes Outlook send the attendees of a meeting an update."""

KINDS = ("invitation", "update", "cancellation", "response")


@dataclass(frozen=True, slots=True, order=True)
class Notice:
    """One mail Outlook sends: ``kind`` (one of :data:`KINDS`) to ``recipient``."""

    kind: str
    recipient: str


def on_create(data: EventData) -> tuple[Notice, ...]:
    """Invitations for a new event (none without attendees)."""
    return tuple(Notice("invitation", email) for email in _guests(data))


def on_delete(data: EventData, is_organizer: bool) -> tuple[Notice, ...]:
    """Cancellations when the organizer deletes a meeting; nothing for an attendee's copy."""
    if not is_organizer:
        return ()
    return tuple(Notice("cancellation", email) for email in _guests(data))


def on_exception(data: EventData) -> tuple[Notice, ...]:
    """Updates for an occurrence the organizer turned into the exception ``data``."""
    return tuple(Notice("update", email) for email in _guests(data))


def on_update(before: EventData, after: EventData) -> tuple[Notice, ...]:
    """Invitations, cancellations and updates for the organizer's change ``before -> after``."""
    old, new = _guests(before), _guests(after)
    dropped = len(set(after.cancelled) - set(before.cancelled))
    added = sorted(new.keys() - old.keys())
    removed = sorted(old.keys() - new.keys())
    kept = sorted(old.keys() & new.keys())
    notices = [Notice("invitation", email) for email in added]
    notices += [Notice("cancellation", email) for email in removed]
    if before.diff(after) & MEETING_FIELDS:
        notices += [Notice("update", email) for email in kept]
    else:
        notices += [Notice("update", e) for e in kept if old[e].type != new[e].type]
    notices += [Notice("cancellation", email) for email in kept for _n in range(dropped)]
    return tuple(notices)


def on_response(organizer: str | None) -> tuple[Notice, ...]:
    """The answer mail to the organizer (sendResponse is left at its default, true)."""
    return (Notice("response", organizer or "organizer"),)


def messages(notices: tuple[Notice, ...]) -> int:
    """How many messages carry ``notices`` (one per kind: a write mails each kind once)."""
    return len({notice.kind for notice in notices})


def _guests(data: EventData) -> dict[str, Attendee]:
    organizer = data.organizer.email if data.organizer else None
    return {a.email: a for a in data.attendees if a.email != organizer}
