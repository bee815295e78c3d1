"""The committee's register of roadmaps: every decree with its state and its open work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kontrol.lookup import all_roadmaps, roadmap_ref
from kontrol.models import Assignment, Item, Obligation, Roadmap
from kontrol.models.assignment import OPEN_STATUSES


@dataclass(frozen=True)
class RoadmapLine:
    ref: str
    kind: str
    number: str
    adopted_on: dt.date
    title: str
    issuer: str
    horizon_year: int | None
    state: str  # действует / изменено / утратило силу
    obligations: int
    open: int
    overdue: int
    amendments: int
    retired_on: dt.date | None
    retired_reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def register(session: Session, *, today: dt.date) -> list[RoadmapLine]:
    """Every imported roadmap, oldest first, with counts that need no sweep to be true: an open
    assignment past its due day counts as overdue even before the sweep marks it."""
    obligations = dict(
        session.execute(
            select(Item.roadmap_id, func.count(Obligation.id))
            .join(Obligation, Obligation.item_id == Item.id)
            .where(Obligation.withdrawn.is_(False), Item.withdrawn.is_(False))
            .group_by(Item.roadmap_id)
        ).all()
    )
    late = case((Assignment.due_on < today, 1), else_=0)
    work = {
        rid: (n_open, n_late or 0)
        for rid, n_open, n_late in session.execute(
            select(Item.roadmap_id, func.count(Assignment.id), func.sum(late))
            .join(Obligation, Obligation.item_id == Item.id)
            .join(Assignment, Assignment.obligation_id == Obligation.id)
            .where(Assignment.status.in_(OPEN_STATUSES))
            .group_by(Item.roadmap_id)
        ).all()
    }
    return [
        _line(r, obligations.get(r.id, 0), *work.get(r.id, (0, 0)), today)
        for r in all_roadmaps(session)
    ]


def _line(r: Roadmap, obligations: int, n_open: int, n_late: int, today: dt.date) -> RoadmapLine:
    return RoadmapLine(
        ref=roadmap_ref(r),
        kind=r.kind,
        number=r.number,
        adopted_on=r.adopted_on,
        title=r.title or r.plan_title,
        issuer=" ".join(r.authority.split()),
        horizon_year=r.horizon_year,
        state=r.state(today),
        obligations=obligations,
        open=n_open,
        overdue=int(n_late),
        amendments=len(r.amendments),
        retired_on=r.retired_on,
        retired_reason=r.retired_reason,
    )
