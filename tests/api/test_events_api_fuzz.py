"""Whatever a client sends, the answer is a 201 or a 400 naming fields: never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from calsync.accounts.models import User
from calsync.calendars.models import Event

FIELDS = [
    "title",
    "description",
    "location",
    "start",
    "end",
    "timezone",
    "all_day",
    "show_as",
    "privacy",
    "active",
    "organizer",
    "attendees",
    "recurrence",
]
WRITABLE = set(FIELDS)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(
        [
            "2026-11-24",
            "2026-11-24T09:00",
            "2026-11-24T09:00:00+01:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59-12:00",
            "Europe/Paris",
            "FREQ=DAILY",
            "FREQ=WEEKLY;UNTIL=99991231",
            "FREQ=YEARLY;COUNT=99999999999",
            "a@b.co",
            "busy",
            "private",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["email", "name", "status", "type", "x"]), inner, max_size=4
        ),
    ),
    max_leaves=8,
)
payloads = st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS))


@pytest.mark.django_db
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=payloads, patch=payloads)
def test_no_payload_causes_a_server_error(payload: dict[str, Any], patch: dict[str, Any]) -> None:
    user, _ = User.objects.get_or_create(email="fuzz@example.com", defaults={"username": "fuzz"})
    client = APIClient()
    client.force_authenticate(user)
    before = Event.objects.count()
    created = client.post("/api/events", payload, format="json")
    assert created.status_code in (201, 400), created.content
    if created.status_code == 400:
        assert set(created.json()) <= WRITABLE | {"non_field_errors"}, created.json()
        assert Event.objects.count() == before
        target = client.post(
            "/api/events",
            {
                "start": "2026-11-24T09:00",
                "end": "2026-11-24T10:00",
                "recurrence": "FREQ=DAILY;COUNT=3",
            },
            format="json",
        ).json()["id"]
    else:
        target = created.json()["id"]
    for ref in (target, f"{target}.20261125T090000Z"):
        changed = client.patch(f"/api/events/{ref}", patch, format="json")
        assert changed.status_code in (200, 400, 404), changed.content
