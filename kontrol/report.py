"""Tables for people and artifacts: what is overdue now, how each body and item is doing, and
the assignments of one occurrence.

Prefect shows a table artifact as one wide table whose cells do not wrap: a long cell pushes
the columns after it off the page. So every artifact table has at most five columns, short
headers, the most important columns first (item, body, due date, days overdue, step), and the
body in its one display name cut to ``BODY_CELL`` characters (``kontrol.naming.body_cells``:
the same cell in every table): they fit a 1366 px screen.

The summary is one GROUP BY in the database (never a row per assignment in Python) over each
assignment's standing on the day asked (``kontrol.standing``), so it says what the status
command and the execution report say for that day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kontrol.config import Rules
from kontrol.ladder import STEP_WORDS
from kontrol.listing import listing
from kontrol.models import Assignment, Body, Item, Obligation, Roadmap
from kontrol.naming import ROLE_WORDS, body_cells, body_label
from kontrol.plain_db import of_session
from kontrol.standing import standing_sql

if TYPE_CHECKING:
    from kontrol.issuing import IssueSummary

STEP_CELL = {**STEP_WORDS, "overdue": "уведомление"}  # the artifact's narrow column
SUMMARY_COLUMNS = ("issued", "done_on_time", "done_late", "open", "overdue")


def overdue_table(
    session: Session,
    rules: Rules,
    as_of: dt.date,
    *,
    roadmap_ids: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """One row per assignment overdue on ``as_of``, most overdue first."""
    rows = listing(
        of_session(session), rules=rules, as_of=as_of, overdue_only=True, roadmap_ids=roadmap_ids
    )
    rows.sort(key=lambda r: (-r.days_overdue, r.item, r.body_name))
    cells = body_cells(session.scalars(select(Body)))
    return [
        {
            "п.": r.item,
            "Исполнитель": cells.get(r.body_id, r.body_name),
            "Срок": r.due_on.strftime("%d.%m.%Y"),
            "Просрочка": r.days_overdue,
            "Ступень": STEP_CELL.get(r.step or "", r.step or "—"),
        }
        for r in rows
    ]


def item_table(summary: IssueSummary) -> list[dict[str, Any]]:
    """The assignments of one occurrence: who, by when, where it stands."""
    return [
        {
            "Исполнитель": r.body_cell or r.body_name,
            "Срок": r.due_on.strftime("%d.%m.%Y"),
            "Статус": r.standing,
            "Роль": ROLE_WORDS.get(r.role, r.role),
            "№": r.assignment_id,
        }
        for r in summary.rows
    ]


def summary_counts(
    session: Session, rules: Rules, as_of: dt.date, now: dt.datetime
) -> list[tuple[str, str, str, str, dict[str, int]]]:
    """(roadmap, item, body id, body name, counts) for every body and item with assignments,
    each assignment counted by its standing on ``as_of`` (``kontrol.standing``)."""
    kind = standing_sql(
        Assignment,
        as_of,
        dialect=session.get_bind().dialect.name,
        zone=rules.policy.zone,
        now=now,
    ).label("standing")
    stmt = (
        select(Roadmap.number, Item.number, Assignment.body_id, kind, func.count())
        .join(Obligation, Assignment.obligation_id == Obligation.id)
        .join(Item, Obligation.item_id == Item.id)
        .join(Roadmap, Item.roadmap_id == Roadmap.id)
        .group_by(Roadmap.number, Item.number, Assignment.body_id, kind)
    )
    acc: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(SUMMARY_COLUMNS, 0)
    )
    for roadmap, item, body, standing, n in session.execute(stmt):
        if standing == "cancelled":
            continue
        c = acc[(roadmap, item, body)]
        c["issued"] += n
        c[standing] += n
    names = {b.id: body_label(b) for b in session.scalars(select(Body))}
    return [(r, i, b, names.get(b, b), c) for (r, i, b), c in sorted(acc.items())]


def summary_tables(
    session: Session, rules: Rules, as_of: dt.date, now: dt.datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(by body, by item): overdue, open (not yet due), done on time, done late.

    The four add up to what was issued (less the cancelled); a fifth column would not fit.
    """
    by_body: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SUMMARY_COLUMNS, 0))
    by_item: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(SUMMARY_COLUMNS, 0)
    )
    body_names: dict[str, str] = {}
    for roadmap, item, body, name, counts in summary_counts(session, rules, as_of, now):
        body_names[body] = name
        for k, v in counts.items():
            by_body[body][k] += v
            by_item[(roadmap, item)][k] += v
    roadmaps = {r for r, _ in by_item}
    cells = body_cells(session.scalars(select(Body)))

    def row(what: str, c: dict[str, int]) -> dict[str, Any]:
        return {
            "Исполнитель / пункт": what,
            "Просрочено": c["overdue"],
            "В работе": c["open"],
            "В срок": c["done_on_time"],
            "С опозданием": c["done_late"],
        }

    def item_key(k: tuple[str, str]) -> tuple[str, list[int]]:
        return k[0], [int(p) if p.isdigit() else 0 for p in k[1].split(".")]

    def item_name(r: str, i: str) -> str:
        return f"п. {i}" if len(roadmaps) == 1 else f"№ {r}, п. {i}"

    return (
        [
            row(cells.get(b, body_names[b]), c)
            for b, c in sorted(by_body.items(), key=lambda bc: body_names[bc[0]])
        ],
        [row(item_name(r, i), by_item[(r, i)]) for r, i in sorted(by_item, key=item_key)],
    )
