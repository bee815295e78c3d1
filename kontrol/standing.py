"""Where an assignment stands as of a date: the one definition that status, reports, artifacts,
charts and the portal all use.

The stored ``status`` says what happened (issued, done, cancelled; the sweep also marks
``overdue``); the standing says what that means on a given day:

- ``cancelled`` — cancelled;
- ``done_on_time`` / ``done_late`` — done on or before ``as_of``, on or before the due date in
  force / after it (by so many working days);
- ``overdue`` — not done by ``as_of`` and ``as_of`` is after the due date (so many working days);
- ``open`` — not done by ``as_of`` and not yet due.

So a sweep run «as of» a future day does not make anything overdue today, and a report of a past
year counts what was late then. ``standing`` is the rule in Python; ``standing_sql`` is the same
rule as a SQL expression, for counting and filtering in the database (a test holds them equal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from kontrol.roadmap.moments import utc
from kontrol.roadmap.workcalendar import WorkCalendar

# SQLAlchemy for the SQL form only: `kontrol status` reads the database without it
if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

Kind = Literal["open", "overdue", "done_on_time", "done_late", "cancelled"]
KINDS: tuple[Kind, ...] = ("open", "overdue", "done_on_time", "done_late", "cancelled")
OPEN_KINDS: tuple[Kind, ...] = ("open", "overdue")
WORDS: dict[str, str] = {
    "open": "на исполнении",
    "overdue": "просрочено",
    "done_on_time": "выполнено в срок",
    "done_late": "выполнено с опозданием",
    "cancelled": "отменено",
}


@dataclass(frozen=True)
class Standing:
    kind: Kind
    days: int = 0  # working days late (done_late) or overdue (overdue)

    @property
    def words(self) -> str:
        return WORDS[self.kind]

    @property
    def is_open(self) -> bool:
        return self.kind in OPEN_KINDS


def local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The local calendar day of a moment (a naive value is UTC)."""
    return utc(moment).astimezone(zone).date()


def standing(
    status: str,
    due_on: dt.date,
    completed_at: dt.datetime | None,
    as_of: dt.date,
    *,
    calendar: WorkCalendar,
    zone: ZoneInfo,
) -> Standing:
    """The standing of one assignment on ``as_of`` (see the module docstring)."""
    if status == "cancelled":
        return Standing("cancelled")
    done_on = local_date(completed_at, zone) if completed_at is not None else None
    if status == "done" and done_on is not None and done_on <= as_of:
        if done_on <= due_on:
            return Standing("done_on_time")
        return Standing("done_late", calendar.working_days_between(due_on, done_on))
    if as_of > due_on:
        return Standing("overdue", calendar.working_days_between(due_on, as_of))
    return Standing("open")


def of(a: Any, as_of: dt.date, *, calendar: WorkCalendar, zone: ZoneInfo) -> Standing:
    """``standing`` of an ``Assignment`` row."""
    return standing(a.status, a.due_on, a.completed_at, as_of, calendar=calendar, zone=zone)


def local_date_sql(column: Any, dialect: str, zone: ZoneInfo, now: dt.datetime) -> Any:
    """The local day of a UTC timestamp column in SQL.

    PostgreSQL converts with the zone's rules; SQLite has no zones, so the zone's offset at
    ``now`` is applied (right for zones without daylight saving, such as Moscow since 2014).
    """
    from sqlalchemy import Date, cast, func

    if dialect == "postgresql":
        return cast(func.timezone(zone.key, column), Date)  # every timestamp is timestamptz
    offset = now.astimezone(zone).utcoffset() or dt.timedelta()
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def standing_sql(
    assignment: Any, as_of: dt.date, *, dialect: str, zone: ZoneInfo, now: dt.datetime
) -> ColumnElement[str]:
    """``standing(...).kind`` as a SQL expression over the ``Assignment`` entity (or alias)."""
    from sqlalchemy import case, func

    done_on = local_date_sql(assignment.completed_at, dialect, zone, now)
    done_by_then = (
        (assignment.status == "done") & assignment.completed_at.is_not(None) & (done_on <= as_of)
    )
    if dialect == "sqlite":
        # SQLite's date() gives text; Date columns are stored as ISO text too
        due = func.date(assignment.due_on)
        as_of_value: Any = as_of.isoformat()
    else:
        due = assignment.due_on
        as_of_value = as_of
    return case(
        (assignment.status == "cancelled", "cancelled"),
        (done_by_then & (done_on <= due), "done_on_time"),
        (done_by_then, "done_late"),
        (due < as_of_value, "overdue"),
        else_="open",
    )
