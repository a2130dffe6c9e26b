"""One person's requests take turns (calsync.core.fair_share): at most ``running`` at a
time, ``waiting`` more queued, the rest refused; other people are not held up."""

from __future__ import annotations

import threading
import time

import pytest
from django.test import RequestFactory

from calsync.accounts.actions import do_create_user
from calsync.accounts.tokens import do_issue_token
from calsync.core.fair_share import FairShare, FairShareMiddleware, person_of


def test_a_person_runs_at_most_their_turns_and_others_are_not_held_up() -> None:
    share = FairShare(running=2, waiting=1)
    assert share.enter("mallory") and share.enter("mallory")
    waited: list[bool] = []
    third = threading.Thread(target=lambda: waited.append(share.enter("mallory", timeout=30)))
    third.start()  # the third waits for a turn
    deadline = time.monotonic() + 30
    while share._lanes["mallory"].present < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert share._lanes["mallory"].present == 3 and waited == []
    assert not share.enter("mallory")  # a fourth: two running, one waiting already
    assert share.enter("victim", timeout=0)  # another person is not held up
    share.leave("victim")
    share.leave("mallory")  # a turn ends: the waiting one runs
    third.join(timeout=30)
    assert waited == [True]
    share.leave("mallory")
    share.leave("mallory")
    assert share._lanes == {}  # nobody left: nothing kept


def test_a_wait_past_its_timeout_is_refused_and_forgotten() -> None:
    share = FairShare(running=1, waiting=5)
    assert share.enter("mallory")
    assert not share.enter("mallory", timeout=0.01)
    share.leave("mallory")
    assert share._lanes == {}


@pytest.mark.django_db
def test_a_person_is_the_user_of_a_session_or_token_and_strangers_are_not_counted() -> None:
    user = do_create_user("pat@example.com", "Long-enough-pass-42")
    factory = RequestFactory()
    by_token = factory.get("/api/events", HTTP_AUTHORIZATION=f"Token {do_issue_token(user)}")
    assert person_of(by_token) == f"user:{user.pk}"
    by_session = factory.get("/api/events")
    by_session.user = user
    assert person_of(by_session) == f"user:{user.pk}"
    forged = factory.get("/", HTTP_AUTHORIZATION="Token nope", REMOTE_ADDR="192.0.2.7")
    assert person_of(forged) is None


@pytest.mark.django_db
def test_a_request_past_the_waiting_room_is_a_429_that_says_why() -> None:
    middleware = FairShareMiddleware(lambda request: pytest.fail("must not run"))
    middleware.share = FairShare(running=0, waiting=0)
    request = RequestFactory().get("/api/events")
    request.user = do_create_user("pat@example.com", "Long-enough-pass-42")
    answer = middleware(request)
    assert answer.status_code == 429
    assert answer["Retry-After"] == "1"
    assert b"too many requests in progress at once" in answer.content
