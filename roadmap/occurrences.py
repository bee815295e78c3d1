"""Occurrences: the periods of each phase with their issue and due dates.

The meaning is docs/schedule.md's: due = the period's last day moved to the preceding working day
(policy: following; a rule pack may name another day); issue = the first working day of the
period, never before adoption; occurrences due before adoption are ``before_adoption``.
Dates only — the clock is never read here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as TimeOfDay
from typing import Literal

from kontrol.roadmap.policy import Policy
from kontrol.roadmap.schedule.model import (
    WHOLE_YEAR,
    Deadline,
    Kind,
    Phase,
    Schedule,
    Window,
    month_end,
)
from kontrol.roadmap.seasons import resolve_seasons
from kontrol.roadmap.workcalendar import WorkCalendar

__all__ = [
    "Occurrence",
    "co_executor_due",
    "event_due",
    "event_occurrence",
    "event_term",
    "occurrences",
]

State = Literal["before_adoption", "scheduled"]
_QUARTERS = tuple(Window(f"Q{q}", 3 * q - 2, 1, 3 * q) for q in range(1, 5))
_HALVES = (Window("H1", 1, 1, 6), Window("H2", 7, 1, 12))
_MONTHS = tuple(Window(f"{m:02d}", m, 1, m) for m in range(1, 13))
_CADENCE = {"year": (WHOLE_YEAR,), "half_year": _HALVES, "quarter": _QUARTERS}
_FREQUENCY_WINDOWS = {"quarterly": _QUARTERS, "monthly": _MONTHS, "half_yearly": _HALVES}


@dataclass(frozen=True)
class Occurrence:
    """One period of an obligation; ``key`` is unique per obligation and stable across runs."""

    period_start: date
    period_end: date
    issue_on: date
    due_on: date
    state: State
    key: str
    # the time of day the phrase wrote with its date («1 сентября 10.00 ч.»): shown in the plan,
    # the mail and the .ics; it moves no date and no working-day rule
    time: TimeOfDay | None = None


@dataclass(frozen=True)
class _Raw:
    start: date
    end: date
    key: str
    due: date | None = None  # a due day other than the period's last day
    after: Deadline | None = None  # due a number of (working) days after the period ends


def _day(year: int, month: int, day: int) -> date:
    """The date, with 29 February falling back to the 28th in common years."""
    return date(year, month, min(day, month_end(year, month)))


def _next_month_day(end: date, day: int) -> date:
    y, m = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
    return _day(y, m, day)


def _windowed(windows: tuple[Window, ...], years: range) -> Iterator[_Raw]:
    for y in years:
        for w in windows:
            start, end = w.bounds(y)
            yield _Raw(start, end, str(y) if w == WHOLE_YEAR else f"{y}-{w.key}")


def _weeks(first: int, last: int, weekday: int | None) -> Iterator[_Raw]:
    """ISO weeks; due on ``weekday`` of each week when the phrase names one («по пятницам»)."""
    jan1 = date(first, 1, 1)
    monday = jan1 - timedelta(days=jan1.weekday())
    while monday <= date(last, 12, 31):
        iso = monday.isocalendar()
        due = None if weekday is None else monday + timedelta(days=weekday)
        yield _Raw(monday, monday + timedelta(days=6), f"{iso.year}-W{iso.week:02d}", due)
        monday += timedelta(days=7)


def _deadline_raws(deadlines: tuple[Deadline, ...], years: range, lead: int) -> Iterator[_Raw]:
    for y in years:
        for d in deadlines:
            if d.following_year:  # the reporting year is the period, due in the next year
                yield _Raw(date(y, 1, 1), date(y, 12, 31), str(y), _day(y + 1, d.month, d.day))
                continue
            due = _day(y, d.month, d.day)
            yield _Raw(due - timedelta(days=lead), due, due.isoformat(), due)


def _raw_periods(phase: Phase, first: int, last: int, policy: Policy) -> list[_Raw]:
    """The phase's periods before clipping, in order."""
    if phase.kind is Kind.ONCE:
        lead = policy.deadline_lead_days
        return [
            _Raw(p.due - timedelta(days=lead), p.end, p.key, p.due)
            if p.due
            else _Raw(p.start, p.end, p.key)
            for p in phase.periods
        ]
    if phase.kind is Kind.ONGOING:
        return _ongoing_periods(range(first, last + 1), policy)
    if phase.kind is Kind.RECURRING:
        return _recurring_periods(phase, first, last, policy)
    return []


def _ongoing_periods(years: range, policy: Policy) -> list[_Raw]:
    """The policy's cadence; a rule pack may name the report's due day."""
    pack = policy.rule_pack
    raws = list(_windowed(_CADENCE[policy.ongoing_cadence], years))
    if pack and policy.ongoing_cadence == "year" and pack.ongoing_due_month:
        return [
            _Raw(
                r.start,
                r.end,
                r.key,
                _day(r.end.year + 1, pack.ongoing_due_month, pack.ongoing_due_day or 1),
            )
            for r in raws
        ]
    if pack and policy.ongoing_cadence != "year" and pack.report_due_day_next_month:
        return [
            _Raw(r.start, r.end, r.key, _next_month_day(r.end, pack.report_due_day_next_month))
            for r in raws
        ]
    return raws


def _recurring_periods(phase: Phase, first: int, last: int, policy: Policy) -> list[_Raw]:
    """Weeks, or parts of each year (every n-th year), or the days of fixed deadlines."""
    freq = phase.frequency
    years = range(first, last + 1, phase.interval if freq == "every_n_years" else 1)
    fixed = tuple(d for d in phase.deadlines if d.fixed)
    if freq == "weekly":
        raws = list(_weeks(first, last, phase.weekday))
    elif fixed and not phase.windows:
        return list(_deadline_raws(fixed, years, policy.deadline_lead_days))
    else:
        windows = phase.windows or _FREQUENCY_WINDOWS.get(freq or "", (WHOLE_YEAR,))
        raws = list(_windowed(windows, years))
    if fixed:  # a part of the year with its own due day: that day on or after the period start
        return [_Raw(r.start, r.end, r.key, _due_after_start(r, fixed[0])) for r in raws]
    return _counted_due(raws, phase, policy)


def _counted_due(raws: list[_Raw], phase: Phase, policy: Policy) -> list[_Raw]:
    """A due day counted from each period: a day of its month, of the next month, or days
    after its end; else a rule pack's report day, else the period's last day."""
    own = next((d.month_day for d in phase.deadlines if d.month_day), None)
    if own:  # «до 25 числа каждого месяца»: that day of the period's (last) month
        return [_Raw(r.start, r.end, r.key, _day(r.end.year, r.end.month, own)) for r in raws]
    after = next((d for d in phase.deadlines if d.after_period), None)
    if after:  # «на 35-й рабочий день после отчетного периода»: counted on the calendar
        return [_Raw(r.start, r.end, r.key, after=after) for r in raws]
    freq = phase.frequency
    pack = policy.rule_pack
    relative = next((d.day_next_month for d in phase.deadlines if d.day_next_month), None)
    day = relative or (
        pack.report_due_day_next_month
        if pack and freq in ("monthly", "quarterly", "half_yearly")
        else None
    )
    if day:
        return [_Raw(r.start, r.end, r.key, _next_month_day(r.end, day)) for r in raws]
    return raws


def _due_after_start(raw: _Raw, deadline: Deadline) -> date:
    """The deadline's day in the period's last year, or the next year if that is too early."""
    due = _day(raw.end.year, deadline.month, deadline.day)
    if due < raw.start:
        due = _day(raw.end.year + 1, deadline.month, deadline.day)
    return due


def _after(end: date, deadline: Deadline, policy: Policy, calendar: WorkCalendar) -> date:
    """N working days after the period's end, or N calendar days (moved off a day off)."""
    n = deadline.after_period or 0
    if deadline.after_unit == "working_days":
        return calendar.add_working_days(end, n)
    return _due(end + timedelta(days=n), policy, calendar)


def _due(d: date, policy: Policy, calendar: WorkCalendar) -> date:
    if policy.nonworking_due == "following":
        return calendar.first_working_day_on_or_after(d)
    return calendar.last_working_day_on_or_before(d)


def occurrences(
    schedule: Schedule,
    *,
    adopted: date,
    horizon_year: int,
    policy: Policy,
    calendar: WorkCalendar,
) -> list[tuple[Phase, list[Occurrence]]]:
    """Each phase with its occurrences, phases in order.

    A phase with no period of its own starts the day after the previous phase's last period
    ends; without bounds a phase runs from the adoption year to the horizon year.
    """
    horizon = date(horizon_year, 12, 31)
    result: list[tuple[Phase, list[Occurrence]]] = []
    prev_end: date | None = None
    for written in schedule.phases:
        phase = resolve_seasons(written, policy)  # a season's dates are the policy's
        floor = None if phase.own_period or prev_end is None else prev_end + timedelta(days=1)
        first = phase.year_from or max(adopted.year, floor.year if floor else adopted.year)
        last = phase.year_to or horizon_year
        occs: list[Occurrence] = []
        seen: set[str] = set()
        for raw in _raw_periods(phase, first, last, policy):
            if floor and raw.end < floor:
                continue
            start = max(raw.start, floor) if floor else raw.start
            if start > horizon:
                continue
            due = (
                _due(raw.due or raw.end, policy, calendar)
                if raw.after is None
                else (_after(raw.end, raw.after, policy, calendar))
            )
            state: State = "before_adoption" if due < adopted else "scheduled"
            issue_from = start
            if state == "scheduled":
                issue_from = max(start, adopted)
                if raw.end >= adopted:  # a period running at adoption is clipped to start at A
                    start = issue_from
                # a period that ended before A but is due after it (a rule pack's report day)
                # keeps its dates and is issued at once: catch-up, never skipped
            issue = min(calendar.first_working_day_on_or_after(issue_from), due)
            key = raw.key
            while key in seen:
                key += "+"
            seen.add(key)
            occs.append(Occurrence(start, raw.end, issue, due, state, key, phase.time))
        # only a phase with a period of its own can be «the previous phase's period»
        if phase.own_period and occs:
            prev_end = max(o.period_end for o in occs)
        elif phase.own_period and phase.periods:
            prev_end = max(p.end for p in phase.periods)
        else:
            prev_end = None
        result.append((written, occs))
    return result


def co_executor_due(due: date, policy: Policy, calendar: WorkCalendar) -> date:
    """Co-executors are due ``policy.co_executor_lead`` working days before the lead body."""
    return calendar.add_working_days(due, -policy.co_executor_lead)


def event_term(phase: Phase, policy: Policy) -> tuple[int, str, bool]:
    """The term of an event-relative phase: (offset, unit, whether the policy's default)."""
    term = phase.event
    if term is None:
        raise ValueError("not an event-relative phase")
    if term.offset is None:
        return policy.event_default_offset_days, policy.event_default_unit, True
    return term.offset, term.unit or "days", False


def event_due(
    event_day: date, offset: int, unit: str, policy: Policy, calendar: WorkCalendar
) -> date:
    """The due date ``offset`` days after the event (the event's day is not counted).

    Working days are counted on the production calendar; calendar days end on a day moved by
    the policy's non-working-day rule.  Never before the event's own (first working) day.
    """
    floor = calendar.first_working_day_on_or_after(event_day)
    if unit == "months":  # «в течение 2 месяцев после …»: the same day that many months on
        y, m = divmod(event_day.month - 1 + offset, 12)
        end = _day(event_day.year + y, m + 1, event_day.day)
        return max(_due(end, policy, calendar), floor)
    if unit == "working_days":
        return calendar.add_working_days(event_day, offset) if offset else floor
    return max(_due(event_day + timedelta(days=offset), policy, calendar), floor)


def event_occurrence(
    phase: Phase, *, event_day: date, key: str, policy: Policy, calendar: WorkCalendar
) -> Occurrence:
    """The occurrence an event starts: from the event's day to its due date, issued at once."""
    offset, unit, _default = event_term(phase, policy)
    due = event_due(event_day, offset, unit, policy, calendar)
    issue = min(calendar.first_working_day_on_or_after(event_day), due)
    return Occurrence(event_day, due, issue, due, "scheduled", key)
