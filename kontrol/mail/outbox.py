"""The transactional outbox: write a mail with the change that causes it, claim it to send.

``enqueue`` inserts inside the caller's transaction with ``INSERT … ON CONFLICT (key) DO
NOTHING``, so the same event enqueued twice — a re-run, two workers, two threads — is one row.
Rows go pending → sending → sent, or back to pending with a backoff and the reason, or failed
with the reason; a row is never deleted, so nothing is lost without a trace.

``claim_batch`` is one atomic ``UPDATE … WHERE id IN (SELECT … claimable … LIMIT n) RETURNING
id`` on SQLite; ``SELECT … FOR UPDATE SKIP LOCKED`` then that update on PostgreSQL. Two
deliverers never get the same row, and a row left in "sending" by a crash becomes claimable
again when its lease runs out.

Times are UTC (the columns' type, ``UtcDateTime``, sees to it on both databases).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from aiosmtplib.email import flatten_message
from sqlalchemy import Connection, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from kontrol import oversight
from kontrol.config import mail_zone
from kontrol.mail import render as r
from kontrol.mail.digest import Line
from kontrol.mail.links import LinkFor, executor_url, make_link_for
from kontrol.mail.message import (
    assignment_ics,
    build_message,
    format_address,
    list_id_for,
    message_id_for,
    parse_address,
)
from kontrol.models import Assignment, Body, OutboxContent, OutboxMessage, Roadmap
from kontrol.models.base import utc
from kontrol.models.db import insert_for
from kontrol.settings import Settings

BACKOFF_BASE = dt.timedelta(minutes=5)
BACKOFF_CAP = dt.timedelta(hours=6)


def backoff(attempts: int) -> dt.timedelta:
    """5 min, 15 min, 45 min, 2 h 15 min, then 6 h: a down server is retried for hours."""
    return min(BACKOFF_BASE * 3 ** max(attempts - 1, 0), BACKOFF_CAP)


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    reply_to: str | None = None,
    subject: str,
    text: str,
    html: str,
    attachments: Sequence[dict[str, Any]] = (),
    assignment_id: int | None = None,
    roadmap_id: int | None = None,
    recipient_body_id: str | None = None,
    now: dt.datetime,
    mail_from: str | None = None,
    zone: dt.tzinfo | None = None,
) -> OutboxMessage | None:
    """Insert one mail in the caller's transaction; None when ``key`` is already there.

    With ``mail_from`` (and ``zone``, the policy's time zone, for its Date) the message is
    built now and stored whole (``raw``): delivery then only sends bytes, and every retry
    sends exactly the same message.

    A mail without any address is still written, as failed with the reason, so that a body
    missing from the directory's e-mails shows up in ``kontrol mail list --status failed``.
    """
    if mail_from and zone is None:
        raise TypeError("a message built on enqueue needs the policy's time zone (zone=)")
    at = utc(now)
    values: dict[str, Any] = {
        "key": key,
        "kind": kind,
        "assignment_id": assignment_id,
        "roadmap_id": roadmap_id,
        "recipient_body_id": recipient_body_id,
        "to_addrs": list(to),
        "cc_addrs": list(cc),
        "reply_to": reply_to,
        "subject": r.one_line(subject),
        "message_id": message_id_for(key),
        "status": "pending" if to else "failed",
        "attempts": 0,
        "last_error": None if to else "no e-mail address for the recipient",
        "created_at": at,
        "next_attempt_at": at,
    }
    stmt: Any = insert_for(session)(OutboxMessage)
    stmt = (
        stmt.values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is None:
        return None
    row = session.get(OutboxMessage, new_id)
    assert row is not None
    row.content = OutboxContent(
        message_id=new_id, body_text=text, body_html=html, attachments=list(attachments)
    )
    if mail_from and zone is not None and row.status == "pending":
        prebuild(session, row, mail_from=mail_from, date=at, zone=zone)
    return row


def prebuild(
    session: Session, row: OutboxMessage, *, mail_from: str, date: dt.datetime, zone: dt.tzinfo
) -> None:
    """Store the message's bytes on the row; a row that cannot be built is left to delivery,
    which records why."""
    number = (
        session.scalar(select(Roadmap.number).where(Roadmap.id == row.roadmap_id))
        if row.roadmap_id
        else None
    )
    try:
        message = build_message(
            row,
            mail_from=mail_from,
            date=date,
            zone=zone,
            list_id=list_id_for(number) if number else None,
        )
    except (ValueError, TypeError, KeyError):
        return
    row.content.raw = flatten_message(message)  # exactly what aiosmtplib's send_message sends


def _claimable(now: dt.datetime) -> Any:
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= utc(now)),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < utc(now)),
    )


def claim_batch(
    session_factory: sessionmaker[Session], *, now: dt.datetime, limit: int, lease_seconds: int
) -> list[int]:
    """Atomically move up to ``limit`` due rows to "sending" with a lease; their ids."""
    return [
        row[0]
        for row in claim_rows(session_factory, now=now, limit=limit, lease_seconds=lease_seconds)
    ]


def claim_rows(
    session_factory: sessionmaker[Session],
    *,
    now: dt.datetime,
    limit: int,
    lease_seconds: int,
    columns: Sequence[Any] = (),
    token: str | None = None,
) -> list[tuple[Any, ...]]:
    """``claim_batch`` returning ``(id, *columns)`` of each claimed row, sorted by id: the
    claim itself hands delivery what it sends, with no second query. ``token`` names the
    claiming run: only it may then record the outcome (``_finish``) or renew the lease."""
    with session_factory() as session, session.begin():
        candidates = (
            select(OutboxMessage.id)
            .where(_claimable(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        target: Any = candidates.scalar_subquery()
        if session.get_bind().dialect.name == "postgresql":
            # Lock first, then update the locked ids: PostgreSQL may run an IN (… LIMIT n FOR
            # UPDATE) subquery more than once and claim more than n rows.
            target = list(session.scalars(candidates.with_for_update(skip_locked=True)))
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(target), _claimable(now))
            .values(
                status="sending",
                lease_until=utc(now) + dt.timedelta(seconds=lease_seconds),
                attempts=OutboxMessage.attempts + 1,
                claim_token=token,
            )
            .returning(OutboxMessage.id, *columns)
            .execution_options(synchronize_session=False)
        )
        return sorted((tuple(r) for r in session.execute(stmt)), key=lambda r: r[0])


def raw_messages(session_factory: sessionmaker[Session], ids: Sequence[int]) -> dict[int, bytes]:
    """The prebuilt bytes of these rows (content is never changed, so no lock is needed)."""
    if not ids:
        return {}
    with session_factory() as session:
        if session.get_bind().dialect.name == "postgresql":
            # psycopg reads bytea as hex text unless asked for binary: half the bytes, and
            # no decoding on either side (a 250-mail batch: 12 → 6 ms)
            driver = session.connection().connection.driver_connection
            with driver.cursor(binary=True) as cursor:  # type: ignore[union-attr]
                cursor.execute(
                    "SELECT message_id, raw FROM outbox_content "
                    "WHERE message_id = ANY(%s) AND raw IS NOT NULL",
                    (list(ids),),
                )
                return {message_id: bytes(raw) for message_id, raw in cursor.fetchall()}
        found = session.execute(
            select(OutboxContent.message_id, OutboxContent.raw).where(
                OutboxContent.message_id.in_(list(ids)), OutboxContent.raw.is_not(None)
            )
        )
        return {message_id: raw for message_id, raw in found}


def _held(token: str | None) -> Any:
    held = OutboxMessage.status == "sending"
    return and_(held, OutboxMessage.claim_token == token) if token else held


def _finish(session: Session, message_id: int, token: str | None = None, **values: Any) -> bool:
    """Change a row we hold in "sending"; False if it is no longer ours to change (another
    run took it over after our lease ran out)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _held(token))
        .values(lease_until=None, claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def renew_leases(session_factory: sessionmaker[Session], token: str, *, until: dt.datetime) -> int:
    """Push the lease of every row this run still holds to ``until``; rows it holds."""
    with session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(_held(token))
            .values(lease_until=utc(until))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(
    session: Session,
    message_id: int,
    *,
    now: dt.datetime,
    note: str | None = None,
    token: str | None = None,
) -> bool:
    return _finish(session, message_id, token, status="sent", sent_at=utc(now), last_error=note)


_OUTBOX = OutboxMessage.__table__
_SENT_MANY = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
        _OUTBOX.c.status == "sending",
        _OUTBOX.c.claim_token == bindparam("token"),
    )
    .values(
        lease_until=None,
        claim_token=None,
        status="sent",
        sent_at=bindparam("sent_at"),
        last_error=None,
    )
)


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


def redeliver_to(
    session: Session,
    parent_id: int,
    address: str,
    *,
    code: int,
    reason: str,
    now: dt.datetime,
) -> OutboxMessage | None:
    """A row of its own for one recipient the server refused while it took the others.

    The same message (same bytes, same Message-ID) to that address alone: after a 4xx it waits
    for its backoff like any retry, after a 5xx it is failed with the reason, so a bad address
    in the directory shows up in ``kontrol mail list --status failed`` instead of vanishing
    under a "sent". None if that row exists already.
    """
    parent = session.get(OutboxMessage, parent_id)
    if parent is None:
        return None
    temporary = 400 <= code < 500
    at = utc(now)
    stored = next(
        (
            entry
            for entry in [*parent.to_addrs, *parent.cc_addrs]
            if parse_address(entry).addr_spec == address
        ),
        address,
    )
    stmt: Any = insert_for(session)(OutboxMessage)
    stmt = (
        stmt.values(
            key=f"{parent.key}>{address}"[:200],
            kind=parent.kind,
            assignment_id=parent.assignment_id,
            roadmap_id=parent.roadmap_id,
            recipient_body_id=parent.recipient_body_id,
            to_addrs=[stored],
            cc_addrs=[],
            reply_to=parent.reply_to,
            subject=parent.subject,
            message_id=parent.message_id,
            status="pending" if temporary else "failed",
            attempts=1,
            last_error=reason,
            created_at=at,
            next_attempt_at=at + backoff(1) if temporary else at,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is None:
        return None
    content = parent.content
    row = session.get(OutboxMessage, new_id)
    assert row is not None
    row.content = OutboxContent(
        message_id=new_id,
        body_text=content.body_text,
        body_html=content.body_html,
        attachments=list(content.attachments),
        raw=content.raw,
    )
    return row


def requeue_failed(
    session: Session, *, now: dt.datetime, ids: Sequence[int] | None = None
) -> list[int]:
    """Failed rows back to pending with a fresh count of attempts (after the address or the
    setting that failed them has been fixed); the ids requeued. ``ids`` None: every failed
    row."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == "failed")
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(list(ids)))
    result = session.execute(
        stmt.values(status="pending", attempts=0, next_attempt_at=utc(now))
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(int(i) for i in result.scalars())


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {status: int(n) for status, n in rows}


# ── one function per kind: render, address, enqueue ─────────────────────────────────────────


def body_addresses(body: Body) -> list[str]:
    name = body.short_name or body.name
    return [format_address(str(e), name) for e in body.emails]


def curator_address(body: Body) -> str | None:
    """Reply-To: the first e-mail of the body this one escalates to."""
    up = body.escalates_to
    if up is None or not up.emails:
        return None
    return format_address(str(up.emails[0]), up.short_name or up.name)


def _links(settings: Settings, link_for: LinkFor | None) -> LinkFor:
    return link_for or make_link_for(settings)


def _enqueue_for_assignment(
    session: Session,
    assignment: Assignment,
    *,
    key: str,
    kind: str,
    settings: Settings,
    now: dt.datetime,
    link_for: LinkFor | None,
    cc: Sequence[str] = (),
    ics_sequence: int | None = None,
    **extra: Any,
) -> OutboxMessage | None:
    """One mail about one assignment, to its body (with the executor's link)."""
    links = _links(settings, link_for)
    context = r.assignment_context(
        assignment, portal_base_url=settings.portal_base_url, link_for=links, **extra
    )
    rendered = r.render(kind, context)
    attachments = []
    if ics_sequence is not None:
        item = assignment.obligation.item
        url = executor_url(settings.portal_base_url, links(assignment.id, assignment.body_id))
        attachments.append(
            assignment_ics(
                assignment_id=assignment.id,
                due_on=assignment.due_on,
                summary=f"Срок: п. {item.number} {item.title}",
                period=context["a"]["period"],
                title=item.title,
                url=url,
                now=now,
                sequence=ics_sequence,
            )
        )
    return enqueue(
        session,
        key=key,
        kind=kind,
        to=body_addresses(assignment.body),
        cc=cc,
        reply_to=curator_address(assignment.body),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=attachments,
        assignment_id=assignment.id,
        roadmap_id=assignment.obligation.item.roadmap_id,
        recipient_body_id=assignment.body_id,
        now=now,
        mail_from=settings.mail_from,
        zone=mail_zone(settings),
    )


def enqueue_assignment_issued(
    session: Session,
    assignment: Assignment,
    *,
    settings: Settings,
    now: dt.datetime,
    link_for: LinkFor | None = None,
) -> OutboxMessage | None:
    """The assignment itself, with an .ics of its due date; key ``issued:{id}``."""
    return _enqueue_for_assignment(
        session,
        assignment,
        key=f"issued:{assignment.id}",
        kind="assignment_issued",
        settings=settings,
        now=now,
        link_for=link_for,
        ics_sequence=0,
    )


def enqueue_reminder(
    session: Session,
    assignment: Assignment,
    *,
    days_left: int,
    settings: Settings,
    now: dt.datetime,
    link_for: LinkFor | None = None,
) -> OutboxMessage | None:
    """A reminder ``days_left`` working days before due; one per step and due date."""
    return _enqueue_for_assignment(
        session,
        assignment,
        key=f"reminder-{days_left}:{assignment.id}:{assignment.due_on}",
        kind="reminder",
        settings=settings,
        now=now,
        link_for=link_for,
        days_left=days_left,
    )


def enqueue_overdue_notice(
    session: Session,
    assignment: Assignment,
    *,
    days_overdue: int,
    settings: Settings,
    now: dt.datetime,
    link_for: LinkFor | None = None,
) -> OutboxMessage | None:
    """The notice the working day after due, to the executor alone. It names the body the
    executor escalates to, which hears of it in its one mail of the day (``kontrol.sweep``): a
    copy per notice flooded supervisors (205 mails in one sweep), and never carries the
    executor's link."""
    informed = oversight.informed(assignment)
    return _enqueue_for_assignment(
        session,
        assignment,
        key=f"overdue:{assignment.id}:{assignment.due_on}",
        kind="overdue_notice",
        settings=settings,
        now=now,
        link_for=link_for,
        days_overdue=days_overdue,
        cc_name=r.body_name(informed) if informed is not None else None,
    )


def enqueue_extension_decision(
    session: Session,
    assignment: Assignment,
    *,
    approved: bool,
    old_due_on: dt.date,
    decision_key: str,
    settings: Settings,
    now: dt.datetime,
    comment: str | None = None,
    link_for: LinkFor | None = None,
) -> OutboxMessage | None:
    """Approved (``assignment.due_on`` is already the new date; an updated .ics goes with it)
    or rejected. ``decision_key`` names the decision, e.g. the extension request's id."""
    sequence = None
    if approved:
        earlier = session.scalar(
            select(func.count()).where(
                OutboxMessage.assignment_id == assignment.id,
                OutboxMessage.kind == "extension_decision",
            )
        )
        sequence = int(earlier or 0) + 1
    return _enqueue_for_assignment(
        session,
        assignment,
        key=f"extension:{assignment.id}:{decision_key}",
        kind="extension_decision",
        settings=settings,
        now=now,
        link_for=link_for,
        ics_sequence=sequence,
        approved=approved,
        new_due_on=assignment.due_on,
        old_due_on=old_due_on,
        comment=comment,
    )


def digest_key(recipient_id: str, as_of: dt.date) -> str:
    """A supervisor's one mail of a sweep day: a re-run or a second sweep that day adds none."""
    return f"digest:{recipient_id}:{as_of}"


def enqueue_supervisor_digest(
    session: Session,
    recipient: Body,
    *,
    as_of: dt.date,
    lines: Sequence[Line],
    news: Sequence[Line],
    weekly: bool,
    settings: Settings,
    now: dt.datetime,
    link_for: LinkFor | None = None,
) -> OutboxMessage | None:
    """A supervisor's one mail of the sweep day ``as_of`` (``render.supervisor_digest_context``);
    None when it was already written that day."""
    links = _links(settings, link_for)
    overview = getattr(links, "overview", None) or make_link_for(settings).overview
    roadmap_ids = sorted({ln.roadmap_id for ln in lines})
    roadmaps = [session.get(Roadmap, i) for i in roadmap_ids]
    context = r.supervisor_digest_context(
        recipient,
        as_of=as_of,
        lines=lines,
        news=news,
        weekly=weekly,
        roadmaps=[r.roadmap_fields(rm) for rm in roadmaps if rm is not None],
        portal_base_url=settings.portal_base_url,
        overview_token=overview(recipient.id),
    )
    rendered = r.render("supervisor_digest", context)
    return enqueue(
        session,
        key=digest_key(recipient.id, as_of),
        kind="supervisor_digest",
        to=body_addresses(recipient),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        roadmap_id=roadmap_ids[0] if len(roadmap_ids) == 1 else None,
        recipient_body_id=recipient.id,
        now=now,
        mail_from=settings.mail_from,
        zone=mail_zone(settings),
    )
