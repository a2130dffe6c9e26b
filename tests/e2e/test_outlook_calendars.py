"""``GET /api/outlook/calendars`` over HTTPS against the emulator: a user connected by the
real consent flow lists their mailbox's calendars (their own and those shared with them),
through calsync's Graph client and its stored tokens (links:
tests/e2e/test_sync_calendar_links.py)."""

from __future__ import annotations

from typing import Any

import pytest

from graph_emulator.testing import EmulatorServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _graph(emulator: EmulatorServer, email: str):
    return emulator.client(headers={"Authorization": f"Bearer {emulator.token_for(email)}"})


def test_the_mailbox_calendars_are_listed_with_the_default_ones_link(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent("kim@example.com", "Kim")
    emulator.add_user("lee@example.com", "Lee", "pw")
    with _graph(emulator, "kim@example.com") as graph:
        made = graph.post(
            f"{emulator.graph_url}/me/calendars", json={"name": "Personal", "color": "lightGreen"}
        )
        assert made.status_code == 201, made.text
    shared = emulator.share_calendar("lee@example.com", "kim@example.com", can_edit=False)
    emulator.clear_stats()
    answer = kim.web.get("/api/outlook/calendars")
    assert answer.status_code == 200, answer.text
    listed = answer.json()
    assert [(c["name"], c["is_default"], c["can_edit"]) for c in listed] == [
        ("Calendar", True, True),
        ("Personal", False, True),
        ("Lee", False, False),
    ]
    assert listed[1]["id"] == made.json()["id"] and listed[2]["id"] == shared["id"]
    assert listed[0]["owner"] == {"name": "Kim", "email": "kim@example.com"}
    assert listed[2]["owner"] == {"name": "Lee", "email": "lee@example.com"}
    assert listed[0]["color"] is None and listed[1]["color"].startswith("#")
    assert listed[0]["link"] == {
        "calendar": None, "mode": "two-way", "status": "never",
        "last_synced_at": None, "last_error": None,
    }  # fmt: skip
    assert listed[1]["link"] is None and listed[2]["link"] is None
    assert emulator.stats()["by_route"] == {"GET /me/calendars": 1}


def test_without_outlook_the_answer_says_to_connect(
    emulator: EmulatorServer, connect_by_consent: Any, browsers: Any
) -> None:
    from calsync.accounts.actions import do_create_user

    kim = connect_by_consent("kim@example.com", "Kim")
    do_create_user("noor@example.com", "pw-calsync", name="Noor")
    noor = browsers()
    noor.log_in("noor@example.com", "pw-calsync")
    answer = noor.web.get("/api/outlook/calendars")
    assert answer.status_code == 409 and "Connect Outlook" in answer.json()["detail"]
    emulator.revoke("kim@example.com")
    answer = kim.web.get("/api/outlook/calendars")
    assert answer.status_code == 409, answer.text
    assert "sign in again" in answer.json()["detail"]


def test_outlook_asking_to_wait_is_a_503_with_retry_after(
    emulator: EmulatorServer, connect_by_consent: Any, settings: Any
) -> None:
    kim = connect_by_consent("kim@example.com", "Kim")
    settings.CALSYNC_GRAPH_MAX_RETRY_AFTER = 1
    emulator.set_faults(throttle_rate=1.0, retry_after=120)
    answer = kim.web.get("/api/outlook/calendars")
    emulator.set_faults()
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) >= 60
