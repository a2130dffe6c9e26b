"""bench/cost_bench.py fills other accounts' rows in raw SQL (fast, PostgreSQL): each of its
INSERTs must name every column the schema requires (NOT NULL, no default in the database),
or the bench breaks the next time a migration adds one, unseen until someone runs it."""

from __future__ import annotations

import re

import pytest
from bench.cost_bench import FILL_SQL
from django.apps import apps
from django.db.models import NOT_PROVIDED

TABLES = {
    "calendars_event": "calendars.Event",
    "calendars_attendee": "calendars.Attendee",
    "outlook_outlooklink": "outlook.OutlookLink",
    "outlook_syncrecord": "outlook.SyncRecord",
}


def inserted_columns() -> dict[str, set[str]]:
    """Each table FILL_SQL inserts into, with the columns it names."""
    found = re.findall(r"INSERT INTO (\w+) \(([^)]*)\)", FILL_SQL)
    return {table: {c.strip().strip('"') for c in columns.split(",")} for table, columns in found}


def test_the_fill_inserts_into_each_table_once() -> None:
    assert set(inserted_columns()) == set(TABLES)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_the_fill_names_every_required_column(table: str) -> None:
    model = apps.get_model(TABLES[table])
    required = {
        field.column
        for field in model._meta.concrete_fields
        if not field.null and not field.primary_key and field.db_default is NOT_PROVIDED
    }
    assert required - inserted_columns()[table] == set()
