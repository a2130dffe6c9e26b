"""How far a running sync is, for the page's progress bar and the command line's.

A run moves through phases (:data:`PHASES`); in a phase that writes, ``done`` counts the
events written of ``total``. :class:`RunProgress` keeps the numbers on the run's
:class:`~calsync.outlook.models.SyncRun` row (other requests read them through
``GET /api/outlook/status``), at most every ``interval`` seconds and always at a phase
change, and hands every update to ``listener`` (the CLI's bar). A progress write that
fails is logged and forgotten: progress never breaks a sync.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger("calsync.outlook.sync.progress")

COLLECTING = "collecting"
PLANNING = "planning"
WRITING_HERE = "writing_here"
WRITING_OUTLOOK = "writing_outlook"
RECORDING = "recording"
PHASES = (COLLECTING, PLANNING, WRITING_HERE, WRITING_OUTLOOK, RECORDING)


PHASE_TITLES = {
    COLLECTING: gettext_lazy("Reading changes from Outlook"),
    PLANNING: gettext_lazy("Comparing both calendars"),
    WRITING_HERE: gettext_lazy("Saving changes from Outlook"),
    WRITING_OUTLOOK: gettext_lazy("Sending changes to Outlook"),
    RECORDING: gettext_lazy("Saving the sync state"),
}
"""Each phase in words."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One reading: ``phase`` (one of :data:`PHASES`), ``done`` of ``total`` (0: unknown)."""

    phase: str
    done: int = 0
    total: int = 0

    def title(self) -> str:
        """The phase in words, in the active language."""
        return str(PHASE_TITLES[self.phase])

    def label(self) -> str:
        """The reading in words, with the count when there is one."""
        if not self.total:
            return _("%(phase)s…") % {"phase": self.title()}
        return _("%(phase)s: %(done)s of %(total)s") % {
            "phase": self.title(),
            "done": self.done,
            "total": self.total,
        }


Listener = Callable[[Snapshot], None]


class RunProgress:
    """The progress of one run (``run_id`` None: nothing stored, only the listener told)."""

    def __init__(
        self,
        run_id: int | None,
        listener: Listener | None = None,
        interval: float = 0.5,
        *,
        stored: Snapshot | None = None,
    ) -> None:
        """``stored``: what the run's row already holds (not written again: a write less
        per run, each a commit the database waits on)."""
        self.run_id = run_id
        self.listener = listener
        self._stored = stored
        self.interval = interval
        self.current = Snapshot(COLLECTING)
        self._stored_at = 0.0
        self._lock = threading.Lock()  # Graph batches answer from worker threads

    def phase(self, phase: str, total: int = 0) -> None:
        """Enter ``phase`` with ``total`` events to write (stored at once)."""
        with self._lock:
            self._update(Snapshot(phase, 0, total), force=True)

    def at(self, phase: str, done: int, total: int) -> None:
        """``done`` of ``total`` events of ``phase`` are written (a new phase is stored at
        once, as is its end; steps in between at most every ``interval``)."""
        with self._lock:
            changed = phase != self.current.phase or total != self.current.total
            self._update(Snapshot(phase, min(done, total), total), force=changed)

    def reporter(self, phase: str) -> Callable[[int, int], None]:
        """``on_progress(done, total)`` for a side writing in ``phase``."""
        return lambda done, total: self.at(phase, done, total)

    def _update(self, snapshot: Snapshot, force: bool = False) -> None:
        self.current = snapshot
        if self.listener is not None:
            self.listener(snapshot)
        finished = snapshot.total and snapshot.done == snapshot.total
        if self.run_id is None:
            return
        if not (force or finished) and time.monotonic() - self._stored_at < self.interval:
            return
        if snapshot == self._stored:
            return
        self._stored = snapshot
        self._stored_at = time.monotonic()
        from calsync.outlook.models import SyncRun

        try:
            SyncRun.objects.filter(pk=self.run_id).update(
                phase=snapshot.phase, progress_done=snapshot.done, progress_total=snapshot.total
            )
        except Exception as exc:  # a busy database: the bar lags, the sync goes on
            logger.warning("progress of run %s not stored: %s", self.run_id, type(exc).__name__)


def reading_of(phase: str, done: int, total: int) -> dict[str, object] | None:
    """The status API's ``progress`` object for a running run's stored fields."""
    if phase not in PHASES:
        return None
    snapshot = Snapshot(phase, done, total)
    return {"phase": phase, "done": done, "total": total, "label": snapshot.label()}
