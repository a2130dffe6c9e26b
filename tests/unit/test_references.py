"""Every reference in the code, the README and docs/ leads to something in this repository.

A newcomer follows references: "see docs/sync.md, Identity" or
``calsync.outlook.sync.claims`` in a docstring must lead somewhere real. This test reads the
docstrings and comments of the Python files under ``src/``, ``scripts/``, ``bench/`` and
``tests/`` (migrations excepted), the comments of the JavaScript under ``src/``, the
README and every Markdown file under ``docs/`` and ``src/``, and fails on:

* a reference to a document kept outside the repository: ``DESIGN.md``, ``CONTRACT §4``,
  "the Graph facts", ``../shared``, "the seed guide", and any ``§`` section number (this
  repository's documents are cited by file and heading: "docs/sync.md, Identity");
* a path to a file (``something/like/this.py``, ``docs/x.md``) found nowhere it could mean:
  relative to the referencing file's folder or any folder above it, to ``src/`` or
  ``src/calsync/``, or (template and static names) to a ``templates/`` or ``static/``
  folder; a bare file name (``x.md``) that no file of the repository has;
* "docs/x.md, Heading" where docs/x.md has no heading starting with those words;
* a dotted name ``calsync.…`` or ``graph_emulator.…`` whose module does not exist, or which
  names something its module does not define;
* a Markdown link to a missing file, or to a heading its file does not have.

Not checked: URLs (Microsoft's and other public pages), paths made at run time (``var/…``,
``.venv/…``) and the few files of other projects listed in :data:`OTHER_PROJECTS`.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

SCANNED = ("src", "scripts", "bench", "tests", "docs")
"""Folders whose files are read (with the README)."""
SKIPPED_PARTS = frozenset({"migrations", "node_modules", "__pycache__", "locale"})
"""Folders never read: generated migrations, installed packages, translation catalogues."""
THIS_FILE = Path(__file__).resolve()
"""Not read: its docstring and samples name the references it forbids."""

OUTSIDE = re.compile(
    r"\b(?:DESIGN|CONTRACT)(?:\.md)?\b|Graph facts|\bfacts,?\s*§|microsoft-graph-facts"
    r"|\.\./shared\b|\bshared/reference\b|\bseed guide\b|§"
)
"""Words that cite a document outside the repository (or a section number, which only
those documents had)."""
RFC_SECTION = re.compile(r"RFC\s*\d+\s*$")
"""A ``§`` right after ``RFC 5545`` cites a public standard: allowed."""

EXTENSIONS = "py|md|json|toml|txt|js|css|html|cfg|ini|po|sh"
PATH = re.compile(
    rf"(?<![\w/.@:~$-])((?:\.{{1,2}}/)*(?:[\w.-]+/)*[\w-][\w.-]*\.(?:{EXTENSIONS}))(?![\w/(-])"
)
"""A file name or relative path with one of our files' extensions (not a method call such
as ``answer.json()``, not the middle of an absolute path or URL)."""
URL = re.compile(r"\b[a-z][a-z+.-]*://\S+")
RUN_TIME = ("var/", "./var/", ".venv/", "node_modules/")
"""Paths made at run time or by ``make install``, not part of the repository."""
NOT_FILES = frozenset({"Node.js"})
OTHER_PROJECTS = frozenset(
    {
        "msgraph/generated/models/subscription.py",  # Microsoft's Graph Python SDK
    }
)
"""Files of other projects that docstrings name on purpose (with the project)."""

SECTION = re.compile(r"\b(docs/[\w-]+\.md),\s+([A-Z][^.,;:()\n`*]*)")
"""``docs/x.md, Heading words``: the heading must exist."""
DOTTED = re.compile(r"(?<![\w./])((?:calsync|graph_emulator)(?:\.[A-Za-z_]\w*)+)")
"""A dotted module name (not a file in a path, such as ``deploy/calsync.service``)."""
MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int
    reference: str
    why: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.reference!r}: {self.why}"


# -- what is read -------------------------------------------------------------------------


def scanned_files() -> list[Path]:
    """The README, and the Python, JavaScript and Markdown files of :data:`SCANNED`."""
    files = [ROOT / "README.md"]
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*")):
            parts = set(path.relative_to(ROOT).parts)
            if parts & SKIPPED_PARTS or any(p.endswith(".egg-info") for p in parts):
                continue
            wanted = path.suffix in (".md", ".py") or (path.suffix == ".js" and folder == "src")
            if wanted and path != THIS_FILE:
                files.append(path)
    return files


def prose(path: Path) -> Iterator[tuple[int, str]]:
    """(first line, text) of what people read in ``path``: docstrings and comments of code,
    the whole of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        yield from _python_prose(text)
    elif path.suffix == ".js":
        yield from _javascript_comments(text)
    else:
        yield 1, text


def _python_prose(text: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(text)):
        value = node.value if isinstance(node, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            yield node.lineno, value.value
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def _javascript_comments(text: str) -> Iterator[tuple[int, str]]:
    for match in re.finditer(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", text, re.DOTALL):
        yield text.count("\n", 0, match.start()) + 1, match.group()


# -- the checks ---------------------------------------------------------------------------


def problems_in(path: Path, first_line: int, text: str) -> list[Problem]:
    """Every broken reference in ``text`` (read from ``path``, starting at ``first_line``)."""
    found: list[Problem] = []
    text = URL.sub(_blank, text)
    if path.suffix == ".md":
        found += _link_problems(path, first_line, FENCE.sub(_blank, text))

    def at(offset: int) -> int:
        return first_line + text.count("\n", 0, offset)

    for match in OUTSIDE.finditer(text):
        if match.group() == "§" and RFC_SECTION.search(text[: match.start()]):
            continue
        found.append(Problem(path, at(match.start()), match.group(), "outside the repository"))
    for match in PATH.finditer(text):
        reference, line = match.group(1), at(match.start())
        if any((p.line, p.reference.partition("#")[0]) == (line, reference) for p in found):
            continue  # a Markdown link already reported
        if not OUTSIDE.search(reference) and not file_exists(reference, path):
            found.append(Problem(path, line, reference, "no such file"))
    for match in SECTION.finditer(text):
        target, words = match.group(1), " ".join(match.group(2).split())
        if (ROOT / target).exists() and not has_heading(ROOT / target, words):
            found.append(Problem(path, at(match.start()), match.group(), "no such heading"))
    for match in DOTTED.finditer(text):
        why = dotted_problem(match.group(1))
        if why:
            found.append(Problem(path, at(match.start()), match.group(1), why))
    return found


def _blank(match: re.Match[str]) -> str:
    """``match`` as spaces, its newlines kept (so offsets still give line numbers)."""
    return re.sub(r"[^\n]", " ", match.group())


def file_exists(reference: str, referrer: Path) -> bool:
    """Whether ``reference`` names a file of the repository (module docstring's rules)."""
    if reference in NOT_FILES or reference in OTHER_PROJECTS or reference.startswith(RUN_TIME):
        return True
    if "/" not in reference:
        return reference in file_names()
    bases = [*referrer.parents, SRC, SRC / "calsync", *asset_roots()]
    return any((base / reference).exists() for base in bases if ROOT in (base, *base.parents))


@cache
def file_names() -> frozenset[str]:
    """The names of the repository's files (a bare name may mean any of them)."""
    names = {path.name for path in ROOT.iterdir() if path.is_file()}
    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "node_modules" not in path.parts:
                names.add(path.name)
    return frozenset(names)


@cache
def asset_roots() -> tuple[Path, ...]:
    """The ``templates/`` and ``static/`` folders: template and static names start there."""
    return tuple(
        folder
        for name in ("templates", "static")
        for folder in SRC.rglob(name)
        if folder.is_dir() and "node_modules" not in folder.parts
    )


def dotted_problem(name: str) -> str | None:
    """Why the dotted name ``calsync.a.b`` leads nowhere (None: it leads to its target)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        module = module_file(parts[:end])
        if module is None:
            continue
        rest = parts[end:]
        if not rest or rest[0] in defined_names(module):
            return None
        return f"{'.'.join(parts[:end])} defines no {rest[0]!r}"
    return "no such module"


def module_file(parts: list[str]) -> Path | None:
    base = SRC.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def defined_names(module: Path) -> frozenset[str]:
    """The names a module's top level defines or imports (what ``module.name`` can mean)."""
    names: set[str] = set()
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return frozenset(names)


@cache
def headings(markdown: Path) -> tuple[str, ...]:
    """The headings of a Markdown file, as written (code fences left out)."""
    text = FENCE.sub("", markdown.read_text(encoding="utf-8"))
    return tuple(" ".join(h.replace("`", "").split()) for h in HEADING.findall(text))


def has_heading(markdown: Path, words: str) -> bool:
    return any(h.lower().startswith(words.lower()) for h in headings(markdown))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _link_problems(path: Path, first_line: int, text: str) -> list[Problem]:
    found = []
    for match in MARKDOWN_LINK.finditer(text):
        target = match.group(1)
        if re.match(r"[a-z][a-z+.-]*:", target):
            continue  # a URL or mailto:
        file_part, _, anchor = target.partition("#")
        line = first_line + text.count("\n", 0, match.start())
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            found.append(Problem(path, line, target, "the link leads to no file"))
        elif anchor and linked.suffix == ".md" and anchor not in map(slug, headings(linked)):
            found.append(Problem(path, line, target, "the link leads to no heading"))
    return found


def all_problems() -> list[Problem]:
    return [
        problem
        for path in scanned_files()
        for line, text in prose(path)
        for problem in problems_in(path, line, text)
    ]


# -- the tests ----------------------------------------------------------------------------


BROKEN = [
    ("The summary is CONTRACT §4's JSON.", ["CONTRACT", "§"]),
    ("One run (DESIGN.md §2).", ["DESIGN.md", "§"]),
    ("Contract (see the Graph facts, §6):", ["Graph facts", "§"]),
    ("As in ../shared/reference/x.md.", ["../shared"]),
    ("Rules from the seed guide's warnings.", ["seed guide"]),
    (
        "See docs/nowhere.md and src/calsync/nowhere.py.",
        ["docs/nowhere.md", "src/calsync/nowhere.py"],
    ),
    ("See docs/architecture.md, No Such Heading.", ["docs/architecture.md, No Such Heading"]),
    ("Calls :func:`calsync.syncengine.plan.nothing`.", ["calsync.syncengine.plan.nothing"]),
    ("Lives in ``calsync.no_such_package.thing``.", ["calsync.no_such_package.thing"]),
    ("[the rooms](no-such-file.md)", ["no-such-file.md"]),
    ("[the rooms](architecture.md#no-such-heading)", ["architecture.md#no-such-heading"]),
]
"""Sample texts and the references the checker must report in them."""


@pytest.mark.parametrize(("text", "broken"), BROKEN)
def test_the_checker_finds_each_kind_of_broken_reference(text: str, broken: list[str]) -> None:
    found = problems_in(ROOT / "docs" / "sample.md", 1, text)
    assert [problem.reference for problem in found] == broken


@pytest.mark.parametrize(
    "text",
    [
        "See docs/sync.md, Identity; docs/architecture.md and README.md.",
        "Run ``python scripts/fetch_graph_schema.py``; then bench/sync_bench.py.",
        "The template ``calendars/_outlook_panel.html``; ``var/emulator-state.json``.",
        "Calls :func:`calsync.outlook.sync.run.run_sync` and ``calsync.msgraph.errors``.",
        "Microsoft's page https://learn.microsoft.com/en-us/graph/api/event-delta.md, and "
        "``answer.json()``, an RFC 5545 §3.3.10 rule, Node.js.",
        "[the rooms](architecture.md#the-rooms-of-outlook), [sync](sync.md)",
    ],
)
def test_the_checker_accepts_references_that_lead_somewhere(text: str) -> None:
    assert problems_in(ROOT / "docs" / "sample.md", 1, text) == []


def test_the_checker_reads_docstrings_and_comments_of_code() -> None:
    code = '"""Module (CONTRACT §1)."""\nx = "DESIGN.md"  # see docs/nowhere.md\n'
    texts = list(_python_prose(code))
    assert [line for line, _text in texts] == [1, 2]
    assert [p.reference for line, t in texts for p in problems_in(ROOT / "x.py", line, t)] == [
        "CONTRACT",
        "§",
        "docs/nowhere.md",
    ]


def test_every_reference_leads_to_something_in_the_repository() -> None:
    problems = all_problems()
    assert not problems, f"{len(problems)} broken references:\n" + "\n".join(map(str, problems))
