"""Signals of the Outlook app.

``account_connected(sender, user_id)``: a user completed the consent (sent after commit);
the sync scheduler can start a first sync.
"""

from __future__ import annotations

from django.dispatch import Signal

account_connected = Signal()
