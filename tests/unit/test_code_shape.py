"""Small functions where it helps: no function in ``src/calsync`` is over 60 lines unless a
comment in it says why it must stay whole (a line starting ``# whole:``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCES = Path(__file__).resolve().parents[2] / "src" / "calsync"
LIMIT = 60


def long_functions(root: Path, limit: int = LIMIT) -> list[str]:
    """``path:line name (n lines)`` of each function over ``limit`` lines without a
    ``# whole:`` comment inside it."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines), str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = node.end_lineno - node.lineno + 1
            body = lines[node.lineno - 1 : node.end_lineno]
            if length > limit and not any(line.strip().startswith("# whole:") for line in body):
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_over_sixty_lines_without_saying_why() -> None:
    assert long_functions(SOURCES) == []


def test_the_check_sees_a_long_function_and_its_reason(tmp_path: Path) -> None:
    body = "\n".join(f"    x{n} = {n}" for n in range(LIMIT))
    (tmp_path / "long.py").write_text(f"def long():\n{body}\n")
    (tmp_path / "kept.py").write_text(f"def kept():\n    # whole: one table\n{body}\n")
    with pytest.raises(AssertionError):
        assert long_functions(tmp_path) == []
    assert long_functions(tmp_path) == ["long.py:1 long (61 lines)"]
