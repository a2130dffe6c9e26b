"""The machine's zone survives Django: Django sets the process's TZ to TIME_ZONE (UTC), so the
demo reads the zone the settings kept (the week it writes sits at the machine's hours)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from calsync import config


def test_the_zone_is_read_from_tz_and_kept_for_child_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(config.MACHINE_ZONE_VAR, raising=False)
    monkeypatch.setenv("TZ", "Asia/Ho_Chi_Minh")
    assert config.machine_time_zone() == "Asia/Ho_Chi_Minh"
    assert os.environ[config.MACHINE_ZONE_VAR] == "Asia/Ho_Chi_Minh"
    monkeypatch.setenv("TZ", "UTC")  # as Django leaves it: the kept value wins
    assert config.machine_time_zone() == "Asia/Ho_Chi_Minh"


def test_the_demo_writes_in_the_machines_zone_not_djangos() -> None:
    env = {k: v for k, v in os.environ.items() if k != config.MACHINE_ZONE_VAR}
    env.update(TZ="Asia/Ho_Chi_Minh", DJANGO_SETTINGS_MODULE="calsync.settings")
    code = (
        "import django, os; django.setup(); from calsync.core.demo import _local_zone;"
        "print(_local_zone(), os.environ['TZ'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["Asia/Ho_Chi_Minh", "UTC"]
