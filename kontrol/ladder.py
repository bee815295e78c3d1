"""The escalation ladder as pure decisions: which steps of one assignment are due on a day.

No I/O: the sweep gives the due date in force, the status, the steps already taken for that
due date, the day and the rules, and gets back what to do. Counting is in working days.

Rules (every number from the policy; defaults in brackets):

- ``reminder-N`` for each N of ``policy.reminders`` [5, 1]: on the N-th working day before due.
  A missed reminder is caught up only while the due date has not passed, and only the one
  nearest to the due date is sent (two reminders on one day say the same thing twice); the
  superseded one is never sent later. Never on or before the issue day (the assignment mail
  itself goes out then), nor on the due day or later: a reminder after its moment is stale.
- ``overdue`` (notice to the executor, cc the body it escalates to): when the assignment is
  ``policy.overdue_notice_after`` [1] working days overdue (at least 1: the working day after
  due is the first day of being overdue). The status turns issued → overdue that same day.
- ``curator`` / ``controller``: after ``escalate_curator_after`` [5] / ``escalate_controller_
  after`` [10] working days overdue. Notices and escalations are caught up after missed sweeps
  (they are still true), each once.
- Nothing is sent on a non-working day; a closed (done / cancelled) assignment gets nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from kontrol.roadmap.policy import Policy
from kontrol.roadmap.workcalendar import WorkCalendar

# the rungs in the words of tables (status, the overdue artifact, the report)
STEP_WORDS = {
    "overdue": "уведомление о просрочке",
    "curator": "куратор",
    "controller": "контролёр",
}

OPEN = ("issued", "overdue")
OVERDUE = "overdue"
CURATOR = "curator"
CONTROLLER = "controller"
ESCALATIONS = (CURATOR, CONTROLLER)


def reminder_step(n: int) -> str:
    return f"reminder-{n}"


@dataclass(frozen=True)
class Step:
    """One rung: its name, the working day it falls on and how far that is from due."""

    name: str
    kind: str  # reminder | overdue_notice | escalation
    on: dt.date
    offset: int  # working days before due (reminders) or overdue (the rest)

    @property
    def is_escalation(self) -> bool:
        return self.kind == "escalation"


@dataclass(frozen=True)
class Decision:
    """What one sweep does for one assignment on ``as_of``."""

    steps: tuple[Step, ...]
    becomes_overdue: bool
    days_left: int  # working days from as_of to due (negative once overdue)
    days_overdue: int  # working days past due (0 before)


def ladder(due_on: dt.date, policy: Policy, calendar: WorkCalendar) -> tuple[Step, ...]:
    """Every rung of the ladder for one due date, in the order they fall."""
    steps = [
        Step(reminder_step(n), "reminder", calendar.add_working_days(due_on, -n), n)
        for n in policy.reminders
    ]
    notice = max(policy.overdue_notice_after, 1)
    for name, kind, after in (
        (OVERDUE, "overdue_notice", notice),
        (CURATOR, "escalation", policy.escalate_curator_after),
        (CONTROLLER, "escalation", policy.escalate_controller_after),
    ):
        steps.append(Step(name, kind, calendar.add_working_days(due_on, after), after))
    return tuple(steps)


def check_policy(policy: Policy) -> None:
    """Refuse a ladder whose rungs are out of order (the Policy model checks most of it)."""
    if policy.reminders and min(policy.reminders) <= 0:
        raise ValueError("reminders must be positive working-day counts")
    if not max(policy.overdue_notice_after, 1) <= policy.escalate_curator_after:
        raise ValueError("overdue_notice_after must not exceed escalate_curator_after")
    if not policy.escalate_curator_after < policy.escalate_controller_after:
        raise ValueError("escalate_curator_after must be less than escalate_controller_after")


def decide(
    *,
    due_on: dt.date,
    status: str,
    taken: Collection[str],
    as_of: dt.date,
    issue_on: dt.date | None,
    policy: Policy,
    calendar: WorkCalendar,
) -> Decision:
    """The steps due on ``as_of`` and not yet taken for this due date (``taken``: step names)."""
    days_overdue = max(calendar.working_days_between(due_on, as_of), 0)
    days_left = calendar.working_days_between(as_of, due_on)
    if status not in OPEN or not calendar.is_working_day(as_of):
        return Decision((), False, days_left, days_overdue)
    if issue_on is not None and as_of < issue_on:
        return Decision((), False, days_left, days_overdue)
    rungs = ladder(due_on, policy, calendar)
    chosen: list[Step] = []
    if as_of < due_on and (issue_on is None or as_of > issue_on):
        come = [s for s in rungs if s.kind == "reminder" and s.on <= as_of]
        if come:
            nearest = min(come, key=lambda s: s.offset)
            if nearest.name not in taken:
                chosen.append(nearest)
    if as_of > due_on:
        chosen += [
            s for s in rungs if s.kind != "reminder" and s.on <= as_of and s.name not in taken
        ]
    becomes_overdue = status == "issued" and as_of > due_on
    return Decision(tuple(chosen), becomes_overdue, days_left, days_overdue)


def reached(taken: Collection[str], policy: Policy) -> str | None:
    """The highest rung taken (for tables): controller > curator > overdue > nearest reminder."""
    for name in (CONTROLLER, CURATOR, OVERDUE):
        if name in taken:
            return name
    for n in sorted(policy.reminders):
        if reminder_step(n) in taken:
            return reminder_step(n)
    return None


def first_working_day_of_week(day: dt.date, calendar: WorkCalendar) -> dt.date | None:
    """The first working day of ``day``'s ISO week (None for a week without one)."""
    monday = day - dt.timedelta(days=day.weekday())
    for i in range(7):
        d = monday + dt.timedelta(days=i)
        if calendar.is_working_day(d):
            return d
    return None
