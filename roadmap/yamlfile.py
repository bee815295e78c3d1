"""Reading the committee's YAML files (directory, event catalogue) with line numbers.

The files are composed, not loaded, so every error can name the line of the node at fault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode

from kontrol.roadmap.errors import RoadmapError


def read_text(path: Path | str, what: str, error: type[RoadmapError]) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read the {what}: {exc}", file=str(path)) from None


def compose(text: str, name: str, error: type[RoadmapError]) -> Node | None:
    """The node tree of ``text``; a syntax error names the line."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(f"YAML syntax error: {problem}", file=name, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"YAML syntax error: {exc}", file=name) from None


def load(path: Path | str, what: str, error: type[RoadmapError]) -> Any:
    """The data of a YAML file loaded whole (the policy, the calendar overrides); every error
    one line with the file (and the line of a syntax error): a value YAML's own types refuse
    («2025-13-01» is read as a date) too, which was a traceback."""
    text = read_text(path, what, error)
    compose(text, str(path), error)  # the syntax, with its line
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:
        raise error(
            f"the {what} is not valid YAML: {' '.join(str(exc).split())}", file=str(path)
        ) from None


class NodeReader:
    """Base of the loaders: typed access to nodes, every failure with its file and line."""

    error: type[RoadmapError] = RoadmapError

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, message: str, node: Node | None, text: str | None = None) -> RoadmapError:
        line = node.start_mark.line + 1 if node is not None else None
        return self.error(message, file=self.name, line=line, text=text)

    def mapping(self, node: Node, what: str, allowed: frozenset[str]) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.fail(f"{what} must be a mapping", node)
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                raise self.fail(f"{what}: keys must be plain words", key_node)
            if key in out:
                raise self.fail(f"{what}: duplicate key «{key}»", key_node)
            if key not in allowed:
                raise self.fail(
                    f"{what}: unknown key «{key}» (allowed: {', '.join(sorted(allowed))})",
                    key_node,
                )
            out[key] = value_node
        return out

    def value(self, node: Node) -> Any:
        return SafeConstructor().construct_object(node, deep=True)
