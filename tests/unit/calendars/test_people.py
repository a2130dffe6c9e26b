"""Who is who: a user's addresses (login and mailbox), one user per address, the directory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from calsync.accounts.models import User
from calsync.calendars import actions, people
from calsync.calendars.models import Event, MailAddress

pytestmark = pytest.mark.django_db


def test_addresses_are_the_login_and_the_mailboxs(alice: User) -> None:
    assert people.addresses_of(alice) == {"alice@example.com"}
    kept = people.do_set_mailbox_addresses(
        alice, ["Alice.Smith@Contoso.example", " alice@example.com ", "not-an-address", ""]
    )
    assert kept == {"alice@example.com", "alice.smith@contoso.example"}
    assert people.addresses_of(alice) == kept
    assert list(MailAddress.objects.values_list("email", flat=True)) == [
        "alice.smith@contoso.example"
    ]
    assert people.user_for_address("ALICE.SMITH@contoso.example") == alice
    assert people.user_for_address("alice@example.com") == alice
    assert people.user_for_address("nobody@example.com") is None


def test_the_mailbox_list_replaces_what_was_recorded(alice: User) -> None:
    people.do_set_mailbox_addresses(alice, ["a1@contoso.example", "a2@contoso.example"])
    people.do_set_mailbox_addresses(alice, ["a2@contoso.example", "a3@contoso.example"])
    assert people.addresses_of(alice) == {
        "alice@example.com",
        "a2@contoso.example",
        "a3@contoso.example",
    }


def test_another_users_login_is_never_taken_and_an_alias_moves(alice: User, bob: User) -> None:
    people.do_set_mailbox_addresses(alice, ["shared@contoso.example"])
    kept = people.do_set_mailbox_addresses(bob, ["alice@example.com", "shared@contoso.example"])
    assert kept == {"bob@example.com", "shared@contoso.example"}
    assert people.user_for_address("alice@example.com") == alice
    assert people.user_for_address("shared@contoso.example") == bob
    assert people.addresses_of(User.objects.get(pk=alice.pk)) == {"alice@example.com"}


def test_staleness_is_measured_from_the_last_recording(alice: User) -> None:
    assert people.addresses_stale(alice, timedelta(hours=1))
    people.do_set_mailbox_addresses(alice, ["a@contoso.example"])
    assert not people.addresses_stale(alice, timedelta(hours=1))
    MailAddress.objects.update(checked=people.timezone.now() - timedelta(hours=2))
    assert people.addresses_stale(alice, timedelta(hours=1))


def test_the_directory_needs_two_characters_and_finds_names_and_addresses(
    alice: User, bob: User
) -> None:
    people.do_set_mailbox_addresses(bob, ["robert@contoso.example"])
    User.objects.create_user(email="gone@example.com", password="pw", name="Bobby", is_active=False)
    assert people.search_people("b") == []
    assert people.search_people("ROBERT") == [{"email": "bob@example.com", "name": "Bob"}]
    assert [p["email"] for p in people.search_people("example.com")] == [
        "alice@example.com",
        "bob@example.com",
    ]


def test_an_answer_keeps_personal_values_when_the_organiser_rewrites_attendees(
    make_event: Callable[..., Event],
) -> None:
    event = make_event(attendees=[{"email": "bob@example.com"}, {"email": "cy@example.com"}])
    version = event.version
    actions.do_answer(event, "bob@example.com", {"status": "accepted", "comment": "ok"})
    assert Event.objects.get(pk=event.pk).version == version + 1
    actions.do_answer(event, "bob@example.com", {"comment": "only the comment"})
    assert Event.objects.get(pk=event.pk).version == version + 1
    actions.do_answer(event, "bob@example.com", {"show_as": "free"})
    event = Event.objects.get(pk=event.pk)
    actions.do_update_event(
        event, {"attendees": [{"email": "bob@example.com", "status": "accepted"}]}
    )
    bob = event.attendees.get()
    assert (bob.status, bob.show_as, bob.comment) == ("accepted", "free", "only the comment")


def test_an_address_learned_elsewhere_is_added_but_does_not_count_as_a_read(
    alice: User, bob: User
) -> None:
    assert people.do_add_mailbox_address(bob, "Robert@Contoso.example")
    assert people.addresses_of(bob) == {"bob@example.com", "robert@contoso.example"}
    assert people.addresses_stale(bob, timedelta(days=1))
    assert not people.do_add_mailbox_address(alice, "robert@contoso.example")
    assert not people.do_add_mailbox_address(bob, "alice@example.com")
    assert people.do_add_mailbox_address(bob, "bob@example.com")
