"""`calsync adduser` and the user model, through the real CLI entry point."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from calsync.accounts.models import User
from calsync.cli import main, shell_language


@pytest.mark.django_db(transaction=True)  # the CLI closes connections when done
def test_adduser_creates_a_user_who_logs_in_by_email(capsys: pytest.CaptureFixture[str]) -> None:
    main(["adduser", "Mai@Example.com", "--password", "s3cret!", "--name", "Mai Lê"])
    user = User.objects.get(email="mai@example.com")
    assert user.name == "Mai Lê"
    assert not user.is_admin
    assert authenticate(username="mai@example.com", password="s3cret!") == user
    assert "mai@example.com" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)  # the CLI closes connections when done
def test_adduser_admin_flag_makes_an_administrator() -> None:
    main(["adduser", "boss@example.com", "--password", "pw12", "--admin"])
    assert User.objects.get(email="boss@example.com").is_admin


@pytest.mark.django_db(transaction=True)  # the CLI closes connections when done
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["adduser", "not-an-email", "--password", "pw12"], "not a valid email address"),
        (["adduser", "dup@example.com", "--password", "pw12"], "already exists"),
    ],
)
def test_adduser_bad_input_is_one_line_and_nonzero(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    User.objects.create_user(email="dup@example.com", password="x")
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert message in err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1


@pytest.fixture
def vietnamese_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell whose language is Vietnamese (``LANG``, nothing overriding it)."""
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


@pytest.mark.django_db(transaction=True)  # the CLI closes connections when done
@pytest.mark.usefixtures("vietnamese_shell")
def test_messages_follow_the_shells_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["adduser", "not-an-email", "--password", "pw12"])
    assert "không phải là một địa chỉ email hợp lệ" in capsys.readouterr().err


def test_shell_language_falls_back_to_english() -> None:
    assert shell_language({"LANG": "C.UTF-8"}) == "en"
    assert shell_language({"LANG": "de_DE.UTF-8", "LC_ALL": "vi_VN"}) == "vi"
    assert shell_language({}) == "en"


def test_calsync_without_arguments_lists_the_contract_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main([])
    out = capsys.readouterr().out
    for command in (
        "run",
        "emulator",
        "adduser",
        "outlook-config",
        "sync",
        "reset-account",
        "worker",
    ):
        assert f"  {command} " in out


@pytest.mark.usefixtures("vietnamese_shell")
def test_help_follows_the_shells_language(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--help"])
    assert "tạo một người dùng cục bộ" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["adduser", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "Tạo một người dùng cục bộ" in out
    assert "biến người dùng này thành quản trị viên" in out
