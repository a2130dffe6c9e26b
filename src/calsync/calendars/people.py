"""Who is who: a user is known by their login and by every address of their mailbox.

A calsync user logs in with an e-mail address, but Outlook knows them by their mailbox's
addresses: its primary SMTP address (``mail``), its user principal name, and its aliases
(``proxyAddresses``), any of which may differ from the login. Attendee matching, organiser
detection and access all use the whole set (:func:`addresses_of`). The app that reads the
mailbox records its addresses with :func:`do_set_mailbox_addresses` (the calendar does not
know where they come from).

An address belongs to one user: a login is always its user's; a mailbox address moves to
the user whose mailbox lists it last (Microsoft's directory gives an address to one
mailbox, so the older claim is stale).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calsync.accounts.models import User
from calsync.calendars.models import MailAddress

logger = logging.getLogger("calsync.calendars")

MAX_ADDRESSES = 100
"""The most mailbox addresses kept per user (Exchange allows a few hundred proxies)."""

NEVER_READ = datetime(2000, 1, 1, tzinfo=UTC)
"""The ``checked`` time of an address learned otherwise than by reading the mailbox."""

SEARCH_LIMIT = 20
"""The most people one directory search returns."""


def addresses_of(user: User) -> frozenset[str]:
    """Every address of ``user``, lower-case: the login and their mailbox's addresses.

    Cached on the user object for the request (``refresh_addresses`` drops it)."""
    cached: frozenset[str] | None = getattr(user, "_calsync_addresses", None)
    if cached is None:
        stored = MailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True)
        cached = frozenset({user.email.lower(), *stored})
        user._calsync_addresses = cached  # type: ignore[attr-defined]
    return cached


def refresh_addresses(user: User) -> None:
    """Forget the addresses cached on ``user`` (after they changed)."""
    if hasattr(user, "_calsync_addresses"):
        del user._calsync_addresses  # type: ignore[attr-defined]


def user_for_address(email: str) -> User | None:
    """The calsync user known by ``email`` (a login first, then a mailbox address)."""
    email = (email or "").strip().lower()
    if not email:
        return None
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    row = MailAddress.objects.filter(email=email).select_related("user").first()
    return row.user if row is not None else None


def addresses_checked(user: User) -> datetime | None:
    """When ``user``'s mailbox addresses were last recorded (None: never)."""
    row = MailAddress.objects.filter(user_id=user.pk).order_by("-checked").first()
    return row.checked if row is not None else None


def addresses_stale(user: User, older_than: timedelta) -> bool:
    """Whether ``user``'s mailbox addresses were never recorded or are older than that."""
    checked = addresses_checked(user)
    return checked is None or timezone.now() - checked > older_than


@transaction.atomic
def do_set_mailbox_addresses(user: User, addresses: Iterable[str]) -> frozenset[str]:
    """Record ``addresses`` (those the user's mailbox lists now) as ``user``'s, replacing
    what was recorded; returns the set kept. Blank and malformed ones are dropped, the
    user's own login is not stored (it is theirs anyway), another user's login is never
    taken (and logged), and an address recorded for another user's mailbox moves here."""
    wanted = sorted({a.strip().lower() for a in addresses if a and "@" in a.strip()})
    wanted = [a for a in wanted if a != user.email.lower()][:MAX_ADDRESSES]
    logins = set(
        User.objects.filter(email__in=wanted).exclude(pk=user.pk).values_list("email", flat=True)
    )
    for login in sorted(logins):
        logger.warning("mailbox of user %s lists %s, another user's login: ignored", user.pk, login)
    kept = [a for a in wanted if a not in logins]
    MailAddress.objects.filter(Q(user_id=user.pk) | Q(email__in=kept)).delete()
    MailAddress.objects.bulk_create(MailAddress(user=user, email=email) for email in kept)
    refresh_addresses(user)
    return frozenset({user.email.lower(), *kept})


def do_add_mailbox_address(user: User, email: str) -> bool:
    """Record ``email`` as an address of ``user``'s mailbox when nobody holds it yet (a
    login or another mailbox's address); returns whether ``user`` has it now. Keeps the
    rest of their addresses as they are (and their age)."""
    email = (email or "").strip().lower()
    if "@" not in email:
        return False
    if email == user.email.lower():
        return True
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        return False
    row, created = MailAddress.objects.get_or_create(email=email, defaults={"user": user})
    if created:  # not a read of the whole mailbox: its next run reads them all
        MailAddress.objects.filter(pk=row.pk).update(checked=NEVER_READ)
    refresh_addresses(user)
    return row.user_id == user.pk


def search_people(query: str, *, limit: int = SEARCH_LIMIT) -> list[dict[str, str]]:
    """Active calsync users whose name or e-mail contains ``query`` (at least two
    characters), as ``{"email", "name"}`` with their login address, by name."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    matches = (
        User.objects.filter(is_active=True)
        .filter(
            Q(email__icontains=query)
            | Q(name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(mail_addresses__email__icontains=query)
        )
        .distinct()
        .order_by("name", "email")[:limit]
    )
    return [{"email": user.email, "name": user.name or user.get_full_name()} for user in matches]
