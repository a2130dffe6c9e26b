"""The two sides a plan is executed against, as Protocols.

The in-memory fakes (:mod:`.memory`) implement them for tests; the ORM side and the Graph
side implement them for real. Each method takes a batch of actions so a side may group
them (Graph's ``$batch`` of 20); it returns one outcome per action, in the same order:

* the item as it is after the write (a :class:`~.model.LocalItem` or
  :class:`~.model.RemoteItem`), or ``None`` where the write returns nothing;
* or the exception that action raised. A per-item failure is *returned*, never raised,
  so one bad event never blocks the others. Raising from the method itself means the
  whole batch failed.

Preconditions each side enforces:

* ``RemoteSide``: ``CreateRemote`` sends ``transaction_id`` (a retried POST returns the
  first event instead of a copy) and stores ``uid`` in our extended property;
  ``UpdateRemote`` sends only ``fields``, with ``If-Match: if_match`` when it is given,
  and fails with :class:`~.errors.PreconditionFailed` when the change key moved;
  ``DeleteRemote`` of a missing event fails with :class:`~.errors.ItemNotFound` (the
  executor counts it as done); ``RespondRemote`` sends the answer with sendResponse.
* ``LocalSide``: ``CreateLocal`` creates the event with our ``uid`` (or returns the
  existing event with that uid: a retry creates no copy); ``UpdateLocal`` writes only
  ``fields`` and bumps the version; ``ArchiveLocal`` archives, never destroys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from calsync.syncengine.actions import LocalAction, RemoteAction
from calsync.syncengine.model import LocalItem, RemoteItem

LocalOutcome = LocalItem | BaseException
RemoteOutcome = RemoteItem | None | BaseException


class LocalSide(Protocol):
    """calsync's calendar of one user."""

    def apply_local(self, actions: Sequence[LocalAction]) -> Sequence[LocalOutcome]:
        """Carry out ``actions``; one outcome per action, in order."""
        ...


class RemoteSide(Protocol):
    """One Outlook mailbox."""

    def apply_remote(self, actions: Sequence[RemoteAction]) -> Sequence[RemoteOutcome]:
        """Carry out ``actions``; one outcome per action, in order."""
        ...
