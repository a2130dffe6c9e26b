"""The outbound proxy for calls to Microsoft (sign-in and Graph).

Companies often reach the internet only through a proxy. calsync's HTTP clients ignore the
process environment on purpose (``REQUESTS_CA_BUNDLE`` and friends must not override the CA
calsync trusts), so the proxy is read here: ``CALSYNC_HTTPS_PROXY`` when set, else the usual
``HTTPS_PROXY``/``https_proxy`` (``HTTP_PROXY`` for an ``http://`` URL), except for hosts that
``NO_PROXY``/``no_proxy`` names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit
from urllib.request import proxy_bypass_environment


def proxy_for(url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL for a call to ``url``, or None to go straight out."""
    environ = os.environ if environ is None else environ
    parts = urlsplit(url)
    scheme = (parts.scheme or "https").lower()
    lowered = {key.lower(): value for key, value in environ.items() if value}
    proxy = lowered.get("calsync_https_proxy") or lowered.get(f"{scheme}_proxy")
    if not proxy:
        return None
    host = parts.hostname or ""
    no_proxy = lowered.get("no_proxy", "")
    if no_proxy and proxy_bypass_environment(host, {"no": no_proxy}):
        return None
    return proxy
