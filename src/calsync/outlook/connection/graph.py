"""Graph clients for calsync users: the msgraph client wired to an account's tokens."""

from __future__ import annotations

from django.conf import settings

from calsync.msgraph import GraphClient, RetryPolicy
from calsync.outlook.connection import budget
from calsync.outlook.connection.configuration import OutlookConfiguration, current
from calsync.outlook.connection.proxy import proxy_for
from calsync.outlook.connection.tokens import AccountTokenProvider
from calsync.outlook.models import OutlookAccount


def graph_client_for(
    account: OutlookAccount, config: OutlookConfiguration | None = None
) -> GraphClient:
    """A Graph client acting as ``account``'s user, trusting the configured CA bundle.

    A ``Retry-After`` up to ``CALSYNC_GRAPH_MAX_RETRY_AFTER`` seconds is waited out; a longer
    one raises :class:`~calsync.msgraph.Throttled` at once. Every request first asks the
    mailbox's budget, shared by every process (:mod:`calsync.outlook.connection.budget`).
    Token failures surface as :class:`~calsync.outlook.connection.tokens.ReconnectNeeded` or
    :class:`~calsync.outlook.connection.tokens.TokenUnavailable`; Graph failures as msgraph
    errors.
    """
    config = config or current()
    policy = RetryPolicy(max_retry_after=float(settings.CALSYNC_GRAPH_MAX_RETRY_AFTER))
    return GraphClient(
        config.graph_url,
        AccountTokenProvider(account.pk, config),
        verify=config.ca_bundle,
        retry=policy,
        gate=budget.gate_for(config.client_id, account.mailbox or account.user.email),
        proxy=proxy_for(config.graph_url),
    )
