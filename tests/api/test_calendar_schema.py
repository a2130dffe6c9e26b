"""The OpenAPI description of the calendar endpoints: complete, valid, without warnings."""

from __future__ import annotations

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from calsync.accounts.models import User


def test_calendar_endpoints_generate_a_valid_schema_without_warnings() -> None:
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/", include("calsync.calendars.api_urls"))])
    schema = generator.get_schema(request=None, public=True)
    assert not GENERATOR_STATS, (
        dict(GENERATOR_STATS._warn_cache),
        dict(GENERATOR_STATS._error_cache),
    )
    validate_schema(schema)
    assert {
        "/api/events",
        "/api/events/{event_id}",
        "/api/events/{event_id}/archive",
        "/api/events/{event_id}/unarchive",
        "/api/ics",
        "/api/ics/rotate",
        "/api/ics/{token}.ics",
    } <= schema["paths"].keys()
    detail = schema["paths"]["/api/events/{event_id}"]
    assert {"get", "patch", "delete"} <= detail.keys()
    event = schema["components"]["schemas"]["Event"]["properties"]
    assert {
        "id",
        "start",
        "end",
        "timezone",
        "all_day",
        "recurrence",
        "series_id",
        "outlook",
        "organizer",
        "attendees",
    } <= event.keys()


@pytest.mark.django_db
def test_schema_is_served_at_api_schema() -> None:
    client = APIClient()
    client.force_authenticate(User.objects.create_user(email="s@example.com", password="pw"))
    answer = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert answer.status_code == 200
    assert "/api/events/{event_id}" in answer.json()["paths"]
