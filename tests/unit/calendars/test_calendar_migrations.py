"""The migrations that bring calendars: every existing user gets one default calendar and
every existing event (an exception too) is filed in its owner's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from tests.migrating import latest_schema_after, migrate_to

ACCOUNTS = ("accounts", "0003_user_time_zone")
BEFORE = [("calendars", "0002_attendee_answers_mailbox_addresses"), ACCOUNTS]
AFTER = [("calendars", "0005_event_calendar_required"), ACCOUNTS]


@pytest.fixture
def _latest_schema_after() -> Iterator[None]:
    with latest_schema_after():
        yield


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_latest_schema_after")
def test_existing_users_and_events_get_their_default_calendar() -> None:
    old = migrate_to(BEFORE)
    User = old.get_model("accounts", "User")
    Event = old.get_model("calendars", "Event")
    start = datetime(2026, 5, 4, 9, tzinfo=UTC)
    users = [
        User.objects.create(username=f"u{n}", email=f"u{n}@example.com", name=f"U{n}", password="x")
        for n in range(3)
    ]
    series = Event.objects.create(
        owner=users[0], title="S", start=start, end=start, recurrence="FREQ=DAILY"
    )
    Event.objects.create(owner=users[0], title="X", start=start, end=start, series=series,
                         original_start=start)  # fmt: skip
    Event.objects.create(owner=users[1], title="B", start=start, end=start)
    new = migrate_to(AFTER)
    Calendar = new.get_model("calendars", "Calendar")
    Event = new.get_model("calendars", "Event")
    for user in users:
        [default] = Calendar.objects.filter(owner_id=user.pk)
        assert default.is_default and default.name == ""
    for event in Event.objects.all():
        assert event.calendar.owner_id == event.owner_id and event.calendar.is_default
    assert Event.objects.count() == 3
