"""The triggers room: when sync runs happen, and who runs them.

Owns the embedded scheduler thread of ``calsync run`` and ``calsync worker`` (``scheduler``),
the sync requests handed from one process to another through the database with their
own-writes filter (``handoff``), Graph's change notifications (``notifications``: checking
and recording them) and the subscription that brings them (``subscriptions``), the Celery
tasks for scaling out (``tasks``), and the signal receivers that turn a change here, a new
connection or a finished run into work (``receivers``).

May import: the sync and connection rooms, the app's ``models`` and ``signals``. Never
reset or web (they import it).
"""
