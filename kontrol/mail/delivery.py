"""Sending the outbox over SMTP with aiosmtplib: few connections, many messages, every outcome
written back to the row.

Errors are sorted the way healthchecks' transports do it — does retrying make sense?

- temporary (4xx reply, refused connection, timeout, server gone mid-batch): the row goes back
  to pending with a backoff and the reason; after ``max_attempts`` it is failed with the reason.
- permanent for the message (5xx to its recipients or to its data): the row is failed with the
  reason, the others go on. A recipient refused while the others took the message gets a row of
  its own (same bytes, same Message-ID): retried after a 4xx, failed with the reason after a 5xx.
- a problem of the settings (the server cannot be reached, refuses our login, our certificate
  check or our sender): the run stops; the message in hand and the rest of the claimed rows
  wait, with the reason, and no attempt is counted: a server that is down for days fails no
  mail (``DeliveryStats.stopped`` says why; ``kontrol mail deliver`` exits 2).

``concurrency`` workers each hold one connection (``kontrol.mail.sending``); one writer records
outcomes in group commits (``kontrol.mail.recording``). On PostgreSQL the claims and the records
of clean sends run on the sending loop itself (``kontrol.mail.pg_loop``), elsewhere on
threads. Every message was built when its row
was written (``outbox.enqueue``): delivery sends the stored bytes. A message is in flight from
the moment it is handed to the server until its outcome is committed; a worker keeps at most
``UNRECORDED`` accepted messages uncommitted while it sends the next, so a kill repeats at most
``UNRECORDED + 1`` messages per connection — with the same Message-IDs, fixed at enqueue time.

Rows are claimed with a lease and a token naming the run; a heartbeat renews the leases of the
rows the run still holds, and a worker never starts a message its lease might not cover. A run
that dies stops renewing, its rows become claimable when the lease runs out, and only the token
holder can record an outcome, so two runs never send the same row.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from typing import Any

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kontrol.config import mail_zone
from kontrol.mail import claims, pg_loop
from kontrol.mail.crew import Crew
from kontrol.mail.message import build_message, list_id_for, parse_address
from kontrol.mail.recording import DeliveryStats
from kontrol.mail.sending import UNRECORDED, Clock, Outcome, Outgoing, Run
from kontrol.mail.smtp import ServerCheck, check_server
from kontrol.models import OutboxMessage, Roadmap
from kontrol.settings import Settings

__all__ = [
    "UNRECORDED",
    "DeliveryStats",
    "Outgoing",
    "ServerCheck",
    "check_server",
    "claim_with_bytes",
    "deliver_pending",
    "load_batch",
]
FIRST_BATCH = 25


def load_batch(
    session_factory: sessionmaker[Session],
    ids: list[int],
    *,
    mail_from: str,
    date: dt.datetime,
    zone: dt.tzinfo,
) -> list[Outgoing | Outcome]:
    """Rows to messages, for rows without stored bytes; a row that cannot become a message is
    a permanent failure.

    Every row is built when it is written (``outbox.enqueue``), so only two kinds of row come
    here: rows written by an earlier version, which built the portal's mails, the annual
    report's and the weekly summaries only when sending them (such rows may still wait in an
    outbox carried over by the migrations), and rows that could not be built when written —
    failed then with the reason, and requeued (``kontrol mail retry``) once it was fixed."""
    sender = parse_address(mail_from).addr_spec
    with session_factory() as session:
        rows = (
            session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).unique().all()
        )
        roadmap_ids = {row.roadmap_id for row in rows if row.roadmap_id is not None}
        numbers = {
            rid: number
            for rid, number in session.execute(
                select(Roadmap.id, Roadmap.number).where(Roadmap.id.in_(roadmap_ids))
            )
        }
        out: list[Outgoing | Outcome] = []
        for row in sorted(rows, key=lambda r: r.id):
            try:
                number = numbers.get(row.roadmap_id) if row.roadmap_id else None
                message = row.raw or build_message(
                    row,
                    mail_from=mail_from,
                    date=date,
                    zone=zone,
                    list_id=list_id_for(number) if number else None,
                )
                rcpts = [parse_address(a).addr_spec for a in [*row.to_addrs, *row.cc_addrs]]
            except (ValueError, TypeError, KeyError) as exc:
                out.append(Outcome(row.id, "failed", f"cannot build the message: {exc}"))
                continue
            out.append(Outgoing(row.id, row.attempts, message, sender, rcpts))
        return out


def claim_with_bytes(
    session_factory: sessionmaker[Session],
    *,
    now: dt.datetime,
    limit: int,
    lease_seconds: int,
    token: str,
) -> list[tuple[Any, ...]]:
    """``pg_loop.claim_with_bytes`` on a thread through SQLAlchemy: the claim, then one read of
    the messages built when the rows were written."""
    rows = claims.claim_rows(
        session_factory,
        now=now,
        limit=limit,
        lease_seconds=lease_seconds,
        columns=pg_loop.SENT_COLUMNS,
        token=token,
    )
    raws = claims.raw_messages(session_factory, [row[0] for row in rows])
    return [(*row, raws.get(row[0])) for row in rows]


def _outgoing(
    rows: list[tuple[Any, ...]], mail_from: str
) -> tuple[list[Outgoing | Outcome], list[int]]:
    """Claimed rows ``(id, *SENT_COLUMNS, bytes)`` as what the workers send, and the ids of
    those without bytes, which ``load_batch`` builds."""
    sender = parse_address(mail_from).addr_spec
    out: list[Outgoing | Outcome] = []
    unbuilt: list[int] = []
    for row_id, attempts, to_addrs, cc_addrs, raw in rows:
        if raw is None:
            unbuilt.append(row_id)
            continue
        try:
            rcpts = [parse_address(a).addr_spec for a in [*to_addrs, *cc_addrs]]
        except (ValueError, TypeError) as exc:
            out.append(Outcome(row_id, "failed", f"bad recipient address: {exc}"))
            continue
        out.append(Outgoing(row_id, attempts, bytes(raw), sender, rcpts))
    return out, unbuilt


async def _claim(
    session_factory: sessionmaker[Session],
    settings: Settings,
    run: Run,
    connection: psycopg.AsyncConnection | None,
    *,
    limit: int,
    lease_seconds: int,
) -> list[Outgoing | Outcome]:
    """The next batch: on the loop when there is a connection for it (PostgreSQL,
    ``kontrol.mail.pg_loop``), else on a thread; rows without bytes are built on a thread."""
    now, zone = run.clock(), mail_zone(settings)
    if connection is None:
        rows = await asyncio.to_thread(
            claim_with_bytes,
            session_factory,
            now=now,
            limit=limit,
            lease_seconds=lease_seconds,
            token=run.token,
        )
    else:
        rows = await pg_loop.claim_with_bytes(
            connection, now=now, limit=limit, lease_seconds=lease_seconds, token=run.token
        )
    out, unbuilt = _outgoing(rows, settings.mail_from)
    if unbuilt:  # built here (Date in ``zone``)
        out += await asyncio.to_thread(
            load_batch, session_factory, unbuilt, mail_from=settings.mail_from, date=now, zone=zone
        )
    return out


def advancing_from(now: dt.datetime) -> Clock:
    """A clock that starts at ``now`` and runs with real time (monotonic), for leases."""
    started = time.monotonic()
    return lambda: now + dt.timedelta(seconds=time.monotonic() - started)


async def _claim_all(
    session_factory: sessionmaker[Session],
    settings: Settings,
    crew: Crew,
    connection: psycopg.AsyncConnection | None,
    *,
    batch_size: int,
    lease_seconds: int,
) -> None:
    """Claim batches and hand them to the workers until the outbox is done or the run
    stops."""
    run = crew.run
    limit = min(batch_size, FIRST_BATCH)  # a small first claim: sending starts sooner
    while not run.stop_reason and run.may_start_a_message():
        claiming = asyncio.ensure_future(
            _claim(
                session_factory,
                settings,
                run,
                connection,
                limit=limit,
                lease_seconds=lease_seconds,
            )
        )
        try:
            batch = await asyncio.shield(claiming)
        except asyncio.CancelledError:
            # killed mid-claim: the claim ends, and what it took goes where wind_down gives
            # it back at once, instead of staying claimed until the lease runs out
            run.stop("the run was cancelled")
            with contextlib.suppress(Exception):  # a claim that failed took nothing
                await crew.hand_over(await claiming)
            raise
        if not batch:
            break
        limit = batch_size
        await crew.hand_over(batch)
    await crew.finish()


async def deliver_pending(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: dt.datetime,
    concurrency: int = 4,
    max_attempts: int = 5,
    batch_size: int = 250,
    lease_seconds: int = 300,
    timeout: float = 30.0,
    clock: Clock | None = None,
) -> DeliveryStats:
    """Send every due outbox row once; returns what happened. Safe to run in parallel.

    ``now`` is when the run starts; ``clock`` (default: ``now`` advancing with real time) tells
    the time for leases and records during the run.
    """
    clock = clock or advancing_from(now)
    lease = dt.timedelta(seconds=lease_seconds)
    run = Run(
        token=uuid.uuid4().hex,
        clock=clock,
        lease=lease,
        budget=min(dt.timedelta(seconds=4 * timeout), lease / 2),
        valid_until=clock() + lease,
    )
    stats = DeliveryStats()
    engine = session_factory.kw["bind"]
    async with contextlib.AsyncExitStack() as stack:
        claiming = recording = None
        if engine.dialect.name == "postgresql":  # the claims and clean records on the loop
            claiming, recording = await stack.enter_async_context(pg_loop.connections(engine, 2))
        crew = Crew(
            session_factory,
            settings,
            run,
            stats,
            concurrency=concurrency,
            max_attempts=max_attempts,
            batch_size=batch_size,
            timeout=timeout,
            records=recording,
        )
        try:
            await _claim_all(
                session_factory,
                settings,
                crew,
                claiming,
                batch_size=batch_size,
                lease_seconds=lease_seconds,
            )
        finally:
            await crew.wind_down()
    stats.stopped = run.stop_reason.removeprefix("not attempted: ") if run.stop_reason else None
    return stats
