"""State changes of one assignment by the committee (done, extend, cancel); the listing of
assignments is ``kontrol.listing``.

Every change writes an audit record in the same transaction. Completing or cancelling stops
the ladder (the sweep only looks at open assignments). An approved extension moves ``due_on``;
ladder steps are keyed by the due date in force, so the ladder restarts for the new date — and
the executor gets the decision with an updated calendar entry.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Insert, Update, bindparam, event, insert, update
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from kontrol.config import Rules
from kontrol.errors import KontrolError, NotFound
from kontrol.models import Assignment, AuditEvent
from kontrol.models.base import table_of, utc
from kontrol.windows import OutOfWindow, assignment_window

# the mails are written by the caller's Mailer: listing assignments loads no mail code
if TYPE_CHECKING:
    from kontrol.mail.mailer import Mailer


MAX_ID = 2**31 - 1  # the largest id the database holds (PostgreSQL integer)


def get_assignment(session: Session, ref: str | int) -> Assignment:
    """The assignment to change, held against other writers until the transaction ends and
    read as it is now: a row this session read earlier may have changed since (a cancel
    committed while a report was being handed in), and the change must not be written over
    with the old state. Done, cancel and extend call it."""
    try:
        aid = int(ref)
    except ValueError:
        raise KontrolError(f"assignment must be a number, not {ref!r}") from None
    if not 1 <= aid <= MAX_ID:  # a number no row can have: beyond the database's integers
        raise NotFound(f"no assignment {aid}")
    postgresql = session.get_bind().dialect.name == "postgresql"
    if not postgresql:
        # SQLite has no row locks: a write is how a transaction takes the database's one write
        # lock, and this write changes nothing (a column no index holds: the row is rewritten
        # in place). It waits for another writer as any write does; that relies on pysqlite
        # opening the transaction at this first write, not at a read before it
        session.execute(_hold(), {"aid": aid})
    a = session.get(Assignment, aid, with_for_update=postgresql, populate_existing=True)
    if a is None:
        raise NotFound(f"no assignment {aid}")
    return a


@cache
def _hold() -> Update:
    """The write that changes nothing (``get_assignment``), built once: a Core statement on
    the table, which the session runs without the ORM's bookkeeping (no object is in it)."""
    table = table_of(Assignment)
    return update(table).where(table.c.id == bindparam("aid")).values(issued_by=table.c.issued_by)


def _audit(
    session: Session, a: Assignment, action: str, actor: str, now: dt.datetime, **d: object
) -> None:
    """Written at once, as a Core insert: the ORM's flush of one more object cost a report as
    much as its two statements."""
    row = {"at": now, "actor": actor, "action": action, "assignment_id": a.id, "details": d}
    session.execute(_insert_audit(), row)


@cache
def _insert_audit() -> Insert:
    return insert(table_of(AuditEvent))


def _change(session: Session, a: Assignment, **values: object) -> None:
    """Write ``values`` to ``a``'s row at once, as a Core statement, and set them on ``a`` as
    if loaded. ``get_assignment`` holds the row and read it as it is: the ORM's unit of work
    would only have found these columns changed, at a cost greater than the statement's.

    The ORM expires what its own flush wrote when a savepoint is rolled back, not what it was
    told was loaded: ``a`` is kept among the session's such writes until the outermost
    transaction ends, and every rollback before that, of a savepoint too, expires it
    (``_forget_core_writes``)."""
    session.execute(_update_one(), {"row_id": a.id, **values})
    for name, value in values.items():
        set_committed_value(a, name, value)
    session.info.setdefault(_CORE_WRITES, set()).add(a)


_CORE_WRITES = "kontrol.assignments.core_writes"


@event.listens_for(Session, "after_soft_rollback")
def _forget_core_writes(session: Session, _previous: SessionTransaction) -> None:
    """A rollback took back the Core writes of ``_change`` made in it: the objects they set
    read their row again when next used. All of them, and kept for the next rollback: one
    changed outside the savepoint rolled back reads what its own transaction still holds, the
    same values, and a savepoint around that one may be rolled back later."""
    for a in session.info.get(_CORE_WRITES, ()):
        if a in session:
            session.expire(a)


@event.listens_for(Session, "after_transaction_end")
def _drop_core_writes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed or closed: nothing left to take back
        session.info.pop(_CORE_WRITES, None)


@cache
def _update_one() -> Update:
    """The columns set are the parameters' names (Core's rule for an UPDATE without values)."""
    table = table_of(Assignment)
    return update(table).where(table.c.id == bindparam("row_id"))


def mark_done(
    session: Session, ref: str | int, *, note: str | None, now: dt.datetime, actor: str
) -> tuple[Assignment, bool]:
    """(assignment, changed); done again is a no-op, a cancelled one cannot be done."""
    a, now = get_assignment(session, ref), utc(now)
    if a.status == "done":
        return a, False
    if a.status == "cancelled":
        raise KontrolError(f"assignment {a.id} is cancelled ({a.cancel_reason}): it cannot be done")
    before = a.status
    _change(session, a, status="done", completed_at=now, completion_note=note)
    _audit(session, a, "done", actor, now, from_status=before, note=note, due_on=str(a.due_on))
    return a, True


def cancel(
    session: Session, ref: str | int, *, reason: str, now: dt.datetime, actor: str
) -> tuple[Assignment, bool]:
    a, now = get_assignment(session, ref), utc(now)
    if not reason.strip():
        raise KontrolError("--reason must not be empty")
    if a.status == "cancelled":
        return a, False
    if a.status == "done":
        raise KontrolError(f"assignment {a.id} is already done: it cannot be cancelled")
    before = a.status
    _change(session, a, status="cancelled", cancel_reason=reason)
    _audit(session, a, "cancelled", actor, now, from_status=before, reason=reason)
    return a, True


def extend(
    session: Session,
    ref: str | int,
    *,
    to: dt.date,
    reason: str,
    rules: Rules,
    mailer: Mailer | None,
    now: dt.datetime,
    actor: str,
) -> tuple[Assignment, dt.date]:
    """Move the due date later; (assignment, old due date). The ladder restarts for ``to``.

    ``to`` must lie in the roadmap's date window (``OutOfWindow`` otherwise, checked before
    anything else about the date: 31.12.9999 is a typing mistake, not a later date).
    """
    a, now = get_assignment(session, ref), utc(now)
    if not reason.strip():
        raise KontrolError("--reason must not be empty")
    if not a.is_open:
        raise KontrolError(f"assignment {a.id} is {a.status}: only an open one can be extended")
    OutOfWindow.check(assignment_window(a), to)
    if to <= a.due_on:
        raise KontrolError(
            f"assignment {a.id}: the new due date {to} must be after the current one {a.due_on}"
        )
    cal = rules.calendar
    if not cal.is_working_day(to):
        raise KontrolError(
            f"{to} is not a working day: choose {cal.last_working_day_on_or_before(to)} "
            f"or {cal.first_working_day_on_or_after(to)}"
        )
    old = a.due_on
    today = now.astimezone(rules.policy.zone).date()
    before = a.status
    _change(session, a, due_on=to, status="overdue" if today > to else "issued")
    _audit(
        session,
        a,
        "extended",
        actor,
        now,
        from_due_on=str(old),
        to_due_on=str(to),
        reason=reason,
        from_status=before,
        to_status=a.status,
    )
    session.flush()
    if mailer is not None:
        mailer.extension(session, a, old_due_on=old, comment=reason, now=now)
    return a, old
