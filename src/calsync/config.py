"""Where calsync finds its settings: the environment, a `.env` file, and `./var/`.

The contract (docs/contract.md, Settings): every setting has a default that works on a
fresh machine: SQLite and the generated secret key live under the var directory (``./var/``
of the current directory unless ``CALSYNC_VAR_DIR`` says otherwise). That directory is
private to the account running calsync (mode 0700), and so is the SQLite file (0600): both
are created so, and an existing one with looser modes is tightened.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
import tempfile
from pathlib import Path

from dotenv import load_dotenv

REPO_DIR = Path(__file__).resolve().parents[2]
"""The checkout (this project is installed editable; node_modules lives here)."""

load_dotenv(Path.cwd() / ".env", override=False)

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

logger = logging.getLogger("calsync.config")


def env(name: str, default: str = "") -> str:
    """The value of ``name`` in the environment (or `.env`), stripped, else ``default``."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_list(name: str) -> list[str]:
    """The comma-separated values of ``name`` (blanks dropped), e.g. ``a.example, b.example``."""
    return [item.strip() for item in env(name).split(",") if item.strip()]


def env_flag(name: str) -> bool:
    """Whether ``name`` is set to ``1``, ``true``, ``yes`` or ``on`` (any case)."""
    return env(name).lower() in {"1", "true", "yes", "on"}


def var_dir() -> Path:
    """The directory for local state (SQLite, secret key, emulator certificates): created
    with mode 0700, or tightened to it when it exists with a looser mode."""
    path = Path(env("CALSYNC_VAR_DIR", str(Path.cwd() / "var"))).resolve()
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    restrict(path, PRIVATE_DIR_MODE)
    return path


def restrict(path: Path, mode: int) -> None:
    """Take every permission beyond ``mode`` away from ``path`` (ours; a missing path, one
    owned by another account, and a shared directory with the sticky bit such as /tmp are
    left alone)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    shared = info.st_mode & stat.S_ISVTX
    if shared or info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) & ~mode == 0:
        return
    try:
        path.chmod(stat.S_IMODE(info.st_mode) & mode)
    except OSError as exc:  # a read-only mount: say so, do not stop
        logger.warning("cannot restrict the mode of %s: %s", path, exc)


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite file ``path`` empty with mode 0600 if it is missing (SQLite gives its
    -wal and -shm files the same mode), and tighten an existing one and its companions."""
    path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    for companion in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        restrict(companion, PRIVATE_FILE_MODE)


def secret_key() -> str:
    """``CALSYNC_SECRET_KEY``, or a key generated once into ``var/secret_key`` (mode 0600)."""
    configured = env("CALSYNC_SECRET_KEY")
    if configured:
        return configured
    path = var_dir() / "secret_key"
    if not path.exists():
        _write_once(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


def _write_once(path: Path, text: str) -> None:
    """Create ``path`` (mode 0600) holding ``text``, unless it exists. Processes starting at
    once (test workers, a server and its worker) may race: the file appears whole (written
    aside, then linked into place), and whoever comes second reads the first one's."""
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        os.unlink(draft)


def database_url() -> str:
    """``CALSYNC_DATABASE_URL``, or a SQLite file under the var directory."""
    return env("CALSYNC_DATABASE_URL", f"sqlite:///{var_dir() / 'calsync.sqlite3'}")


MACHINE_ZONE_VAR = "CALSYNC_MACHINE_TIME_ZONE"


def machine_time_zone() -> str:
    """The machine's own zone (``TZ``, else the system's; UTC when it cannot tell), as it
    was before Django set the process's ``TZ`` to ``TIME_ZONE``. Read once by the settings
    and kept in ``CALSYNC_MACHINE_TIME_ZONE`` for the processes this one starts (they
    inherit a ``TZ`` Django already changed)."""
    known = os.environ.get(MACHINE_ZONE_VAR)
    if known:
        return known
    zone = os.environ.get("TZ", "").lstrip(":")
    if "/" not in zone and zone != "UTC":  # not an IANA name: ask the system
        try:
            from tzlocal import get_localzone_name

            zone = get_localzone_name() or "UTC"
        except Exception:  # tzlocal cannot tell on some minimal systems
            zone = "UTC"
    os.environ[MACHINE_ZONE_VAR] = zone
    return zone
