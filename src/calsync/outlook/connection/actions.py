"""Actions on the Outlook settings and accounts; views, the CLI and the demo call these.

Each runs in one transaction and either applies completely or raises without changing
anything.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calsync.outlook import signals
from calsync.outlook.connection import crypto, validation
from calsync.outlook.models import OutlookAccount, OutlookSettings

logger = logging.getLogger("calsync.outlook")


class SettingsError(ValueError):
    """Some settings were refused; ``errors`` maps each field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in errors.items()))
        self.errors = errors


class AccountConflict(Exception):
    """The consent cannot be stored for this user; the message says why."""


def _clean(cleaner: Any, value: str, field: str, errors: dict[str, str]) -> str:
    try:
        return cleaner(value)
    except ValidationError as exc:
        errors[field] = " ".join(exc.messages)
        return ""


@transaction.atomic
def do_update_settings(
    *,
    enabled: bool | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    clear_client_secret: bool = False,
    base_url: str | None = None,
) -> OutlookSettings:
    """Change the given settings (``None`` leaves a field as it is; ``client_secret=""`` too,
    since the secret is write-only: clear it with ``clear_client_secret``).

    Raises :class:`SettingsError` naming each bad field; nothing is saved then.
    """
    row = OutlookSettings.objects.select_for_update().get(pk=OutlookSettings.load().pk)
    errors: dict[str, str] = {}
    if client_id is not None:
        new_client_id = _clean(validation.clean_client_id, client_id, "client_id", errors)
    else:
        new_client_id = row.client_id
    new_secret = ""
    if client_secret:
        new_secret = _clean(validation.clean_client_secret, client_secret, "client_secret", errors)
        if clear_client_secret and "client_secret" not in errors:
            errors["client_secret"] = _("Either enter a new Client Secret or clear it, not both.")
    if base_url is not None:
        new_base_url = _clean(validation.clean_base_url, base_url, "base_url", errors)
    else:
        new_base_url = row.base_url
    new_enabled = row.enabled if enabled is None else enabled
    secret_will_be_set = bool(new_secret) or (row.has_client_secret and not clear_client_secret)
    if new_enabled:
        if not new_client_id and "client_id" not in errors:
            errors["client_id"] = _("Client ID is required to enable Outlook Calendar.")
        if not secret_will_be_set and "client_secret" not in errors:
            errors["client_secret"] = _("Client Secret is required to enable Outlook Calendar.")
    if errors:
        raise SettingsError(errors)
    if new_client_id != row.client_id and row.authority_host:
        # another app registration is not the demo's: its endpoints go with the old Client ID
        row.authority_host = row.graph_url = row.ca_bundle = ""
    row.enabled = new_enabled
    row.client_id = new_client_id
    row.base_url = new_base_url
    if new_secret or clear_client_secret:
        row.client_secret_encrypted = (
            crypto.encrypt(new_secret, crypto.CLIENT_SECRET) if new_secret else ""
        )
    row.save()
    logger.info(
        "outlook settings saved: enabled=%s client_id=%s secret=%s base_url=%s",
        row.enabled,
        row.client_id or "-",
        "set" if row.has_client_secret else "not set",
        row.base_url or "-",
    )
    return row


@transaction.atomic
def do_set_endpoints(*, authority_host: str, graph_url: str, ca_bundle: str) -> OutlookSettings:
    """Point the Outlook integration at the demo's built-in emulator, for the Client ID saved
    now (saving another Client ID forgets these). ``CALSYNC_*`` settings, when set, win."""
    row = OutlookSettings.load()
    row.authority_host = authority_host.rstrip("/")
    row.graph_url = graph_url.rstrip("/")
    row.ca_bundle = ca_bundle
    row.save()
    return row


@transaction.atomic
def do_connect_account(
    user: Any,
    *,
    mailbox: str,
    display_name: str,
    oid: str,
    tid: str,
    home_account_id: str,
    token_cache: str,
) -> OutlookAccount:
    """Store a completed consent for ``user``: the mailbox identity and the encrypted MSAL
    token cache. Clears "reconnect needed".

    Raises :class:`AccountConflict` (and stores nothing) when the mailbox is already linked to
    another calsync user, or when ``user`` is linked to a different mailbox: their events
    and links belong to that mailbox, so switching needs an account reset first.
    """
    taken = (
        OutlookAccount.objects.select_for_update()
        .filter(oid=oid, tid=tid)
        .exclude(user=user)
        .exists()
    )
    if taken:
        raise AccountConflict(
            _("The Outlook mailbox %(mailbox)s is already connected to another calsync user.")
            % {"mailbox": mailbox}
        )
    account, _created = OutlookAccount.objects.select_for_update().get_or_create(user=user)
    if account.oid and (account.oid, account.tid) != (oid, tid):
        raise AccountConflict(
            _(
                "Your calendar is linked to the Outlook mailbox %(linked)s, but you signed in "
                "as %(mailbox)s. Sign in with %(linked)s, or ask an administrator to reset "
                "your Outlook account first."
            )
            % {"linked": account.mailbox, "mailbox": mailbox}
        )
    account.mailbox = mailbox
    account.display_name = display_name
    account.oid = oid
    account.tid = tid
    account.home_account_id = home_account_id
    account.token_cache_encrypted = crypto.encrypt(token_cache, crypto.TOKEN_CACHE)
    account.token_version += 1
    account.needs_reconnect = False
    account.last_error = ""
    account.connected_at = timezone.now()
    account.addresses_checked_at = None  # the next run reads the mailbox's addresses
    account.save()
    logger.info("outlook: user %s connected mailbox %s", user.pk, mailbox)
    user_id = user.pk
    transaction.on_commit(
        lambda: signals.account_connected.send(sender=OutlookAccount, user_id=user_id)
    )
    return account


def do_disconnect(user: Any) -> bool:
    """Remove ``user``'s Outlook tokens; the mailbox link, events and sync links stay.
    The change-notification subscriptions are deleted first, while the tokens still work.

    Returns whether there were tokens to remove.
    """
    account = OutlookAccount.objects.filter(user=user).first()
    if account is not None:
        signals.account_disconnecting.send(sender=OutlookAccount, account=account)
    return _remove_tokens(user)


@transaction.atomic
def _remove_tokens(user: Any) -> bool:
    account = OutlookAccount.objects.select_for_update().filter(user=user).first()
    if account is None or not account.has_tokens:
        return False
    account.token_cache_encrypted = ""
    account.token_version += 1
    account.needs_reconnect = False
    account.save(update_fields=["token_cache_encrypted", "token_version", "needs_reconnect"])
    logger.info("outlook: user %s disconnected (tokens removed)", user.pk)
    return True


def do_mark_reconnect_needed(account_id: int, message: str) -> None:
    """Flag the account "reconnect needed" with ``message``; deletes nothing."""
    OutlookAccount.objects.filter(pk=account_id).update(needs_reconnect=True, last_error=message)


def do_store_token_cache(account_id: int, expected_version: int, token_cache: str) -> bool:
    """Save a changed token cache (e.g. a rotated refresh token) if the account's tokens are
    still the ones read at ``expected_version``; returns whether it was saved."""
    updated = (
        OutlookAccount.objects.filter(pk=account_id, token_version=expected_version)
        .exclude(token_cache_encrypted="")
        .update(
            token_cache_encrypted=crypto.encrypt(token_cache, crypto.TOKEN_CACHE),
            token_version=expected_version + 1,
            token_refreshed_at=timezone.now(),
        )
    )
    return bool(updated)
