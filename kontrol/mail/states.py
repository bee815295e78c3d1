"""The outbox rows' state changes after a claim: sent, retry later, failed, released, renewed.

Only the run holding a row in "sending" changes it: each change is an ``UPDATE … WHERE
claim_token = <the run's token>`` (a token exists only while its row is "sending"), so a run
whose lease ran out and whose rows another run took over can no longer overwrite what that run
records.

Times are UTC (the columns' type, ``UtcDateTime``, sees to it on both databases).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, CursorResult, bindparam, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Update

from kontrol.models import OutboxMessage
from kontrol.models.base import table_of, utc

BACKOFF_BASE = dt.timedelta(minutes=5)
BACKOFF_CAP = dt.timedelta(hours=6)


def backoff(attempts: int) -> dt.timedelta:
    """5 min, 15 min, 45 min, 2 h 15 min, then 6 h: a down server is retried for hours."""
    return min(BACKOFF_BASE * 3 ** max(attempts - 1, 0), BACKOFF_CAP)


def _held(token: str | None) -> Any:
    """Rows in "sending", held by the run with this token if one is named.

    A token is written with "sending" (``claims``) and cleared with every other state (here,
    ``bounces`` and ``outbox.requeue_failed``), so the token alone says both. Naming the status
    as well let PostgreSQL plan by ``ix_outbox_status_next`` when its statistics were stale (a
    freshly filled outbox) and read every row in "sending" to change a handful
    (bench/README-mail.md, stop 33).
    """
    if token:
        return OutboxMessage.claim_token == token
    return OutboxMessage.status == "sending"


def _rowcount(result: Any) -> int:
    """Rows an UPDATE changed (``Session.execute`` is typed as returning a plain ``Result``)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _finish(session: Session, message_id: int, token: str | None = None, **values: Any) -> bool:
    """Change a row we hold in "sending"; False if it is no longer ours to change (another
    run took it over after our lease ran out)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _held(token))
        .values(lease_until=None, claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def renew_leases(session_factory: sessionmaker[Session], token: str, *, until: dt.datetime) -> int:
    """Push the lease of every row this run still holds to ``until``; rows it holds.

    Found through the status (``ix_outbox_status_next``): the token has no index, and the
    outbox keeps every mail ever sent."""
    with session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending", _held(token))
            .values(lease_until=utc(until))
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result)


def mark_sent(
    session: Session,
    message_id: int,
    *,
    now: dt.datetime,
    note: str | None = None,
    token: str | None = None,
) -> bool:
    return _finish(session, message_id, token, status="sent", sent_at=utc(now), last_error=note)


_TABLE = table_of(OutboxMessage)
_OUTBOX = _TABLE.c


def sent_many_statement(ids: ColumnElement[bool]) -> Update:
    """Clean sends recorded: the rows ``ids`` names that the run still holds (``_held``)."""
    return (
        update(_TABLE)
        .where(ids, _OUTBOX.claim_token == bindparam("token"))
        .values(
            lease_until=None,
            claim_token=None,
            status="sent",
            sent_at=bindparam("sent_at"),
            last_error=None,
        )
    )


_SENT_MANY = sent_many_statement(_OUTBOX.id.in_(bindparam("ids", expanding=True)))


def mark_sent_many(
    conn: Connection | Session, message_ids: Sequence[int], *, now: dt.datetime, token: str
) -> int:
    """One UPDATE for a whole batch of clean sends (the common case); returns rows changed.

    Plain Core on a connection: this runs once per handful of messages while they are sent,
    and the ORM's per-statement machinery cost three times the UPDATE itself.
    """
    if not message_ids:
        return 0
    if isinstance(conn, Session):
        conn = conn.connection()
    result = conn.execute(
        _SENT_MANY, {"ids": list(message_ids), "token": token, "sent_at": utc(now)}
    )
    return int(result.rowcount)


def mark_retry(
    session: Session,
    message_id: int,
    *,
    next_attempt_at: dt.datetime,
    reason: str,
    token: str | None = None,
) -> bool:
    return _finish(
        session,
        message_id,
        token,
        status="pending",
        next_attempt_at=utc(next_attempt_at),
        last_error=reason,
    )


def release(
    session: Session, message_id: int, *, now: dt.datetime, reason: str, token: str | None = None
) -> bool:
    """Back to pending without counting the attempt: the run stopped before trying it. Its
    turn is kept (``next_attempt_at`` as it was): the next run sends it as soon as the cause is
    fixed, and this one's claim loop has ended (a release only happens when it stops)."""
    return _finish(
        session,
        message_id,
        token,
        status="pending",
        attempts=OutboxMessage.attempts - 1,
        last_error=reason,
    )


def mark_failed(
    session: Session, message_id: int, *, reason: str, token: str | None = None
) -> bool:
    return _finish(session, message_id, token, status="failed", last_error=reason)
