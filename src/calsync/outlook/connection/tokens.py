"""Each user's MSAL token cache, and the access-token provider the Graph client calls.

The cache is stored encrypted on :class:`~calsync.outlook.models.OutlookAccount`. Every call
of :class:`AccountTokenProvider` loads it, asks MSAL for a token silently (MSAL returns the
cached access token while it has more than 5 minutes left, else redeems the refresh token),
and saves the cache whenever MSAL changed it, so the rotated refresh token is never lost.

Outcomes of a failed refresh:

* ``invalid_grant`` / ``interaction_required`` / ``consent_required`` (revoked, expired,
  consent withdrawn), no refresh token, or an unreadable cache: the account is marked
  "reconnect needed" and :class:`ReconnectNeeded` is raised. Nothing else changes.
* anything else (network, a refused client secret, ``temporarily_unavailable``):
  :class:`TokenUnavailable`, recorded as the account's last error; the grant may still be
  fine, so the user is not asked to reconnect.

Tokens never reach a log line, an exception message or a page.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

import msal
import requests
from django.utils.translation import gettext_noop

from calsync.outlook.connection import actions, crypto, identity
from calsync.outlook.connection.configuration import OutlookConfiguration, current
from calsync.outlook.models import OutlookAccount

logger = logging.getLogger("calsync.outlook")

RECONNECT_ERRORS = frozenset({"invalid_grant", "interaction_required", "consent_required"})

_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_locks_guard = threading.Lock()


class TokenError(Exception):
    """No access token could be obtained for an account.

    ``template`` is an untranslated msgid and ``params`` its values, so the sync log can say
    it in its reader's language; ``str()`` is the English text (what gets stored)."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


class ReconnectNeeded(TokenError):
    """The user must sign in again (grant revoked or expired, or no tokens stored)."""


class TokenUnavailable(TokenError):
    """No token right now, for a reason a reconnect would not fix."""


def _lock_for(account_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks[account_id]


def load_cache(account: OutlookAccount) -> msal.SerializableTokenCache:
    """The account's token cache, decrypted. Raises ``crypto.SecretUnreadable``."""
    cache = msal.SerializableTokenCache()
    if account.token_cache_encrypted:
        cache.deserialize(crypto.decrypt(account.token_cache_encrypted, crypto.TOKEN_CACHE))
    return cache


def _error_summary(result: dict) -> str:
    codes = ",".join(str(code) for code in result.get("error_codes") or [])
    return f"{result.get('error', 'unknown_error')}{f' (AADSTS{codes})' if codes else ''}"


class AccountTokenProvider:
    """Access tokens for one user's Outlook account; a ``msgraph.TokenProvider``."""

    def __init__(self, account_id: int, config: OutlookConfiguration | None = None) -> None:
        self.account_id = account_id
        self._config = config

    def __call__(self, *, force_refresh: bool = False) -> str:
        with _lock_for(self.account_id):
            return self._acquire(force_refresh)

    def _reconnect(self, log_reason: str, template: str, **params: Any) -> ReconnectNeeded:
        error = ReconnectNeeded(template, **params)
        actions.do_mark_reconnect_needed(self.account_id, str(error))
        logger.warning("outlook: account %s needs reconnect: %s", self.account_id, log_reason)
        return error

    def _acquire(self, force_refresh: bool) -> str:
        account = OutlookAccount.objects.get(pk=self.account_id)
        if not account.has_tokens:
            raise ReconnectNeeded(gettext_noop("Outlook is not connected."))
        if account.needs_reconnect:
            raise ReconnectNeeded(
                account.last_error or gettext_noop("Outlook needs to be reconnected.")
            )
        cache = self._cache_of(account)
        config, app = self._app(cache)
        msal_accounts = [
            a for a in app.get_accounts() if a.get("home_account_id") == account.home_account_id
        ] or app.get_accounts()
        if not msal_accounts:
            raise self._reconnect(
                "no account in cache", gettext_noop("Outlook needs to be reconnected.")
            )
        try:
            result = app.acquire_token_silent_with_error(
                identity.SCOPES, msal_accounts[0], force_refresh=force_refresh
            )
        except requests.RequestException as exc:
            raise TokenUnavailable(
                gettext_noop("The Microsoft sign-in service at %(host)s cannot be reached."),
                host=config.authority_host,
            ) from exc
        if result and "access_token" in result:
            if cache.has_state_changed:
                self._save(account, cache)
            return result["access_token"]
        raise self._refused(account, result)

    def _cache_of(self, account: OutlookAccount) -> msal.SerializableTokenCache:
        try:
            return load_cache(account)
        except crypto.SecretUnreadable:
            raise self._reconnect(
                "token cache unreadable",
                gettext_noop(
                    "The saved Outlook sign-in cannot be read any more; please reconnect."
                ),
            ) from None

    def _app(
        self, cache: msal.SerializableTokenCache
    ) -> tuple[OutlookConfiguration, msal.ConfidentialClientApplication]:
        try:
            config = self._config or current()
        except crypto.SecretUnreadable:
            raise TokenUnavailable(
                gettext_noop(
                    "The Outlook Client Secret cannot be read; "
                    "an administrator must enter it again."
                )
            ) from None
        try:
            return config, identity.build_app(config, cache)
        except identity.IdentityUnavailable as exc:
            raise TokenUnavailable(
                gettext_noop("The Microsoft sign-in service at %(host)s cannot be reached."),
                host=config.authority_host,
            ) from exc

    @staticmethod
    def _save(account: OutlookAccount, cache: msal.SerializableTokenCache) -> None:
        """Save the rotated cache unless a newer one was saved meanwhile; a disconnect that
        happened meanwhile wins (:class:`ReconnectNeeded`)."""
        saved = actions.do_store_token_cache(account.pk, account.token_version, cache.serialize())
        if (
            not saved
            and not OutlookAccount.objects.filter(pk=account.pk)
            .exclude(token_cache_encrypted="")
            .exists()
        ):
            raise ReconnectNeeded(gettext_noop("Outlook is not connected."))

    def _refused(self, account: OutlookAccount, result: dict[str, Any] | None) -> TokenError:
        """The error for MSAL's answer without an access token (recorded on the account)."""
        if not result:
            return self._reconnect(
                "no refresh token", gettext_noop("Outlook needs to be reconnected.")
            )
        summary = _error_summary(result)
        if result.get("error") in RECONNECT_ERRORS:
            return self._reconnect(
                summary,
                gettext_noop(
                    "Microsoft no longer accepts the saved sign-in (%(error)s). "
                    "Press Sync with Outlook to reconnect."
                ),
                error=summary,
            )
        template = gettext_noop("Microsoft refused a new access token (%(error)s).")
        if result.get("error") in {"invalid_client", "unauthorized_client"}:
            template = gettext_noop(
                "Microsoft refused the Outlook app's Client ID or Client Secret (%(error)s); "
                "an administrator must check the Outlook settings."
            )
        error = TokenUnavailable(template, error=summary)
        OutlookAccount.objects.filter(pk=account.pk).update(last_error=str(error))
        logger.warning("outlook: account %s token refresh failed: %s", account.pk, summary)
        return error
