"""The connection room: how calsync reaches one user's Outlook mailbox.

Owns the Outlook settings in effect (``configuration``: which Microsoft cloud, the Base URL
and redirect URI), the checks of the settings' fields (``validation``), encryption at rest
(``crypto``), MSAL set up for this installation (``identity``), each user's consent with
state and PKCE (``consent``), the token cache and the access-token provider (``tokens``),
every write of the settings row and the accounts (``actions``), and a Graph client wired to an
account's tokens (``graph``).

May import: the app's ``models`` and ``signals``, :mod:`calsync.msgraph`, Django. It imports no
other room: the rooms above it (sync, triggers, reset, web) import it. Where it must tell them
something (a user connected or is disconnecting), it sends a signal of
:mod:`calsync.outlook.signals`.
"""
