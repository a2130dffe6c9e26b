"""``calsync.msgraph.calendars``: the pages of ``/me/calendars`` read into values (the HTTP
shape only, on httpx.MockTransport; against the emulator: tests/e2e/test_outlook_calendars.py)."""

from __future__ import annotations

import httpx

from calsync.msgraph import GraphClient
from calsync.msgraph.calendars import SELECT, MailboxCalendar, list_calendars

BASE = "https://graph.test/v1.0"


def test_every_page_is_followed_and_missing_properties_read_as_defaults() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if "skip" not in str(request.url):
            assert request.url.params["$select"] == SELECT
            body = {
                "value": [
                    {
                        "id": "A",
                        "name": "Calendar",
                        "color": "auto",
                        "hexColor": "",
                        "isDefaultCalendar": True,
                        "canEdit": True,
                        "owner": {"name": "Kim", "address": "kim@example.com"},
                    }
                ],
                "@odata.nextLink": f"{BASE}/me/calendars?$skip=1",
            }
        else:
            body = {"value": [{"id": "B", "name": "Shared", "owner": None}]}
        return httpx.Response(200, json=body)

    client = GraphClient(BASE, lambda **_: "token", transport=httpx.MockTransport(handler))
    assert list_calendars(client) == [
        MailboxCalendar("A", "Calendar", "auto", "", True, True, "Kim", "kim@example.com"),
        MailboxCalendar("B", "Shared", "auto", "", False, False, "", ""),
    ]
    assert len(seen) == 2
