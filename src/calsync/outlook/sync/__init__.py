"""The sync room: one run of one account, collect -> plan -> act -> record (docs/sync.md).

Owns the run itself (``run``: :func:`~calsync.outlook.sync.run.run_sync`, what every trigger
calls), the account claim that keeps one run per account (``claims``), calsync's side of
the engine over the ORM (``local_side``), the status rows (``records``), how far a run is
(``progress``), the sync log stored by meaning and rendered in the reader's language
(``log_messages``, ``conflict_lines``), the events Outlook cannot hold (``unsyncable``), and
Reset Account's "only new events" cutoff (``created_after``).

May import: the connection room, the app's ``models`` and ``signals``, :mod:`calsync.calendars`,
:mod:`calsync.syncengine`, :mod:`calsync.msgraph`. Never triggers, reset or web: when a run
has succeeded it sends ``signals.sync_succeeded`` (triggers keep the notification
subscription alive).
"""
