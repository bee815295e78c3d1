"""The directory of bodies: who can be responsible, how to reach them, whom they escalate to.

The committee keeps it as a YAML file under version control (documented in docs/directory.md)::

    version: 1
    bodies:
      - id: dept-general                   # slug: a-z, 0-9, «_», «-»; unique
        name: Отдел общего и дополнительного образования   # full name, nominative
        short_name: Отдел общего образования                # optional
        aliases: [ООиДО]                   # other names as decrees write them, any case
        kind: unit                         # one of KINDS
        emails: [general@edu.lenobl.example]
        escalates_to: deputy-chair         # a body id (not a group), or null: top of the ladder
        example: false                     # true: a made-up entry, not a real body
        role: curator                      # optional: curator | controller
        person: Винокуров М.В.             # optional: the person named in the decree
      - id: schools
        name: общеобразовательные организации
        kind: group
        members: [school-1, school-2]      # ids; members may be groups (expanded to leaves)

Loading checks everything a typo could break (syntax, unknown keys, duplicate or malformed ids,
unknown references, cycles, bad e-mail addresses) and raises ``DirectoryError`` naming the file
and the line, because the file is edited by hand and a wrong directory means lost e-mails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import Node, ScalarNode, SequenceNode

from kontrol.roadmap.errors import DirectoryError
from kontrol.roadmap.yamlfile import NodeReader, compose, read_text

KINDS = frozenset(
    {
        "committee",
        "unit",
        "official",
        "institute",
        "college",
        "school",
        "university",
        "municipal_authority",
        "organisation",
        "employer",
        "media",
        "group",
    }
)
ROLES = frozenset({"curator", "controller"})
BODY_KEYS = frozenset(
    {
        "id",
        "name",
        "short_name",
        "aliases",
        "kind",
        "emails",
        "escalates_to",
        "members",
        "example",
        "role",
        "person",
    }
)
TOP_KEYS = frozenset({"version", "bodies"})
ID_RE = re.compile(r"[a-z0-9_-]+")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


@dataclass(frozen=True)
class Body:
    """One body of the directory; ``line`` is where it starts in the file (1-based)."""

    id: str
    name: str
    kind: str
    short_name: str | None = None
    aliases: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    escalates_to: str | None = None
    members: tuple[str, ...] = ()
    example: bool = False
    role: str | None = None
    person: str | None = None
    line: int | None = field(default=None, compare=False)

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the body may appear under: name, short name, aliases."""
        short = (self.short_name,) if self.short_name else ()
        return (self.name, *short, *self.aliases)


@dataclass(frozen=True)
class Directory:
    """All bodies of one directory file, in file order; ``source`` names the file."""

    source: str
    bodies: tuple[Body, ...]
    _by_id: dict[str, Body] = field(init=False, repr=False, compare=False)
    _cache: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {b.id: b for b in self.bodies})
        object.__setattr__(self, "_cache", {})

    def __contains__(self, body_id: object) -> bool:
        return body_id in self._by_id

    def __getitem__(self, body_id: str) -> Body:
        return self._by_id[body_id]

    def __iter__(self) -> Iterator[Body]:
        return iter(self.bodies)

    def __len__(self) -> int:
        return len(self.bodies)

    def get(self, body_id: str) -> Body | None:
        return self._by_id.get(body_id)

    def expand(self, body_id: str) -> list[str]:
        """Leaf member ids of a group, depth-first in file order, each once; a leaf is itself.

        Cycle-safe even for directories built in code (files with cycles do not load).
        """
        out: list[str] = []
        seen: set[str] = set()

        def walk(bid: str) -> None:
            if bid in seen:
                return
            seen.add(bid)
            body = self._by_id[bid]
            if not body.is_group:
                out.append(bid)
                return
            for member in body.members:
                walk(member)

        walk(body_id)
        return out

    def escalation_chain(self, body_id: str) -> list[str]:
        """The ids a body escalates to, nearest first (cycle-safe)."""
        chain: list[str] = []
        current = self._by_id[body_id].escalates_to
        while current is not None and current not in chain and current != body_id:
            chain.append(current)
            current = self._by_id[current].escalates_to if current in self._by_id else None
        return chain


def load_directory(path: Path) -> Directory:
    """Read and validate a directory file."""
    return load_directory_text(read_text(path, "directory", DirectoryError), str(path))


def load_directory_text(text: str, name: str) -> Directory:
    """Parse and validate a directory given as text; ``name`` is used in error messages."""
    return _Loader(name).load(compose(text, name, DirectoryError))


class _Loader(NodeReader):
    """Turns the composed YAML tree into a Directory, remembering the line of every node."""

    error = DirectoryError

    def string(self, node: Node, what: str, *, optional: bool = False) -> str | None:
        value = self.value(node)
        if value is None and optional:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{what} must be a non-empty string", node)
        return " ".join(value.split())

    def strings(self, node: Node, what: str) -> tuple[str, ...]:
        if isinstance(node, ScalarNode) and self.value(node) is None:
            return ()
        if not isinstance(node, SequenceNode):
            raise self.fail(f"{what} must be a list", node)
        return tuple(self.string(item, f"{what} item") or "" for item in node.value)

    def load(self, root: Node | None) -> Directory:
        if root is None:
            raise DirectoryError("the directory is empty", file=self.name)
        top = self.mapping(root, "the directory", TOP_KEYS)
        if "version" not in top:
            raise self.fail("missing «version: 1»", root)
        if self.value(top["version"]) != 1:
            raise self.fail("unsupported version (expected 1)", top["version"])
        bodies_node = top.get("bodies")
        if not isinstance(bodies_node, SequenceNode):
            raise self.fail("«bodies» must be a list of bodies", bodies_node or root)
        nodes: dict[str, dict[str, Node]] = {}
        bodies: list[Body] = []
        for body_node in bodies_node.value:
            body, fields = self.body(body_node)
            if body.id in nodes:
                first = bodies[[b.id for b in bodies].index(body.id)].line
                raise self.fail(f"duplicate id «{body.id}» (first at line {first})", fields["id"])
            nodes[body.id] = fields
            bodies.append(body)
        directory = Directory(source=self.name, bodies=tuple(bodies))
        self.check_references(directory, nodes)
        return directory

    def body(self, node: Node) -> tuple[Body, dict[str, Node]]:
        f = self.mapping(node, "a body", BODY_KEYS)
        for required in ("id", "name", "kind"):
            if required not in f:
                raise self.fail(f"a body without «{required}»", node)
        body_id = self.string(f["id"], "id") or ""
        if not ID_RE.fullmatch(body_id):
            raise self.fail(
                f"bad id «{body_id}»: use only a-z, 0-9, «_» and «-»", f["id"], text=body_id
            )
        what = f"body «{body_id}»"
        kind = self.string(f["kind"], f"{what}: kind") or ""
        if kind not in KINDS:
            raise self.fail(
                f"{what}: unknown kind «{kind}» (known: {', '.join(sorted(KINDS))})", f["kind"]
            )
        role = self.string(f["role"], f"{what}: role", optional=True) if "role" in f else None
        if role is not None and role not in ROLES:
            raise self.fail(f"{what}: role must be curator or controller, not «{role}»", f["role"])
        example = self.value(f["example"]) if "example" in f else False
        if not isinstance(example, bool):
            raise self.fail(f"{what}: example must be true or false", f["example"])
        emails = self.strings(f["emails"], f"{what}: emails") if "emails" in f else ()
        for i, address in enumerate(emails):
            if not EMAIL_RE.fullmatch(address):
                item = f["emails"].value[i]
                raise self.fail(f"{what}: not a valid e-mail address", item, text=address)
        if len(set(emails)) != len(emails):
            raise self.fail(f"{what}: an e-mail address is listed twice", f["emails"])
        members = self.strings(f["members"], f"{what}: members") if "members" in f else ()
        if kind == "group" and not members:
            raise self.fail(f"{what}: a group needs members", f.get("members", node))
        if kind != "group" and members:
            raise self.fail(f"{what}: only a body of kind «group» has members", f["members"])
        opt = {
            k: self.string(f[k], f"{what}: {k}", optional=True) if k in f else None
            for k in ("short_name", "escalates_to", "person")
        }
        body = Body(
            id=body_id,
            name=self.string(f["name"], f"{what}: name") or "",
            kind=kind,
            short_name=opt["short_name"],
            aliases=self.strings(f["aliases"], f"{what}: aliases") if "aliases" in f else (),
            emails=emails,
            escalates_to=opt["escalates_to"],
            members=members,
            example=example,
            role=role,
            person=opt["person"],
            line=node.start_mark.line + 1,
        )
        return body, f

    def check_references(self, directory: Directory, nodes: dict[str, dict[str, Node]]) -> None:
        for body in directory:
            f = nodes[body.id]
            what = f"body «{body.id}»"
            target = body.escalates_to
            if target is not None:
                if target not in directory:
                    raise self.fail(
                        f"{what}: escalates_to an unknown id «{target}»", f["escalates_to"]
                    )
                if directory[target].is_group:
                    raise self.fail(f"{what}: escalates_to a group «{target}»", f["escalates_to"])
            for i, member in enumerate(body.members):
                if member not in directory:
                    raise self.fail(f"{what}: unknown member «{member}»", f["members"].value[i])
            if len(set(body.members)) != len(body.members):
                raise self.fail(f"{what}: a member is listed twice", f["members"])
        for body in directory:
            self.check_cycle(directory, nodes, body.id, "escalates_to")
            self.check_cycle(directory, nodes, body.id, "members")

    def check_cycle(
        self, directory: Directory, nodes: dict[str, dict[str, Node]], start: str, key: str
    ) -> None:
        """Depth-first search from ``start``; a path back to ``start`` is a cycle."""

        def successors(bid: str) -> tuple[str, ...]:
            body = directory[bid]
            if key == "members":
                return body.members
            return (body.escalates_to,) if body.escalates_to else ()

        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen: set[str] = set()
        while stack:
            bid, path = stack.pop()
            for nxt in successors(bid):
                if nxt == start:
                    cycle = " → ".join([*path, start])
                    word = "escalation" if key == "escalates_to" else "group membership"
                    raise self.fail(f"a cycle in {word}: {cycle}", nodes[start][key])
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
