"""Every package the code imports is declared in pyproject.toml, in the right place.

``calsync`` (the server) may import only ``[project.dependencies]``; the emulator adds the
``emulator`` extra; tests, benchmarks and scripts add ``dev``. The server also starts and
answers without the emulator's web stack installed (``pip install calsync``).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
STDLIB = sys.stdlib_module_names
OURS = {"calsync", "graph_emulator", "tests", "bench", "scripts"}
EMULATOR_ONLY = ("starlette", "uvicorn", "multipart", "python_multipart")


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return _normal(match.group(0))


def _declared(*extras: str) -> set[str]:
    names = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    for extra in extras:
        names |= {_name(r) for r in PYPROJECT["project"]["optional-dependencies"][extra]}
    return names


def _imports(folder: Path) -> dict[str, str]:
    """Top-level modules imported under ``folder`` (absolute imports) -> one file using it."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(REPO)))
    return found


def _undeclared(folder: Path, declared: set[str]) -> list[str]:
    distributions = packages_distributions()
    missing = []
    for module, where in _imports(folder).items():
        if module in STDLIB or module in OURS:
            continue
        dists = {
            d.lower().replace("_", "-").replace(".", "-") for d in distributions.get(module, [])
        }
        if not dists & declared:
            missing.append(
                f"{module} (imported in {where}; installed by {sorted(dists) or 'none'})"
            )
    return missing


def test_the_server_imports_only_its_dependencies() -> None:
    assert _undeclared(REPO / "src" / "calsync", _declared()) == []


def test_the_emulator_imports_only_the_server_dependencies_and_its_extra() -> None:
    assert _undeclared(REPO / "src" / "graph_emulator", _declared("emulator")) == []


@pytest.mark.parametrize("folder", ["tests", "bench", "scripts"])
def test_tests_benchmarks_and_scripts_import_only_declared_packages(folder: str) -> None:
    assert _undeclared(REPO / folder, _declared("emulator", "dev")) == []


def test_the_emulator_stack_is_an_extra_not_a_server_dependency() -> None:
    server = _declared()
    assert not server & {"starlette", "uvicorn", "python-multipart"}
    assert {"starlette", "uvicorn", "python-multipart"} <= _declared("emulator")


BLOCKER = f"""
import importlib.abc, sys
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {EMULATOR_ONLY!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Blocker())
"""


def _without_emulator_stack(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"CALSYNC_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )


def test_every_server_module_imports_without_the_emulator_stack(tmp_path: Path) -> None:
    code = """
import os, pkgutil, importlib
os.environ["DJANGO_SETTINGS_MODULE"] = "calsync.settings"
import django
django.setup()
import calsync
for info in pkgutil.walk_packages(calsync.__path__, "calsync."):
    importlib.import_module(info.name)
from django.core.management import call_command
call_command("check")
print("server ok")
"""
    done = _without_emulator_stack(code, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "server ok" in done.stdout


def test_calsync_emulator_without_its_extra_says_what_to_install(tmp_path: Path) -> None:
    code = "from calsync.cli import main\nmain(['emulator', '--port', '0'])\n"
    done = _without_emulator_stack(code, tmp_path)
    assert done.returncode == 2
    assert "calsync[emulator]" in done.stderr
    assert "Traceback" not in done.stderr
