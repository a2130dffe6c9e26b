"""The Graph frame: auth, addressing, request ids, errors, Prefer parsing, unknown routes."""

from __future__ import annotations

import httpx
import pytest

from graph_emulator.graph.context import Prefer
from graph_emulator.testing import EmulatorServer


@pytest.fixture
def ada(emulator: EmulatorServer) -> dict[str, str]:
    user_id = emulator.add_user("ada@example.com", "Ada Lovelace", "pw")
    emulator.add_user("bob@example.com", "Bob Builder", "pw")
    return {"id": user_id, "Authorization": f"Bearer {emulator.token_for('ada@example.com')}"}


def auth(ada: dict[str, str]) -> dict[str, str]:
    return {"Authorization": ada["Authorization"]}


def test_me_returns_the_user(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str]
) -> None:
    response = http.get(f"{emulator.graph_url}/me", headers=auth(ada))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == ada["id"]
    assert body["displayName"] == "Ada Lovelace"
    assert body["mail"] == body["userPrincipalName"] == "ada@example.com"
    assert body["givenName"] == "Ada" and body["surname"] == "Lovelace"
    assert body["@odata.context"] == f"{emulator.graph_url}/$metadata#users/$entity"


@pytest.mark.parametrize("key", ["ada@example.com", "ADA@Example.COM", "id"])
def test_users_path_by_email_or_id(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str], key: str
) -> None:
    key = ada["id"] if key == "id" else key
    response = http.get(f"{emulator.graph_url}/users/{key}", headers=auth(ada))
    assert response.status_code == 200
    assert response.json()["id"] == ada["id"]


def test_paths_are_case_insensitive(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str]
) -> None:
    response = http.get(f"{emulator.graph_url}/ME/MailboxSettings", headers=auth(ada))
    assert response.status_code == 200
    assert response.json()["timeZone"] == "UTC"


def test_another_mailbox_is_forbidden_and_unknown_is_404(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str]
) -> None:
    other = http.get(f"{emulator.graph_url}/users/bob@example.com", headers=auth(ada))
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "ErrorAccessDenied"
    missing = http.get(f"{emulator.graph_url}/users/nobody@example.com", headers=auth(ada))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "ErrorInvalidUser"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Access token is empty."),
        ("Bearer", "Access token is empty."),
        ("Basic abc", "Access token is empty."),
        ("Bearer not-a-token", "Access token validation failure. Invalid audience."),
    ],
)
def test_bad_tokens_answer_401_with_graph_body(
    emulator: EmulatorServer,
    http: httpx.Client,
    ada: dict[str, str],
    header: str | None,
    message: str,
) -> None:
    headers = {"Authorization": header} if header else {}
    response = http.get(f"{emulator.graph_url}/me", headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken"
    assert error["message"] == message
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="", authorization_uri="https://')
    assert 'client_id="00000003-0000-0000-c000-000000000000"' in challenge


def test_request_ids(emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str]) -> None:
    echoed = http.get(
        f"{emulator.graph_url}/me", headers={**auth(ada), "client-request-id": "my-id-1"}
    )
    assert echoed.headers["client-request-id"] == "my-id-1"
    assert echoed.headers["request-id"] and echoed.headers["request-id"] != "my-id-1"
    error = http.get(f"{emulator.graph_url}/me", headers={"client-request-id": "my-id-2"})
    inner = error.json()["error"]["innerError"]
    assert inner["client-request-id"] == "my-id-2"
    assert inner["request-id"] == error.headers["request-id"]
    fresh = http.get(f"{emulator.graph_url}/me", headers=auth(ada))
    assert fresh.headers["request-id"] != echoed.headers["request-id"]


def test_unknown_segment_and_method(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str]
) -> None:
    response = http.get(f"{emulator.graph_url}/me/nothingHere", headers=auth(ada))
    assert response.status_code == 400
    assert (
        response.json()["error"]["message"] == "Resource not found for the segment 'nothingHere'."
    )
    wrong = http.delete(f"{emulator.graph_url}/me", headers=auth(ada))
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "BadRequest"


def test_malformed_json_body_is_a_graph_400(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str]
) -> None:
    response = http.post(
        f"{emulator.graph_url}/subscriptions",
        headers={**auth(ada), "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["message"].startswith("Unable to read JSON request payload")


def test_prefer_header_parsing() -> None:
    prefer = Prefer(
        ['outlook.timezone="Pacific Standard Time", odata.maxpagesize=50', 'IdType="ImmutableId"']
    )
    assert prefer["outlook.timezone"] == "Pacific Standard Time"
    assert prefer["Outlook.TimeZone"] == "Pacific Standard Time"
    assert prefer["odata.maxpagesize"] == "50"
    assert prefer.get("idtype") == "ImmutableId"
    assert "IDTYPE" in prefer
    assert prefer.get("missing", "x") == "x"
    assert dict(Prefer(["return=minimal; respond-async"])) == {
        "return": "minimal",
        "respond-async": "",
    }
    assert dict(Prefer(['outlook.body-content-type="text, really"'])) == {
        "outlook.body-content-type": "text, really"
    }


def test_frame_errors_validate_against_microsofts_odata_error_schema(
    emulator: EmulatorServer, http: httpx.Client, ada: dict[str, str]
) -> None:
    """Every error shape the frame produces, checked against the shipped schema fragment."""
    from openapi_schema_validator import OAS30Validator

    from graph_emulator.schema import load_fragment

    fragment = load_fragment()
    name = "microsoft.graph.ODataErrors.ODataError"
    validator = OAS30Validator(
        {"components": fragment["components"], "allOf": [{"$ref": f"#/components/schemas/{name}"}]}
    )
    assert list(validator.iter_errors({"error": {"code": 401, "message": "typed wrong"}}))
    url = emulator.graph_url
    responses = [
        http.get(f"{url}/me"),  # 401
        http.get(f"{url}/users/bob@example.com", headers=auth(ada)),  # 403
        http.get(f"{url}/users/nobody@example.com", headers=auth(ada)),  # 404
        http.get(f"{url}/me/nothing", headers=auth(ada)),  # 400
        http.delete(f"{url}/me", headers=auth(ada)),  # 405
        http.post(f"{url}/$batch", headers=auth(ada), json={"requests": []}),  # batch 400
    ]
    emulator.set_faults(throttle_rate=1.0)
    responses.append(http.get(f"{url}/me", headers=auth(ada)))  # 429
    emulator.set_faults(error_rate=1.0, seed=1)
    responses += [http.get(f"{url}/me", headers=auth(ada)) for _ in range(6)]  # 503/504
    statuses = {r.status_code for r in responses}
    assert {400, 401, 403, 404, 405, 429} <= statuses and statuses & {503, 504}
    for response in responses:
        errors = [e.message for e in validator.iter_errors(response.json())]
        assert not errors, (response.status_code, errors)
