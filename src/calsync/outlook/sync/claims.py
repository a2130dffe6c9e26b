"""One sync run per account at a time: the account claim.

The claim is an atomic UPDATE on the account row that succeeds only while nobody holds it
(works on SQLite and PostgreSQL); a claim older than :data:`CLAIM_TTL` is taken over (its
holder crashed). Sync runs and Reset Account take it; a run that outlived its claim records
nothing (:class:`ClaimLost`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from calsync.outlook.models import OutlookAccount

CLAIM_TTL = timedelta(minutes=30)


class ClaimLost(Exception):
    """The run outlived :data:`CLAIM_TTL` and another run (or a reset) took the account."""


def claim_account(account: OutlookAccount) -> str | None:
    """Take the account's sync claim (None: someone holds it); see the module docstring.
    The holder gives it back with :func:`release_claim`."""
    token = str(uuid.uuid4())
    now = timezone.now()
    claimed = (
        OutlookAccount.objects.filter(pk=account.pk)
        .filter(Q(sync_claimed_at__isnull=True) | Q(sync_claimed_at__lt=now - CLAIM_TTL))
        .update(sync_claimed_at=now, sync_claim=token)
    )
    return token if claimed else None


def release_claim(account: OutlookAccount, claim: str, **also: Any) -> None:
    """Give back the claim :func:`claim_account` returned (if still held: a run that outlived
    CLAIM_TTL lost it), writing the account fields ``also`` in the same UPDATE."""
    OutlookAccount.objects.filter(pk=account.pk, sync_claim=claim).update(
        sync_claimed_at=None, sync_claim="", **also
    )
