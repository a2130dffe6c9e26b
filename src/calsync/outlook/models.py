"""The Outlook settings (one row) and each user's Outlook account (mailbox + tokens).

Secrets never sit in plain text: the client secret and the MSAL token cache are stored
encrypted (:mod:`calsync.outlook.connection.crypto`); only
:mod:`calsync.outlook.connection.configuration` (reading) and
:mod:`calsync.outlook.connection.actions` (writing) touch them. The models import no room of
the app.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutlookSettings(models.Model):
    """The company-wide Outlook set-up (Odoo's Settings page); a single row, ``pk=1``.

    ``authority_host``, ``graph_url`` and ``ca_bundle`` are blank unless the demo points them
    at the built-in emulator; the ``CALSYNC_*`` settings win when configured
    (see :mod:`calsync.outlook.connection.configuration`).
    """

    enabled = models.BooleanField(_("Outlook Calendar"), default=False)
    client_id = models.CharField(_("Client ID"), max_length=100, blank=True)
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    base_url = models.CharField(_("Base URL"), max_length=300, blank=True)
    authority_host = models.CharField(max_length=300, blank=True)
    graph_url = models.CharField(max_length=300, blank=True)
    ca_bundle = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Outlook settings")
        verbose_name_plural = _("Outlook settings")

    def __str__(self) -> str:
        return str(_("Outlook settings"))

    @classmethod
    def load(cls) -> OutlookSettings:
        """The settings row, created with defaults on first use."""
        row, _created = cls.objects.get_or_create(pk=1)
        return row

    @property
    def has_client_secret(self) -> bool:
        """Whether a client secret is saved (the page shows only this)."""
        return bool(self.client_secret_encrypted)


class OutlookAccount(models.Model):
    """One calsync user's link to their Outlook mailbox.

    The row outlives its tokens: a disconnect or a revoked grant keeps it (and everything the
    sync links to it), so reconnecting the same mailbox picks up where it left off.
    ``token_version`` grows with every write of the token cache, so a slow refresh never
    brings back tokens that a disconnect removed meanwhile.
    """

    user = models.OneToOneField(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="outlook_account",
        verbose_name=_("user"),
    )
    mailbox = models.CharField(_("mailbox"), max_length=320, blank=True)
    display_name = models.CharField(_("name"), max_length=300, blank=True)
    oid = models.CharField(_("Microsoft user id"), max_length=64, blank=True)
    tid = models.CharField(_("Microsoft tenant id"), max_length=64, blank=True)
    home_account_id = models.CharField(max_length=200, blank=True)
    token_cache_encrypted = models.TextField(blank=True, editable=False)
    token_version = models.PositiveIntegerField(default=0)
    needs_reconnect = models.BooleanField(_("reconnect needed"), default=False)
    connected_at = models.DateTimeField(_("connected at"), null=True, blank=True)
    token_refreshed_at = models.DateTimeField(null=True, blank=True)
    last_sync = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # sync state (written only by calsync.outlook.sync.run, after a run's writes)
    delta_link = models.TextField(blank=True, editable=False)
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_end = models.DateTimeField(null=True, blank=True, editable=False)
    first_synced_at = models.DateTimeField(
        _("first sync"),
        null=True,
        blank=True,
        help_text=_("Local events that ended before this time are not pushed to Outlook."),
    )
    sync_created_after = models.DateTimeField(
        _("sync only events created after"),
        null=True,
        blank=True,
        help_text=_(
            "Set by Reset Account with 'Synchronize only new events': events created before "
            "this time are left out of the sync, here and in Outlook."
        ),
    )
    recheck_local = models.JSONField(default=list, blank=True, editable=False)
    recheck_remote = models.JSONField(default=list, blank=True, editable=False)
    sync_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sync_claim = models.CharField(max_length=36, blank=True, editable=False)
    next_sync_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    """When the account's periodic sync is due (NULL: now); engines move it one interval on
    when they take it (:mod:`calsync.outlook.triggers.due`)."""
    addresses_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    """When a run last read the mailbox's addresses (``GET /me``): a day later the next
    reads them again (:mod:`calsync.outlook.sync.addresses`), not every run."""
    throttled_until = models.DateTimeField(null=True, blank=True, editable=False)
    """Outlook asked calsync to wait until then (a ``Retry-After`` longer than the client
    waits): no run starts before; the next one is scheduled for that time."""

    class Meta:
        verbose_name = _("Outlook account")
        verbose_name_plural = _("Outlook accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["tid", "oid"],
                condition=~Q(oid=""),
                name="outlook_account_one_user_per_mailbox",
            )
        ]

    def __str__(self) -> str:
        return self.mailbox or str(self.user)

    @property
    def has_tokens(self) -> bool:
        """Whether a token cache is stored (connected, or waiting for a reconnect)."""
        return bool(self.token_cache_encrypted)

    @property
    def connected(self) -> bool:
        """Tokens stored and not known to be refused."""
        return self.has_tokens and not self.needs_reconnect


PRIMARY_SCOPE = ""
"""``SyncRecord.scope`` of the mailbox's default calendar (today's one-calendar sync)."""


class CalendarLink(models.Model):
    """One more Outlook calendar of ``account``'s mailbox (its own or shared with it)
    synced with the calsync ``calendar`` in ``mode`` (docs/sync.md, Several calendars).

    ``name``, ``owner_*`` and ``can_edit`` are the calendar as last read from Graph. The
    link keeps its own delta state (written only by the sync run, after its writes) and
    its own health (``status``, ``last_synced_at``, ``last_error``). The mailbox's default
    calendar has no row: it syncs every calsync calendar that no link takes (a link in
    mode ``off`` keeps its calendar too: turning a link off copies nothing anywhere)."""

    MODE_TWO_WAY = "two-way"
    MODE_FROM_OUTLOOK = "from-outlook"
    MODE_BUSY = "busy"
    MODE_REDACTED = "redacted"
    MODE_OFF = "off"
    MODE_CHOICES = (
        (MODE_TWO_WAY, _("both ways")),
        (MODE_FROM_OUTLOOK, _("from Outlook only")),
        (MODE_BUSY, _("busy times only")),
        (MODE_REDACTED, _("titles only")),
        (MODE_OFF, _("off")),
    )
    AVAILABLE_MODES = (MODE_TWO_WAY, MODE_FROM_OUTLOOK, MODE_BUSY, MODE_REDACTED, MODE_OFF)
    """The modes the sync carries out (``busy`` and ``redacted``: docs/sync.md, Mirrors)."""
    READ_ONLY_MODES = (MODE_FROM_OUTLOOK, MODE_BUSY, MODE_OFF)
    """The modes a calendar the mailbox may not write allows."""

    STATUS_NEVER = "never"
    STATUS_OK = "ok"
    STATUS_FAILED = "failed"
    STATUS_OFF = "off"
    STATUS_CHOICES = (
        (STATUS_NEVER, _("not synced yet")),
        (STATUS_OK, _("synced")),
        (STATUS_FAILED, _("failed")),
        (STATUS_OFF, _("off")),
    )

    account = models.ForeignKey(
        OutlookAccount, on_delete=models.CASCADE, related_name="calendar_links"
    )
    remote_id = models.CharField(_("Outlook calendar id"), max_length=512)
    name = models.CharField(_("name"), max_length=300, blank=True)
    owner_name = models.CharField(_("owner"), max_length=300, blank=True)
    owner_address = models.CharField(_("owner address"), max_length=320, blank=True)
    can_edit = models.BooleanField(_("can edit"), default=False)
    calendar = models.ForeignKey(
        "calendars.Calendar",
        on_delete=models.CASCADE,
        related_name="outlook_calendar_links",
        verbose_name=_("calendar"),
    )
    mode = models.CharField(_("mode"), max_length=20, choices=MODE_CHOICES)
    # sync state (written only by calsync.outlook.sync.run, after a run's writes)
    delta_link = models.TextField(blank=True, editable=False)
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_end = models.DateTimeField(null=True, blank=True, editable=False)
    first_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    recheck_local = models.JSONField(default=list, blank=True, editable=False)
    recheck_remote = models.JSONField(default=list, blank=True, editable=False)
    # a busy or redacted link's state (calsync.outlook.sync.mirror_state): the Outlook
    # calendar's delta link over the window, and its events as last listed (null: list
    # again), kept apart from the two-way state above so a mode change never mixes them
    mirror_delta_link = models.TextField(blank=True, editable=False)
    mirror_window_start = models.DateTimeField(null=True, blank=True, editable=False)
    mirror_window_end = models.DateTimeField(null=True, blank=True, editable=False)
    mirror_events = models.JSONField(null=True, blank=True, editable=False)
    # the copies the last writing pass wrote there (id -> changeKey): a change notification
    # about one of them is our own write coming back (calsync.outlook.triggers.handoff)
    mirror_written = models.JSONField(default=dict, blank=True, editable=False)
    # health
    status = models.CharField(
        _("status"), max_length=20, choices=STATUS_CHOICES, default=STATUS_NEVER
    )
    last_synced_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("Outlook calendar link")
        verbose_name_plural = _("Outlook calendar links")
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=["account", "remote_id"], name="calendar_link_one_per_outlook_calendar"
            ),
            models.UniqueConstraint(
                fields=["calendar"],
                condition=Q(mode="two-way"),
                name="calendar_link_one_two_way_per_calendar",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.remote_id[:16]} -> {self.calendar_id} ({self.mode})"

    @property
    def scope(self) -> str:
        """The ``SyncRecord.scope`` of this link's records."""
        return f"link:{self.pk}"


class MirrorCleanup(models.Model):
    """Copies a stopped mirror left behind, to delete at the next sync (docs/sync.md,
    Mirrors): the busy or redacted link of the Outlook calendar ``remote_id`` with the
    calsync calendar ``calendar_id`` was turned to another mode, moved to another calendar
    or deleted. The run deletes, in that Outlook calendar, the copies marked
    ``calsync:<calendar_id>`` and, here, the copies marked with the Outlook calendar's
    source, then drops the row (unless that same pair mirrors again). ``calendar_id`` is a
    plain number: the marker holds it even after the calendar is gone."""

    account = models.ForeignKey(
        OutlookAccount, on_delete=models.CASCADE, related_name="mirror_cleanups"
    )
    remote_id = models.CharField(max_length=512)
    owner_address = models.CharField(max_length=320, blank=True)
    calendar_id = models.BigIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=["account", "remote_id", "calendar_id"], name="mirror_cleanup_once"
            )
        ]

    def __str__(self) -> str:
        return f"cleanup {self.remote_id[:16]} / calsync:{self.calendar_id}"


class SyncRecord(models.Model):
    """The sync status of one linked event for one account (the engine's ``StatusEntry``).

    ``base`` is the content both sides agreed on last time (the three-way merge's base),
    ``local_id`` the event's id even after the event was destroyed (``event`` is then null:
    that is how a deletion here is seen), ``remote_id`` the Graph immutable id.
    """

    account = models.ForeignKey(
        OutlookAccount, on_delete=models.CASCADE, related_name="sync_records"
    )
    scope = models.CharField(max_length=20, default=PRIMARY_SCOPE, blank=True)
    """Which of the account's calendars the record pairs with: :data:`PRIMARY_SCOPE` for
    the mailbox's default calendar, else its :class:`CalendarLink`'s :attr:`~CalendarLink.scope`."""
    uid = models.CharField(max_length=36)
    event = models.ForeignKey(
        "calendars.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sync_records",
    )
    local_id = models.CharField(max_length=32)
    remote_id = models.CharField(max_length=512)
    ical_uid = models.CharField(max_length=512, blank=True)
    base = models.JSONField()
    local_version = models.PositiveIntegerField()
    remote_hash = models.CharField(max_length=64)
    remote_change_key = models.CharField(max_length=200, blank=True)
    my_response = models.CharField(max_length=20, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sync record")
        verbose_name_plural = _("sync records")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "scope", "uid"], name="syncrecord_one_per_uid"
            ),
            models.UniqueConstraint(
                fields=["account", "scope", "remote_id"], name="syncrecord_one_per_remote_id"
            ),
            models.UniqueConstraint(
                fields=["account", "scope", "local_id"], name="syncrecord_one_per_local_id"
            ),
            models.UniqueConstraint(
                fields=["account", "scope", "ical_uid"],
                condition=~Q(ical_uid=""),
                name="syncrecord_one_per_ical_uid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.uid} <-> {self.remote_id[:16]}"


class OutlookLink(models.Model):
    """An event's Outlook copy in its owner's mailbox (rendered as the event's ``outlook``)."""

    event = models.OneToOneField(
        "calendars.Event", on_delete=models.CASCADE, related_name="outlook_link"
    )
    account = models.ForeignKey(
        OutlookAccount, on_delete=models.CASCADE, related_name="outlook_links"
    )
    remote_id = models.CharField(max_length=512)
    ical_uid = models.CharField(max_length=512, blank=True, db_index=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Outlook link")
        verbose_name_plural = _("Outlook links")

    def __str__(self) -> str:
        return self.remote_id[:16]

    @staticmethod
    def of_event(event: Any) -> dict[str, Any] | None:
        """``event``'s link as the event API shows it (its ``outlook`` key), or None."""
        link = getattr(event, "outlook_link", None)
        if link is None:
            return None
        synced = link.synced_at.isoformat() if link.synced_at else None
        return {"id": link.remote_id, "ical_uid": link.ical_uid, "synced_at": synced}


class SyncRun(models.Model):
    """One sync run of one account, as the sync log shows it (never a token)."""

    STATUS_RUNNING = "running"
    STATUS_OK = "ok"
    STATUS_PARTIAL = "partial"
    STATUS_FAILED = "failed"
    STATUS_CONFIRM = "needs_confirmation"
    STATUS_INTERRUPTED = "interrupted"
    STATUS_THROTTLED = "throttled"
    STATUS_CHOICES = (
        (STATUS_RUNNING, _("running")),
        (STATUS_OK, _("done")),
        (STATUS_PARTIAL, _("done with errors")),
        (STATUS_FAILED, _("failed")),
        (STATUS_CONFIRM, _("needs confirmation")),
        (STATUS_INTERRUPTED, _("interrupted")),
        (STATUS_THROTTLED, _("throttled by Microsoft")),
    )

    account = models.ForeignKey(OutlookAccount, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(_("trigger"), max_length=20)
    preview = models.BooleanField(_("preview"), default=False)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=STATUS_CHOICES)
    ok = models.BooleanField(default=False)
    pulled_created = models.PositiveIntegerField(default=0)
    pulled_updated = models.PositiveIntegerField(default=0)
    pulled_deleted = models.PositiveIntegerField(default=0)
    pushed_created = models.PositiveIntegerField(default=0)
    pushed_updated = models.PositiveIntegerField(default=0)
    pushed_deleted = models.PositiveIntegerField(default=0)
    conflicts = models.JSONField(_("conflicts"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    graph_requests = models.PositiveIntegerField(default=0)
    invitations = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    message = models.TextField(_("message"), blank=True)
    message_parts = models.JSONField(default=list, blank=True, editable=False)
    """:attr:`message` by meaning: entries of :mod:`calsync.outlook.sync.log_messages`
    (empty on rows from before, whose ``message`` is the only text)."""
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    """While running: what the run is doing (see :mod:`calsync.outlook.sync.progress`)."""
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ("-started_at", "-id")
        indexes = [models.Index(fields=["account", "-started_at"], name="syncrun_account_recent")]

    def __str__(self) -> str:
        return f"{self.account} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    TRIGGER_LABELS = {
        "button": _("the Sync with Outlook button"),
        "api": _("the API"),
        "cli": _("the command line"),
        "schedule": _("the schedule"),
        "change": _("a change in calsync"),
        "page": _("opening the calendar"),
        "celery": _("a background worker"),
        "reset": _("Reset Account"),
        "notification": _("a change in Outlook"),
    }
    """What started a run, in words (an unknown trigger is shown as stored)."""

    @property
    def trigger_label(self) -> str:
        """The translated :attr:`TRIGGER_LABELS` entry of :attr:`trigger`."""
        return str(self.TRIGGER_LABELS.get(self.trigger, self.trigger))


class OutlookSubscription(models.Model):
    """One of an account's Graph change-notification subscriptions: on ``/me/events`` (the
    default calendar: ``remote_calendar_id`` blank) or on
    ``/me/calendars/{remote_calendar_id}/events`` (a calendar a link syncs); one at most each.

    ``subscription_id`` is blank while none exists at Graph (not made yet, removed, or the
    Base URL cannot receive notifications: ``last_error`` says why). The ``clientState`` that
    proves a notification comes from Graph is stored encrypted, like the tokens; only
    :mod:`calsync.outlook.triggers.subscriptions` and
    :mod:`calsync.outlook.triggers.notifications` read it.
    """

    account = models.ForeignKey(
        OutlookAccount, on_delete=models.CASCADE, related_name="subscriptions"
    )
    remote_calendar_id = models.CharField(max_length=512, blank=True, default="")
    subscription_id = models.CharField(max_length=200, blank=True, db_index=True)
    client_state_encrypted = models.TextField(blank=True, editable=False)
    notification_url = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    renew_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(null=True, blank=True)
    renewed_at = models.DateTimeField(null=True, blank=True)
    last_notification_at = models.DateTimeField(_("last notification"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    retry_after = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Outlook subscription")
        verbose_name_plural = _("Outlook subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "remote_calendar_id"], name="subscription_one_per_calendar"
            ),
        ]

    def __str__(self) -> str:
        return self.subscription_id or "-"


class SyncRequest(models.Model):
    """A sync of ``account`` asked for by a process that may not run it (the hand-off of
    :mod:`calsync.outlook.triggers.handoff`): at most one per account. Any scheduler
    (``calsync run``, ``calsync worker``) or Celery task takes it (deletes it) once
    ``not_before`` has passed and no run holds the account. ``changes`` lists the Graph
    changes it is about, as ``[remote_id, change_type, change_key]``, for the own-writes
    filter; ``force`` says sync whatever they are. ``version`` grows with every addition: a
    take deletes only the version it read, so nothing added meanwhile is lost."""

    account = models.OneToOneField(
        OutlookAccount, on_delete=models.CASCADE, related_name="sync_request"
    )
    trigger = models.CharField(max_length=20)
    not_before = models.DateTimeField(db_index=True)
    changes = models.JSONField(default=list, blank=True)
    force = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sync request")
        verbose_name_plural = _("sync requests")

    def __str__(self) -> str:
        return f"{self.account} {self.trigger} {self.not_before:%H:%M:%S}"


class UnsyncableEvent(models.Model):
    """An event of ``account``'s calendar that Outlook cannot hold in its ``version`` (its
    rule has no patternedRecurrence: msgraph's ``UnsupportedRecurrence``).

    While the event keeps that ``version`` no sync offers it (nor its exceptions) to the
    engine: it is reported once, not on every run. A new version is tried again; once it
    syncs (or fails otherwise) the row goes. ``entry`` is the failed push's log entry
    (:mod:`calsync.outlook.sync.log_messages`). See :mod:`calsync.outlook.sync.unsyncable`.
    """

    account = models.ForeignKey(
        OutlookAccount, on_delete=models.CASCADE, related_name="unsyncable_events"
    )
    event = models.ForeignKey("calendars.Event", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    entry = models.JSONField()
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("event Outlook cannot hold")
        verbose_name_plural = _("events Outlook cannot hold")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "event"], name="unsyncable_event_one_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} v{self.version}"


class MailboxBudget(models.Model):
    """One (app, mailbox)'s Graph request budget, shared by every process that talks to it
    when no Redis is configured (:mod:`calsync.outlook.connection.budget`): the requests in
    flight (``slots``: ``[token, expires epoch seconds]``) and the requests sent in each
    minute of the last ten (``minutes``: ``{"<epoch minute>": count}``)."""

    app_id = models.CharField(max_length=100)
    mailbox = models.CharField(max_length=320)
    slots = models.JSONField(default=list)
    minutes = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("mailbox request budget")
        verbose_name_plural = _("mailbox request budgets")
        constraints = [
            models.UniqueConstraint(fields=["app_id", "mailbox"], name="mailbox_budget_one_each")
        ]

    def __str__(self) -> str:
        return f"{self.app_id}/{self.mailbox}"
