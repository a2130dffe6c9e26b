"""Reset Account (Odoo's wizard, without its defects): what happens to a
user's existing events, what the next sync does, then a disconnect so the user reconnects.

The two questions:

* :class:`ExistingEvents`: ``keep`` (nothing is touched), ``delete-outlook`` (the events
  this account synced are deleted from the Outlook calendar, series masters included: a
  deleted master takes its whole series with it), ``delete-local`` (they are **destroyed**
  here, not archived: an archived event that still has an Outlook copy would be deleted
  there by the next sync, and the guide says "deletes the events from the application";
  a series goes with its exceptions), ``delete-both``.
  "The events this account synced" are the user's own events (``Event.owner``) linked to
  the account, archived ones included, plus, in Outlook, every linked copy whose event was
  archived or destroyed here since the last sync (the deletion the next sync would have
  pushed; ``keep`` and ``delete-local`` leave those copies in Outlook): never a live event
  of another calsync user (a meeting they organise), never a local event that was never
  synced, never an Outlook event calsync never saw.
  Deleting a meeting the user organises makes Outlook mail a cancellation to each
  attendee; deleting the user's copy of someone else's meeting mails nobody.
* :class:`NextSync`: ``new`` (after reconnecting, only events created after the reset
  sync, on both sides: ``OutlookAccount.sync_created_after``, see
  :mod:`calsync.outlook.sync.created_after`) or ``all`` (every event syncs again: links are
  rebuilt from our extended property and the iCalUId, so an event on both sides is
  relinked, never copied; the first-sync rules apply again: no past event is pushed).

In both cases the account's status rows are dropped (with "all", the events' last known Outlook
identities stay, for relinking; see :func:`~calsync.outlook.reset.run._disconnect`), and the account
is disconnected: tokens, delta link, the mailbox's identity (so the user may reconnect another
mailbox), sync state, and the change-notification subscription. The row, its sync log and the
mailbox address (for display) stay. A :class:`~calsync.outlook.models.SyncRun` with trigger
``reset`` records what was done in the sync log; one ``outlook_reset`` log line, plus one
``outlook_reset_event_failed`` line per event Outlook refused; an event Outlook no longer has (404)
is done, not an error.

:func:`reset_preview` counts what a combination touches and writes nothing (no network
either): counts are taken now from the sync links and the events here, so what Outlook
holds is known as of the last sync (see :class:`ResetPreview`). :func:`reset_account` does
it; it holds the account's sync claim meanwhile, so no sync runs in between, and changes
nothing here if it lost the claim (:func:`~calsync.outlook.reset.run._check_claim`).

The room: ``options`` (the two questions), ``preview`` (what a combination touches, counted
without writing), ``run`` (doing it). Its public names are re-exported here.

May import: the triggers, sync and connection rooms, the app's ``models``. Only web (and the
``reset-account`` command) imports it.
"""

from calsync.outlook.reset.options import (
    EXISTING_LABELS,
    NEXT_LABELS,
    ExistingEvents,
    NextSync,
    ResetError,
    account_of,
    parse_existing,
    parse_next,
)
from calsync.outlook.reset.preview import ResetPreview, reset_preview
from calsync.outlook.reset.run import TRIGGER, ResetResult, reset_account

__all__ = [
    "EXISTING_LABELS",
    "NEXT_LABELS",
    "TRIGGER",
    "ExistingEvents",
    "NextSync",
    "ResetError",
    "ResetPreview",
    "ResetResult",
    "account_of",
    "parse_existing",
    "parse_next",
    "reset_account",
    "reset_preview",
]
