"""Tables for people and artifacts: what is overdue now, and how each body and item is doing.

The summary is one GROUP BY in the database (never a row per assignment in Python) over each
assignment's standing on the day asked (``kontrol.standing``), so it says what the status
command and the execution report say for that day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kontrol.assignments import listing
from kontrol.config import Rules
from kontrol.standing import standing_sql
from models import Assignment, Body, Item, Obligation, Roadmap

STEP_WORDS = {
    "overdue": "уведомление о просрочке",
    "curator": "куратор",
    "controller": "контролёр",
}
SUMMARY_COLUMNS = ("issued", "done_on_time", "done_late", "open", "overdue")


def overdue_table(
    session: Session, rules: Rules, as_of: dt.date, now: dt.datetime
) -> list[dict[str, Any]]:
    """One row per assignment overdue on ``as_of``, most overdue first."""
    rows = listing(session, rules=rules, as_of=as_of, now=now, overdue_only=True)
    rows.sort(key=lambda r: (-r.days_overdue, r.item, r.body_name))
    return [
        {
            "п.": r.item,
            "Исполнитель": r.body_name,
            "Срок": r.due_on.strftime("%d.%m.%Y"),
            "Рабочих дней просрочки": r.days_overdue,
            "Ступень": STEP_WORDS.get(r.step or "", r.step or "—"),
            "Поручение": r.id,
        }
        for r in rows
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
    names = dict(session.execute(select(Body.id, Body.name)).all())
    return [(r, i, b, names.get(b, b), c) for (r, i, b), c in sorted(acc.items())]


def summary_tables(
    session: Session, rules: Rules, as_of: dt.date, now: dt.datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(by body, by item): issued, done on time, done late, open (not yet due), overdue."""
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

    def row(kind: str, what: str, c: dict[str, int]) -> dict[str, Any]:
        return {
            "Разрез": kind,
            "Кто / что": what,
            "Выдано": c["issued"],
            "Исполнено в срок": c["done_on_time"],
            "Исполнено с опозданием": c["done_late"],
            "В работе": c["open"],
            "Просрочено": c["overdue"],
        }

    def item_key(k: tuple[str, str]) -> tuple[str, list[int]]:
        return k[0], [int(p) if p.isdigit() else 0 for p in k[1].split(".")]

    return (
        [row("исполнитель", body_names[b], c) for b, c in sorted(by_body.items())],
        [row("пункт", f"№ {r} п. {i}", by_item[(r, i)]) for r, i in sorted(by_item, key=item_key)],
    )
