"""Assignments as they stand on a day, for tables and artifacts: ``kontrol status`` and the
overdue table (``kontrol.report.overdue_table``: the report and the sweep's artifact) read
them here. The report's counts are SQL (``kontrol.standing.standing_sql``), held to the same
rule by a test.

Plain SQL through the driver (``kontrol.plain_db``): `kontrol status` reads it without
SQLAlchemy, and the commands with a session read the same rows through the session's own
connection. The standing is the Python rule (``kontrol.standing.standing``); the SQL only
leaves out what cannot be open on the day (cancelled, done a day or more before it), so the
rows it keeps are judged by the one rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from kontrol import ladder
from kontrol.errors import NotFound
from kontrol.mail.russian import period_words
from kontrol.naming import display_name
from kontrol.plain_db import PlainDB, day, moment
from kontrol.roadmap.keys import obligation_key
from kontrol.standing import OPEN_KINDS, standing

if TYPE_CHECKING:
    from kontrol.config import Rules


@dataclass(frozen=True)
class Row:
    id: int
    roadmap: str
    item: str
    obligation: str
    period: str
    body_id: str
    body_name: str
    role: str
    due_on: dt.date
    original_due_on: dt.date
    status: str  # the standing on ``as_of`` (kontrol.standing.KINDS), not the stored status
    days_overdue: int
    step: str | None
    completed_at: dt.datetime | None


_SELECT = """
SELECT a.id, r.number, i.number, o.phase_index, o.label, a.period_start, a.period_end,
       a.body_id, b.name, b.short_name, a.role, a.due_on, a.original_due_on, a.status,
       a.completed_at
FROM assignments a
JOIN obligations o ON o.id = a.obligation_id
JOIN items i ON i.id = o.item_id
JOIN roadmaps r ON r.id = i.roadmap_id
JOIN bodies b ON b.id = a.body_id
"""


def listing(
    db: PlainDB,
    *,
    rules: Rules,
    as_of: dt.date,
    overdue_only: bool = False,
    open_only: bool = True,
    body: str | None = None,
    item: str | None = None,
    roadmap_ids: Sequence[int] | None = None,
) -> list[Row]:
    """Open or overdue assignments on ``as_of`` (or only overdue, or all), by due date, with
    working days overdue and the rung reached."""
    where: list[str] = []
    params: dict[str, object] = {}
    if overdue_only or open_only:
        # a day either side of any zone: the standing below decides
        where.append(
            "a.status <> 'cancelled' AND (a.status <> 'done' OR a.completed_at IS NULL"
            " OR a.completed_at >= :done_since)"
        )
        params["done_since"] = dt.datetime.combine(as_of, dt.time(), dt.UTC)
    if overdue_only:
        where.append("a.due_on < :as_of")
        params["as_of"] = as_of
    if body:
        if not db.rows("SELECT 1 FROM bodies WHERE id = :body", body=body):
            raise NotFound(f"no body {body!r} in the directory")
        where.append("a.body_id = :body")
        params["body"] = body
    if item:
        where.append("i.number = :item")
        params["item"] = item
    if roadmap_ids is not None:
        ids, more = db.in_list("roadmap", roadmap_ids)
        where.append(f"i.roadmap_id IN {ids}")
        params.update(more)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    found = db.rows(sql + " ORDER BY a.due_on, a.id", **params)
    kind = "overdue" if overdue_only else None
    rows = [_row(r, rules, as_of) for r in found]
    if overdue_only or open_only:
        rows = [r for r in rows if r.status == kind or (kind is None and r.status in OPEN_KINDS)]
    steps = _steps_for_due(db, rows)
    return [replace(r, step=ladder.reached(steps[r.id], rules.policy)) for r in rows]


def _row(found: tuple[Any, ...], rules: Rules, as_of: dt.date) -> Row:
    (aid, roadmap, number, phase, label, start, end, body_id, name, short, role, due, original,
     status, completed) = found  # fmt: skip
    due, completed_at = day(due), moment(completed)
    now = standing(
        status, due, completed_at, as_of, calendar=rules.calendar, zone=rules.policy.zone
    )
    return Row(
        aid,
        roadmap,
        number,
        obligation_key(number, phase, label),
        period_words(day(start), day(end)),
        body_id,
        display_name(name, short),
        role,
        due,
        day(original),
        now.kind,
        now.days if now.kind == "overdue" else 0,
        None,
        completed_at,
    )


def _steps_for_due(db: PlainDB, rows: list[Row]) -> dict[int, set[str]]:
    """The ladder steps taken for each assignment's due date in force (an extension restarts
    the ladder)."""
    steps: dict[int, set[str]] = defaultdict(set)
    due = {r.id: r.due_on for r in rows}
    for i in range(0, len(rows), 500):
        ids, params = db.in_list("a", [r.id for r in rows[i : i + 500]])
        sql = f"SELECT assignment_id, step, due_on FROM ladder_steps WHERE assignment_id IN {ids}"
        for aid, step, on in db.rows(sql, **params):
            if due[aid] == day(on):
                steps[aid].add(step)
    return steps
