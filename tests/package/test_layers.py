"""The layers of the code, read from its imports: each layer imports only itself and below.

    kontrol.roadmap                 pure parsing and scheduling (no database, no clock)
    kontrol.models                  the database: typed ORM models and migrations
    kontrol.*  (services)           issuing, sweep, mail, events, reports … (the folder kontrol/)
    flows, tasks, deployments,      Prefect and the web: what runs the services
    portal
    kontrol.cli                     the command line, above everything

Every import counts, also one inside a function or under ``TYPE_CHECKING``: a lazy import is
still a dependency. No module may sit in an import cycle, and nothing loads modules by name but
the command line's lazily loaded group, which lets an import error propagate.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

LAYERS = {
    "kontrol.roadmap": 0,
    "kontrol.models": 1,
    "kontrol": 2,
    "kontrol.flows": 3,
    "kontrol.tasks": 3,
    "kontrol.deployments": 3,
    "kontrol.portal": 3,
    "kontrol.cli": 4,
    "kontrol.__main__": 4,
}
LAYER_NAMES = ["roadmap", "models", "services", "flows/tasks/deployments/portal", "cli"]
DYNAMIC_IMPORTERS = {"kontrol.cli.main"}  # load_command: lets ImportError propagate


def packages() -> dict[str, Path]:
    """Package name → folder, as pyproject.toml maps the repository's folders."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    folders = project["tool"]["setuptools"]["package-dir"]
    return {"kontrol": REPO / "kontrol", **{name: REPO / path for name, path in folders.items()}}


def modules() -> dict[str, Path]:
    """Every module of the product (generated migrations aside) by its installed name."""
    found: dict[str, Path] = {}
    for package, folder in packages().items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if "versions" in parts or "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join((package, *parts))
            found.setdefault(name, path)  # kontrol/ itself does not hold the mapped packages
    return found


def layer(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[Import]:
    """The product modules ``name`` imports (``from a import b`` is ``a.b`` when that is one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:  # «import kontrol.models.db» is that module
                target = target.rpartition(".")[0]
            if target and target != name:
                yield Import(name, target, node.lineno)


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Import]]:
    known = modules()
    return {name: list(imports_of(name, path, known)) for name, path in known.items()}


def test_every_module_is_in_a_layer_and_the_layers_are_all_there() -> None:
    names = modules()
    assert {layer(n) for n in names} == set(range(len(LAYER_NAMES)))
    assert "kontrol.cli.main" in names and "kontrol.roadmap.schedule" in names


def test_no_module_imports_a_layer_above_its_own(graph: dict[str, list[Import]]) -> None:
    upward = [
        f"{modules()[i.source].relative_to(REPO)}:{i.line}: {i.source} "
        f"({LAYER_NAMES[layer(i.source)]}) imports {i.target} ({LAYER_NAMES[layer(i.target)]})"
        for imports in graph.values()
        for i in imports
        if layer(i.target) > layer(i.source)
    ]
    assert upward == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles(graph: dict[str, list[Import]]) -> None:
    edges = {name: {i.target for i in imports} for name, imports in graph.items()}
    assert cycles(edges) == []


def test_nothing_is_loaded_by_name_but_the_command_line_s_commands() -> None:
    loaders = set()
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name | ast.Attribute):
                words = {node.id if isinstance(node, ast.Name) else node.attr}
            elif isinstance(node, ast.ImportFrom):  # «from importlib import import_module as im»
                words = {a.name for a in node.names}
            else:
                continue
            if words & {"__import__", "import_module"}:
                loaders.add(name)
    assert loaders == DYNAMIC_IMPORTERS
