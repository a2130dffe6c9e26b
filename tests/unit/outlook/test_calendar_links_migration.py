"""Migration 0011_calendar_links: existing sync records become the default calendar's
(``scope`` ""), and the unique rules hold per scope: the same uid may be linked once in the
default calendar and once in a linked one, never twice in one scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from tests.migrating import latest_schema_after, migrate_to

ACCOUNTS = ("accounts", "0003_user_time_zone")
BEFORE = [("outlook", "0010_addresses_checked_at"), ACCOUNTS]
AFTER = [("outlook", "0011_calendar_links"), ACCOUNTS]


@pytest.fixture
def _latest_schema_after() -> Iterator[None]:
    with latest_schema_after():
        yield


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_latest_schema_after")
def test_existing_records_become_the_default_calendars() -> None:
    old = migrate_to(BEFORE)
    User = old.get_model("accounts", "User")
    Account = old.get_model("outlook", "OutlookAccount")
    Record = old.get_model("outlook", "SyncRecord")
    user = User.objects.create(username="u", email="u@example.com", name="U", password="x")
    account = Account.objects.create(user=user, mailbox="u@example.com")
    now = datetime(2026, 5, 4, 9, tzinfo=UTC)
    values = {"base": {}, "local_version": 1, "remote_hash": "h", "synced_at": now}
    Record.objects.create(account=account, uid="u1", local_id="1", remote_id="r1", **values)
    new = migrate_to(AFTER)
    Record = new.get_model("outlook", "SyncRecord")
    [row] = Record.objects.all()
    assert (row.uid, row.scope) == ("u1", "")
    Record.objects.create(
        account_id=account.pk, scope="link:1", uid="u1", local_id="1", remote_id="r1", **values
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.create(
            account_id=account.pk, scope="link:1", uid="u1", local_id="2", remote_id="r2",
            **values,
        )  # fmt: skip
    assert Record.objects.count() == 2
