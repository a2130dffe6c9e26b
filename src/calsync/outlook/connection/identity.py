"""MSAL, set up for this installation: the confidential client and its HTTP session.

* Authority ``<authority host>/common`` with ``instance_discovery=False`` (MSAL would otherwise
  ask login.microsoftonline.com about any other host, such as the emulator's) and
  ``validate_authority=False`` for hosts MSAL does not know.
* HTTP goes through a ``requests.Session`` with ``trust_env=False`` (so ``REQUESTS_CA_BUNDLE``
  cannot override us) that trusts ``CALSYNC_CA_BUNDLE``, or the system trust store when unset,
  with a timeout on every call, through the outbound proxy when one is configured
  (:mod:`calsync.outlook.connection.proxy`).
* Scopes: ``User.Read`` and ``Calendars.ReadWrite``; MSAL adds ``openid profile offline_access``.
"""

from __future__ import annotations

import logging
import ssl
import warnings
from pathlib import Path
from typing import Any

import msal
import requests

from calsync.outlook.connection.configuration import OutlookConfiguration
from calsync.outlook.connection.proxy import proxy_for

logger = logging.getLogger("calsync.outlook")

SCOPES = ["User.Read", "Calendars.ReadWrite"]
TIMEOUT_SECONDS = 20

# We choose response_mode=query on purpose (see calsync.outlook.connection.consent); MSAL
# warns on each flow that form_post is recommended.
warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")

# MSAL caches discovery documents (24 h) and throttling answers here; one per process.
_HTTP_CACHE: dict[Any, Any] = {}


class IdentityUnavailable(Exception):
    """The Microsoft identity platform could not be reached or answered nonsense."""


class _TimeoutSession(requests.Session):
    """A requests session with a default timeout (MSAL passes none)."""

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(method, url, *args, **kwargs)


def _system_ca_file() -> str | bool:
    cafile = ssl.get_default_verify_paths().cafile
    return cafile if cafile and Path(cafile).is_file() else True


def http_session(ca_bundle: str | None, proxy: str | None = None) -> requests.Session:
    """The HTTP session MSAL uses: env-proof, trusting ``ca_bundle`` or the system store,
    through ``proxy`` when given."""
    session = _TimeoutSession()
    session.trust_env = False
    session.verify = ca_bundle or _system_ca_file()
    if proxy:
        session.proxies = {"https": proxy, "http": proxy}
    return session


def build_app(
    config: OutlookConfiguration, token_cache: msal.SerializableTokenCache | None = None
) -> msal.ConfidentialClientApplication:
    """A confidential client for ``config``. Fetches the discovery document (cached).

    Raises :class:`IdentityUnavailable` when the authority cannot be reached or used.
    """
    try:
        return msal.ConfidentialClientApplication(
            config.client_id,
            client_credential=config.client_secret,
            authority=config.authority,
            instance_discovery=False,
            validate_authority=False,
            http_client=http_session(config.ca_bundle, proxy_for(config.authority_host)),
            http_cache=_HTTP_CACHE,
            token_cache=token_cache,
        )
    except (ValueError, requests.RequestException) as exc:
        logger.warning(
            "outlook: identity platform %s unusable: %s", config.authority, type(exc).__name__
        )
        raise IdentityUnavailable(config.authority_host) from exc
