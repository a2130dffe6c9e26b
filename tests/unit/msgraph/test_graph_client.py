"""GraphClient: error mapping, Retry-After, retries, headers, request counting.

(The retry policy's own rules, budget and cap, are in test_retry.py.)

These are the pure HTTP-shape tests, so they use httpx.MockTransport; everything that needs a
real Graph talks to the emulator in tests/e2e.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from calsync.msgraph import (
    BadRequest,
    Conflict,
    Forbidden,
    GraphClient,
    GraphError,
    NetworkError,
    NotFound,
    PreconditionFailed,
    ServerError,
    SyncStateNotFound,
    Throttled,
    Unauthorized,
)
from calsync.msgraph.errors import parse_retry_after
from calsync.msgraph.retry import RetryPolicy

BASE = "https://graph.test/v1.0"


class Tokens:
    """A token provider that hands out numbered tokens and records forced refreshes."""

    def __init__(self) -> None:
        self.issued = 0
        self.forced = 0

    def __call__(self, *, force_refresh: bool = False) -> str:
        if force_refresh:
            self.forced += 1
        self.issued += 1
        return f"token-{self.issued}"


def graph_error(status: int, code: str, message: str = "msg", headers=None) -> httpx.Response:
    body = {"error": {"code": code, "message": message, "innerError": {"request-id": "rid-1"}}}
    return httpx.Response(status, json=body, headers=headers or {})


def make_client(handler, **kwargs) -> tuple[GraphClient, list[float]]:
    slept: list[float] = []
    client = GraphClient(
        BASE,
        kwargs.pop("tokens", Tokens()),
        transport=httpx.MockTransport(handler),
        sleep=slept.append,
        **kwargs,
    )
    return client, slept


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "ErrorInvalidRequest", BadRequest),
        (403, "ErrorAccessDenied", Forbidden),
        (404, "ErrorItemNotFound", NotFound),
        (409, "ErrorIrresolvableConflict", Conflict),
        (410, "SyncStateNotFound", SyncStateNotFound),
        (412, "ErrorIrresolvableConflict", PreconditionFailed),
        (500, "InternalServerError", ServerError),
        (502, "BadGateway", ServerError),
        (418, "Teapot", GraphError),
    ],
)
def test_status_maps_to_typed_error_with_graphs_code_and_message(status, code, cls):
    client, _ = make_client(lambda request: graph_error(status, code, "Graph says no"))
    with pytest.raises(cls) as caught:
        client.get_json("/me/events/x")
    error = caught.value
    assert type(error) is cls
    assert error.status == status
    assert error.code == code
    assert error.message == "Graph says no"
    assert error.request_id == "rid-1"
    assert client.requests_made == 1


def test_every_typed_error_is_a_graph_error():
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        SyncStateNotFound,
        PreconditionFailed,
        Throttled,
        ServerError,
        NetworkError,
    ):
        assert issubclass(cls, GraphError)


def test_non_json_error_body_still_gives_a_typed_error():
    client, _ = make_client(lambda request: httpx.Response(404, text="<html>nope</html>"))
    with pytest.raises(NotFound) as caught:
        client.get_json("/me")
    assert caught.value.code == ""
    assert caught.value.message == "Not Found"


def test_headers_sent_bearer_prefer_immutable_id_and_extra_preferences():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "u1"})

    client, _ = make_client(handler)
    client.get_json(
        "/me/calendarView",
        params={"startDateTime": "a"},
        prefer=['outlook.timezone="UTC"', "odata.maxpagesize=50"],
    )
    request = seen[0]
    assert request.url == httpx.URL(f"{BASE}/me/calendarView?startDateTime=a")
    assert request.headers["Authorization"] == "Bearer token-1"
    assert request.headers["Prefer"] == (
        'IdType="ImmutableId", outlook.timezone="UTC", odata.maxpagesize=50'
    )
    assert request.headers["client-request-id"]


def test_me_returns_the_user_object():
    client, _ = make_client(lambda r: httpx.Response(200, json={"id": "u1", "mail": "a@b.c"}))
    assert client.me() == {"id": "u1", "mail": "a@b.c"}


def test_429_honours_fractional_retry_after_then_succeeds():
    answers = [
        graph_error(429, "TooManyRequests", headers={"Retry-After": "2.128"}),
        graph_error(429, "ApplicationThrottled", headers={"Retry-After": "0.5"}),
        httpx.Response(200, json={"ok": True}),
    ]
    client, slept = make_client(lambda request: answers.pop(0))
    assert client.get_json("/me") == {"ok": True}
    assert slept == [2.128, 0.5]
    assert client.requests_made == 3


def test_503_and_504_are_retried_with_backoff_when_no_retry_after():
    answers = [
        graph_error(503, "serviceNotAvailable"),
        graph_error(504, "gatewayTimeout"),
        httpx.Response(200, json={"ok": 1}),
    ]
    client, slept = make_client(lambda request: answers.pop(0))
    assert client.get_json("/me") == {"ok": 1}
    assert len(slept) == 2  # full jitter: a random wait up to 0.5 s, then up to 1 s
    assert 0 <= slept[0] <= 0.5 and 0 <= slept[1] <= 1.0


def test_retries_are_bounded_and_end_in_throttled_with_retry_after():
    calls = []

    def handler(request):
        calls.append(request)
        return graph_error(429, "TooManyRequests", headers={"Retry-After": "1"})

    client, slept = make_client(handler, retry=RetryPolicy(max_attempts=3))
    with pytest.raises(Throttled) as caught:
        client.get_json("/me")
    assert caught.value.retry_after == 1.0
    assert len(calls) == 3
    assert slept == [1.0, 1.0]
    assert client.requests_made == 3


def test_a_retry_after_longer_than_the_cap_is_raised_not_slept_and_nothing_more_is_sent():
    client, slept = make_client(
        lambda r: graph_error(429, "TooManyRequests", headers={"Retry-After": "300"}),
        retry=RetryPolicy(max_retry_after=30),
    )
    before = datetime.now(UTC)
    with pytest.raises(Throttled) as caught:
        client.get_json("/me")
    assert caught.value.retry_after == 300
    assert caught.value.status == 429 and caught.value.code == "TooManyRequests"
    until = caught.value.until
    assert before + timedelta(seconds=299) < until < datetime.now(UTC) + timedelta(seconds=301)
    assert client.throttled_until == until
    assert slept == [] and client.requests_made == 1
    with pytest.raises(Throttled) as again:  # the client stays away until then
        client.request("DELETE", "/me/events/1")
    assert again.value.until == until and 0 < again.value.retry_after <= 300
    assert client.requests_made == 1


def test_a_503_with_a_long_retry_after_is_throttled_too():
    client, slept = make_client(
        lambda r: graph_error(503, "serviceNotAvailable", headers={"Retry-After": "45"})
    )
    with pytest.raises(Throttled) as caught:
        client.get_json("/me")
    assert caught.value.status == 503 and caught.value.retry_after == 45
    assert isinstance(caught.value.__cause__, ServerError)
    assert slept == [] and client.requests_made == 1


def test_an_http_date_retry_after_is_honoured():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    answers = [
        graph_error(429, "TooManyRequests", headers={"Retry-After": when}),
        httpx.Response(200, json={"ok": True}),
    ]
    client, slept = make_client(lambda request: answers.pop(0))
    assert client.get_json("/me") == {"ok": True}
    assert len(slept) == 1 and 3 < slept[0] <= 5


def test_500_is_not_retried():
    calls = []

    def handler(request):
        calls.append(request)
        return graph_error(500, "InternalServerError")

    client, _ = make_client(handler)
    with pytest.raises(ServerError):
        client.get_json("/me")
    assert len(calls) == 1


def test_401_forces_one_token_refresh_then_succeeds():
    tokens = Tokens()
    seen: list[str] = []

    def handler(request):
        seen.append(request.headers["Authorization"])
        if len(seen) == 1:
            return graph_error(401, "InvalidAuthenticationToken")
        return httpx.Response(200, json={"id": "me"})

    client, _ = make_client(handler, tokens=tokens)
    assert client.me() == {"id": "me"}
    assert seen == ["Bearer token-1", "Bearer token-2"]
    assert tokens.forced == 1


def test_401_twice_raises_unauthorized():
    tokens = Tokens()
    client, _ = make_client(lambda r: graph_error(401, "InvalidAuthenticationToken"), tokens=tokens)
    with pytest.raises(Unauthorized) as caught:
        client.me()
    assert caught.value.code == "InvalidAuthenticationToken"
    assert tokens.forced == 1
    assert client.requests_made == 2


def test_provider_errors_propagate_unchanged():
    class Revoked(Exception):
        pass

    def provider(*, force_refresh: bool = False) -> str:
        if force_refresh:
            raise Revoked("reconnect")
        return "old"

    client = GraphClient(
        BASE,
        provider,
        transport=httpx.MockTransport(lambda r: graph_error(401, "InvalidAuthenticationToken")),
    )
    with pytest.raises(Revoked):
        client.me()


def test_dropped_connection_is_retried_for_get_but_not_for_post():
    attempts = {"GET": 0, "POST": 0}

    def handler(request):
        attempts[request.method] += 1
        if request.method == "POST" or attempts["GET"] == 1:
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        return httpx.Response(200, json={"ok": True})

    client, _ = make_client(handler)
    assert client.get_json("/me") == {"ok": True}
    with pytest.raises(NetworkError) as caught:
        client.request("POST", "/me/events", json={"subject": "x"})
    assert caught.value.status is None
    assert attempts == {"GET": 2, "POST": 1}


def test_an_idempotent_post_is_sent_again_after_a_dropped_connection():
    sent: list[bytes] = []

    def handler(request):
        sent.append(request.content)
        if len(sent) == 1:
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(200, json={"responses": []})

    client, slept = make_client(handler)
    payload = {"requests": [{"id": "0", "method": "GET", "url": "/me"}]}
    client.request("POST", "/$batch", json=payload, idempotent=True)
    assert len(sent) == 2 and sent[0] == sent[1]
    assert len(slept) == 1 and 0 <= slept[0] <= 0.5


def test_next_links_on_the_same_origin_are_followed_and_others_refused():
    seen = []

    def handler(request):
        seen.append(str(request.url))
        return httpx.Response(200, json={"value": []})

    client, _ = make_client(handler)
    client.get_json(f"{BASE}/me/events?$skiptoken=abc")
    assert seen == [f"{BASE}/me/events?$skiptoken=abc"]
    with pytest.raises(ValueError, match="another origin"):
        client.get_json("https://evil.test/v1.0/me")
    assert len(seen) == 1


def test_error_text_never_contains_the_token():
    client, _ = make_client(lambda r: graph_error(403, "ErrorAccessDenied", "denied"))
    with pytest.raises(Forbidden) as caught:
        client.request("PATCH", "/me/events/1", json={"subject": "x"})
    assert "token-" not in str(caught.value)
    assert "token-" not in repr(caught.value.args)


def test_json_body_is_sent():
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json={"id": "e1"})

    client, _ = make_client(handler)
    response = client.request("POST", "/me/events", json={"subject": "Plan"})
    assert response.status_code == 201
    assert bodies == [{"subject": "Plan"}]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("10", 10.0),
        ("2.128", 2.128),
        (" 0 ", 0.0),
        (None, None),
        ("", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: now
        ("Fri, 01 Jan 2027 00:00:30 GMT", 30.0),
        ("soon", None),
        ("-1", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value, seconds):
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_retry_after(value, now=now) == seconds
