"""``calsync outlook-config``: the same fields and checks as the settings page."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from calsync.outlook.connection.configuration import client_secret_of
from calsync.outlook.models import OutlookSettings

from .conftest import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.django_db


def run(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("outlook_config", *args, stdout=out)
    finally:
        sys.stdin = old
    return out.getvalue()


def test_configure_everything_and_print_without_the_secret():
    out = run(
        "--enable",
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--base-url",
        "https://cal.example.com/",
    )
    row = OutlookSettings.load()
    assert (row.enabled, row.client_id, row.base_url) == (
        True,
        CLIENT_ID,
        "https://cal.example.com",
    )
    assert client_secret_of(row) == CLIENT_SECRET
    assert CLIENT_SECRET not in out
    assert "Client Secret: set" in out
    assert "Redirect URI: https://cal.example.com/microsoft_account/authentication" in out


def test_no_options_only_prints():
    out = run()
    assert "Outlook Calendar: disabled" in out
    assert "Client Secret: not set" in out
    assert "saved" not in out


def test_secret_from_stdin():
    run("--client-secret", "-", stdin=CLIENT_SECRET + "\n")
    assert client_secret_of(OutlookSettings.load()) == CLIENT_SECRET


def test_disable_and_clear_secret():
    run("--enable", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET)
    out = run("--disable", "--clear-secret")
    row = OutlookSettings.load()
    assert row.enabled is False
    assert not row.has_client_secret
    assert row.client_id == CLIENT_ID
    assert "Client Secret: not set" in out


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--client-id", "not-a-guid"], "--client-id:"),
        (["--base-url", "example.com"], "--base-url:"),
        (["--enable"], "--client-id:"),
        (["--client-secret", "a b"], "--client-secret:"),
    ],
)
def test_bad_input_is_one_line_naming_the_flag_and_changes_nothing(args, flag):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert str(caught.value).startswith(flag)
    assert "\n" not in str(caught.value)
    row = OutlookSettings.load()
    assert (row.enabled, row.client_id, row.base_url, row.has_client_secret) == (
        False,
        "",
        "",
        False,
    )


def test_enable_and_disable_are_exclusive():
    with pytest.raises(CommandError):
        run("--enable", "--disable")
