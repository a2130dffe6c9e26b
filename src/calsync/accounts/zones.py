"""Each user's time zone: taken from the browser at the first login, changed on the profile
page, and active for every request of theirs (:class:`UserTimeZoneMiddleware`), so Django's
``|date`` and ``localtime`` show times in it."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# Prefixes of the IANA names worth offering; the rest (``posixrules``, ``SystemV/…``) are noise.
_AREAS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
    "Etc/",
)


ICU_ALIASES = {
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Thimbu": "Asia/Thimphu",
    "Europe/Kiev": "Europe/Kyiv",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "America/Godthab": "America/Nuuk",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei",
}
"""Old names browsers still report (ICU keeps them) -> the IANA names people know."""


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA zone names people choose from, sorted; ``UTC`` first."""
    names = sorted(n for n in zoneinfo.available_timezones() if n.startswith(_AREAS))
    return ("UTC", *names)


def clean_zone(name: str | None) -> str:
    """``name`` when it is a known IANA zone (an old alias as its current name), else ""."""
    name = (name or "").strip()
    name = ICU_ALIASES.get(name, name)
    if not name or len(name) > 64:
        return ""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""
    return name


def remember_browser_zone(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: a user without a zone takes the one the login form sent (the
    browser's, filled in by login.js); a set zone is never overwritten."""
    if getattr(user, "time_zone", None) or request is None:
        return
    zone = clean_zone(request.POST.get("time_zone"))
    if zone:
        user.time_zone = zone
        user.save(update_fields=["time_zone"])


class UserTimeZoneMiddleware:
    """Activate the signed-in user's zone for the request (the server's otherwise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone = clean_zone(getattr(user, "time_zone", "")) if user is not None else ""
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
