"""The ``drop_after_apply_rate`` fault over real HTTPS: a write is applied, then its TCP
connection closes without an answer; per request, and per ``$batch`` item (the whole
batch's answer is lost). A create sent again with its transactionId is not a copy."""

from __future__ import annotations

import random

import httpx
import pytest

from graph_emulator.faults import FaultPlan, FaultSettings
from graph_emulator.testing import EmulatorServer

DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)


@pytest.fixture
def headers(emulator: EmulatorServer) -> dict[str, str]:
    emulator.add_user("ada@example.com", "Ada", "pw")
    return {"Authorization": f"Bearer {emulator.token_for('ada@example.com')}"}


def event(subject: str, transaction_id: str | None = None) -> dict:
    body = {
        "subject": subject,
        "start": {"dateTime": "2026-05-04T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-05-04T10:00:00", "timeZone": "UTC"},
    }
    if transaction_id:
        body["transactionId"] = transaction_id
    return body


def subjects(emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]) -> list[str]:
    emulator.set_faults()
    listed = http.get(
        f"{emulator.graph_url}/me/events",
        headers=headers,
        params={"$top": "1000", "$select": "subject"},
    )
    assert listed.status_code == 200
    return sorted(e["subject"] for e in listed.json()["value"])


def test_a_write_is_applied_then_its_connection_dropped(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.set_faults(drop_after_apply_rate=1.0)
    emulator.clear_stats()
    with pytest.raises(DROPPED):
        http.post(f"{emulator.graph_url}/me/events", headers=headers, json=event("Kept"))
    assert emulator.stats()["faults_injected"] == 1
    assert subjects(emulator, http, headers) == ["Kept"]  # the write happened


def test_reads_and_refused_writes_are_answered(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.set_faults(drop_after_apply_rate=1.0)
    assert http.get(f"{emulator.graph_url}/me", headers=headers).status_code == 200
    refused = http.post(  # nothing applied: nothing to drop after
        f"{emulator.graph_url}/me/events", headers=headers, json={"subject": "no start"}
    )
    assert refused.status_code == 400
    assert emulator.stats()["faults_injected"] == 0


def test_a_create_sent_again_with_its_transaction_id_is_the_first_event(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.set_faults(drop_after_apply_rate=1.0)
    with pytest.raises(DROPPED):
        http.post(
            f"{emulator.graph_url}/me/events", headers=headers, json=event("Once", "tx-once-1")
        )
    emulator.set_faults()
    again = http.post(
        f"{emulator.graph_url}/me/events", headers=headers, json=event("Once", "tx-once-1")
    )
    assert again.status_code == 201 and again.json()["transactionId"] == "tx-once-1"
    assert subjects(emulator, http, headers) == ["Once"]


def test_a_batch_applies_every_item_then_loses_its_whole_answer(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    items = [
        {
            "id": str(n),
            "method": "POST",
            "url": "/me/events",
            "headers": {"Content-Type": "application/json"},
            "body": event(f"B{n}", f"tx-b-{n}"),
        }
        for n in range(5)
    ]
    emulator.set_faults(drop_after_apply_rate=1.0)
    emulator.clear_stats()
    with pytest.raises(DROPPED):
        http.post(f"{emulator.graph_url}/$batch", headers=headers, json={"requests": items})
    stats = emulator.stats()
    assert stats["batch_subrequests"] == 5 and stats["faults_injected"] == 1
    assert subjects(emulator, http, headers) == [f"B{n}" for n in range(5)]
    resent = http.post(f"{emulator.graph_url}/$batch", headers=headers, json={"requests": items})
    assert sorted(r["status"] for r in resent.json()["responses"]) == [201] * 5
    assert subjects(emulator, http, headers) == [f"B{n}" for n in range(5)]  # no copies


def test_a_batch_of_reads_is_answered(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.set_faults(drop_after_apply_rate=1.0)
    reads = [{"id": str(n), "method": "GET", "url": "/me"} for n in range(3)]
    answer = http.post(f"{emulator.graph_url}/$batch", headers=headers, json={"requests": reads})
    assert answer.status_code == 200
    assert [r["status"] for r in answer.json()["responses"]] == [200] * 3


def test_the_rate_is_drawn_per_write_from_the_seed(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    def outcomes(tag: str) -> list[str]:
        emulator.set_faults(drop_after_apply_rate=0.5, seed=5)
        seen = []
        for n in range(12):
            try:
                http.post(
                    f"{emulator.graph_url}/me/events", headers=headers, json=event(f"{tag}{n}")
                )
                seen.append("answered")
            except DROPPED:
                seen.append("dropped")
        return seen

    first, second = outcomes("S"), outcomes("T")
    assert first == second and {"answered", "dropped"} == set(first)
    assert len(subjects(emulator, http, headers)) == 24  # every write applied


def test_a_plan_without_the_rate_draws_as_before() -> None:
    """Seeded plans written before this fault keep their sequences: four draws each."""
    plain, with_rate = FaultPlan(), FaultPlan()
    plain.configure(FaultSettings(throttle_rate=0.5, seed=9))
    with_rate.configure(FaultSettings(throttle_rate=0.5, seed=9, drop_after_apply_rate=0.5))
    throttles = [plain.decide().throttle for _ in range(20)]
    rng = random.Random(9)
    expected = []
    for _ in range(20):
        _, throttle, _, _ = (rng.random() for _ in range(4))
        expected.append(throttle < 0.5)
    assert throttles == expected
    assert [with_rate.decide().throttle for _ in range(20)] != expected  # a fifth draw each


def test_the_setting_is_validated_and_shown(emulator: EmulatorServer, http: httpx.Client) -> None:
    bad = http.put(f"{emulator.url}/_emulator/faults", json={"drop_after_apply_rate": 2})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "drop_after_apply_rate"
    emulator.set_faults(drop_after_apply_rate=0.2, seed=1)
    shown = http.get(f"{emulator.url}/_emulator/faults").json()
    assert shown["drop_after_apply_rate"] == 0.2
