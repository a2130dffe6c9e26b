"""Graph clients for calsync users: the msgraph client wired to an account's tokens."""

from __future__ import annotations

from calsync.msgraph import GraphClient
from calsync.outlook.connection.configuration import OutlookConfiguration, current
from calsync.outlook.connection.tokens import AccountTokenProvider
from calsync.outlook.models import OutlookAccount


def graph_client_for(
    account: OutlookAccount, config: OutlookConfiguration | None = None
) -> GraphClient:
    """A Graph client acting as ``account``'s user, trusting the configured CA bundle.

    Token failures surface as :class:`~calsync.outlook.connection.tokens.ReconnectNeeded` or
    :class:`~calsync.outlook.connection.tokens.TokenUnavailable`; Graph failures as msgraph errors.
    """
    config = config or current()
    return GraphClient(
        config.graph_url,
        AccountTokenProvider(account.pk, config),
        verify=config.ca_bundle,
    )
