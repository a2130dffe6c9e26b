"""Change notifications over real HTTPS, with a loopback HTTP receiver in the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from graph_emulator.testing import EmulatorServer


def in_minutes(emulator: EmulatorServer, minutes: float) -> str:
    return (emulator.world.clock() + timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M:%S.0000000Z"
    )


def parse(value: str) -> datetime:
    return datetime.strptime(value[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)


@pytest.fixture
def ada(emulator: EmulatorServer) -> dict[str, str]:
    user_id = emulator.add_user("ada@example.com", "Ada", "pw")
    emulator.add_user("bob@example.com", "Bob", "pw")
    emulator.set_settings(notification_delay=0.05, notification_backoff=0.1, notification_retries=2)
    return {"id": user_id, "Authorization": f"Bearer {emulator.token_for('ada@example.com')}"}


def subscribe(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver, **overrides
) -> httpx.Response:
    body = {
        "changeType": "created,updated,deleted",
        "notificationUrl": f"{receiver.url}/notify?tenant=t1",
        "lifecycleNotificationUrl": f"{receiver.url}/lifecycle",
        "resource": "me/events",
        "expirationDateTime": in_minutes(emulator, 120),
        "clientState": "secret-state",
    }
    body.update(overrides)
    body = {k: v for k, v in body.items() if v is not None}
    return http.post(
        f"{emulator.graph_url}/subscriptions",
        headers={"Authorization": ada["Authorization"]},
        json=body,
    )


def test_create_validates_both_urls_and_returns_the_subscription(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    response = subscribe(emulator, http, ada, receiver)
    assert response.status_code == 201, response.text
    sub = response.json()
    assert sub["resource"] == "me/events"
    assert sub["changeType"] == "created,updated,deleted"
    assert sub["clientState"] == "secret-state"
    assert sub["applicationId"] == "emulator-control-plane"
    assert sub["creatorId"] == ada["id"]
    assert sub["expirationDateTime"].endswith("0Z")
    assert [v["path"] for v in receiver.validations] == ["/notify", "/lifecycle"]
    token = receiver.validations[0]["token"]
    assert token.startswith(
        "Validation: Testing client application reachability"
    )  # decoded: spaces
    assert receiver.validations[0]["content_type"].startswith("text/plain")
    listed = http.get(
        f"{emulator.graph_url}/subscriptions", headers={"Authorization": ada["Authorization"]}
    ).json()
    assert [s["id"] for s in listed["value"]] == [sub["id"]]


@pytest.mark.parametrize("echo", ["encoded", "500"])
def test_failed_validation_is_400_and_creates_nothing(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver, echo: str
) -> None:
    receiver.echo = echo
    response = subscribe(emulator, http, ada, receiver)
    assert response.status_code == 400
    assert "validation" in response.json()["error"]["message"].lower()
    assert emulator.world.subscriptions.items == {}


def test_unreachable_receiver_is_400(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    response = subscribe(
        emulator,
        http,
        ada,
        receiver,
        notificationUrl="http://127.0.0.1:9/nothing",
        lifecycleNotificationUrl=None,
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"notificationUrl": "http://example.com/notify"}, "notificationUrl"),
        ({"lifecycleNotificationUrl": "ftp://127.0.0.1/x"}, "lifecycleNotificationUrl"),
        ({"changeType": "created,moved"}, "changeType"),
        ({"changeType": None}, "changeType"),
        ({"resource": "me/messages"}, "resource"),
        ({"clientState": "x" * 129}, "clientState"),
        ({"expirationDateTime": "yesterday"}, "expirationDateTime"),
    ],
)
def test_bad_properties_are_400_naming_them(
    emulator: EmulatorServer,
    http: httpx.Client,
    ada: dict[str, str],
    receiver,
    overrides: dict,
    needle: str,
) -> None:
    response = subscribe(emulator, http, ada, receiver, **overrides)
    assert response.status_code == 400
    assert needle in response.json()["error"]["message"]
    assert receiver.validations == []


def test_expiration_floor_and_cap(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    past = subscribe(emulator, http, ada, receiver, expirationDateTime=in_minutes(emulator, -5))
    assert past.status_code == 400
    too_far = subscribe(
        emulator, http, ada, receiver, expirationDateTime=in_minutes(emulator, 10_081)
    )
    assert too_far.status_code == 400 and "10080" in too_far.json()["error"]["message"]
    at_cap = subscribe(
        emulator, http, ada, receiver, expirationDateTime=in_minutes(emulator, 10_079)
    )
    assert at_cap.status_code == 201
    short = subscribe(emulator, http, ada, receiver, expirationDateTime=in_minutes(emulator, 10))
    assert short.status_code == 201
    raised = parse(short.json()["expirationDateTime"]) - emulator.world.clock()
    assert timedelta(minutes=44) < raised <= timedelta(minutes=45)


def test_other_mailbox_resource_is_forbidden(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    assert (
        subscribe(
            emulator, http, ada, receiver, resource="users/bob@example.com/events"
        ).status_code
        == 403
    )
    own = subscribe(emulator, http, ada, receiver, resource=f"/Users/{ada['id']}/Events")
    assert own.status_code == 201


def test_notifications_carry_client_state_and_resource_data(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    sub = subscribe(emulator, http, ada, receiver, changeType="created,deleted").json()
    emulator.world.on_event_change(ada["id"], "EVT1", "created", 'W/"ck1"')
    emulator.world.on_event_change(ada["id"], "EVT1", "updated", 'W/"ck2"')  # not subscribed
    emulator.world.on_event_change(ada["id"], "EVT2", "deleted")
    assert receiver.wait_for(lambda: len(receiver.items("/notify")) >= 2, timeout=5)
    items = receiver.items("/notify")
    assert [i["changeType"] for i in items] == ["created", "deleted"]
    first = items[0]
    assert first["clientState"] == "secret-state"
    assert first["subscriptionId"] == sub["id"]
    assert first["tenantId"] == emulator.world.tenant_id
    assert first["resource"] == f"Users/{ada['id']}/Events/EVT1"
    assert first["resourceData"] == {
        "@odata.type": "#Microsoft.Graph.Event",
        "@odata.id": f"Users/{ada['id']}/Events/EVT1",
        "@odata.etag": 'W/"ck1"',
        "id": "EVT1",
    }
    assert receiver.posts[0]["query"] == "tenant=t1"  # the notificationUrl's query is kept
    bob_id = emulator.world.directory.find_user("bob@example.com").id
    emulator.world.on_event_change(bob_id, "EVT3", "created")  # another mailbox
    emulator.world.on_event_change(ada["id"], "EVT4", "created")
    assert receiver.wait_for(lambda: len(receiver.items("/notify")) >= 3, timeout=5)
    assert [i["resourceData"]["id"] for i in receiver.items("/notify")] == ["EVT1", "EVT2", "EVT4"]


def test_failing_receiver_gets_retries(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    subscribe(emulator, http, ada, receiver)
    receiver.fail_next = 2
    emulator.world.on_event_change(ada["id"], "EVT1", "created")
    assert receiver.wait_for(lambda: len(receiver.items("/notify")) == 1, timeout=5)
    assert receiver.failed == 2
    assert receiver.items("/lifecycle") == []


def test_receiver_that_keeps_failing_gets_a_missed_lifecycle(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    sub = subscribe(emulator, http, ada, receiver).json()
    receiver.fail_next = 3  # first try + 2 retries
    emulator.world.on_event_change(ada["id"], "EVT1", "created")
    assert receiver.wait_for(lambda: len(receiver.items("/lifecycle")) == 1, timeout=5)
    [missed] = receiver.items("/lifecycle")
    assert missed["lifecycleEvent"] == "missed"
    assert missed["subscriptionId"] == sub["id"] and missed["clientState"] == "secret-state"
    assert receiver.items("/notify") == []


def test_revocation_needs_reauthorization_then_missed(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    sub = subscribe(emulator, http, ada, receiver).json()
    emulator.revoke("ada@example.com")
    assert receiver.wait_for(lambda: len(receiver.items("/lifecycle")) == 1, timeout=5)
    assert receiver.items("/lifecycle")[0]["lifecycleEvent"] == "reauthorizationRequired"
    emulator.world.on_event_change(ada["id"], "EVT1", "created")  # held back: not delivered
    fresh = {"Authorization": f"Bearer {emulator.token_for('ada@example.com')}"}
    url = f"{emulator.graph_url}/subscriptions/{sub['id']}/reauthorize"
    assert http.post(url, headers=fresh).status_code == 204
    assert receiver.wait_for(lambda: len(receiver.items("/lifecycle")) == 2, timeout=5)
    assert receiver.items("/lifecycle")[1]["lifecycleEvent"] == "missed"
    emulator.world.on_event_change(ada["id"], "EVT2", "created")
    assert receiver.wait_for(lambda: len(receiver.items("/notify")) == 1, timeout=5)
    assert receiver.items("/notify")[0]["resourceData"]["id"] == "EVT2"


def test_expired_token_sends_reauthorization_required(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    subscribe(emulator, http, ada, receiver)
    emulator.advance_clock(3601)  # the creating token (1 h) is now expired
    assert receiver.wait_for(lambda: len(receiver.items("/lifecycle")) == 1, timeout=5)
    assert receiver.items("/lifecycle")[0]["lifecycleEvent"] == "reauthorizationRequired"


def test_renew_get_delete(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    sub = subscribe(emulator, http, ada, receiver).json()
    url = f"{emulator.graph_url}/subscriptions/{sub['id']}"
    headers = {"Authorization": ada["Authorization"]}
    renewed = http.patch(
        url, headers=headers, json={"expirationDateTime": in_minutes(emulator, 3000)}
    )
    assert renewed.status_code == 200
    assert parse(renewed.json()["expirationDateTime"]) > parse(sub["expirationDateTime"])
    assert http.patch(url, headers=headers, json={"resource": "me/events"}).status_code == 400
    assert http.get(url, headers=headers).json()["id"] == sub["id"]
    bob = {"Authorization": f"Bearer {emulator.token_for('bob@example.com')}"}
    assert http.get(url, headers=bob).status_code == 404
    assert http.delete(url, headers=headers).status_code == 204
    assert http.get(url, headers=headers).status_code == 404
    emulator.world.on_event_change(ada["id"], "EVT1", "created")
    assert not receiver.wait_for(lambda: receiver.items("/notify"), timeout=0.5)


def test_expired_subscriptions_disappear(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    sub = subscribe(emulator, http, ada, receiver, lifecycleNotificationUrl=None).json()
    emulator.advance_clock(121 * 60)
    url = f"{emulator.graph_url}/subscriptions/{sub['id']}"
    fresh = {"Authorization": f"Bearer {emulator.token_for('ada@example.com')}"}
    assert receiver.wait_for(lambda: http.get(url, headers=fresh).status_code == 404, timeout=5)


def test_control_plane_removal_sends_subscription_removed(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    sub = subscribe(emulator, http, ada, receiver).json()
    listed = http.get(f"{emulator.url}/_emulator/subscriptions").json()
    assert [s["id"] for s in listed] == [sub["id"]]
    assert (
        http.post(f"{emulator.url}/_emulator/subscriptions/{sub['id']}/remove").status_code == 204
    )
    assert receiver.wait_for(lambda: len(receiver.items("/lifecycle")) == 1, timeout=5)
    assert receiver.items("/lifecycle")[0]["lifecycleEvent"] == "subscriptionRemoved"
    assert (
        http.post(f"{emulator.url}/_emulator/subscriptions/{sub['id']}/remove").status_code == 404
    )


def test_event_writes_through_graph_notify(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    """The calendar model's hook end to end: POST/PATCH/DELETE /me/events -> notifications."""
    subscribe(emulator, http, ada, receiver)
    headers = {"Authorization": ada["Authorization"]}
    body = {
        "subject": "Standup",
        "start": {"dateTime": "2030-01-07T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-07T09:15:00", "timeZone": "UTC"},
    }
    created = http.post(f"{emulator.graph_url}/me/events", headers=headers, json=body)
    assert created.status_code == 201, created.text
    event = created.json()
    assert receiver.wait_for(lambda: len(receiver.items("/notify")) == 1, timeout=5)
    patched = http.patch(
        f"{emulator.graph_url}/me/events/{event['id']}", headers=headers, json={"subject": "Daily"}
    )
    assert patched.status_code == 200
    assert receiver.wait_for(lambda: len(receiver.items("/notify")) == 2, timeout=5)
    assert (
        http.delete(f"{emulator.graph_url}/me/events/{event['id']}", headers=headers).status_code
        == 204
    )
    assert receiver.wait_for(lambda: len(receiver.items("/notify")) == 3, timeout=5)
    items = receiver.items("/notify")
    assert [i["changeType"] for i in items] == ["created", "updated", "deleted"]
    assert {i["resourceData"]["id"] for i in items} == {event["id"]}
    assert items[0]["resourceData"]["@odata.etag"] == event["@odata.etag"]
    assert items[1]["resourceData"]["@odata.etag"] == patched.json()["@odata.etag"]


def test_a_calendar_subscription_hears_that_calendar_and_me_events_the_default_one(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    headers = {"Authorization": ada["Authorization"]}
    work = http.post(f"{emulator.graph_url}/me/calendars", headers=headers, json={"name": "Work"})
    assert work.status_code == 201, work.text
    work_id = work.json()["id"]
    mailbox = subscribe(emulator, http, ada, receiver).json()
    resource = f"/me/calendars/{work_id}/events"
    calendar = subscribe(emulator, http, ada, receiver, resource=resource)
    assert calendar.status_code == 201, calendar.text
    assert calendar.json()["resource"] == resource
    body = {
        "subject": "Standup",
        "start": {"dateTime": "2030-01-07T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-07T09:15:00", "timeZone": "UTC"},
    }
    there = http.post(f"{emulator.graph_url}{resource}", headers=headers, json=body).json()
    here = http.post(f"{emulator.graph_url}/me/events", headers=headers, json=body).json()
    gone = http.delete(f"{emulator.graph_url}/me/events/{there['id']}", headers=headers)
    assert gone.status_code == 204
    assert receiver.wait_for(lambda: len(receiver.items("/notify")) >= 3, timeout=5)
    heard = {(i["subscriptionId"], i["resourceData"]["id"], i["changeType"])
             for i in receiver.items("/notify")}  # fmt: skip
    assert heard == {
        (calendar.json()["id"], there["id"], "created"),
        (calendar.json()["id"], there["id"], "deleted"),
        (mailbox["id"], here["id"], "created"),
    }


def test_a_calendar_shared_by_another_mailbox_or_unknown_cannot_be_subscribed(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], receiver
) -> None:
    shared = emulator.share_calendar("bob@example.com", "ada@example.com", can_edit=True)["id"]
    refused = subscribe(emulator, http, ada, receiver, resource=f"me/calendars/{shared}/events")
    assert refused.status_code == 403, refused.text
    unknown = subscribe(emulator, http, ada, receiver, resource="me/calendars/AAMkNope/events")
    assert unknown.status_code == 404, unknown.text
    assert receiver.validations == []  # refused before Graph checks the URLs
