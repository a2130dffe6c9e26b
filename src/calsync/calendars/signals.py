"""Signals of the calendar app.

``calendar_changed(sender, user_id, event_id)`` is sent after the transaction that changed
an event of ``user_id`` commits (never for a rolled-back change). ``event_id`` is the id of
the row that changed: the series for a change of a series or of one of its occurrences'
cancellation, the exception row for a modified occurrence; it may no longer exist when the
change was a deletion. The Outlook app connects to it; the calendar never imports Outlook.

``calendar_deleting(sender, calendar)`` is sent inside the transaction that deletes the
calendar ``calendar``, before its events move to the default calendar: a receiver may still
tell its events apart (the Outlook app removes the busy and redacted copies it made there,
and records the cleanup of those it made in Outlook from it). A receiver's error rolls the
deletion back.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

calendar_changed = Signal()
calendar_deleting = Signal()


def send_calendar_changed_on_commit(sender: type, user_id: int, event_id: int) -> None:
    """Schedule ``calendar_changed`` for when the current transaction commits."""
    transaction.on_commit(
        lambda: calendar_changed.send(sender=sender, user_id=user_id, event_id=event_id)
    )
