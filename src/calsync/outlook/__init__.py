"""The Outlook integration: a Django app in rooms named for what they do (docs/architecture.md).

* ``connection/``: settings in effect, consent, tokens, mailbox identity, encryption at rest;
* ``sync/``: one run of one account (collect -> plan -> act -> record), its claim, records,
  progress and sync log;
* ``triggers/``: when runs happen (scheduler, database hand-off, change notifications and
  their subscription, Celery tasks, signal receivers);
* ``reset/``: the Reset Account wizard;
* ``web/``: pages, API, webhook, forms, templates, static files.

One direction: web -> reset -> triggers -> sync -> connection (import-linter keeps it, and
no cycle at any depth). Django's fixed places stay at the app's top: ``apps``, ``models``
(imported by every room, importing none), ``signals`` (how a lower room tells a higher one),
``migrations`` and ``management/commands`` (the ``calsync`` commands of this app).
"""
