"""The sweep's reads and its one claim: cost follows the open, near-due assignments, never the
history (``kontrol.sweep``).

Candidates come from the ``(status, due_on)`` index; the ladder steps of a batch are read by
``assignment_id``; a step is claimed by inserting its ``LadderStep`` row (unique per
assignment, step and due date in force) with ON CONFLICT DO NOTHING.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Date, Select, bindparam, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from kontrol import ladder
from kontrol.config import Rules
from kontrol.models import Assignment, Body, Item, ItemExecutor, LadderStep, Obligation, Roadmap
from kontrol.models.base import table_of
from kontrol.models.db import insert_rows


def horizon(as_of: dt.date, rules: Rules) -> dt.date:
    """The last due date a reminder can fall due for on ``as_of`` (calendar-day filter)."""
    reach = max(rules.policy.reminders, default=0)
    return rules.calendar.add_working_days(as_of, reach + 1) - dt.timedelta(days=1)


def candidate_ids(session: Session, as_of: dt.date, rules: Rules) -> list[int]:
    """Open assignments due by the horizon: an index range scan on (status, due_on)."""
    params = {"horizon": horizon(as_of, rules), "as_of": as_of}
    return list(session.scalars(_select_candidates(), params))


# The sweep's statements are built once per process (``cache``): building one and computing
# its cache key cost as much as running it on a day with little to do, and a simulation runs
# hundreds of sweeps. The values travel as bound parameters.


@cache
def _select_candidates() -> Select[int]:
    return (
        select(Assignment.id)
        .where(
            Assignment.status.in_(ladder.OPEN),
            Assignment.due_on <= bindparam("horizon"),
            Assignment.issue_on <= bindparam("as_of"),
        )
        .order_by(Assignment.id)
    )


def load(
    session: Session,
    ids: Sequence[int],
    *,
    mailed: bool = False,
    overseen: bool = False,
    fresh: bool = False,
) -> list[Assignment]:
    """The assignments ``ids`` with what the ladder reads of them; ``mailed``: also each item's
    executors, which every mail about an assignment names
    (``kontrol.mail.render.assignment_data``); ``overseen``: also the roadmap's curators, who
    oversee every assignment of it (``kontrol.oversight``); ``fresh``: the rows as they are
    now, also for objects the session holds already (``populate_existing``).

    The rows each assignment points to (its obligation, item, roadmap, body and the body it
    escalates to) come joined to a few assignments, and by a statement of their own each
    for many: joined, each assignment carries its item's and body's columns again, which
    costs more than the five statements beyond about a hundred assignments (SQLite and
    PostgreSQL alike), while most sweep days and every simulation day load a dozen."""
    stmt = _select_loaded(mailed, overseen, joined=len(ids) <= JOINED_UP_TO)
    options = {"populate_existing": True} if fresh else {}
    out: list[Assignment] = []
    for i in range(0, len(ids), LOADED_AT_ONCE):  # a bound list of parameters each
        params = {"ids": list(ids[i : i + LOADED_AT_ONCE])}
        out += session.scalars(stmt, params, execution_options=options)
    return out


JOINED_UP_TO = 100
LOADED_AT_ONCE = 1000


@cache
def _select_loaded(mailed: bool, overseen: bool, *, joined: bool) -> Select[Assignment]:
    one = joinedload if joined else selectinload
    inner = {"innerjoin": True} if joined else {}
    executors = (selectinload(Item.executors).joinedload(ItemExecutor.body),) if mailed else ()
    curators = (selectinload(Roadmap.curators),) if overseen else ()
    roadmap = one(Item.roadmap, **inner).options(*curators)
    item = one(Obligation.item, **inner).options(roadmap, *executors)
    return (
        select(Assignment)
        .where(Assignment.id.in_(bindparam("ids", expanding=True)))
        .options(
            one(Assignment.obligation, **inner).options(item),
            one(Assignment.body, **inner).options(one(Body.escalates_to)),
        )
        .order_by(Assignment.id)
    )


@dataclass(frozen=True)
class Standing:
    """What the ladder decides on (``ladder.decide``), read without the rows it needs to act:
    most candidates have nothing to do on a given day."""

    id: int
    due_on: dt.date
    status: str
    issue_on: dt.date


def standings(session: Session, ids: Sequence[int]) -> list[Standing]:
    return [Standing(*row) for row in session.execute(_select_standings(), {"ids": list(ids)})]


@cache
def _select_standings() -> Select[int, dt.date, str, dt.date]:
    return (
        select(Assignment.id, Assignment.due_on, Assignment.status, Assignment.issue_on)
        .where(Assignment.id.in_(bindparam("ids", expanding=True)))
        .order_by(Assignment.id)
    )


def taken_steps(session: Session, due: Mapping[int, dt.date]) -> dict[int, set[str]]:
    """Steps taken for each assignment's due date in force (``due``: id → the due date in
    force; steps taken for an older due date do not count)."""
    out: dict[int, set[str]] = defaultdict(set)
    ids = list(due)
    for i in range(0, len(ids), 500):  # a bound list of parameters each
        for aid, step, on in session.execute(_select_steps(), {"ids": ids[i : i + 500]}):
            if due[aid] == on:
                out[aid].add(step)
    return out


@cache
def _select_steps() -> Select[int, str, dt.date]:
    return select(LadderStep.assignment_id, LadderStep.step, LadderStep.due_on).where(
        LadderStep.assignment_id.in_(bindparam("ids", expanding=True))
    )


def claim_many(
    session: Session,
    wanted: Sequence[tuple[Assignment, str]],
    *,
    as_of: dt.date,
    now: dt.datetime,
    actor: str,
) -> set[tuple[int, str]]:
    """Claim steps by inserting their rows, in one execution (``insert_rows``):
    the (assignment id, step) this sweep took; a step someone already had is not among them."""
    if not wanted:
        return set()
    table = table_of(LadderStep)
    rows = [
        {
            "assignment_id": a.id,
            "step": step,
            "due_on": a.due_on,
            "taken_on": as_of,
            "at": now,
            "by": actor,
        }
        for a, step in wanted
    ]
    # the rows as parameters of one cached statement (``insert_rows``): rows written into the
    # statement were compiled anew for every batch, which cost more than running it
    on = ("assignment_id", "step", "due_on")
    claimed = insert_rows(session, table, rows, table.c.assignment_id, table.c.step, on=on)
    return {(int(aid), str(step)) for aid, step in claimed}


def turn_overdue(session: Session, ids: Sequence[int]) -> set[int]:
    """Issued → overdue for ``ids``, in one statement; the ids this call turned (another sweep
    or a person may have got there first)."""
    if not ids:
        return set()
    result = session.execute(
        update(Assignment)
        .where(Assignment.id.in_(list(ids)), Assignment.status == "issued")
        .values(status="overdue")
        .returning(Assignment.id)
        .execution_options(synchronize_session=False)
    )
    return {int(i) for i in result.scalars()}


def noticed_today(session: Session, as_of: dt.date) -> list[Assignment]:
    """The open assignments whose overdue notice was taken on ``as_of`` (by this sweep or an
    earlier run of the day), for the due date in force. Driven by the open, past-due
    assignments (the ``(status, due_on)`` index), each step found by its unique key: the
    history of steps is never scanned."""
    ids = session.scalars(_select_noticed(), {"as_of": as_of}).all()
    return load(session, ids) if ids else []


@cache
def _select_noticed() -> Select[int]:
    as_of = bindparam("as_of", type_=Date())
    return (
        select(Assignment.id)
        .join(
            LadderStep,
            (LadderStep.assignment_id == Assignment.id)
            & (LadderStep.step == ladder.OVERDUE)
            & (LadderStep.due_on == Assignment.due_on),
        )
        .where(
            Assignment.status.in_(ladder.OPEN),
            Assignment.due_on < as_of,
            LadderStep.taken_on == as_of,
        )
        .order_by(Assignment.id)
    )
