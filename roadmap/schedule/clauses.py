"""The clauses of a phase: what each piece of a schedule phrase says, as a typed value.

The transformer (:mod:`.transform`) turns the parse tree into these, one per clause as
written, and the combination (:mod:`.combine`) gives a phase's clauses together their meaning:
a clause alone is often not enough («IV квартал» is a yearly window until «2021 г.» follows).
"""

from __future__ import annotations

from dataclasses import dataclass

from kontrol.roadmap.schedule.model import Deadline, EventTerm, Flag, Window

__all__ = [
    "BeforeAndDuring",
    "Clause",
    "Dated",
    "Due",
    "OnDemand",
    "OnEvent",
    "Ongoing",
    "Part",
    "PhaseClauses",
    "Recur",
    "Remark",
    "Span",
    "Weekday",
    "Year",
]


@dataclass(frozen=True)
class Recur:
    """«ежеквартально», «не реже 1 раза в 3 года»: ``frequency`` every ``interval`` units."""

    frequency: str
    interval: int = 1


@dataclass(frozen=True)
class Part:
    """A part of a year without a year of its own: «в IV квартале», «в течение года»."""

    window: Window


@dataclass(frozen=True)
class Dated:
    """A part of a given year: «IV квартал 2021 г.»."""

    window: Window
    year: int


@dataclass(frozen=True)
class Year:
    """A year alone: «2021 г.» (a period, or the year of the clause before)."""

    year: int


@dataclass(frozen=True)
class Span:
    """Years from ``first`` to ``last``, either open: «2021-2024 гг.», «с 2022 г.»."""

    first: int | None
    last: int | None


@dataclass(frozen=True)
class Due:
    """A deadline: «до 1 марта», «до 10 числа месяца, следующего за отчетным».

    ``implies`` is the recurrence a deadline counted from a period names when the phrase has no
    recurrence word: «… следующего за отчетным кварталом» is quarterly.
    """

    deadline: Deadline
    implies: str | None = None


@dataclass(frozen=True)
class Weekday:
    """«по пятницам», «среды текущей недели»: weekly, due that day (0 Monday … 6 Sunday)."""

    day: int


@dataclass(frozen=True)
class BeforeAndDuring:
    """«до и в течение купального сезона»: two obligations, before the season and during it."""

    season: str


@dataclass(frozen=True)
class Remark:
    """Words that are no date but are kept: «по отдельному плану»."""

    flag: Flag


@dataclass(frozen=True)
class OnDemand:
    """«по мере необходимости», «по запросу»: ``words`` as written."""

    words: str


@dataclass(frozen=True)
class OnEvent:
    """A term counted from an event: «в течение 5 рабочих дней после поступления запроса»."""

    term: EventTerm


@dataclass(frozen=True)
class Ongoing:
    """«постоянно», «на постоянной основе»."""


Clause = (
    Recur
    | Part
    | Dated
    | Year
    | Span
    | Due
    | Remark
    | OnDemand
    | OnEvent
    | Ongoing
    | Weekday
    | BeforeAndDuring
)


@dataclass(frozen=True)
class PhaseClauses:
    """One phase as written: its label (None without one), its clauses in order, and where
    it starts in the phrase."""

    label: str | None
    clauses: tuple[Clause, ...]
    start: int
