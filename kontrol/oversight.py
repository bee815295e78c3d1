"""Who oversees an assignment, and what is overdue under a supervisor.

One relation for the mail and the portal: a body oversees an assignment when it is up the
executor's ``escalates_to`` chain, or is the curator / controller the assignment's escalations
go to (which may be off that chain: the roadmap's first curator, its controller). A
supervisor's digest counts what is overdue under its recipient by it, the overview page
(``/o/``) lists exactly that, and the read-only view of one assignment (``/s/``) opens only
for such a body — so every row of the overview opens.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from kontrol import ladder
from kontrol.config import Rules
from kontrol.mail.digest import Line
from kontrol.mail.russian import period_words
from kontrol.models import Assignment, Body, Curator, Roadmap
from kontrol.naming import body_label
from kontrol.sweep_queries import load, taken_steps


def escalation_chain(body: Body) -> Iterator[Body]:
    """The bodies ``body`` escalates to, nearest first (cycle-safe: the directory may be built in
    code, not only from a file that refuses cycles)."""
    seen: set[str] = set()
    up = body.escalates_to
    while up is not None and up.id not in seen:
        yield up
        seen.add(up.id)
        up = up.escalates_to


def curator_of(session: Session, a: Assignment) -> Body | None:
    """The first curator up the body's escalates_to chain, else the roadmap's first curator."""
    for body in escalation_chain(a.body):
        if body.role == "curator":
            return body
    for c in a.obligation.item.roadmap.curators:
        if c.body_id:
            return session.get(Body, c.body_id)
    return None


def controller_of(session: Session, a: Assignment) -> Body | None:
    body_id = a.obligation.item.roadmap.controller_body_id
    return session.get(Body, body_id) if body_id else None


def supervisor(session: Session, a: Assignment, level: str) -> Body | None:
    """Who an escalation of ``level`` (curator, controller) goes to."""
    return curator_of(session, a) if level == ladder.CURATOR else controller_of(session, a)


def informed(a: Assignment) -> Body | None:
    """Who hears of the overdue notice in the supervisors' mail: the body the executor escalates
    to, when it has an address (without one there is nobody to tell)."""
    up = a.body.escalates_to
    return up if up is not None and up.emails else None


def overseers(session: Session, a: Assignment) -> list[str]:
    """The ids of the bodies that oversee ``a``: its chain nearest first, then its curator and
    controller when they are off the chain."""
    found = [up.id for up in escalation_chain(a.body)]
    for level in ladder.ESCALATIONS:
        who = supervisor(session, a, level)
        if who is not None and who.id not in found:
            found.append(who.id)
    return found


def supervises(session: Session, a: Assignment, body_id: str) -> bool:
    """Whether ``body_id`` oversees ``a`` (the portal's read-only links are valid only then)."""
    return body_id in overseers(session, a)


def is_overseer(session: Session, body_id: str) -> bool:
    """Whether ``body_id`` can oversee anything at all: some body escalates to it, or a roadmap
    names it curator or controller. Its overview page opens even when nothing is overdue."""
    return bool(
        session.scalar(
            select(
                or_(
                    exists().where(Body.escalates_to_id == body_id),
                    exists().where(Curator.body_id == body_id),
                    exists().where(Roadmap.controller_body_id == body_id),
                )
            )
        )
    )


@dataclass(frozen=True)
class Overdue:
    """One assignment overdue on a day: working days past due, the rungs taken for its due date
    in force and the highest of them."""

    assignment: Assignment
    days: int
    taken: frozenset[str]
    step: str | None

    def line(self, news: Iterable[str] = ()) -> Line:
        """The assignment as a supervisor's digest or overview shows it."""
        a = self.assignment
        item = a.obligation.item
        return Line(
            assignment_id=a.id,
            roadmap_id=item.roadmap_id,
            item=item.number,
            title=item.title,
            body_id=a.body_id,
            body=body_label(a.body),
            period=period_words(a.period_start, a.period_end),
            due_on=a.due_on,
            days=self.days,
            step=self.step,
            news=frozenset(news),
        )

    def told(self, session: Session) -> set[str]:
        """The bodies the ladder has told of it so far: the body its executor escalates to (the
        overdue notice), its curator and its controller (the escalations)."""
        a, out = self.assignment, set()
        if ladder.OVERDUE in self.taken and (up := informed(a)) is not None:
            out.add(up.id)
        for level in ladder.ESCALATIONS:
            if level in self.taken and (who := supervisor(session, a, level)) is not None:
                out.add(who.id)
        return out


def overdue_on(session: Session, as_of: dt.date, rules: Rules) -> list[Overdue]:
    """Every open assignment past due on ``as_of``, by id (what ``kontrol.standing`` calls
    overdue, among the open ones: the ``(status, due_on)`` index, as the sweep's candidates).
    Each sweep day with news asks: the ids first, then the rows as ``sweep_queries.load``
    reads them (joined when few are overdue, as on most days)."""
    ids = list(session.scalars(_select_overdue(), {"as_of": as_of}))
    # asked again of the rows as they are now: one done or extended between the two reads is
    # not overdue (the ids' read flushed what the session had pending)
    loaded = load(session, ids, overseen=True, fresh=True)
    rows = [a for a in loaded if a.status in ladder.OPEN and a.due_on < as_of]
    steps = taken_steps(session, {a.id: a.due_on for a in rows})
    cal, policy = rules.calendar, rules.policy
    return [
        Overdue(
            a,
            cal.working_days_between(a.due_on, as_of),
            frozenset(steps[a.id]),
            ladder.reached(steps[a.id], policy),
        )
        for a in rows
    ]


@cache
def _select_overdue() -> Select[int]:
    return (
        select(Assignment.id)
        .where(Assignment.status.in_(ladder.OPEN), Assignment.due_on < bindparam("as_of"))
        .order_by(Assignment.id)
    )


def by_overseer(session: Session, overdue: Sequence[Overdue]) -> dict[str, list[Overdue]]:
    """Each overseer's share of ``overdue`` (an assignment counts for every body over it)."""
    out: dict[str, list[Overdue]] = defaultdict(list)
    for o in overdue:
        for body_id in overseers(session, o.assignment):
            out[body_id].append(o)
    return out


def overdue_under(session: Session, body_id: str, as_of: dt.date, rules: Rules) -> list[Overdue]:
    """What is overdue on ``as_of`` under ``body_id``: what its overview page lists."""
    return [
        o for o in overdue_on(session, as_of, rules) if supervises(session, o.assignment, body_id)
    ]
