"""The typed meaning of a schedule phrase: phases, recurrence, windows, bounds, flags.

A ``Window`` is a part of a year named without a year («январь», «4 квартал», «с 1 июня по 1
сентября», «учебный год»); a ``DatedPeriod`` is an explicit period of a one-off phase.  The
occurrence generator turns these into dates; nothing here knows about working days.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from datetime import time as TimeOfDay
from enum import StrEnum

__all__ = [
    "FREQUENCIES",
    "DatedPeriod",
    "Deadline",
    "EventTerm",
    "Flag",
    "Kind",
    "Phase",
    "Schedule",
    "Window",
]


class Kind(StrEnum):
    ONCE = "once"
    RECURRING = "recurring"
    ONGOING = "ongoing"
    ON_DEMAND = "on_demand"
    ON_EVENT = "on_event"


# every ``Phase.frequency`` the parser can give: what shows it (deployment tags, mails) must
# have a word for each (tests/roadmap/test_frequencies.py holds both)
FREQUENCIES = (
    "yearly",
    "half_yearly",
    "quarterly",
    "monthly",
    "weekly",
    "daily",
    "every_n_years",
)


def month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@dataclass(frozen=True)
class Window:
    """A part of a calendar year, from (month, day) to (month, day) ``end_year_offset`` later.

    ``day`` 0 at the end means «the last day of that month».  ``key`` names the window in
    occurrence keys («Q4», «H1», «01», «M09-M10», «AY», «D0601-0901»).  A ``season`` window
    («в течение купального сезона») takes its dates from the policy when it is expanded.
    """

    key: str
    start_month: int
    start_day: int
    end_month: int
    end_day: int = 0
    end_year_offset: int = 0
    season: str | None = None  # a season of the policy («swimming»): dates resolved from it

    def bounds(self, year: int) -> tuple[date, date]:
        """The window's first and last day when it starts in ``year``."""
        end_year = year + self.end_year_offset
        start_day = min(self.start_day, month_end(year, self.start_month))
        last = month_end(end_year, self.end_month)
        end_day = last if self.end_day == 0 else min(self.end_day, last)
        return date(year, self.start_month, start_day), date(end_year, self.end_month, end_day)


WHOLE_YEAR = Window("Y", 1, 1, 12)


@dataclass(frozen=True)
class Deadline:
    """A due day: fixed («до 1 марта», with or without a year) or relative to the period.

    Relative («до 10 числа месяца, следующего за отчетным»): ``day_next_month`` is set and the
    due date is that day of the month after each period's end.  «до 20 января года,
    следующего за отчетным»: ``following_year`` — each calendar year is the period and the
    due date is that day of the next year.
    """

    day: int = 0
    month: int = 0
    year: int | None = None
    day_next_month: int | None = None
    following_year: bool = False  # «… года, следующего за отчетным»: the year is the period
    month_day: int | None = None  # «до 25 числа каждого месяца»: that day of the period's month
    after_period: int | None = None  # «на 35-й рабочий день после отчетного периода»
    after_unit: str = "days"  # "days" or "working_days", of ``after_period``
    season: str | None = None  # «до начала купального сезона»: the day before it starts

    @property
    def fixed(self) -> bool:
        """A day and month of the year («до 1 марта»), not one counted from the period."""
        return (
            self.day_next_month is None
            and self.month_day is None
            and self.after_period is None
            and self.season is None
        )


@dataclass(frozen=True)
class DatedPeriod:
    """One explicit period of a one-off phase; ``due`` overrides the period end (deadlines)."""

    start: date
    end: date
    key: str
    due: date | None = None


@dataclass(frozen=True)
class Flag:
    """A remark kept on the obligation and shown in e-mails; it does not move dates."""

    kind: str  # "separate_plan", "on_demand_note"
    words: str  # the words as written in the phrase


@dataclass(frozen=True)
class EventTerm:
    """A term counted from an event: «в течение 5 рабочих дней после поступления запроса».

    ``event`` is the event's words as written («поступления запроса»), resolved against the
    committee's event catalogue at import.  ``offset``/``unit`` are None when the phrase names
    no term («по факту …», «по мере поступления …», «после …»): the policy's default applies.
    ``unit`` is "days" (calendar days) or "working_days".
    """

    event: str
    offset: int | None = None
    unit: str | None = None
    words: str = ""


@dataclass(frozen=True)
class Phase:
    """One obligation of an activity.

    ``frequency``: "yearly", "half_yearly", "quarterly", "monthly", "weekly", "every_n_years"
    (RECURRING), "daily" (ONGOING: reported at the ongoing cadence, flagged) or None.
    ``interval`` is the n of «не реже 1 раза в n лет».  ``windows`` narrow
    a yearly recurrence to parts of each year (empty: the whole unit of the frequency).
    ``year_from``/``year_to`` are the phrase's own bounds (None: from adoption / to horizon).
    ``periods`` are the explicit periods of a ONCE phase; ``event`` the term of an ON_EVENT
    one.  ``own_period`` is False when the
    phase names no period or years of its own, so it starts after the previous phase ends.
    """

    label: str | None
    kind: Kind
    frequency: str | None = None
    interval: int = 1
    windows: tuple[Window, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    periods: tuple[DatedPeriod, ...] = ()
    flags: tuple[Flag, ...] = ()
    own_period: bool = True
    text: str = ""
    event: EventTerm | None = None  # ON_EVENT: the event and the term counted from it
    time: TimeOfDay | None = None  # a time of day written with the date; kept, moves no date
    weekday: int | None = None  # weekly: the day of each week it is due (0 Monday … 6 Sunday)

    @property
    def qualifier(self) -> str | None:
        """The windows' keys joined, e.g. «01» or «Q4», for display."""
        return ",".join(w.key for w in self.windows) or None


@dataclass(frozen=True)
class Schedule:
    """The parsed phrase: its phases in order (one per obligation)."""

    phrase: str
    phases: tuple[Phase, ...]
