"""The Outlook integration: settings, each user's consent and tokens, the Graph client wiring.

Modules: ``models`` (settings row, accounts), ``crypto`` (encryption at rest),
``configuration`` (which Microsoft cloud), ``identity`` (MSAL), ``consent`` (the auth-code
flow), ``tokens`` (token cache and provider), ``graph`` (Graph clients for users),
``actions`` (every write), ``status`` (what the panel and the API show), ``views``/``api``.
"""
