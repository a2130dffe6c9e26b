"""Two threads writing at once wait for each other instead of failing.

The embedded scheduler, the Celery worker's threads and web requests all write to one
database. On SQLite that works only for a file with a busy timeout (as configured in
settings): Django's default in-memory test database answers "database table is locked" at
once instead, which made a Celery test fail under CI. The suite uses a file, as production
does; this test holds a write transaction open in one thread while another writes.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from calsync.accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_writer_waits_for_a_concurrent_write_transaction() -> None:
    first = User.objects.create_user(email="first@example.com", password="x")
    second = User.objects.create_user(email="second@example.com", password="x")
    holding = threading.Event()
    release = threading.Event()
    failures: list[BaseException] = []

    def hold_a_write_transaction() -> None:
        try:
            with transaction.atomic():
                User.objects.filter(pk=first.pk).update(first_name="Held")
                holding.set()
                release.wait(timeout=10)
        except BaseException as error:  # reported to the test below
            failures.append(error)
            holding.set()
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_a_write_transaction)
    holder.start()
    assert holding.wait(timeout=10)
    threading.Timer(0.3, release.set).start()  # the holder commits while we wait
    User.objects.filter(pk=second.pk).update(first_name="Waited")  # must wait, not fail
    holder.join(timeout=10)

    assert failures == []
    names = dict(User.objects.values_list("email", "first_name"))
    assert names == {"first@example.com": "Held", "second@example.com": "Waited"}
    if connection.vendor == "sqlite":  # the kind of database this proves it for
        assert not connection.creation.is_in_memory_db(connection.settings_dict["NAME"])
