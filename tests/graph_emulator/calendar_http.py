"""Helpers for the calendar HTTP tests: a Graph client that checks every response body
against Microsoft's schema fragment (``graph_emulator.schema``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from graph_emulator.schema import load_fragment
from graph_emulator.testing import EmulatorServer

EVENT = "microsoft.graph.event"
COLLECTION = "microsoft.graph.eventCollectionResponse"
DELTA = "microsoft.graph.eventDeltaResponse"
ERROR = "microsoft.graph.ODataErrors.ODataError"
CALENDAR = "microsoft.graph.calendar"
CALENDARS = "microsoft.graph.calendarCollectionResponse"
_validators: dict[str, OAS30Validator] = {}
validated: dict[str, int] = {
    EVENT: 0, COLLECTION: 0, DELTA: 0, ERROR: 0, CALENDAR: 0, CALENDARS: 0
}  # fmt: skip


def validator(name: str) -> OAS30Validator:
    if name not in _validators:
        fragment = load_fragment()
        schema = {
            "components": fragment["components"],
            "allOf": [{"$ref": f"#/components/schemas/{name}"}],
        }
        _validators[name] = OAS30Validator(schema)
    return _validators[name]


def schema_errors(name: str, body: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(name).iter_errors(body)
    ]


def schema_for(response: httpx.Response, body: Any) -> str:
    if response.status_code >= 400:
        return ERROR
    context = str(body.get("@odata.context", "")) if isinstance(body, dict) else ""
    if context.endswith(("/calendars/$entity", "/calendar/$entity")):
        return CALENDAR
    if context.endswith("/calendars"):
        return CALENDARS
    if isinstance(body, dict) and "value" in body:
        if "@odata.deltaLink" in body or "$skiptoken" in str(body.get("@odata.nextLink", "")):
            return DELTA
        return COLLECTION
    return EVENT


def check_schema(response: httpx.Response) -> None:
    """Assert the body (if JSON) validates against Microsoft's schema for its shape."""
    if not response.content or "json" not in response.headers.get("content-type", ""):
        return
    body = response.json()
    name = schema_for(response, body)
    errors = schema_errors(name, body)
    assert not errors, f"{response.request.method} {response.request.url} -> {name}: {errors[:5]}"
    validated[name] += 1


class Graph:
    """An authenticated Graph client for one mailbox; every response is schema-checked."""

    def __init__(self, emulator: EmulatorServer, email: str) -> None:
        self.email = email
        self.base = emulator.graph_url
        token = emulator.token_for(email)
        self.client = emulator.client(headers={"Authorization": f"Bearer {token}"})

    def request(
        self,
        method: str,
        path: str,
        *,
        expect: int | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        url = path if path.startswith("https://") else f"{self.base}{path}"
        response = self.client.request(method, url, **kwargs)
        check_schema(response)
        if expect is not None:
            assert response.status_code == expect, (
                f"{method} {path}: {response.status_code} {response.text}"
            )
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self.post("/me/events", json=body, expect=201, **kwargs).json()

    def error(self, response: httpx.Response) -> tuple[int, str, str]:
        error = response.json()["error"]
        return response.status_code, error["code"], error["message"]

    def close(self) -> None:
        self.client.close()


def when(date_time: str, zone: str = "UTC") -> dict[str, str]:
    return {"dateTime": date_time, "timeZone": zone}


def event(
    start: str, end: str, zone: str = "UTC", subject: str = "Event", **extra: Any
) -> dict[str, Any]:
    return {"subject": subject, "start": when(start, zone), "end": when(end, zone), **extra}


def attendee(address: str) -> dict[str, Any]:
    return {"emailAddress": {"address": address}, "type": "required"}


@pytest.fixture
def mailboxes(emulator: EmulatorServer) -> Iterator[Callable[..., list[Graph]]]:
    """``mailboxes("ada@example.com", ...)`` creates users and returns their Graph clients."""
    clients: list[Graph] = []

    def make(*emails: str) -> list[Graph]:
        for email in emails:
            emulator.add_user(email, email.split("@")[0].title())
        made = [Graph(emulator, email) for email in emails]
        clients.extend(made)
        return made

    yield make
    for client in clients:
        client.close()
