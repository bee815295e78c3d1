"""The event catalogue: the events an obligation can be counted from, and who may report them.

The committee keeps it as a YAML file beside the directory of bodies (``events.yaml``)::

    version: 1
    events:
      - id: contract_signed                      # slug: a-z, 0-9, «_»; unique
        name: Заключение государственного контракта   # the event's name, nominative
        aliases: [заключение контракта]          # other words decrees use, any case or number
        senders: [procurement, edu-orgs]         # who may report it: sender ids and/or body ids
        description: …                           # optional, shown in deployments

A schedule phrase's event words («со дня заключения государственного контракта») are matched
on lemmas against every name and alias, so the case and number in the decree do not matter.
A phrase that names no catalogue event is reported with the closest names — never guessed.
Loading checks what a typo could break and raises ``EventCatalogueError`` with file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process
from yaml.nodes import Node, ScalarNode, SequenceNode

from kontrol.roadmap.errors import RoadmapError
from kontrol.roadmap.lemmas import lemma, lemma_variants
from kontrol.roadmap.yamlfile import NodeReader, compose, read_text

__all__ = [
    "CatalogueEvent",
    "EventCatalogue",
    "EventCatalogueError",
    "EventMatch",
    "load_events",
    "load_events_text",
    "resolve_event",
]

EVENT_KEYS = frozenset({"id", "name", "aliases", "senders", "description"})
TOP_KEYS = frozenset({"version", "events"})
EVENT_ID_RE = re.compile(r"[a-z][a-z0-9_]{0,62}")
SENDER_RE = re.compile(r"[a-z0-9_-]{1,64}")
_WORD_RE = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+(?:-[0-9A-Za-zА-Яа-яЁё]+)*")
_SUGGESTIONS = 3


class EventCatalogueError(RoadmapError):
    """The event catalogue file is invalid."""


@dataclass(frozen=True)
class CatalogueEvent:
    """One event of the catalogue; ``line`` is where it starts in the file (1-based)."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    senders: tuple[str, ...] = ()
    description: str | None = None
    line: int | None = field(default=None, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def prefect_event(self) -> str:
        """The Prefect event name a deployment trigger expects: ``kontrol.event.<id>``."""
        return f"kontrol.event.{self.id}"


@dataclass(frozen=True)
class EventMatch:
    """The catalogue event a phrase names (``event_id``), or None with the closest names."""

    phrase: str
    event_id: str | None
    suggestions: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.event_id is not None


def _key(text: str) -> tuple[str, ...]:
    return tuple(lemma(w) for w in _WORD_RE.findall(text))


@dataclass(frozen=True)
class EventCatalogue:
    """All events of one catalogue file, in file order."""

    source: str
    events: tuple[CatalogueEvent, ...]
    _by_id: dict[str, CatalogueEvent] = field(init=False, repr=False, compare=False)
    _keys: dict[tuple[str, ...], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.events})
        keys: dict[tuple[str, ...], str] = {}
        for event in self.events:
            for name in event.names:
                key = _key(name)
                other = keys.setdefault(key, event.id)
                if key and other != event.id:
                    raise EventCatalogueError(
                        f"event «{event.id}»: the name is also a name of «{other}»",
                        file=self.source,
                        line=event.line,
                        text=name,
                    )
        object.__setattr__(self, "_keys", keys)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._by_id

    def __getitem__(self, event_id: str) -> CatalogueEvent:
        return self._by_id[event_id]

    def __iter__(self) -> Iterator[CatalogueEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def get(self, event_id: str) -> CatalogueEvent | None:
        return self._by_id.get(event_id)


def resolve_event(phrase: str, catalogue: EventCatalogue) -> EventMatch:
    """The event whose name or alias is the whole ``phrase`` on lemmas, or the closest names.

    Each word of the phrase may match any of its possible lemmas (pymorphy's ranking is not
    always right for genitives such as «поступления»), the names' words their first lemma.
    """
    words = _WORD_RE.findall(phrase)
    variants = [lemma_variants(w) for w in words]
    for key, event_id in catalogue._keys.items():
        if len(key) == len(words) and all(k in v for k, v in zip(key, variants, strict=True)):
            return EventMatch(phrase, event_id)
    return EventMatch(phrase, None, _suggest(phrase, catalogue))


def _suggest(phrase: str, catalogue: EventCatalogue) -> tuple[str, ...]:
    choices = list(catalogue._keys)
    query = " ".join(_key(phrase))
    ranked = process.extract(query, [" ".join(k) for k in choices], scorer=fuzz.WRatio, limit=None)
    out: list[str] = []
    for _choice, _score, idx in ranked:
        event = catalogue[catalogue._keys[choices[idx]]]
        label = f"{event.name} ({event.id})"
        if label not in out:
            out.append(label)
        if len(out) == _SUGGESTIONS:
            break
    return tuple(out)


# ── loading ─────────────────────────────────────────────────────────────────────────────────


def load_events(path: Path | str) -> EventCatalogue:
    """Read and validate an event catalogue file."""
    return load_events_text(read_text(path, "event catalogue", EventCatalogueError), str(path))


def load_events_text(text: str, name: str) -> EventCatalogue:
    """Parse and validate a catalogue given as text; ``name`` is used in error messages."""
    return _Loader(name).load(compose(text, name, EventCatalogueError))


class _Loader(NodeReader):
    error = EventCatalogueError

    def string(self, node: Node, what: str) -> str:
        value = self.value(node)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{what} must be a non-empty string", node)
        return " ".join(value.split())

    def strings(self, node: Node, what: str) -> tuple[str, ...]:
        if isinstance(node, ScalarNode) and self.value(node) is None:
            return ()
        if not isinstance(node, SequenceNode):
            raise self.fail(f"{what} must be a list", node)
        return tuple(self.string(item, f"{what} item") for item in node.value)

    def load(self, root: Node | None) -> EventCatalogue:
        if root is None:
            raise EventCatalogueError("the event catalogue is empty", file=self.name)
        top = self.mapping(root, "the event catalogue", TOP_KEYS)
        if "version" not in top:
            raise self.fail("missing «version: 1»", root)
        if self.value(top["version"]) != 1:
            raise self.fail("unsupported version (expected 1)", top["version"])
        node = top.get("events")
        if not isinstance(node, SequenceNode) or not node.value:
            raise self.fail("«events» must be a non-empty list of events", node or root)
        events: list[CatalogueEvent] = []
        seen: dict[str, int | None] = {}
        for event_node in node.value:
            event, id_node = self.event(event_node)
            if event.id in seen:
                raise self.fail(
                    f"duplicate id «{event.id}» (first at line {seen[event.id]})", id_node
                )
            seen[event.id] = event.line
            events.append(event)
        return EventCatalogue(source=self.name, events=tuple(events))

    def event(self, node: Node) -> tuple[CatalogueEvent, Node]:
        f = self.mapping(node, "an event", EVENT_KEYS)
        for required in ("id", "name", "senders"):
            if required not in f:
                raise self.fail(f"an event without «{required}»", node)
        event_id = self.string(f["id"], "id")
        if not EVENT_ID_RE.fullmatch(event_id):
            raise self.fail(
                f"bad event id «{event_id}»: a-z first, then a-z, 0-9, «_»", f["id"], event_id
            )
        what = f"event «{event_id}»"
        senders = self.strings(f["senders"], f"{what}: senders")
        if not senders:
            raise self.fail(f"{what}: name at least one sender (sender or body id)", f["senders"])
        for i, sender in enumerate(senders):
            if not SENDER_RE.fullmatch(sender):
                raise self.fail(
                    f"{what}: bad sender id «{sender}»", f["senders"].value[i], text=sender
                )
        if len(set(senders)) != len(senders):
            raise self.fail(f"{what}: a sender is listed twice", f["senders"])
        event = CatalogueEvent(
            id=event_id,
            name=self.string(f["name"], f"{what}: name"),
            aliases=self.strings(f["aliases"], f"{what}: aliases") if "aliases" in f else (),
            senders=senders,
            description=self.string(f["description"], f"{what}: description")
            if "description" in f
            else None,
            line=node.start_mark.line + 1,
        )
        return event, f["id"]
