"""One way to import kontrol, the same in a checkout and installed: through ``kontrol.*``.

In a checkout the repository's folders (``roadmap/``, ``models/`` …) are importable under their
bare names too (the current folder is on ``sys.path``), so a bare import would pass every
other test here and fail only in the wheel, where those names do not exist.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import REPO

FOLDERS = (
    "cli",
    "roadmap",
    "models",
    "flows",
    "tasks",
    "deployments",
    "portal",
    "templates",
    "examples",
)
NAMES = "|".join(FOLDERS)
# module names in strings (importlib, Prefect entrypoints), checked against the folder's modules
MODULE_IN_STRING = re.compile(rf"(?:^|[\s;:\"'(])({NAMES})\.([a-z_]\w*)")
# code in strings (`python -c`)
CODE_IN_STRING = re.compile(
    rf"(?:^|[\s;])(?:from (({NAMES})(?:\.\w+)*) import "
    rf"|import (({NAMES})(?:\.\w+)*)\s*(?:$|[;,]| as ))",
    re.M,
)


def python_files() -> list[Path]:
    """Every .py of the checkout but this one (its examples below are bare on purpose)."""
    skip = {".venv", ".git", "__pycache__", "build", "dist"}
    here = Path(__file__).resolve()
    return sorted(
        p
        for p in REPO.rglob("*.py")
        if not skip & set(p.relative_to(REPO).parts) and p.resolve() != here
    )


def is_module(folder: str, name: str) -> bool:
    base = REPO / folder
    return (base / f"{name}.py").is_file() or (base / name).is_dir()


def bare_names(source: str, where: str) -> list[str]:
    tree = ast.parse(source, filename=where)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [
                f"{m[1]}.{m[2]}"
                for m in MODULE_IN_STRING.finditer(node.value)
                if is_module(m[1], m[2])
            ]
            names += [m[1] or m[3] for m in CODE_IN_STRING.finditer(node.value)]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[0] in FOLDERS]
    return [f"{where}:{line}: {name}" for line, name in sorted(found)]


def test_the_scan_sees_what_it_looks_for() -> None:
    sample = (
        "import models.db\nfrom flows.cycle import issue_cycle\n"
        "x = __import__('deployments.sweep')\ncode = 'import sys; from portal import app'\n"
        "css, log = 'portal.css', 'portal.log'\nfrom kontrol.roadmap import schedule\n"
    )
    assert bare_names(sample, "sample.py") == [
        "sample.py:1: models.db",
        "sample.py:2: flows.cycle",
        "sample.py:3: deployments.sweep",
        "sample.py:4: portal",
    ]


def test_no_module_imports_the_repository_folders_by_their_bare_names() -> None:
    found = [
        line
        for path in python_files()
        for line in bare_names(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    ]
    assert found == [], "import these through kontrol.*:\n" + "\n".join(found)
