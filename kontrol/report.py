"""Tables for people and artifacts: what is overdue now, and how each body and item is doing.

The summary is one GROUP BY in the database (never a row per assignment in Python): «done
late» compares the local completion date with the due date, the local date being the UTC
timestamp shifted by the policy zone's current offset (Moscow has no DST since 2014).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.orm import Session

from kontrol.assignments import listing
from kontrol.config import Rules
from models import Assignment, Body, Item, Obligation, Roadmap

STEP_WORDS = {
    "overdue": "уведомление о просрочке",
    "curator": "куратор",
    "controller": "контролёр",
}
SUMMARY_COLUMNS = ("issued", "done_on_time", "done_late", "open", "overdue")


def overdue_table(session: Session, rules: Rules, as_of: dt.date) -> list[dict[str, Any]]:
    """One row per overdue assignment, most overdue first."""
    rows = listing(session, rules=rules, as_of=as_of, overdue_only=True)
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


def _local_date(session: Session, column: Any, rules: Rules, now: dt.datetime) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(rules.policy.timezone, column), Date)
    offset = now.astimezone(rules.policy.zone).utcoffset() or dt.timedelta()
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def summary_counts(
    session: Session, rules: Rules, now: dt.datetime | None = None
) -> list[tuple[str, str, str, str, dict[str, int]]]:
    """(roadmap, item, body id, body name, counts) for every body and item with assignments."""
    now = now or dt.datetime.now(dt.UTC)
    done = Assignment.status == "done"
    late = case(
        (done & (_local_date(session, Assignment.completed_at, rules, now) > Assignment.due_on), 1),
        else_=0,
    )
    stmt = (
        select(
            Roadmap.number,
            Item.number,
            Assignment.body_id,
            Assignment.status,
            func.count(),
            func.sum(late),
        )
        .join(Obligation, Assignment.obligation_id == Obligation.id)
        .join(Item, Obligation.item_id == Item.id)
        .join(Roadmap, Item.roadmap_id == Roadmap.id)
        .group_by(Roadmap.number, Item.number, Assignment.body_id, Assignment.status)
    )
    acc: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(SUMMARY_COLUMNS, 0)
    )
    for roadmap, item, body, status, n, n_late in session.execute(stmt):
        if status == "cancelled":
            continue
        c = acc[(roadmap, item, body)]
        c["issued"] += n
        if status == "done":
            c["done_late"] += int(n_late or 0)
            c["done_on_time"] += n - int(n_late or 0)
        elif status == "issued":
            c["open"] += n
        else:
            c["overdue"] += n
    names = dict(session.execute(select(Body.id, Body.name)).all())
    return [(r, i, b, names.get(b, b), c) for (r, i, b), c in sorted(acc.items())]


def summary_tables(
    session: Session, rules: Rules, now: dt.datetime | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(by body, by item): issued, done on time, done late, open (not yet due), overdue."""
    by_body: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SUMMARY_COLUMNS, 0))
    by_item: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(SUMMARY_COLUMNS, 0)
    )
    body_names: dict[str, str] = {}
    for roadmap, item, body, name, counts in summary_counts(session, rules, now):
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
