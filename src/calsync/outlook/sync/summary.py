"""A run's outcome: :class:`SyncSummary` (the API's and ``calsync sync --json``'s summary)
and the sync-log entries made from the engine's plan and results.

Entries are stored by meaning (:mod:`calsync.outlook.sync.log_messages`): a code, a msgid
and its parameters, rendered in the reader's language.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_noop

from calsync.msgraph import GraphError, Throttled
from calsync.msgraph.patterned_recurrence import UnsupportedRecurrence
from calsync.outlook.connection.tokens import TokenError
from calsync.outlook.models import SyncRun
from calsync.outlook.sync.log_messages import clock_time, entry, reason_of, render
from calsync.syncengine import Conflict, ExecutionResult, Plan


@dataclass
class SyncSummary:
    """The outcome of one run; :meth:`as_json` is the sync summary (docs/contract.md, REST API)."""

    user: str
    ok: bool = True
    pulled: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "deleted": 0}
    )
    pushed: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "deleted": 0}
    )
    conflicts: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    graph_requests: int = 0
    seconds: float = 0.0
    invitations: int = 0
    status: str = SyncRun.STATUS_OK
    preview: bool = False
    conflict_details: list[dict[str, Any]] = field(default_factory=list)
    run_id: int | None = None
    throttled_until: datetime | None = None
    """Outlook asked to wait until then: the account's next sync is scheduled for it."""

    def as_json(self) -> dict[str, Any]:
        """The summary's JSON (docs/contract.md); ``throttled_until`` only when Outlook asked
        to wait."""
        answer = {
            "user": self.user,
            "ok": self.ok,
            "pulled": dict(self.pulled),
            "pushed": dict(self.pushed),
            "conflicts": self.conflicts,
            "errors": list(self.errors),
            "graph_requests": self.graph_requests,
            "seconds": round(self.seconds, 3),
            "invitations": self.invitations,
        }
        if self.throttled_until is not None:
            answer["throttled_until"] = self.throttled_until.isoformat()
        return answer


def identity_entry(conflict: Any) -> dict[str, Any]:
    """A log entry for an engine ``IdentityConflict`` (items left alone)."""
    if conflict.side == "local":
        template = gettext_noop(
            "%(count)s calsync events claim the same identity %(key)s (%(ids)s): they are "
            "not synced until only one is left."
        )
    else:
        template = gettext_noop(
            "%(count)s Outlook events claim the same identity %(key)s (%(ids)s): they are "
            "not synced until only one is left."
        )
    ids = ", ".join(str(i)[:24] for i in conflict.ids)
    return entry("identity_conflict", template, count=len(conflict.ids), key=conflict.key, ids=ids)


def count_plan(summary: SyncSummary, decided: Plan, add: bool = False) -> None:
    """The plan's counts as the summary's (``add``: added to those it has: one more
    calendar of the run)."""
    counts = decided.summary()
    pulled: dict[str, int] = dict(counts["pulled"])  # type: ignore[arg-type]
    pushed: dict[str, int] = dict(counts["pushed"])  # type: ignore[arg-type]
    zones = _zones(decided)
    details = [_conflict_json(c, zones) for c in decided.conflicts]
    if add:
        pulled = {k: summary.pulled.get(k, 0) + n for k, n in pulled.items()}
        pushed = {k: summary.pushed.get(k, 0) + n for k, n in pushed.items()}
        details = summary.conflict_details + details
    summary.pulled, summary.pushed, summary.conflict_details = pulled, pushed, details
    summary.conflicts = int(counts["conflicts"]) + (summary.conflicts if add else 0)  # type: ignore[call-overload]
    summary.invitations = int(counts["invitations"]) + (summary.invitations if add else 0)  # type: ignore[call-overload]


def count_result(summary: SyncSummary, decided: Plan, result: ExecutionResult) -> None:
    """Add what ``result`` did to ``summary`` (a run applying a long pull page by page
    counts each page's)."""
    kinds = Counter(type(action).__name__ for action in result.done)
    pulled = {
        "created": kinds["CreateLocal"],
        "updated": kinds["UpdateLocal"],
        "deleted": kinds["ArchiveLocal"],
    }
    pushed = {
        "created": kinds["CreateRemote"],
        "updated": kinds["UpdateRemote"] + kinds["RespondRemote"],
        "deleted": kinds["DeleteRemote"],
    }
    summary.pulled = {k: summary.pulled.get(k, 0) + n for k, n in pulled.items()}
    summary.pushed = {k: summary.pushed.get(k, 0) + n for k, n in pushed.items()}
    failed = {failure.uid for failure in result.failures}
    conflicts = [c for c in decided.conflicts if c.uid not in failed]
    summary.conflicts += len(conflicts)
    zones = _zones(decided)
    summary.conflict_details += [_conflict_json(c, zones) for c in conflicts]
    summary.invitations += result.mails
    uids = {item.uid: item for item in decided.items}
    for failure in result.failures:
        item = uids.get(failure.uid)
        local_id = local_id_of(item)
        summary.errors.append(failure_entry(event_ref(local_id) or failure.uid, failure.cause))


def local_id_of(item: Any) -> str | None:
    if item is None:
        return None
    if item.entry is not None and item.entry.local_id:
        return item.entry.local_id
    for action in item.actions:
        local_id = getattr(action, "local_id", "")
        if local_id:
            return local_id
    return None


def event_ref(local_id: str | None) -> int | str | None:
    if local_id is None:
        return None
    return int(local_id) if local_id.isdigit() else local_id


def failure_entry(event: int | str | None, cause: BaseException) -> dict[str, Any]:
    """The log entry of one event's failed write: a rule Outlook cannot express in its own
    words (msgraph's UnsupportedRecurrence), a token problem framed as the run's would be,
    Graph's answer framed by a translated sentence, or the cause's text framed likewise."""
    if isinstance(cause, UnsupportedRecurrence):
        return entry("unsupported", cause.template, event, **cause.params)
    if isinstance(cause, Throttled):
        return throttled_entry(cause.until, event)
    if isinstance(cause, TokenError):
        framing = gettext_noop("Outlook could not be reached: %(reason)s")
        return entry("outlook_unreachable", framing, event, reason=reason_of(cause))
    if isinstance(cause, GraphError):
        framing = gettext_noop("Outlook refused the change: %(reason)s")
        return entry("outlook_refused", framing, event, reason=str(cause)[:500])
    framing = gettext_noop("The change could not be written: %(reason)s")
    return entry("write_failed", framing, event, reason=(str(cause) or type(cause).__name__)[:500])


def throttled_entry(until: datetime | None, event: int | str | None = None) -> dict[str, Any]:
    """Outlook asked calsync to wait (until ``until``, when it said): for the run, or for
    one event whose change waits for the next sync."""
    if until is None:
        template = gettext_noop("Outlook asked calsync to slow down; the next sync goes on.")
        return entry("throttled", template, event)
    if event is None:
        template = gettext_noop(
            "Outlook asked calsync to wait until %(until)s: this account syncs again then."
        )
    else:
        template = gettext_noop(
            "Outlook asked calsync to wait until %(until)s: this change goes in the next sync."
        )
    return entry("throttled", template, event, until=clock_time(until))


def failure_message(cause: BaseException) -> str:
    """The cause's message (at most 500 characters) in the active language."""
    return render(failure_entry(None, cause))[:500]


def _zones(decided: Plan) -> dict[str, str]:
    """Each planned uid's time zone (conflict values are shown in the event's zone)."""
    return {item.uid: item.entry.base.timezone for item in decided.items if item.entry is not None}


def _conflict_json(conflict: Conflict, zones: dict[str, str] | None = None) -> dict[str, Any]:
    details = {
        "event": conflict.uid,
        "field": conflict.field,
        "winner": conflict.winner,
        "losing_value": _jsonable(conflict.losing_value),
        "reason": conflict.reason,
    }
    zone = (zones or {}).get(conflict.uid)
    if zone:
        details["timezone"] = zone
    if conflict.field == "deleted":  # restored from Outlook: which fields changed there
        details["changed"] = _jsonable(conflict.remote_value)
    return details


def _jsonable(value: Any) -> Any:
    if hasattr(value, "canonical"):
        return value.canonical()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {name: _jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    return value
