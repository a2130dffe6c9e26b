"""The migrations describe the models exactly (a model change without its migration fails)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # --check exits 1 when a migration is missing
        pytest.fail(f"makemigrations would write migrations ({exit_.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_0006_marks_the_events_a_sync_brought_in_from_outlook() -> None:
    """Events with a name-based uid (uuid5: a sync's derived uid) become ``origin="outlook"``;
    calsync's own (uuid4) stay as made here."""
    import uuid
    from datetime import UTC, datetime, timedelta

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("calendars", "0005_event_calendar_required")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    from calsync.accounts.actions import do_create_user

    owner = do_create_user("ana@example.com", "pw-ana-12345")  # accounts stay as they are
    start = datetime(2026, 12, 3, 9, tzinfo=UTC)
    event = old.get_model("calendars", "Event")
    calendar = old.get_model("calendars", "Calendar").objects.get(owner_id=owner.pk)
    pulled = uuid.uuid5(uuid.NAMESPACE_URL, "ical:pulled")
    for uid in (pulled, uuid.uuid4()):
        event.objects.create(
            owner_id=owner.pk,
            calendar_id=calendar.pk,
            uid=uid,
            start=start,
            end=start + timedelta(hours=1),
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from calsync.calendars.models import Event

    assert {(e.uid == pulled, e.origin) for e in Event.objects.all()} == {
        (True, "outlook"),
        (False, ""),
    }
