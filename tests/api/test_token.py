"""`POST /api/token` (docs/contract.md, REST API) and token authentication."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token as PlainToken
from rest_framework.test import APIClient

from calsync.accounts.models import ApiToken, User
from calsync.accounts.tokens import TOKENS_PER_USER, digest_of, do_issue_token


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


@pytest.mark.django_db
def test_tokens_are_stored_hashed_and_each_request_gets_a_new_one(user: User) -> None:
    client = APIClient()
    tokens = [
        client.post(
            "/api/token", {"email": "ana@example.com", "password": "correct horse"}, format="json"
        ).json()["token"]
        for _ in range(2)
    ]
    assert tokens[0] != tokens[1]
    stored = list(ApiToken.objects.filter(user=user).values_list("digest", flat=True))
    assert sorted(stored) == sorted(digest_of(token) for token in tokens)
    assert not set(tokens) & set(stored)
    for token in tokens:  # both keep working
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/me").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {digest_of(tokens[0])}")  # a stolen digest
    assert client.get("/api/me").status_code in (401, 403)


@pytest.mark.django_db
def test_a_user_keeps_only_the_newest_tokens(user: User) -> None:
    first = do_issue_token(user)
    newest = [do_issue_token(user) for _ in range(TOKENS_PER_USER)]
    assert ApiToken.objects.filter(user=user).count() == TOKENS_PER_USER
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/me").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {newest[0]}")
    assert client.get("/api/me").status_code == 200


@pytest.mark.django_db
def test_an_inactive_users_token_is_refused(user: User) -> None:
    token = do_issue_token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me").status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_plain_tokens_of_an_older_version_are_hashed_by_the_migration() -> None:
    """Migrate back to before hashing, store a plain DRF token, migrate forward: the token
    still authenticates, and no plain token is left in the database."""
    executor = MigrationExecutor(connection)
    before = [("accounts", "0001_initial")]
    before += [node for node in executor.loader.graph.leaf_nodes() if node[0] == "authtoken"]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_user = old_apps.get_model("accounts", "User").objects.create(
        email="old@example.com", username="old@example.com"
    )
    plain = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    old_apps.get_model("authtoken", "Token").objects.create(key=plain, user_id=old_user.pk)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert not PlainToken.objects.exists()
    assert ApiToken.objects.get(user_id=old_user.pk).digest == digest_of(plain)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    assert client.get("/api/me").json()["email"] == "old@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/me", "/api/events?start=2026-03-01&end=2026-03-08"])
def test_a_token_request_looks_its_token_up_once(user: User, path: str) -> None:
    """The fair-share middleware asks whose request it is, then DRF's authentication: one
    lookup serves both (it was two)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_issue_token(user)}")
    table = ApiToken._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    lookups = [query["sql"] for query in queries.captured_queries if table in query["sql"]]
    assert len(lookups) == 1, lookups


@pytest.mark.django_db
def test_a_token_of_a_deactivated_user_is_refused_and_not_counted_as_a_person(
    user: User,
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_issue_token(user)}")
    user.is_active = False
    user.save()
    table = ApiToken._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/me").status_code in (401, 403)
    assert sum(table in query["sql"] for query in queries.captured_queries) == 1
