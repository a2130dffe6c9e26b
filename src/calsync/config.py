"""Where calsync finds its settings: the environment, a `.env` file, and `./var/`.

The contract (docs/contract.md, Settings): every setting has a default that works on a
fresh machine: SQLite and the generated secret key live under the var directory (``./var/``
of the current directory unless ``CALSYNC_VAR_DIR`` says otherwise).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

REPO_DIR = Path(__file__).resolve().parents[2]
"""The checkout (this project is installed editable; node_modules lives here)."""

load_dotenv(Path.cwd() / ".env", override=False)

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"


def env(name: str, default: str = "") -> str:
    """The value of ``name`` in the environment (or `.env`), stripped, else ``default``."""
    value = os.environ.get(name, "").strip()
    return value or default


def var_dir() -> Path:
    """The directory for local state (SQLite, secret key, emulator certificates); created."""
    path = Path(env("CALSYNC_VAR_DIR", str(Path.cwd() / "var"))).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key() -> str:
    """``CALSYNC_SECRET_KEY``, or a key generated once into ``var/secret_key`` (mode 0600)."""
    configured = env("CALSYNC_SECRET_KEY")
    if configured:
        return configured
    path = var_dir() / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def database_url() -> str:
    """``CALSYNC_DATABASE_URL``, or a SQLite file under the var directory."""
    return env("CALSYNC_DATABASE_URL", f"sqlite:///{var_dir() / 'calsync.sqlite3'}")
