"""The portfolio at a glance: per decree and per body, what was issued and how it stands.

The figures are the annual report's (``kontrol.reporting.figures``): each assignment counted
by its standing on a day (``kontrol.standing``), cancelled ones left out, and discipline =
(done on time + open and not yet due) / counted × 100. The worst five bodies are those with
the lowest discipline among the bodies that owe at least one assignment (ties: more overdue
first), so a supervisor sees at once where to call.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kontrol.config import Rules
from kontrol.lookup import all_roadmaps, roadmap_ref
from kontrol.mail.russian import percent
from kontrol.models import Assignment, Body, Item, Obligation
from kontrol.naming import body_label
from kontrol.reporting.figures import Counts
from kontrol.standing import standing_sql

WORST = 5


@dataclass
class Dashboard:
    as_of: dt.date
    roadmaps: dict[str, Counts] = field(default_factory=dict)  # ref → counts
    states: dict[str, str] = field(default_factory=dict)  # ref → действует / …
    bodies: dict[str, Counts] = field(default_factory=dict)  # body name → counts

    @property
    def total(self) -> Counts:
        return _sum(self.roadmaps.values())

    def to_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of,
            "total": self.total.to_json(),
            "roadmaps": [
                {"roadmap": ref, "state": self.states[ref], **c.to_json()}
                for ref, c in self.roadmaps.items()
            ],
            "bodies": [{"body": name, **c.to_json()} for name, c in self.bodies.items()],
            "worst": [name for name, _ in self.worst()],
        }

    def worst(self, n: int = WORST) -> list[tuple[str, Counts]]:
        rated = [(name, c) for name, c in self.bodies.items() if c.discipline is not None]
        rated.sort(key=lambda nc: (nc[1].discipline, -nc[1].overdue, nc[0]))
        return [(name, c) for name, c in rated[:n] if (c.discipline or 0) < 100]


def _sum(counts: Iterable[Counts]) -> Counts:
    total = Counts()
    for c in counts:
        for k in ("issued", "done_on_time", "done_late", "open", "overdue", "cancelled"):
            setattr(total, k, getattr(total, k) + getattr(c, k))
    return total


def dashboard(session: Session, rules: Rules, *, as_of: dt.date, now: dt.datetime) -> Dashboard:
    kind = standing_sql(
        Assignment, as_of, dialect=session.get_bind().dialect.name, zone=rules.policy.zone, now=now
    ).label("standing")
    rows = session.execute(
        select(Item.roadmap_id, Assignment.body_id, kind, func.count())
        .join(Obligation, Assignment.obligation_id == Obligation.id)
        .join(Item, Obligation.item_id == Item.id)
        .group_by(Item.roadmap_id, Assignment.body_id, kind)
    ).all()
    roadmaps = {r.id: r for r in all_roadmaps(session)}
    names = {b.id: body_label(b) for b in session.scalars(select(Body))}
    board = Dashboard(as_of)
    for r in roadmaps.values():
        board.roadmaps[roadmap_ref(r)] = Counts()
        board.states[roadmap_ref(r)] = r.state(as_of)
    by_body: dict[str, Counts] = defaultdict(Counts)
    for roadmap_id, body_id, standing, n in rows:
        for counts in (board.roadmaps[roadmap_ref(roadmaps[roadmap_id])], by_body[body_id]):
            counts.issued += n
            setattr(counts, standing, getattr(counts, standing) + n)
    board.bodies = {names.get(b, b): c for b, c in sorted(by_body.items())}
    return board


def _cells(c: Counts) -> str:
    late = c.done_late
    return (
        f"{c.issued - c.cancelled} | {c.done_on_time} | {late} | {c.open} | {c.overdue} | "
        f"{percent(c.discipline)}"
    )


HEAD = "| выдано | в срок | с опозданием | в работе | просрочено | дисциплина |"
RULE = "|---:|---:|---:|---:|---:|---:|"


def markdown(board: Dashboard) -> str:
    """The dashboard as the Prefect UI shows a Markdown artifact."""
    total = board.total
    lines = [
        f"# Портфель дорожных карт на {board.as_of:%d.%m.%Y}",
        "",
        f"Документов: {len(board.roadmaps)}, в силе: "
        f"{sum(s != 'утратило силу' for s in board.states.values())}. "
        f"Поручений: {total.issued - total.cancelled}, просрочено: {total.overdue}, "
        f"исполнительская дисциплина: {percent(total.discipline)}.",
        "",
        "## Худшие исполнители",
        "",
    ]
    worst = board.worst()
    if worst:
        lines += [f"| исполнитель {HEAD}", f"|---{RULE}"]
        lines += [f"| {name} | {_cells(c)} |" for name, c in worst]
    else:
        lines.append("Все исполнители работают без просрочек.")
    lines += ["", "## По документам", "", f"| документ | состояние {HEAD}", f"|---|---{RULE}"]
    lines += [
        f"| № {ref} | {board.states[ref]} | {_cells(c)} |" for ref, c in board.roadmaps.items()
    ]
    lines += ["", "## По исполнителям", "", f"| исполнитель {HEAD}", f"|---{RULE}"]
    lines += [f"| {name} | {_cells(c)} |" for name, c in board.bodies.items()]
    lines += [
        "",
        "Дисциплина = (исполнено в срок + в работе, срок не наступил) / выдано без отменённых "
        "× 100. Отменённые не считаются.",
    ]
    return "\n".join(lines) + "\n"
