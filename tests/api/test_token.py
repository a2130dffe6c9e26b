"""`POST /api/token` (docs/contract.md, REST API) and token authentication."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from calsync.accounts.models import User


@pytest.fixture
def user() -> User:
    return User.objects.create_user(email="ana@example.com", password="correct horse")


@pytest.mark.django_db
def test_token_for_good_credentials_authenticates_api_calls(user: User) -> None:
    client = APIClient()
    response = client.post(
        "/api/token", {"email": "ANA@example.com", "password": "correct horse"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) >= 20
    assert client.get("/api/me").status_code in (401, 403)  # no credentials yet
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["email"] == "ana@example.com"


@pytest.mark.django_db
def test_token_for_bad_credentials_is_a_400_without_a_token(user: User) -> None:
    response = APIClient().post(
        "/api/token", {"email": "ana@example.com", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.django_db
def test_token_request_names_the_missing_field() -> None:
    response = APIClient().post("/api/token", {"password": "x"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()
