"""The var directory is 0700 and the SQLite file 0600: created so, and tightened when found
looser; directories shared by others (the sticky bit, as /tmp) are never touched."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import Any

from calsync import config


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_var_is_created_private(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("CALSYNC_VAR_DIR", str(tmp_path / "state" / "var"))
    var = config.var_dir()
    assert mode(var) == 0o700


def test_an_existing_var_is_tightened(tmp_path: Path, monkeypatch: Any) -> None:
    var = tmp_path / "var"
    var.mkdir()
    var.chmod(0o755)
    monkeypatch.setenv("CALSYNC_VAR_DIR", str(var))
    config.var_dir()
    assert mode(var) == 0o700


def test_a_shared_sticky_directory_is_left_alone(tmp_path: Path, monkeypatch: Any) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    monkeypatch.setenv("CALSYNC_VAR_DIR", str(shared))
    config.var_dir()
    assert mode(shared) == 0o1777


def test_the_sqlite_file_and_its_companions_are_private(tmp_path: Path) -> None:
    database = tmp_path / "calsync.sqlite3"
    config.private_sqlite_file(database)
    assert mode(database) == 0o600
    with sqlite3.connect(database) as connection:  # SQLite keeps the mode for -wal and -shm
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        assert mode(Path(f"{database}-wal")) == 0o600
        assert mode(Path(f"{database}-shm")) == 0o600


def test_an_existing_sqlite_file_is_tightened_and_kept(tmp_path: Path) -> None:
    database = tmp_path / "calsync.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (x)")
    database.chmod(0o644)
    config.private_sqlite_file(database)
    assert mode(database) == 0o600
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
