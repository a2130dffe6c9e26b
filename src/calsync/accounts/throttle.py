"""Throttled sign-in: django-axes counts failed sign-ins per email and client address.

Both doors where a password is tried are covered: the login form (``/accounts/login/``)
and ``POST /api/token``. The count lives in the database (every process and worker shares
it); settings.py sets the limit (``CALSYNC_LOGIN_FAILURE_LIMIT``) and the lock-out
(``CALSYNC_LOGIN_LOCKOUT_MINUTES``). A locked-out pair gets a 429 with ``Retry-After``,
even with the right password, until the lock-out ends; another email, or another address,
is not affected. The client address is ``REMOTE_ADDR`` as
:mod:`calsync.core.middleware` left it: the real client behind a trusted proxy, and never a
forwarded header from anyone else.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a sign-in from a locked-out email and address before any password is checked.

    A sign-in without a request (the shell, a test client's ``login()``) is not a web
    sign-in and is not counted here."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, **kwargs)


def client_address(request: HttpRequest) -> str:
    """The address failures are counted against (see the module docstring)."""
    return str(request.META.get("REMOTE_ADDR", ""))


def client_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The email tried, as a login compares it (trimmed, lower case)."""
    value = (credentials or {}).get("username")
    if value is None:
        value = request.POST.get("username", "")
    return str(value).strip().lower()


def _minutes(cool_off: timedelta | None) -> int:
    return max(1, math.ceil((cool_off or timedelta(minutes=1)).total_seconds() / 60))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """429 for a locked-out sign-in: JSON under ``/api/``, the login page's look elsewhere."""
    minutes = _minutes(get_cool_off(request))
    message = _(
        "Too many failed sign-ins for this email from your address. Try again in %(minutes)s "
        "minutes."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
