"""Issue one occurrence of an obligation: one assignment per responsible body.

Idempotent by construction: rows are inserted with ON CONFLICT DO NOTHING against the unique
key (obligation, occurrence, body), and the mail of each new assignment is enqueued under a
key of its own — a re-run, a second worker or a restart after a crash adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from kontrol import standing
from kontrol.config import Rules, load_rules
from kontrol.context import App
from kontrol.errors import KontrolError
from kontrol.lookup import obligation_by_key, roadmap_by_number
from kontrol.mail.mailer import Mailer
from kontrol.models import Assignment, AuditEvent, Body, Item, Obligation
from kontrol.models.base import table_of
from kontrol.models.db import insert_rows
from kontrol.naming import body_cells, body_label, deployment_name
from kontrol.roadmap.occurrences import Occurrence, co_executor_due, occurrences
from kontrol.roadmap.schedule import parse_schedule
from kontrol.roadmap.seasons import plan_policy


@dataclass(frozen=True)
class Recipient:
    body_id: str
    role: str  # lead | co_executor
    via_group_id: str | None


@dataclass
class IssueResult:
    obligation_key: str
    occurrence: Occurrence
    created: list[int] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)


def obligation_occurrences(ob: Obligation, rules: Rules) -> list[Occurrence]:
    """The plan of one obligation, computed from its item's phrase (never stored, always exact)."""
    item = ob.item
    roadmap = item.roadmap
    schedule = parse_schedule(item.schedule_text, item=item.number)
    horizon = roadmap.horizon_year or roadmap.adopted_on.year
    phases = occurrences(
        schedule,
        adopted=roadmap.adopted_on,
        horizon_year=horizon,
        policy=plan_policy(rules.policy, roadmap.plan_title, roadmap.title),
        calendar=rules.calendar,
    )
    occs = phases[ob.phase_index][1] if ob.phase_index < len(phases) else []
    if roadmap.retired_on is not None:  # a void decree issues nothing from that day on
        occs = [o for o in occs if o.issue_on < roadmap.retired_on]
    return occs


def find_occurrence(
    occs: list[Occurrence], *, period: str | None = None, on: dt.date | None = None
) -> Occurrence | None:
    """By key («2021-01», «2021-Q1»), or the occurrence issued on / running at a date."""
    if period is not None:
        return next((o for o in occs if o.key == period), None)
    if on is None:
        return None
    exact = [o for o in occs if o.issue_on == on]
    if exact:
        return exact[0]
    return next((o for o in occs if o.issue_on <= on <= o.due_on), None)


def recipients(session: Session, item: Item) -> list[Recipient]:
    """Lead first, then co-executors; a group fans out to its members (each counted once)."""
    seen: set[str] = set()
    out: list[Recipient] = []
    for ex in item.executors:
        for body_id, via in _expand(session, ex.body_id, None, set()):
            if body_id not in seen:
                seen.add(body_id)
                out.append(Recipient(body_id, ex.role, via))
    return out


def _expand(
    session: Session, body_id: str, via: str | None, path: set[str]
) -> list[tuple[str, str | None]]:
    body = session.get(Body, body_id)
    if body is None or not body.members:
        return [(body_id, via)]
    if body_id in path:
        return []
    result: list[tuple[str, str | None]] = []
    for m in body.members:
        result += _expand(session, m.member_id, via or body_id, path | {body_id})
    return result


def issue_occurrence(
    session: Session,
    ob: Obligation,
    occ: Occurrence,
    *,
    rules: Rules,
    now: dt.datetime,
    actor: str,
    mailer: Mailer,
    only: Collection[str] | None = None,
) -> IssueResult:
    """Create the assignments of ``occ`` and their mails inside the caller's transaction.

    ``only``: issue to these recipients (body ids) alone — an event that names one of them.

    The mail of each new assignment goes to the outbox under the key ``issued:<id>``, in the
    same transaction as the row: both exist, or neither does. ``mailer`` carries what the
    mails need of the settings (sender, time zone, link signer), bound by the caller.
    """
    if occ.state == "before_adoption":
        raise KontrolError(
            f"item {ob.key}: occurrence {occ.key} is before the adoption date — not issued"
        )
    result = IssueResult(ob.key, occ)
    wanted = [r for r in recipients(session, ob.item) if only is None or r.body_id in only]
    result.created = _insert(session, ob, occ, wanted, rules=rules, now=now, actor=actor)
    session.flush()
    result.assignments = list(
        session.scalars(_select_occurrence(), {"obligation": ob.id, "occurrence": occ.key})
    )
    if result.created:  # the new ones among them, by id, are mailed
        created = set(result.created)
        new = [a for a in result.assignments if a.id in created]
        mailer.write_many(session, [mailer.issued_letter(a, now=now) for a in new], now)
    return result


@cache
def _select_occurrence() -> Select[Assignment]:
    """An occurrence's assignments, built once per process (a simulation issues hundreds)."""
    return (
        select(Assignment)
        .where(
            Assignment.obligation_id == bindparam("obligation"),
            Assignment.occurrence_key == bindparam("occurrence"),
        )
        .order_by(Assignment.id)
    )


def _insert(
    session: Session,
    ob: Obligation,
    occ: Occurrence,
    wanted: Sequence[Recipient],
    *,
    rules: Rules,
    now: dt.datetime,
    actor: str,
) -> list[int]:
    """The recipients' assignments and their audit records, each statement once for all
    (``insert_rows``); the ids of the rows that were not there yet, in the order inserted."""
    rows = []
    for rcp in wanted:
        due = occ.due_on
        if rcp.role == "co_executor":
            due = max(occ.issue_on, co_executor_due(occ.due_on, rules.policy, rules.calendar))
        rows.append(
            {
                "obligation_id": ob.id,
                "occurrence_key": occ.key,
                "body_id": rcp.body_id,
                "role": rcp.role,
                "via_group_id": rcp.via_group_id,
                "period_start": occ.period_start,
                "period_end": occ.period_end,
                "issue_on": occ.issue_on,
                "original_due_on": due,
                "due_on": due,
                "status": "issued",
                "issued_at": now,
                "issued_by": actor,
            }
        )
    table = table_of(Assignment)
    on = ("obligation_id", "occurrence_key", "body_id")
    new = sorted(insert_rows(session, table, rows, table.c.id, table.c.due_on, on=on))
    details = {"obligation": ob.key, "occurrence": occ.key}
    audit = [
        {
            "at": now,
            "actor": actor,
            "action": "issued",
            "assignment_id": new_id,
            "details": {**details, "due_on": str(due)},
        }
        for new_id, due in new
    ]
    insert_rows(session, table_of(AuditEvent), audit)
    return [new_id for new_id, _ in new]


@dataclass(frozen=True)
class IssuedRow:
    assignment_id: int
    body_id: str
    body_name: str  # the body's one display name (``kontrol.naming.body_label``)
    role: str
    due_on: dt.date
    status: str
    new: bool
    body_cell: str = ""  # the name as a table artifact shows it (``kontrol.naming.body_cells``)
    standing: str = ""  # where it stands when issued, in words (``kontrol.standing``)


@dataclass(frozen=True)
class IssueSummary:
    roadmap: str
    obligation: str
    item: str
    title: str
    name: str
    occurrence: str
    period_start: dt.date
    period_end: dt.date
    rows: tuple[IssuedRow, ...]
    label: str | None = None  # the phase («Разработка») of a phased item

    @property
    def created(self) -> int:
        return sum(r.new for r in self.rows)

    @property
    def from_event(self) -> bool:
        """An occurrence counted from a reported event (key ``event:<row id>``)."""
        return self.occurrence.startswith("event:")


def issued_rows(
    session: Session, result: IssueResult, *, rules: Rules, now: dt.datetime
) -> tuple[IssuedRow, ...]:
    """The rows of an issue summary, each with its standing on the day of issuing."""
    cells = body_cells(session.scalars(select(Body)))
    today = now.astimezone(rules.policy.zone).date()
    return tuple(
        IssuedRow(
            a.id,
            a.body_id,
            body_label(a.body),
            a.role,
            a.due_on,
            a.status,
            a.id in result.created,
            cells[a.body_id],
            standing.of(a, today, calendar=rules.calendar, zone=rules.policy.zone).words,
        )
        for a in result.assignments
    )


def issue(
    app: App,
    roadmap: str | None,
    obligation: str,
    *,
    period: str | None,
    on: dt.date | None,
    actor: str,
) -> IssueSummary:
    """Find the occurrence (by period key or date) and issue it; the same call is idempotent.

    No key, no issue: the mails carry signed links, checked before anything is written."""
    mailer = Mailer.of(app.settings)
    rules = load_rules(app.settings)
    with app.transaction() as session:
        rm = roadmap_by_number(session, roadmap)
        ob = obligation_by_key(session, rm, obligation)
        if ob.kind == "on_demand" and period is None:
            raise KontrolError(f"item {ob.key} is on demand: name the --period to issue")
        occs = obligation_occurrences(ob, rules)
        occ = find_occurrence(occs, period=period, on=on)
        if occ is None and rm.retired_on is not None and on is not None and on >= rm.retired_on:
            raise KontrolError(
                f"№ {rm.number} is void from {rm.retired_on:%d.%m.%Y}: nothing to issue"
            )
        if occ is None:
            known = ", ".join(o.key for o in occs if o.state == "scheduled") or "none"
            what = f"period {period}" if period else f"date {on}"
            raise KontrolError(
                f"item {ob.key}: {what} is not an occurrence of its plan (scheduled: {known})"
            )
        result = issue_occurrence(
            session, ob, occ, rules=rules, now=app.now, actor=actor, mailer=mailer
        )
        rows = issued_rows(session, result, rules=rules, now=app.now)
        return IssueSummary(
            rm.number,
            ob.key,
            ob.item.number,
            ob.item.title,
            deployment_name(ob),
            occ.key,
            occ.period_start,
            occ.period_end,
            rows,
            ob.label,
        )
