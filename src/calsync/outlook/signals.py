"""Signals of the Outlook app: how a lower room tells a higher one (see ``triggers.receivers``).

``account_connected(sender, user_id)``: a user completed the consent (sent after commit);
the sync scheduler can start a first sync.

``account_disconnecting(sender, account)``: a user's tokens are about to be removed (sent
while they still work): the change-notification subscription is deleted at Graph first.

``sync_succeeded(sender, account_id)``: a run (not a preview) ended ok or partial: the
account's change-notification subscription is kept alive (made or renewed; never raises).

``sync_throttled(sender, user_id, until)``: Outlook asked to wait (``until``: when, or None):
the account's next sync is scheduled for then.
"""

from __future__ import annotations

from django.dispatch import Signal

account_connected = Signal()
account_disconnecting = Signal()
sync_succeeded = Signal()
sync_throttled = Signal()
