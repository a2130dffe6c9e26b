"""The user's mailbox addresses, kept up to date by the runs (docs/sync.md, Meetings).

A calsync user is known by their login and every address of their connected mailbox
(:mod:`calsync.calendars.people`): its ``mail``, its ``userPrincipalName`` and its
``proxyAddresses`` (aliases). A run reads them with ``GET /me`` when they were never
recorded or are older than :data:`MAX_AGE`, before it collects, so that invitations to
any of them and meetings organised under any of them are the user's in that very run.
Reading them is not worth failing a run for: an error leaves what was recorded.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from calsync.calendars import people
from calsync.msgraph import GraphClient, GraphError, mapping
from calsync.outlook.models import OutlookAccount

logger = logging.getLogger("calsync.outlook.sync")

MAX_AGE = timedelta(days=1)
"""How long recorded addresses are trusted before a run reads them again."""


def refresh(account: OutlookAccount, graph: GraphClient) -> None:
    """Read and record the mailbox's addresses when they are missing or stale. When the
    account's run read them within :data:`MAX_AGE` (``addresses_checked_at``), nothing is
    read: a mailbox whose only address is the login has no address row to date it, and
    must not cost a ``GET /me`` every run."""
    checked = account.addresses_checked_at
    if checked is not None and timezone.now() - checked <= MAX_AGE:
        return
    user = account.user
    if not people.addresses_stale(user, MAX_AGE):
        return
    try:
        me = graph.me(select=mapping.ME_SELECT)
    except GraphError as exc:
        logger.warning("sync: the mailbox addresses of account %s unread: %s", account.pk, exc)
        return
    found = mapping.mailbox_addresses(me)
    if account.mailbox:
        found.append(account.mailbox)
    people.do_set_mailbox_addresses(user, found)
    OutlookAccount.objects.filter(pk=account.pk).update(addresses_checked_at=timezone.now())


def of(account: OutlookAccount) -> frozenset[str]:
    """Every address of the account's user (login, mailbox, the mailbox's aliases)."""
    known = people.addresses_of(account.user)
    return known | ({account.mailbox.lower()} if account.mailbox else frozenset())
