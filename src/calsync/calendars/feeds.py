"""Private ICS subscription URLs: one per user for all their calendars, and one per
calendar, each revocable by rotation.

The URL token is ``HMAC-SHA256(SECRET_KEY, feed.secret)`` (32 bytes, base64url). The
database keeps the random ``secret`` and the SHA-256 of the token, so neither a database
copy alone nor a guess opens a feed; rotating draws a new secret and the old URL stops
working at once. Changing ``SECRET_KEY`` also changes (revokes) every feed URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils.crypto import salted_hmac

from calsync.accounts.models import User
from calsync.calendars.models import Calendar, IcsFeed

_SALT = "calsync.calendars.feeds"


def feed_token(feed: IcsFeed) -> str:
    """The URL token of ``feed`` (43 url-safe characters)."""
    digest = salted_hmac(_SALT, feed.secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _fill(feed: IcsFeed) -> IcsFeed:
    feed.secret = secrets.token_hex(32)
    feed.token_hash = _hash(feed_token(feed))
    feed.save()
    return feed


def _feeds(user: User, calendar: Calendar | None) -> IcsFeed | None:
    if calendar is None:
        query = IcsFeed.objects.filter(user=user, calendar__isnull=True)
    else:
        query = IcsFeed.objects.filter(user=user, calendar=calendar)
    return query.select_for_update().first()


@transaction.atomic
def ensure_feed(user: User, calendar: Calendar | None = None) -> IcsFeed:
    """``user``'s feed of all calendars (or of ``calendar``), created on first use."""
    return _feeds(user, calendar) or _fill(IcsFeed(user=user, calendar=calendar))


@transaction.atomic
def rotate_feed(user: User, calendar: Calendar | None = None) -> IcsFeed:
    """Give that feed a new URL; the old one stops working."""
    return _fill(_feeds(user, calendar) or IcsFeed(user=user, calendar=calendar))


def feed_for_token(token: str) -> IcsFeed | None:
    """The feed whose current token is ``token`` (its user active), else None."""
    if not token or len(token) > 100:
        return None
    feed = (
        IcsFeed.objects.select_related("user", "calendar").filter(token_hash=_hash(token)).first()
    )
    if feed is None or not hmac.compare_digest(feed_token(feed), token):
        return None
    return feed if feed.user.is_active else None


def user_for_token(token: str) -> User | None:
    """The user whose current feed token is ``token``, else None."""
    feed = feed_for_token(token)
    return feed.user if feed is not None else None
