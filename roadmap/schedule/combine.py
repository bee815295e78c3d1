"""Clauses → ``Phase``: what one phase's clauses mean together (see docs/schedule.md).

The clauses are gathered in order, since a clause may complete the one before it («IV
квартал» then «2021 г.»; «до 1 марта» then «2021 г.»; «2021-2022» then «учебный год»), and
then combined: a recurrence, an ongoing duty, one-off periods, an event-relative term or work
on demand.  A combination that means nothing possible raises ``ScheduleValueError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import TypedDict, assert_never

from kontrol.roadmap.errors import ScheduleValueError
from kontrol.roadmap.schedule.clauses import (
    BeforeAndDuring,
    Clause,
    Dated,
    Due,
    OnDemand,
    OnEvent,
    Ongoing,
    Part,
    PhaseClauses,
    Recur,
    Remark,
    Span,
    Weekday,
    Year,
)
from kontrol.roadmap.schedule.model import (
    WHOLE_YEAR,
    DatedPeriod,
    Deadline,
    EventTerm,
    Flag,
    Kind,
    Phase,
    Window,
)
from kontrol.roadmap.schedule.vocabulary import check_day

__all__ = ["combine"]

_NARROWABLE = ("yearly", "every_n_years")  # frequencies a part of the year may narrow


class _Common(TypedDict):
    """What every phase keeps whatever its kind."""

    label: str | None
    flags: tuple[Flag, ...]
    text: str


def combine(phase: PhaseClauses, text: str) -> Phase:
    """One phase's meaning from its clauses; ``text`` is the phase's part of the phrase."""
    found = _Gathered()
    for clause in phase.clauses:
        found.add(clause)
    return found.phase(phase.label, text)


@dataclass
class _Gathered:
    """A phase's clauses gathered in order, each completing the one before where it can."""

    recur: set[Recur] = field(default_factory=set)
    pending: list[Window] = field(default_factory=list)  # parts of a year not yet given one
    pairs: list[tuple[Window, int]] = field(default_factory=list)  # parts of a given year
    years: list[int] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    on_demand: list[str] = field(default_factory=list)
    events: list[EventTerm] = field(default_factory=list)
    ongoing: bool = False
    previous: Clause | None = None
    implied: list[str] = field(default_factory=list)  # recurrences the deadlines name
    weekday: int | None = None
    run: int = 0  # yearless dates just listed, that a year after them completes

    def add(self, clause: Clause) -> None:
        run = 0
        match clause:
            case Recur():
                self.recur.add(clause)
            case Part(window=window):
                self._part(window)
            case Dated(window=window, year=year):
                self.pairs += [_pair(w, year) for w in [*self.pending, window]]
                self.pending = []
            case Year(year=year):
                self._year(year)
            case Span():
                self.spans.append(clause)
            case Due(deadline=deadline, implies=implies):
                if deadline.year is not None and deadline.fixed:
                    self._date_run(deadline.year)  # «14 марта, 11 апреля 2012 года»
                self.deadlines.append(deadline)
                self.implied += [implies] if implies else []
                run = self.run + 1 if deadline.year is None and deadline.fixed else 0
            case Weekday(day=day):
                self.weekday = day
            case Remark(flag=flag):
                self.flags.append(flag)
            case OnDemand(words=words):
                self.on_demand.append(words)
            case OnEvent(term=term):
                self.events.append(term)
            case Ongoing():
                self.ongoing = True
            case BeforeAndDuring():  # split into two phases before (transform)
                raise ScheduleValueError("«до и в течение» needs a phase of its own")
            case _:
                assert_never(clause)
        self.previous = clause
        self.run = run

    def _part(self, window: Window) -> None:
        span = self.previous
        if (
            window.key == "AY"
            and isinstance(span, Span)
            and span.first
            and span.last == span.first + 1
        ):  # «2021-2022 учебный год» is one academic year, not a span
            self.spans.pop()
            self.pairs.append((window, span.first))
        else:
            self.pending.append(window)

    def _date_run(self, year: int) -> None:
        """The yearless dates listed just before take ``year``: «14 марта, 28 марта 2012 г.»."""
        for i in range(len(self.deadlines) - self.run, len(self.deadlines)):
            d = self.deadlines[i]
            check_day(d.day, d.month, year)  # «до 29 февраля 2021 г.»: no such day
            self.deadlines[i] = Deadline(day=d.day, month=d.month, year=year)

    def _year(self, year: int) -> None:
        if self.deadlines and self.deadlines[-1].year is None and isinstance(self.previous, Due):
            last = self.deadlines[-1]  # «до 1 марта, 2021 г.» is «до 1 марта 2021 г.»
            if not last.fixed or last.following_year:
                raise ScheduleValueError("a year cannot follow a relative deadline")
            self.run = max(self.run, 1)
            self._date_run(year)
        elif self.pending:
            self.pairs += [_pair(w, year) for w in self.pending]
            self.pending = []
        else:
            self.years.append(year)

    def bounds(self) -> tuple[int | None, int | None]:
        """The phase's own first and last year: its years, else its span (None: open)."""
        if self.years:
            return min(self.years), max(self.years)
        if self.spans:
            return self.spans[0].first, self.spans[0].last
        return None, None

    def phase(self, label: str | None, text: str) -> Phase:
        daily = self._implied_recurrence()
        if len(self.recur) > 1:
            raise ScheduleValueError("two different recurrences in one phase")
        if len(self.spans) > 1 or (self.spans and self.years):
            raise ScheduleValueError("more than one span of years in one phase")
        flags = [*self.flags, *(Flag("on_demand_note", w) for w in self.on_demand)]
        common = _Common(label=label, flags=tuple(dict.fromkeys(flags)), text=text)
        calendar = bool(self.recur or self.pending or self.pairs or self.deadlines or self.ongoing)
        if self.events:
            return self._event_phase(calendar, common)
        if self.on_demand and not (calendar or self.years or self.spans):
            return Phase(kind=Kind.ON_DEMAND, own_period=False, **common)
        if daily and not calendar:
            self.ongoing = True  # «ежедневно»: ongoing work, reported at the ongoing cadence
        found = self._calendar_phase(common)
        return replace(found, frequency="daily") if daily and found.kind is Kind.ONGOING else found

    def _implied_recurrence(self) -> bool:
        """The recurrence a phrase implies without naming it; True for «ежедневно».

        «ежедневно» is no calendar period (an assignment every working day would be noise): it
        is dropped and kept as a flag.  A weekday implies weekly, a deadline after a reporting
        period its period («… следующего за отчетным кварталом»: quarterly).
        """
        daily = Recur("daily") in self.recur
        if daily:
            self.recur.discard(Recur("daily"))
            self.flags.append(Flag("daily", "ежедневно"))
        if not self.recur and self.weekday is not None:
            self.recur.add(Recur("weekly"))
        elif not self.recur and self.implied and not self.ongoing:
            self.recur.add(Recur(self.implied[0]))
        return daily

    def _event_phase(self, calendar: bool, common: _Common) -> Phase:
        """An event-relative phase: one event, optionally bounded by years; no calendar period."""
        if len(self.events) > 1:
            raise ScheduleValueError("two event-relative terms in one phase")
        if calendar:
            raise ScheduleValueError("an event-relative term and a calendar period in one phase")
        y_from, y_to = self.bounds()
        return Phase(
            kind=Kind.ON_EVENT,
            event=self.events[0],
            year_from=y_from,
            year_to=y_to,
            own_period=False,
            **common,
        )

    def _calendar_phase(self, common: _Common) -> Phase:
        """A recurring, ongoing or one-off phase."""
        dated_dl = [d for d in self.deadlines if d.year is not None]
        yearly_dl = tuple(d for d in self.deadlines if d.year is None)
        own = bool(self.spans or self.years or self.pairs or dated_dl)
        if (
            self.recur
            or (self.pending and not self.pairs)
            or (yearly_dl and not self.pairs and not dated_dl)
        ):
            return self._recurring(yearly_dl, dated_dl, own, common)
        if self.ongoing or (self.spans and not self.pairs and not self.deadlines):
            if self.pairs or self.deadlines or any(w != WHOLE_YEAR for w in self.pending):
                raise ScheduleValueError("«постоянно» with a single period in one phase")
            y_from, y_to = self.bounds()
            return Phase(
                kind=Kind.ONGOING, year_from=y_from, year_to=y_to, own_period=own, **common
            )
        if self.spans or yearly_dl:
            raise ScheduleValueError(
                "a single period together with a span of years or a yearly date"
            )
        return self._once(dated_dl, common)

    def _recurring(
        self, yearly_dl: tuple[Deadline, ...], dated_dl: list[Deadline], own: bool, common: _Common
    ) -> Phase:
        """A recurrence, narrowed to parts of each year; dated parts only bound its years."""
        recur = next(iter(self.recur)) if self.recur else Recur("yearly")
        windows_in = self.pending
        y_from, y_to = self.bounds()
        if self.pairs:
            if self.spans:
                raise ScheduleValueError("a dated period and a span of years in one phase")
            windows_in = [*self.pending, *(w for w, _ in self.pairs)]
            y_from, y_to = min(y for _, y in self.pairs), max(y for _, y in self.pairs)
        if dated_dl:
            raise ScheduleValueError("a dated deadline in a recurring phase")
        windows = tuple(
            dict.fromkeys(w for w in windows_in if w != WHOLE_YEAR or len(windows_in) > 1)
        )
        if windows and recur.frequency not in _NARROWABLE:
            raise ScheduleValueError(
                f"a part of the year cannot narrow a {recur.frequency} recurrence"
            )
        if self.ongoing:
            raise ScheduleValueError("«постоянно» and a recurrence in one phase")
        if self.weekday is not None and recur.frequency != "weekly":
            raise ScheduleValueError(f"a weekday with a {recur.frequency} recurrence")
        if recur.frequency != "monthly":  # «ежеквартально до 5 числа»: of the next month
            yearly_dl = tuple(
                Deadline(day_next_month=d.month_day) if d.month_day else d for d in yearly_dl
            )
        return Phase(
            kind=Kind.RECURRING,
            frequency=recur.frequency,
            interval=recur.interval,
            windows=windows,
            deadlines=yearly_dl,
            year_from=y_from,
            year_to=y_to,
            own_period=own,
            weekday=self.weekday,
            **common,
        )

    def _once(self, dated_dl: list[Deadline], common: _Common) -> Phase:
        """One-off periods: dated parts of years, whole years, dated deadlines; no overlap."""
        periods = [_dated(w, y) for w, y in self.pairs]
        periods += [_dated(WHOLE_YEAR, y) for y in self.years]
        for d in dated_dl:
            due = date(d.year or 0, d.month, d.day)
            periods.append(DatedPeriod(due, due, due.isoformat(), due=due))
        if not periods:  # only flags: work by its own plan, reported at the ongoing cadence
            return Phase(kind=Kind.ONGOING, own_period=False, **common)
        periods.sort(key=lambda p: (p.start, p.end))
        for a, b in pairwise(periods):
            if b.start <= a.end:
                raise ScheduleValueError(f"periods {a.key} and {b.key} overlap")
        return Phase(kind=Kind.ONCE, periods=tuple(periods), own_period=True, **common)


def _pair(w: Window, year: int) -> tuple[Window, int]:
    """A part of a given year; a month range across the New Year does not say which year."""
    if w.end_year_offset and re.fullmatch(r"M\d\d-M\d\d", w.key):
        raise ScheduleValueError(
            f"the months {w.start_month}-{w.end_month} run across the New Year: "
            "name both years («октябрь 2021 г. - март 2022 г.») or none"
        )
    return w, year


def _dated(w: Window, year: int) -> DatedPeriod:
    start, end = w.bounds(year)
    key = str(year) if w == WHOLE_YEAR else f"{year}-{w.key}"
    return DatedPeriod(start, end, key)
