"""Reset Account (CONTRACT §2-§4; Odoo's wizard, without its defects): what happens to a
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

In both cases the account's status rows are dropped (with "all", the events' last known
Outlook identities stay, for relinking; see :func:`_disconnect`), and the account is
disconnected: tokens, delta link, the mailbox's identity (so the user may reconnect another
mailbox), sync state, and the change-notification subscription. The row, its sync log and
the mailbox address (for display) stay. A :class:`~calsync.outlook.models.SyncRun` with
trigger ``reset`` records what was done in the sync log; one ``outlook_reset`` log line,
plus one ``outlook_reset_event_failed`` line per event Outlook refused; an event Outlook
no longer has (404) is done, not an error.

:func:`reset_preview` counts what a combination touches and writes nothing (no network
either): counts are taken now from the sync links and the events here, so what Outlook
holds is known as of the last sync (see :class:`ResetPreview`). :func:`reset_account` does
it; it holds the account's sync claim meanwhile, so no sync runs in between, and changes
nothing here if it lost the claim (:func:`_check_claim`).
"""

from __future__ import annotations

import enum
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from calsync.calendars import actions as calendar_actions
from calsync.calendars.models import Event
from calsync.msgraph import GraphClient, GraphError
from calsync.msgraph.batching import SubRequest, run_batch
from calsync.outlook.connection.tokens import TokenError
from calsync.outlook.models import OutlookAccount, OutlookLink, SyncRecord, SyncRun
from calsync.outlook.sync import log_messages
from calsync.outlook.sync.claims import claim_account, release_claim
from calsync.outlook.sync.local_side import Identity
from calsync.outlook.sync.records import SERIES_KEY, data_from_json
from calsync.syncengine import notices

logger = logging.getLogger("calsync.outlook.reset")

TRIGGER = "reset"


class ExistingEvents(enum.StrEnum):
    """What happens to the user's existing (synced) events."""

    KEEP = "keep"
    DELETE_OUTLOOK = "delete-outlook"
    DELETE_LOCAL = "delete-local"
    DELETE_BOTH = "delete-both"

    @property
    def deletes_outlook(self) -> bool:
        return self in (ExistingEvents.DELETE_OUTLOOK, ExistingEvents.DELETE_BOTH)

    @property
    def deletes_local(self) -> bool:
        return self in (ExistingEvents.DELETE_LOCAL, ExistingEvents.DELETE_BOTH)

    @property
    def label(self) -> str:
        return str(EXISTING_LABELS[self])


class NextSync(enum.StrEnum):
    """What the next sync (after reconnecting) takes."""

    NEW = "new"
    ALL = "all"

    @property
    def label(self) -> str:
        return str(NEXT_LABELS[self])


EXISTING_LABELS = {
    ExistingEvents.KEEP: gettext_lazy("Leave them untouched"),
    ExistingEvents.DELETE_OUTLOOK: gettext_lazy(
        "Delete from the current Microsoft Calendar account"
    ),
    ExistingEvents.DELETE_LOCAL: gettext_lazy("Delete from calsync"),
    ExistingEvents.DELETE_BOTH: gettext_lazy("Delete from both"),
}
NEXT_LABELS = {
    NextSync.NEW: gettext_lazy("Synchronize only new events"),
    NextSync.ALL: gettext_lazy("Synchronize all existing events"),
}


class ResetError(Exception):
    """The reset cannot be done (nothing was changed); the message is for the user."""


def parse_existing(value: str) -> ExistingEvents:
    """``keep``/``delete-outlook``/... (``_`` accepted for ``-``); raises :class:`ResetError`."""
    try:
        return ExistingEvents(str(value).strip().lower().replace("_", "-"))
    except ValueError:
        raise ResetError(
            _("Existing events: choose one of %(choices)s.")
            % {"choices": ", ".join(e.value for e in ExistingEvents)}
        ) from None


def parse_next(value: str) -> NextSync:
    """``new`` or ``all``; raises :class:`ResetError`."""
    try:
        return NextSync(str(value).strip().lower())
    except ValueError:
        raise ResetError(
            _("Next sync: choose one of %(choices)s.")
            % {"choices": ", ".join(n.value for n in NextSync)}
        ) from None


@dataclass
class ResetPreview:
    """What a combination touches, counted now from the sync links and the events here (a
    series counts once). What Outlook holds is known as of the last sync (``last_sync``):
    an event created there since is neither counted nor touched; one deleted there since is
    counted and found gone (done); mails are counted from the meetings' last synced guests.

    ``cancellations``: mails attendees get (one per attendee and deleted meeting);
    ``cancellation_messages``: messages Outlook sends (one per deleted meeting, as its
    outbox records them). ``linked``: sync links that are dropped (all of them).
    ``pending_deletions``: linked events archived or destroyed here whose deletion has not
    reached Outlook yet (whatever the choice; deleted there only by the Outlook options).
    ``changed_here``: events the choice destroys here while Outlook keeps them, that were
    changed here since the last sync (Outlook's copies lack those changes).
    """

    user: str
    mailbox: str
    existing: str
    next_sync: str
    connected: bool
    outlook_events: int = 0
    outlook_series: int = 0
    local_events: int = 0
    local_series: int = 0
    cancellations: int = 0
    cancellation_messages: int = 0
    linked: int = 0
    pending_deletions: int = 0
    changed_here: int = 0
    last_sync: datetime | None = None

    @property
    def deletes_outlook(self) -> bool:
        return ExistingEvents(self.existing).deletes_outlook

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_sync"] = self.last_sync.isoformat() if self.last_sync else None
        return data


@dataclass
class ResetResult:
    """What :func:`reset_account` did; ``errors`` lists the events Outlook refused to delete."""

    preview: ResetPreview
    reset_at: datetime
    outlook_deleted: int = 0
    local_deleted: int = 0
    cancellations: int = 0
    already_gone: int = 0
    """Events to delete from Outlook that it no longer had (deleted there): done too."""
    errors: list[dict[str, Any]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    """Remote ids no longer in Outlook (deleted now, or already gone)."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "done": True,
            "reset_at": self.reset_at.isoformat(),
            "outlook_deleted": self.outlook_deleted,
            "already_gone": self.already_gone,
            "local_deleted": self.local_deleted,
            "cancellations": self.cancellations,
            "errors": list(self.errors),
            "preview": self.preview.as_json(),
        }


def account_of(user: Any) -> OutlookAccount:
    """``user``'s Outlook account; :class:`ResetError` when they never connected one."""
    account = OutlookAccount.objects.select_related("user").filter(user=user).first()
    if account is None:
        raise ResetError(_("%(email)s has no Outlook account to reset.") % {"email": user.email})
    return account


def reset_preview(user: Any, existing: ExistingEvents, next_sync: NextSync) -> ResetPreview:
    """Count what ``existing`` + ``next_sync`` would touch for ``user``; writes nothing."""
    return _preview(account_of(user), existing, next_sync)


def reset_account(
    user: Any,
    existing: ExistingEvents,
    next_sync: NextSync,
    *,
    client: GraphClient | None = None,
    now: datetime | None = None,
) -> ResetResult:
    """Apply ``existing``, drop the account's sync links, set up ``next_sync``, disconnect.

    Raises :class:`ResetError` (nothing changed here) when the account is missing, a sync
    of it is running or took it over meanwhile, or Outlook deletions are asked for but
    Outlook cannot be reached or stops answering (no tokens, reconnect needed; deletions
    already made in Outlook stay made, and a retry counts them as done). An event Outlook
    refuses to delete is reported in ``errors``; the rest of the reset still happens.
    ``client`` replaces the account's own Graph client (tests); ``now`` is the reset's
    instant, the "only new events" cutoff.
    """
    account = account_of(user)
    if existing.deletes_outlook and client is None and not account.connected:
        raise ResetError(
            _(
                "Outlook cannot be reached for %(email)s (not connected, or reconnect needed): "
                "choose to leave the Outlook events untouched, or reconnect first."
            )
            % {"email": account.user.email}
        )
    claim = claim_account(account)
    if claim is None:
        raise ResetError(_("A sync of this account is running; try again in a moment."))
    started, clock = timezone.now(), time.monotonic()
    try:
        preview = _preview(account, existing, next_sync)
        result = ResetResult(preview, reset_at=started)
        if existing.deletes_outlook:
            _delete_in_outlook(account, result, client)
        _check_claim(account, claim)
        from calsync.outlook.triggers import subscriptions

        subscriptions.remove(account)  # while the tokens still work; never raises
        with transaction.atomic():
            _check_claim(account, claim)  # locked: no sync takes it over from here on
            if existing.deletes_local:
                result.local_deleted = _delete_here(account)
            result.reset_at = now or timezone.now()
            _disconnect(account, next_sync, result.reset_at, result.gone)
            _record(account, existing, next_sync, result, started, time.monotonic() - clock)
    finally:
        release_claim(account, claim)
    logger.info(
        "outlook_reset user=%s email=%s existing=%s next=%s outlook_deleted=%s "
        "local_deleted=%s cancellations=%s links_dropped=%s errors=%s",
        account.user_id,
        account.user.email,
        existing.value,
        next_sync.value,
        result.outlook_deleted,
        result.local_deleted,
        result.cancellations,
        preview.linked,
        len(result.errors),
    )
    return result


def _check_claim(account: OutlookAccount, claim: str) -> None:
    """:class:`ResetError` when a sync took the account's claim over (the reset outlived
    ``CLAIM_TTL``): the reset then changes nothing here. Locks the row inside a transaction."""
    rows = OutlookAccount.objects.filter(pk=account.pk, sync_claim=claim)
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    if not rows.exists():
        raise ResetError(
            _(
                "A sync took this account over during the reset (the reset ran too long). "
                "Nothing was changed in calsync; any event already deleted in Outlook stays "
                "deleted, and running the same reset again finishes it."
            )
        )


# -- what is touched -----------------------------------------------------------------------


def _outlook_targets(account: OutlookAccount) -> QuerySet[SyncRecord]:
    """The Outlook copies to delete, singles and masters (an exception goes with its master):
    the user's own linked events, and every link whose event is archived or destroyed here
    (:func:`_pending_here`) whoever owned it: the next sync would have deleted its copy."""
    own = Q(event__owner_id=account.user_id, event__series__isnull=True)
    return (
        SyncRecord.objects.filter(account=account)
        .filter(own | _pending_here())
        .select_related("event")
        .order_by("pk")
    )


def _pending_here() -> Q:
    """Sync records (singles and masters) whose event was archived or destroyed here since
    the last sync: the deletion has not reached Outlook yet. A destroyed event leaves its
    record with ``event`` null; a destroyed exception's record is known by its series key."""
    gone = Q(event__isnull=True) & ~Q(base__has_key=SERIES_KEY)
    archived = Q(event__active=False, event__series__isnull=True)
    return gone | archived


def _local_targets(account: OutlookAccount) -> QuerySet[Event]:
    """The events to destroy here: the user's own events linked to the account."""
    linked = Q(
        pk__in=SyncRecord.objects.filter(account=account, event__isnull=False).values("event_id")
    ) | Q(pk__in=OutlookLink.objects.filter(account=account).values("event_id"))
    return Event.objects.filter(linked, owner_id=account.user_id, series__isnull=True)


def _cancellation_notices(account: OutlookAccount, record: SyncRecord) -> tuple[Any, ...]:
    data = data_from_json(record.base)
    me = Identity.of(account)
    is_organizer = data.organizer is None or me.is_me(data.organizer.email)
    return notices.on_delete(data, is_organizer)


def _preview(
    account: OutlookAccount, existing: ExistingEvents, next_sync: NextSync
) -> ResetPreview:
    preview = ResetPreview(
        user=account.user.email,
        mailbox=account.mailbox,
        existing=existing.value,
        next_sync=next_sync.value,
        connected=account.connected,
        linked=SyncRecord.objects.filter(account=account).count(),
        pending_deletions=SyncRecord.objects.filter(account=account)
        .filter(_pending_here())
        .count(),
        last_sync=account.last_sync,
    )
    if existing.deletes_outlook:
        for record in _outlook_targets(account):
            preview.outlook_events += 1
            preview.outlook_series += bool(record.base.get("recurrence"))
            mails = _cancellation_notices(account, record)
            preview.cancellations += len(mails)
            preview.cancellation_messages += notices.messages(mails)
    if existing.deletes_local:
        targets = _local_targets(account)
        preview.local_events = targets.count()
        preview.local_series = targets.exclude(recurrence="").count()
        if not existing.deletes_outlook:
            preview.changed_here = _changed_here(account, targets)
    return preview


def _changed_here(account: OutlookAccount, targets: QuerySet[Event]) -> int:
    """How many of ``targets`` (or of their exceptions) changed since the last sync."""
    moved = SyncRecord.objects.filter(account=account, event__isnull=False).exclude(
        local_version=F("event__version")
    )
    changed = Q(pk__in=moved.values("event_id")) | Q(exceptions__pk__in=moved.values("event_id"))
    return targets.filter(changed).distinct().count()


# -- doing it ------------------------------------------------------------------------------


def _delete_in_outlook(
    account: OutlookAccount, result: ResetResult, client: GraphClient | None
) -> None:
    """DELETE each target through ``$batch``; 404 counts as already gone."""
    records = list(_outlook_targets(account))
    if not records:
        return
    requests = [SubRequest("DELETE", f"/me/events/{quote(r.remote_id, safe='')}") for r in records]
    graph = client
    try:
        if graph is None:
            from calsync.outlook.connection.graph import graph_client_for

            graph = graph_client_for(account)
        answers = run_batch(graph, requests)
    except (TokenError, GraphError) as exc:
        # earlier batches may have gone through: those deletions (and mails) are made
        raise ResetError(
            _(
                "Outlook stopped answering (%(reason)s). Nothing was changed in calsync; any "
                "event already deleted in Outlook stays deleted, and running the same reset "
                "again finishes it."
            )
            % {"reason": log_messages.reason_text(exc).rstrip(".")}
        ) from exc
    finally:
        if client is None and graph is not None:
            graph.close()
    for record, answer in zip(records, answers, strict=True):
        if answer.ok:
            result.outlook_deleted += 1
            result.cancellations += len(_cancellation_notices(account, record))
            result.gone.add(record.remote_id)
        elif answer.status == 404:  # deleted in Outlook since the last sync: done
            result.already_gone += 1
            result.gone.add(record.remote_id)
        else:
            code, message = answer.error()
            text = f"{code}: {message}" if code else message
            refused = gettext_noop("Outlook refused to delete this event: %(reason)s")
            result.errors.append(
                log_messages.entry("delete_refused", refused, _event_ref(record), reason=text[:500])
            )
            logger.warning(
                "outlook_reset_event_failed user=%s event=%s status=%s error=%s",
                account.user_id,
                _event_ref(record),
                answer.status,
                json.dumps(text)[:600],
            )


def _event_ref(record: SyncRecord) -> int | str:
    """The event a record links, also when it is destroyed here (its kept local id)."""
    if record.event_id is not None:
        return record.event_id
    return int(record.local_id) if record.local_id.isdigit() else record.local_id


def _delete_here(account: OutlookAccount) -> int:
    """Destroy the user's linked events (a series with its exceptions); returns how many."""
    count = 0
    for event in _local_targets(account):
        calendar_actions.do_delete_event(event)
        count += 1
    return count


def _disconnect(
    account: OutlookAccount, next_sync: NextSync, reset_at: datetime, gone: set[str]
) -> None:
    """Drop the account's status rows, its tokens and sync state (see the module doc).

    The events' Outlook links (remote id, iCalUId) are dropped with "only new events"; with
    "all existing events" those of copies still in Outlook stay: the iCalUId is how the next
    sync relinks an event made in Outlook (it carries no uid of ours). ``gone``: remote ids
    deleted by the reset.
    """
    SyncRecord.objects.filter(account=account).delete()
    account.unsyncable_events.all().delete()  # links gone: the next sync tries them again
    links = OutlookLink.objects.filter(account=account)
    if next_sync is NextSync.ALL:
        links = links.filter(remote_id__in=gone)
    links.delete()
    OutlookAccount.objects.filter(pk=account.pk).update(
        token_cache_encrypted="",
        token_version=F("token_version") + 1,
        needs_reconnect=False,
        oid="",
        tid="",
        home_account_id="",
        connected_at=None,
        token_refreshed_at=None,
        last_sync=None,
        last_error="",
        delta_link="",
        window_start=None,
        window_end=None,
        first_synced_at=None,
        recheck_local=[],
        recheck_remote=[],
        sync_created_after=reset_at if next_sync is NextSync.NEW else None,
    )


def _record(
    account: OutlookAccount,
    existing: ExistingEvents,
    next_sync: NextSync,
    result: ResetResult,
    started: datetime,
    seconds: float,
) -> None:
    """The reset's entry in the sync log (its message stored by meaning, see
    :mod:`calsync.outlook.sync.log_messages`)."""
    part = log_messages.entry(
        "reset",
        gettext_noop(
            "Reset Account: existing events: %(existing)s; next sync: %(next)s. "
            "%(outlook)s deleted in Outlook, %(local)s deleted here; disconnected."
        ),
        existing=log_messages.msgid_phrase(EXISTING_LABELS[existing]),
        next=log_messages.msgid_phrase(NEXT_LABELS[next_sync]),
        outlook=result.outlook_deleted,
        local=result.local_deleted,
    )
    message = part["message"]
    SyncRun.objects.create(
        account=account,
        trigger=TRIGGER,
        started_at=started,
        finished_at=timezone.now(),
        status=SyncRun.STATUS_OK if result.ok else SyncRun.STATUS_PARTIAL,
        ok=result.ok,
        pushed_deleted=result.outlook_deleted,
        errors=result.errors,
        invitations=result.cancellations,
        seconds=seconds,
        message=message[:2000],
        message_parts=log_messages.message_parts([part]),
    )


__all__ = [
    "ExistingEvents",
    "NextSync",
    "ResetError",
    "ResetPreview",
    "ResetResult",
    "parse_existing",
    "parse_next",
    "reset_account",
    "reset_preview",
]
