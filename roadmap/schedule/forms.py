"""The forms of other issuers' plans (issue 18): lists, reporting terms, weekdays, seasons.

A mixin of the clause transformer (:mod:`.transform`), kept apart so each module stays one job:
these are the forms that name several dates at once («5, 12 ноября», «II, IV кв.»), a due day
counted from a reporting period («на 35-й рабочий день после отчетного периода»), a weekday of
each week, and the seasons whose dates the policy holds («до начала купального сезона»).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache

from lark import Token, Transformer, v_args

from kontrol.roadmap.errors import ScheduleValueError
from kontrol.roadmap.schedule.clauses import (
    BeforeAndDuring,
    Dated,
    Due,
    Part,
    PhaseClauses,
    Weekday,
)
from kontrol.roadmap.schedule.model import Deadline, Window, month_end
from kontrol.roadmap.schedule.vocabulary import (
    check_day,
    check_year,
    event_term,
    month_of,
    quarter_window,
    season_of,
    weekday_of,
)
from kontrol.roadmap.workcalendar import WorkCalendar

__all__ = [
    "FormsTransformer",
    "period_term",
    "report_frequency",
    "season_window",
    "split_before_and_during",
]

_REPORT_UNITS = (
    ("квартал", "quarterly"),
    ("полугоди", "half_yearly"),
    ("месяц", "monthly"),
    ("год", "yearly"),
    ("период", "quarterly"),  # «отчетный период» of a plan's reports: its quarter
)
_PERIOD_EVENT = re.compile(r"^(окончани[а-я]*\s+)?(отчетн|истекш)[а-я]*(\s+[а-я]+)?$")


def report_frequency(words: str, default: str) -> str:
    """The recurrence a reporting period names: «отчетным кварталом» → "quarterly"."""
    for stem, frequency in _REPORT_UNITS:
        if re.search(rf"(отчетн|истекш)[а-я]*\s+{stem}", words):
            return frequency
    return default


def period_term(event: str, offset: int | None, unit: str | None) -> Due | None:
    """«N (рабочих) дней после [окончания] отчетного периода» is a deadline after each period."""
    words = event.lower().replace("ё", "е")
    if offset is None or unit not in ("days", "working_days") or not _PERIOD_EVENT.match(words):
        return None
    frequency = report_frequency(words, "quarterly")
    return Due(Deadline(after_period=offset, after_unit=unit), implies=frequency)


def season_window(key: str) -> Window:
    """A season's window; its dates are the policy's, filled in when it is expanded."""
    return Window(f"S-{key}", 1, 1, 12, season=key)


def split_before_and_during(phase: PhaseClauses) -> list[PhaseClauses]:
    """«до и в течение купального сезона»: a phase before the season and one during it."""
    both = next((c for c in phase.clauses if isinstance(c, BeforeAndDuring)), None)
    if both is None:
        return [phase]
    rest = tuple(c for c in phase.clauses if not isinstance(c, BeforeAndDuring))
    before = Due(Deadline(season=both.season), implies="yearly")
    during = Part(season_window(both.season))
    prefix = f"{phase.label}: " if phase.label else ""
    return [
        PhaseClauses(f"{prefix}до начала", (*rest, before), phase.start),
        PhaseClauses(f"{prefix}в течение", (*rest, during), phase.start),
    ]


@cache
def _calendar() -> WorkCalendar:
    return WorkCalendar()


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, month_end(year, month)))


@v_args(inline=True)
class FormsTransformer(Transformer[Token, list[PhaseClauses]]):
    """The rules of the forms above; each returns a clause or a list of clauses.

    The base of the clause transformer: lark applies ``v_args`` only to a class's own methods.
    """

    def quarter_list(self, *args: int | Token) -> list[Window]:
        numbers = [a for a in args if isinstance(a, int)]
        if sorted(set(numbers)) != numbers:
            raise ScheduleValueError("a list of quarters must go forward")
        return [quarter_window(n) for n in numbers]

    def deadline_day(self, day: Token, *_rest: Token) -> Due:
        d = int(day)
        if not 1 <= d <= 28:
            raise ScheduleValueError(f"day {d} is not in every month")
        return Due(Deadline(month_day=d), implies="monthly")

    def days_list(self, *args: Token | int) -> list[Due]:
        year = next((a for a in args if isinstance(a, int)), None)
        tokens = [a for a in args if isinstance(a, Token)]
        month = next(t for t in tokens if t.type == "MONTH")
        m = month_of(str(month))
        days = [int(t) for t in tokens if t.type == "INT"]
        for d in days:
            check_day(d, m, year)
        return [Due(Deadline(day=d, month=m, year=year)) for d in days]

    def weekday(self, w: Token) -> Weekday:
        return Weekday(weekday_of(str(w)))

    def season_before(self, _start: Token, *seasons: Token) -> list[Due]:
        return [Due(Deadline(season=season_of(str(s))), implies="yearly") for s in seasons]

    def season_during(self, *args: Token) -> Part:
        return Part(season_window(season_of(str(args[-1]))))

    def season_both(self, _during: Token, season: Token) -> BeforeAndDuring:
        return BeforeAndDuring(season_of(str(season)))

    def term_after_date(
        self, offset: Token, _anchor: Token, *when: Token | tuple[int, int] | int
    ) -> Dated:
        """«в течение 30 дней после 1 марта 2024 г.»: from that date to the end of the term."""
        n, unit = event_term(offset)
        if isinstance(when[0], tuple):
            (d, m), year = when[0], when[1]
            assert isinstance(year, int)
        else:
            parts = [int(p) for p in str(when[0]).rstrip(".").split(".")]
            if len(parts) < 3:
                raise ScheduleValueError("a term after a date needs the date's year")
            d, m, year = parts[0], parts[1], parts[2] + (2000 if parts[2] < 100 else 0)
        check_day(d, m, check_year(year))
        start = date(year, m, d)
        if unit == "months":
            end = _add_months(start, n)
        elif unit == "working_days":
            end = _calendar().add_working_days(start, n)
        else:
            end = start + timedelta(days=n)
        key = f"D{start:%m%d}-{end:%m%d}"
        return Dated(Window(key, m, d, end.month, end.day, end.year - year), year)
