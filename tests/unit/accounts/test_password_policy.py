"""Django's password validators apply wherever calsync sets a password: ``calsync adduser``,
the user actions, and the demo's random passwords; only the demo's published password on
loopback is exempt."""

from __future__ import annotations

import pytest

from calsync.accounts.actions import UserError, do_create_user, do_set_password
from calsync.accounts.models import User
from calsync.cli import main

pytestmark = [pytest.mark.password_policy]


@pytest.mark.django_db(transaction=True)  # the CLI closes connections when done
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("pw12", "too short"),
        ("password123", "too common"),
        ("48151623429876", "entirely numeric"),
        ("mai.nguyen@example.com", "too similar"),
    ],
)
def test_adduser_refuses_a_weak_password_in_one_line(
    password: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["adduser", "mai.nguyen@example.com", "--password", password])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not User.objects.filter(email="mai.nguyen@example.com").exists()


@pytest.mark.django_db(transaction=True)  # the CLI closes connections when done
def test_adduser_takes_a_good_password() -> None:
    main(["adduser", "mai@example.com", "--password", "Lantern-harbour-42"])
    assert User.objects.get(email="mai@example.com").check_password("Lantern-harbour-42")


@pytest.mark.django_db
def test_the_minimum_length_is_ten() -> None:
    with pytest.raises(UserError, match="at least 10 characters"):
        do_create_user("ana@example.com", "Qx7#mZ2!p")
    assert do_create_user("ana@example.com", "Qx7#mZ2!pw").check_password("Qx7#mZ2!pw")


@pytest.mark.django_db
def test_a_new_password_is_checked_too() -> None:
    user = do_create_user("ana@example.com", "Lantern-harbour-42")
    with pytest.raises(UserError):
        do_set_password(user, "123456")
    do_set_password(user, "Quiet-meadow-73")
    user.refresh_from_db()
    assert user.check_password("Quiet-meadow-73")


@pytest.mark.django_db
def test_only_the_demo_may_skip_the_check() -> None:
    user = do_create_user("admin@example.com", "demo", check_password=False)
    assert user.check_password("demo")
