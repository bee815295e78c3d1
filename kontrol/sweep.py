"""The daily sweep: reminders, overdue detection and escalation for the open assignments.

Cost follows the open, near-due assignments, never the history: candidates come from the
``(status, due_on)`` index — open statuses, due no later than the last date a reminder can
be due on ``as_of`` — and the ladder steps of a batch are read by ``assignment_id``.

At most once, by the database: a step is claimed by inserting its ``LadderStep`` row
(unique per assignment, step and due date in force) with ON CONFLICT DO NOTHING, and acted on
only when the insert happened — its mail and audit record go in the same transaction. So two
sweeps at once send each step once (the second one waits on the first one's row, then finds
it), and a sweep killed halfway keeps what it committed and finishes on the next run.

Two stages, each in its own unit(s) of work:

1. per batch of assignments: status issued → overdue, reminders, overdue notices (to the
   executor alone), the batch's mails written together (``outbox.enqueue_many``);
2. one unit: the supervisors' mail — at most ONE per supervisor body and sweep day (outbox key
   ``digest:{body}:{day}``; one sweep once sent a department 114 copies of overdue notices).
   It tells a body what the ladder brought it that day: the assignments of the bodies that
   escalate to it which became overdue, and the escalations (curator, controller) to it —
   claimed here, in the same transaction as the mail that reports them; on the first working
   day of an ISO week it also carries the week's summary of everything overdue under it.

A body whose mail of the day is already written gets no second one: a re-run or a second sweep
that day sends nothing new, and leaves the escalations to that body unclaimed — the next
working day's sweep catches them up (``ladder.decide``) and reports them then. If another
sweep writes that mail between our look and our insert, this unit is rolled back and run again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from kontrol import ladder
from kontrol.config import Rules
from kontrol.mail.digest import NEW
from kontrol.mail.mailer import Mailer, digest_written
from kontrol.mail.outbox import Letter
from kontrol.models import Assignment, AuditEvent, Body, OutboxMessage
from kontrol.models.base import table_of, utc
from kontrol.models.db import insert_rows
from kontrol.oversight import (
    by_overseer,
    curator_of,
    informed,
    overdue_on,
    supervises,
    supervisor,
)
from kontrol.retirement import apply_due_retirements
from kontrol.sweep_actions import Action, Hook, SweepReport, action_of
from kontrol.sweep_queries import (
    candidate_ids,
    claim_many,
    load,
    noticed_today,
    standings,
    taken_steps,
    turn_overdue,
)

Units = Callable[[], AbstractContextManager[Session]]
AUDIT = table_of(AuditEvent)
BATCH = 200
CLASHES = 3  # tries of the supervisors' unit when another sweep writes a mail under our feet


class _Clash(Exception):
    """Another sweep wrote a supervisor's mail of the day after we looked: roll back, re-run."""


def transactions(factory: Callable[[], Session]) -> Units:
    """Units of work that each commit (the normal sweep)."""

    @contextmanager
    def unit() -> Iterator[Session]:
        with factory() as session, session.begin():
            yield session

    return unit


def one_transaction(session: Session) -> Units:
    """Units that all share ``session``'s one transaction (a dry run rolls it back at the end)."""

    @contextmanager
    def unit() -> Iterator[Session]:
        yield session
        session.flush()

    return unit


class Sweep:
    """One sweep as of a day; ``hook`` is called after each action (tests inject failures)."""

    def __init__(
        self,
        units: Units,
        *,
        as_of: dt.date,
        rules: Rules,
        mailer: Mailer,
        now: dt.datetime,
        actor: str,
        batch_size: int = BATCH,
        hook: Hook | None = None,
    ) -> None:
        ladder.check_policy(rules.policy)
        self.units, self.as_of, self.rules, self.mailer = units, as_of, rules, mailer
        self.now = utc(now)
        self.actor, self.batch_size, self.hook = actor, batch_size, hook
        self.report = SweepReport(as_of, rules.calendar.is_working_day(as_of))
        self.audit: list[dict[str, Any]] = []  # the unit's audit records (``_unit``)

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        """A unit of work whose audit records are written together as it ends (nothing in it
        reads them back): one insert for all, not the ORM's flush of an object each. A unit
        rolled back writes none."""
        self.audit = []
        with self.units() as session:
            yield session
            insert_rows(session, AUDIT, self.audit)

    def run(self) -> SweepReport:
        with self.units() as session:  # a decree void from today: its open work goes first
            self.report.retired = apply_due_retirements(
                session, today=self.as_of, now=self.now, mailer=self.mailer, actor=self.actor
            )
        if not self.report.working_day:
            return self.report
        with self.units() as session:
            ids = candidate_ids(session, self.as_of, self.rules)
        self.report.candidates = len(ids)
        escalations: list[tuple[int, str]] = []
        for i in range(0, len(ids), self.batch_size):
            with self._unit() as session, session.no_autoflush:
                escalations += self._batch(session, ids[i : i + self.batch_size])
        for attempt in range(CLASHES):
            done = len(self.report.actions)
            try:
                with self._unit() as session:
                    self._supervisors(session, escalations)
                break
            except _Clash:
                del self.report.actions[done:]  # rolled back: not done
                if attempt == CLASHES - 1:
                    raise
        return self.report

    def _done(self, action: Action, audit: str | None, **details: Any) -> None:
        if audit:
            at, as_of = self.now, self.as_of
            self.audit.append(action.audit(audit, at=at, actor=self.actor, as_of=as_of, **details))
        self.report.actions.append(action)
        if self.hook is not None:
            self.hook(action)

    def _batch(self, session: Session, ids: Sequence[int]) -> list[tuple[int, str]]:
        found = standings(session, ids)
        taken = taken_steps(session, {s.id: s.due_on for s in found})
        decisions = {}
        for s in found:
            d = ladder.decide(
                due_on=s.due_on,
                status=s.status,
                taken=taken.get(s.id, set()),
                as_of=self.as_of,
                issue_on=s.issue_on,
                policy=self.rules.policy,
                calendar=self.rules.calendar,
            )
            if d.becomes_overdue or d.steps:
                decisions[s.id] = d
        later: list[tuple[int, str]] = []
        if not decisions:
            return later
        # those that act today, as decided: a row whose due date or status moved between the
        # two reads (an extension, a report, on PostgreSQL's READ COMMITTED) waits for the next
        # sweep, which decides on what it is then
        standing = {s.id: (s.due_on, s.status) for s in found}
        loaded = load(session, sorted(decisions), mailed=True)
        acting = [a for a in loaded if (a.due_on, a.status) == standing[a.id]]
        # one statement each for the whole batch: on PostgreSQL a round trip per step was a
        # third of the sweep
        overdue = turn_overdue(session, [a.id for a in acting if decisions[a.id].becomes_overdue])
        wanted = [
            (a, step.name)
            for a in acting
            for step in decisions[a.id].steps
            if not step.is_escalation
        ]
        claimed = claim_many(session, wanted, as_of=self.as_of, now=self.now, actor=self.actor)
        # the claimed steps' mails composed, then written together (two executions)
        letters = {
            (a.id, s.name): self._letter(a, s, decisions[a.id])
            for a in acting
            for s in decisions[a.id].steps
            if (a.id, s.name) in claimed
        }
        written = self.mailer.write_many(session, [*letters.values()], self.now)
        rows = dict(zip(letters, written, strict=True))
        for a in acting:
            d = decisions[a.id]
            if a.id in overdue:
                self._now_overdue(session, a, d.days_overdue)
            for step in d.steps:
                if step.is_escalation:
                    later.append((a.id, step.name))
                elif (a.id, step.name) in rows:
                    self._mail(session, a, step, d, rows[a.id, step.name])
        return later

    def _now_overdue(self, session: Session, a: Assignment, days: int) -> None:
        """``a`` was turned issued → overdue by this sweep (``turn_overdue``)."""
        set_committed_value(a, "status", "overdue")
        action = action_of(a, "status", None, recipient_id=None, recipient_name=None, days=days)
        self._done(action, "overdue", due_on=str(a.due_on), from_status="issued")

    def _letter(self, a: Assignment, step: ladder.Step, d: ladder.Decision) -> Letter:
        if step.kind == "reminder":
            return self.mailer.reminder_letter(a, days_left=d.days_left)
        return self.mailer.overdue_letter(a, days_overdue=d.days_overdue)

    def _mail(
        self,
        session: Session,
        a: Assignment,
        step: ladder.Step,
        d: ladder.Decision,
        row: OutboxMessage | None,
    ) -> None:
        days = d.days_left if step.kind == "reminder" else d.days_overdue
        action = action_of(
            a,
            step.kind,
            step.name,
            recipient_id=a.body_id,
            recipient_name=a.body.name,
            days=days,
            mail_key=row.key if row else None,
            subject=row.subject if row else None,
        )
        self._done(action, "ladder-step", step=step.name, due_on=str(a.due_on), days=days)

    def _supervisors(self, session: Session, wanted: list[tuple[int, str]]) -> None:
        """Stage 2: the escalations and each supervisor's one mail of the day (see the module
        docstring)."""
        news: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._escalate(session, wanted, news)
        for a in noticed_today(session, self.as_of):
            up = informed(a)
            if up is not None:
                news[up.id][a.id].add(NEW)
        weekly = ladder.first_working_day_of_week(self.as_of, self.rules.calendar) == self.as_of
        recipients = {rid for rid, got in news.items() if got}
        if not recipients and not weekly:
            return
        overdue = overdue_on(session, self.as_of, self.rules)
        if weekly:  # everyone the ladder has told of something still overdue
            recipients |= {rid for o in overdue for rid in o.told(session)}
        under = by_overseer(session, overdue)
        for rid in sorted(recipients):
            if digest_written(session, rid, self.as_of):
                continue  # a re-run, or a second sweep the same day: nothing new
            recipient = session.get(Body, rid)
            assert recipient is not None
            mine = news.get(rid, {})
            lines = [o.line(mine.get(o.assignment.id, ())) for o in under.get(rid, [])]
            fresh = [ln for ln in lines if ln.news]
            if not lines or not (fresh or weekly):
                continue
            row = self.mailer.digest(
                session,
                recipient,
                as_of=self.as_of,
                lines=lines,
                news=fresh,
                weekly=weekly,
                now=self.now,
            )
            if row is None:
                raise _Clash(rid)
            ids = tuple(ln.assignment_id for ln in (lines if weekly else fresh))
            kind = "weekly" if weekly else "digest"
            action = Action(
                kind=kind,
                step=None,
                assignment_id=None,
                recipient_id=recipient.id,
                recipient_name=recipient.name,
                mail_key=row.key,
                subject=row.subject,
                entries=ids,
            )
            self._done(
                action,
                kind,
                recipient=recipient.id,
                assignments=ids,
                new=sorted(ln.assignment_id for ln in fresh if NEW in ln.news),
                escalated=sorted(ln.assignment_id for ln in fresh if ln.passed),
            )

    def _escalate(
        self, session: Session, wanted: list[tuple[int, str]], news: dict[str, dict[int, set[str]]]
    ) -> None:
        """Claim the escalations stage 1 found due, unless their recipient's mail of the day is
        written already (then the next working day's sweep takes them); ``news`` gets what was
        claimed, by recipient."""
        if not wanted:
            return
        by_id = {a.id: a for a in load(session, sorted({aid for aid, _ in wanted}))}
        cal = self.rules.calendar
        written: dict[str, bool] = {}
        eligible: list[tuple[Assignment, str, Body | None]] = []
        for aid, level in sorted(wanted):
            a = by_id.get(aid)
            if a is None or a.status not in ladder.OPEN:
                continue
            who = supervisor(session, a, level)
            if who is not None:
                if who.id not in written:
                    written[who.id] = digest_written(session, who.id, self.as_of)
                if written[who.id]:
                    continue
            eligible.append((a, level, who))
        steps = [(a, level) for a, level, _ in eligible]
        claimed = claim_many(session, steps, as_of=self.as_of, now=self.now, actor=self.actor)
        for a, level, who in eligible:
            if (a.id, level) not in claimed:
                continue
            days = cal.working_days_between(a.due_on, self.as_of)
            action = action_of(
                a,
                "escalation",
                level,
                recipient_id=who.id if who else None,
                recipient_name=who.name if who else None,
                days=days,
            )
            self._done(
                action,
                "ladder-step",
                step=level,
                due_on=str(a.due_on),
                days=days,
                recipient=who.id if who else None,
            )
            if who is not None:
                news[who.id][a.id].add(level)


def run_sweep(
    units: Units,
    *,
    as_of: dt.date,
    rules: Rules,
    mailer: Mailer,
    now: dt.datetime,
    actor: str,
    batch_size: int = BATCH,
    hook: Hook | None = None,
) -> SweepReport:
    """Run one sweep as of ``as_of``; see the module docstring for the guarantees."""
    return Sweep(
        units,
        as_of=as_of,
        rules=rules,
        mailer=mailer,
        now=now,
        actor=actor,
        batch_size=batch_size,
        hook=hook,
    ).run()


__all__ = [
    "Action",
    "Hook",
    "SweepReport",
    "curator_of",
    "run_sweep",
    "supervises",
    "supervisor",
    "transactions",
]
