"""The sweep's reads and its one claim: cost follows the open, near-due assignments, never the
history (``kontrol.sweep``).

Candidates come from the ``(status, due_on)`` index; the ladder steps of a batch are read by
``assignment_id``; a step is claimed by inserting its ``LadderStep`` row (unique per
assignment, step and due date in force) with ON CONFLICT DO NOTHING.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kontrol import ladder
from kontrol.config import Rules
from kontrol.models import Assignment, Body, Item, LadderStep, Obligation
from kontrol.models.db import insert_for


def horizon(as_of: dt.date, rules: Rules) -> dt.date:
    """The last due date a reminder can fall due for on ``as_of`` (calendar-day filter)."""
    reach = max(rules.policy.reminders, default=0)
    return rules.calendar.add_working_days(as_of, reach + 1) - dt.timedelta(days=1)


def candidate_ids(session: Session, as_of: dt.date, rules: Rules) -> list[int]:
    """Open assignments due by the horizon: an index range scan on (status, due_on)."""
    return list(
        session.scalars(
            select(Assignment.id)
            .where(
                Assignment.status.in_(ladder.OPEN),
                Assignment.due_on <= horizon(as_of, rules),
                Assignment.issue_on <= as_of,
            )
            .order_by(Assignment.id)
        )
    )


def load(session: Session, ids: Sequence[int]) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.id.in_(ids))
            .options(
                selectinload(Assignment.obligation)
                .selectinload(Obligation.item)
                .selectinload(Item.roadmap),
                selectinload(Assignment.body).selectinload(Body.escalates_to),
            )
            .order_by(Assignment.id)
        )
    )


def taken_steps(session: Session, assignments: Sequence[Assignment]) -> dict[int, set[str]]:
    """Steps taken for each assignment's due date in force (older due dates do not count)."""
    due = {a.id: a.due_on for a in assignments}
    out: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(
        select(LadderStep.assignment_id, LadderStep.step, LadderStep.due_on).where(
            LadderStep.assignment_id.in_(list(due))
        )
    )
    for aid, step, on in rows:
        if due.get(aid) == on:
            out[aid].add(step)
    return out


def claim(
    session: Session, a: Assignment, step: str, *, as_of: dt.date, now: dt.datetime, actor: str
) -> int | None:
    """Insert the step's row; its id if this sweep took it, None if someone already had."""
    stmt = (
        insert_for(session)(LadderStep)
        .values(assignment_id=a.id, step=step, due_on=a.due_on, taken_on=as_of, at=now, by=actor)
        .on_conflict_do_nothing(index_elements=["assignment_id", "step", "due_on"])
        .returning(LadderStep.id)
    )
    return session.execute(stmt).scalar()
