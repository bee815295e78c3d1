"""The figures of the annual execution report (roadmap item 6.3), computed from the database.

Everything is judged *as of* a date that is passed in, so a report can be rebuilt for any past
day: a completion recorded after ``as_of`` counts as still open, an extension granted after it
is not yet counted. An assignment belongs to the range when it was issued in it (``issue_on``).

Outcomes, against the due date in force (an approved extension moves it):
  done on time — completed on or before the due date;
  done late — completed after it (by N working days of the production calendar);
  open — not completed and not yet due (due on or after ``as_of``);
  overdue — not completed and the due date has passed (N working days overdue);
  cancelled — withdrawn, left out of the discipline figure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from kontrol import standing
from kontrol.errors import KontrolError
from kontrol.models import Assignment, AuditEvent, Item, LadderStep, Obligation, Roadmap
from kontrol.naming import body_label
from kontrol.roadmap.workcalendar import WorkCalendar
from kontrol.standing import local_date

DISCIPLINE_FORMULA = (
    "Исполнительская дисциплина = (исполнено в срок + в работе, срок не наступил) "
    "/ все поручения периода (кроме отменённых) × 100 %"
)
STEP_WORDS = {
    "overdue": "уведомление о просрочке",
    "curator": "доклад куратору",
    "controller": "доклад контролирующему лицу",
    "reminder": "напоминание",
    "overdue_notice": "уведомление о просрочке",
    "overdue_copy": "копия уведомления о просрочке",
    "escalate_curator": "доклад куратору",
    "escalate_controller": "доклад контролирующему лицу",
}
ROLE_WORDS = {"lead": "ответственный", "co_executor": "соисполнитель"}


def step_words(step: str | None) -> str:
    """«reminder-5» → «напоминание (5)»: the ladder's machine names in the report's words."""
    if not step:
        return "—"
    base, _, arg = step.partition("-")
    words = STEP_WORDS.get(step) or STEP_WORDS.get(base)
    if words is None:
        return step
    return f"{words} ({arg})" if arg and step not in STEP_WORDS else words


class NothingIssued(KontrolError):
    """The range holds no assignment: a report of zeros would only mislead."""


@dataclass
class Counts:
    issued: int = 0
    done_on_time: int = 0
    done_late: int = 0
    late_working_days: int = 0  # total over the late ones
    open: int = 0
    overdue: int = 0
    cancelled: int = 0
    extensions: int = 0

    @property
    def counted(self) -> int:
        """The discipline denominator: every assignment of the range but the cancelled ones."""
        return self.issued - self.cancelled

    @property
    def discipline(self) -> float | None:
        """Percent, or None when nothing counts (no assignment, or all cancelled)."""
        if not self.counted:
            return None
        return round((self.done_on_time + self.open) / self.counted * 100, 1)

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "discipline": self.discipline}


@dataclass(frozen=True)
class Row:
    """One line of the per-item or per-body view."""

    key: str  # item number or body id
    name: str
    counts: Counts


@dataclass(frozen=True)
class OverdueRow:
    assignment_id: int
    item: str
    title: str
    body_id: str
    body: str
    role: str
    period: str
    original_due_on: dt.date
    due_on: dt.date
    working_days_overdue: int
    step: str | None  # latest ladder step reached (machine name)

    @property
    def step_words(self) -> str:
        return step_words(self.step)


@dataclass(frozen=True)
class ExecutorReport:
    assignment_id: int
    item: str
    title: str
    body: str
    due_on: dt.date
    completed_on: dt.date
    on_time: bool
    note: str


@dataclass
class Report:
    roadmap_number: str
    roadmap_adopted_on: dt.date
    roadmap_title: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    total: Counts
    by_item: list[Row] = field(default_factory=list)
    by_body: list[Row] = field(default_factory=list)
    overdue: list[OverdueRow] = field(default_factory=list)
    executor_reports: list[ExecutorReport] = field(default_factory=list)
    formula: str = DISCIPLINE_FORMULA

    @property
    def label(self) -> str:
        """«2021» for a calendar year, «01.02.2021–30.06.2021» otherwise."""
        return range_label(self.start, self.end)

    def to_json(self) -> dict[str, object]:
        return {
            "roadmap": {
                "number": self.roadmap_number,
                "adopted_on": self.roadmap_adopted_on.isoformat(),
                "title": self.roadmap_title,
            },
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "formula": self.formula,
            "total": self.total.to_json(),
            "by_item": [
                {"item": r.key, "title": r.name, **r.counts.to_json()} for r in self.by_item
            ],
            "by_body": [
                {"body": r.key, "name": r.name, **r.counts.to_json()} for r in self.by_body
            ],
            "overdue": [
                {
                    **asdict(o),
                    "original_due_on": o.original_due_on.isoformat(),
                    "due_on": o.due_on.isoformat(),
                }
                for o in self.overdue
            ],
            "executor_reports": [
                {
                    **asdict(e),
                    "due_on": e.due_on.isoformat(),
                    "completed_on": e.completed_on.isoformat(),
                }
                for e in self.executor_reports
            ],
        }


def range_label(start: dt.date, end: dt.date) -> str:
    if start.year == end.year and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year)
    return f"{start:%d.%m.%Y}–{end:%d.%m.%Y}"


def year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def execution_report(
    session: Session,
    roadmap: Roadmap,
    *,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    calendar: WorkCalendar,
    timezone: str = "Europe/Moscow",
) -> Report:
    """Every figure of the report for assignments issued in [start, end], judged at ``as_of``.

    Raises ``KontrolError`` for an empty range and ``NothingIssued`` when the range has no
    assignment (a year before the first issue, a typo in the year).
    """
    if end < start:
        raise KontrolError(f"empty range: {start:%d.%m.%Y} is after {end:%d.%m.%Y}")
    zone = ZoneInfo(timezone)
    rows = _issued(session, roadmap, start, end)
    ids = [a.id for a in rows]
    extensions = _extension_counts(session, ids, as_of, zone)
    steps = _latest_steps(session, ids, as_of)

    total = Counts()
    per_item: dict[str, Counts] = defaultdict(Counts)
    per_body: dict[str, Counts] = defaultdict(Counts)
    body_names: dict[str, str] = {}
    report = Report(roadmap.number, roadmap.adopted_on, roadmap.title, start, end, as_of, total)
    for a in rows:
        item = a.obligation.item
        body_names[a.body_id] = body_label(a.body)
        outcome, days = _outcome(a, as_of, calendar, zone)
        ext = max(extensions.get(a.id, 0), int(a.due_on != a.original_due_on))
        for c in (total, per_item[item.number], per_body[a.body_id]):
            _add(c, outcome, days, ext)
        if outcome == "overdue":
            report.overdue.append(_overdue_row(a, days, steps.get(a.id)))
        if outcome in ("done_on_time", "done_late") and (a.completion_note or "").strip():
            report.executor_reports.append(_executor_report(a, outcome == "done_on_time", zone))
    for item in roadmap.items:
        if item.kind == "activity" and not item.withdrawn:
            report.by_item.append(Row(item.number, item.title, per_item.get(item.number, Counts())))
    report.by_body = sorted(
        (Row(b, body_names[b], c) for b, c in per_body.items()), key=lambda r: r.name.casefold()
    )
    report.overdue.sort(key=lambda o: (-o.working_days_overdue, o.item, o.body))
    return report


def _issued(session: Session, roadmap: Roadmap, start: dt.date, end: dt.date) -> list[Assignment]:
    """The assignments issued in [start, end], in the decree's order; ``NothingIssued`` if
    none."""
    rows = list(
        session.scalars(
            select(Assignment)
            .join(Obligation, Assignment.obligation_id == Obligation.id)
            .join(Item, Obligation.item_id == Item.id)
            .where(Item.roadmap_id == roadmap.id, Assignment.issue_on.between(start, end))
            .options(joinedload(Assignment.obligation).joinedload(Obligation.item))
            .options(joinedload(Assignment.body))
            .order_by(Item.position, Obligation.phase_index, Assignment.due_on, Assignment.id)
        ).unique()
    )
    if not rows:
        raise NothingIssued(
            f"nothing issued in {range_label(start, end)} for roadmap № {roadmap.number}"
            + _issued_span(session, roadmap)
        )
    return rows


def _overdue_row(a: Assignment, days: int, step: str | None) -> OverdueRow:
    item = a.obligation.item
    return OverdueRow(
        a.id,
        item.number,
        item.title,
        a.body_id,
        body_label(a.body),
        a.role,
        f"{a.period_start:%d.%m.%Y}–{a.period_end:%d.%m.%Y}",
        a.original_due_on,
        a.due_on,
        days,
        step,
    )


def _executor_report(a: Assignment, on_time: bool, zone: ZoneInfo) -> ExecutorReport:
    assert a.completed_at is not None  # done on time or late: it has a completion
    item = a.obligation.item
    return ExecutorReport(
        a.id,
        item.number,
        item.title,
        body_label(a.body),
        a.due_on,
        local_date(a.completed_at, zone),
        on_time,
        (a.completion_note or "").strip(),
    )


def _outcome(
    a: Assignment, as_of: dt.date, calendar: WorkCalendar, zone: ZoneInfo
) -> tuple[str, int]:
    """(standing, working days late or overdue) of one assignment at ``as_of``."""
    then = standing.of(a, as_of, calendar=calendar, zone=zone)
    return then.kind, then.days


def _add(c: Counts, outcome: str, days: int, ext: int) -> None:
    c.issued += 1
    c.extensions += ext
    if outcome == "done_on_time":
        c.done_on_time += 1
    elif outcome == "done_late":
        c.done_late += 1
        c.late_working_days += days
    elif outcome == "open":
        c.open += 1
    elif outcome == "overdue":
        c.overdue += 1
    else:
        c.cancelled += 1


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _issued_span(session: Session, roadmap: Roadmap) -> str:
    """Where the issued assignments are, so the person can ask for that range instead."""
    first, last = session.execute(
        select(func.min(Assignment.issue_on), func.max(Assignment.issue_on))
        .join(Obligation, Assignment.obligation_id == Obligation.id)
        .join(Item, Obligation.item_id == Item.id)
        .where(Item.roadmap_id == roadmap.id)
    ).one()
    if first is None:
        return "; nothing has been issued yet"
    return (
        f"; its assignments were issued from {first:%d.%m.%Y} to {last:%d.%m.%Y}"
        f" (--from {first:%Y-%m-%d} --to {last:%Y-%m-%d}, or --all)"
    )


def _extension_counts(
    session: Session, ids: list[int], as_of: dt.date, zone: ZoneInfo
) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for chunk in _chunks(ids):
        for aid, at in session.execute(
            select(AuditEvent.assignment_id, AuditEvent.at).where(
                AuditEvent.assignment_id.in_(chunk), AuditEvent.action == "extended"
            )
        ):
            if aid is not None and local_date(at, zone) <= as_of:
                out[aid] += 1
    return out


def _latest_steps(session: Session, ids: list[int], as_of: dt.date) -> dict[int, str]:
    """The last ladder step taken on or before ``as_of`` for each assignment."""
    latest: dict[int, tuple[dt.date, int, str]] = {}
    for chunk in _chunks(ids):
        for aid, step, taken_on, sid in session.execute(
            select(
                LadderStep.assignment_id, LadderStep.step, LadderStep.taken_on, LadderStep.id
            ).where(LadderStep.assignment_id.in_(chunk), LadderStep.taken_on <= as_of)
        ):
            if aid not in latest or (taken_on, sid) > latest[aid][:2]:
                latest[aid] = (taken_on, sid, step)
    return {aid: v[2] for aid, v in latest.items()}
