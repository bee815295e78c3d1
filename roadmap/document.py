"""The parsed decree: what a roadmap document says, independent of its file format.

Both readers (plain text like the seed, and ``.docx``) produce a ``RoadmapDocument``; nothing
here knows about databases or Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

ItemKind = Literal["section", "activity"]


@dataclass(frozen=True)
class SourceItem:
    """One numbered row of the plan table.

    ``number`` is normalised («3.2.» and «3.2» are both «3.2»); ``lines`` are 1-based line
    numbers in a text file, or 1-based row numbers of the plan table in a ``.docx``.
    """

    number: str
    kind: ItemKind
    title: str
    schedule_text: str
    executors_text: str
    lines: tuple[int, ...]
    parent: str | None = None


@dataclass(frozen=True)
class Curator:
    """A unit of point 2 of the decree with the person in parentheses."""

    unit: str
    person: str | None = None


@dataclass(frozen=True)
class Controller:
    """The official who keeps control (point 4 and the signature)."""

    position: str
    person: str | None = None


@dataclass(frozen=True)
class RoadmapDocument:
    source_name: str
    sha256: str
    encoding: str
    kind: str  # «распоряжение», «приказ», «постановление» …
    number: str  # «1302-б»
    adopted_on: date
    authority: str
    title: str
    horizon_year: int | None
    points: tuple[str, ...]
    curators: tuple[Curator, ...]
    controller: Controller | None
    plan_title: str
    items: tuple[SourceItem, ...]
    warnings: tuple[str, ...] = field(default=())
    # why the file looks cut off, as one line naming the file and the last complete item
    # (also the first of ``warnings``); an error under --strict
    truncation: str | None = None

    @property
    def activities(self) -> tuple[SourceItem, ...]:
        return tuple(i for i in self.items if i.kind == "activity")

    @property
    def sections(self) -> tuple[SourceItem, ...]:
        return tuple(i for i in self.items if i.kind == "section")
