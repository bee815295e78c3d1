"""Sending the outbox over SMTP with aiosmtplib: few connections, many messages, every outcome
written back to the row.

Errors are sorted the way healthchecks' transports do it — does retrying make sense?

- temporary (4xx reply, refused connection, timeout, server gone mid-batch): the row goes back
  to pending with a backoff and the reason; after ``max_attempts`` it is failed with the reason.
- permanent (5xx reply, every recipient refused with 5xx): the row is failed with the reason,
  the others go on.
- the server cannot be reached or refuses our login: the message in hand is retried and the
  rest of the claimed rows are released (attempt not counted); the run stops.

``concurrency`` workers each hold one connection and loop over the claimed rows; one writer
records outcomes in group commits. A row is marked sent only after the server accepted it, so a
crash can repeat only a message in flight — with the same Message-ID, fixed at enqueue time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from dataclasses import asdict, dataclass
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kontrol.mail import outbox
from kontrol.mail.message import build_message, list_id_for, parse_address
from kontrol.settings import Settings
from models import OutboxMessage, Roadmap

FIRST_BATCH = 25
RECORD_WINDOW = 0.2  # seconds of outcomes per commit; lost at a kill = resent with the same id


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Outgoing:
    id: int
    attempts: int
    message: EmailMessage | bytes  # bytes: built when the row was written
    sender: str
    recipients: list[str]


@dataclass(frozen=True)
class Outcome:
    id: int
    status: str  # sent | retry | failed | release
    reason: str | None = None
    attempts: int = 0


def smtp_client(settings: Settings, *, timeout: float = 30.0) -> aiosmtplib.SMTP:
    """A client for the configured server: smtp_tls none | starttls | tls, AUTH if a user.

    With starttls the upgrade is required, not tried: a server that does not offer it is an
    error, never a fallback to plain text. Certificates are always verified, against
    ``smtp_ca_file`` when it is set.
    """
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        use_tls=settings.smtp_tls == "tls",
        start_tls=settings.smtp_tls == "starttls",
        cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        timeout=timeout,
    )


@dataclass(frozen=True)
class ServerCheck:
    """What ``kontrol mail check`` found: enough to tell a wrong port from a wrong password."""

    server: str
    ok: bool
    tls: str | None = None  # "TLSv1.3, TLS_AES_256_GCM_SHA384"
    login: str | None = None  # the user we logged in as
    extensions: tuple[str, ...] = ()
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "extensions": list(self.extensions)}


async def check_server(settings: Settings, *, timeout: float = 10.0) -> ServerCheck:
    """Connect, upgrade and log in exactly as delivery does, then say goodbye: sends nothing."""
    server = f"{settings.smtp_host}:{settings.smtp_port}"
    smtp = smtp_client(settings, timeout=timeout)
    try:
        await smtp.connect()
        ssl_object = smtp.get_transport_info("ssl_object")
        tls = f"{ssl_object.version()}, {ssl_object.cipher()[0]}" if ssl_object else None
        extensions = tuple(sorted(smtp.last_ehlo_response.message.splitlines()[1:]))
        await smtp.noop()
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await smtp.quit()
    except (aiosmtplib.SMTPException, OSError) as exc:
        return ServerCheck(server, ok=False, error=classify(exc)[1])
    finally:
        smtp.close()
    return ServerCheck(
        server, ok=True, tls=tls, login=settings.smtp_username or None, extensions=extensions
    )


def load_batch(
    session_factory: sessionmaker[Session], ids: list[int], *, mail_from: str, date: dt.datetime
) -> list[Outgoing | Outcome]:
    """Rows to messages; a row that cannot become a message is a permanent failure."""
    sender = parse_address(mail_from).addr_spec
    with session_factory() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
        ).unique().all()
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
                    list_id=list_id_for(number) if number else None,
                )
                rcpts = [parse_address(a).addr_spec for a in [*row.to_addrs, *row.cc_addrs]]
            except (ValueError, TypeError, KeyError) as exc:
                out.append(Outcome(row.id, "failed", f"cannot build the message: {exc}"))
                continue
            out.append(Outgoing(row.id, row.attempts, message, sender, rcpts))
        return out


def claim_outgoing(
    session_factory: sessionmaker[Session],
    *,
    now: dt.datetime,
    limit: int,
    lease_seconds: int,
    mail_from: str,
) -> list[Outgoing | Outcome]:
    """Claim a batch and turn it into what the workers send: the claim, then one read of the
    messages built when the rows were written; the others are built here."""
    rows = outbox.claim_rows(
        session_factory,
        now=now,
        limit=limit,
        lease_seconds=lease_seconds,
        columns=(OutboxMessage.attempts, OutboxMessage.to_addrs, OutboxMessage.cc_addrs),
    )
    raws = outbox.raw_messages(session_factory, [row[0] for row in rows])
    sender = parse_address(mail_from).addr_spec
    out: list[Outgoing | Outcome] = []
    unbuilt: list[int] = []
    for row_id, attempts, to_addrs, cc_addrs in rows:
        raw = raws.get(row_id)
        if raw is None:
            unbuilt.append(row_id)
            continue
        try:
            rcpts = [parse_address(a).addr_spec for a in [*to_addrs, *cc_addrs]]
        except (ValueError, TypeError) as exc:
            out.append(Outcome(row_id, "failed", f"bad recipient address: {exc}"))
            continue
        out.append(Outgoing(row_id, attempts, raw, sender, rcpts))
    if unbuilt:
        out += load_batch(session_factory, unbuilt, mail_from=mail_from, date=now)
    return out


def classify(exc: BaseException) -> tuple[str, str]:
    """(retry | failed, reason) for an error while sending one message."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        reason = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        return ("retry" if all(400 <= c < 500 for c in codes) else "failed"), reason
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        status = "failed" if exc.code >= 500 else "retry"
        return status, f"{exc.code} {exc.message}"
    return "retry", f"{type(exc).__name__}: {exc}"


async def _worker(
    settings: Settings,
    queue: asyncio.Queue[Outgoing | None],
    results: asyncio.Queue[Outcome | None],
    stop: dict[str, str],
    timeout: float,
) -> None:
    smtp: aiosmtplib.SMTP | None = None
    try:
        while (item := await queue.get()) is not None:
            if stop:
                await results.put(Outcome(item.id, "release", stop["reason"], item.attempts))
                continue
            if smtp is None or not smtp.is_connected:
                smtp = smtp_client(settings, timeout=timeout)
                try:
                    await smtp.connect()
                except (aiosmtplib.SMTPException, OSError) as exc:
                    reason = f"cannot connect to {settings.smtp_host}:{settings.smtp_port}: {exc}"
                    stop.setdefault("reason", f"not attempted: {reason}")
                    await results.put(Outcome(item.id, "retry", reason, item.attempts))
                    smtp = None
                    continue
            try:
                if isinstance(item.message, bytes):
                    errors, _ = await smtp.sendmail(item.sender, item.recipients, item.message)
                else:
                    errors, _ = await smtp.send_message(
                        item.message, sender=item.sender, recipients=item.recipients
                    )
            except (aiosmtplib.SMTPException, OSError) as exc:
                status, reason = classify(exc)
                await results.put(Outcome(item.id, status, reason, item.attempts))
                smtp.close()  # state after an error is unknown: start afresh
                smtp = None
                continue
            note = "; ".join(f"{a}: {r.code} {r.message}" for a, r in errors.items()) or None
            await results.put(Outcome(item.id, "sent", note and f"refused: {note}", item.attempts))
    except asyncio.CancelledError:
        if smtp is not None:
            smtp.close()  # killed: hang up at once, no polite QUIT
        raise
    if smtp is not None and smtp.is_connected:
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await asyncio.wait_for(smtp.quit(), timeout)
        smtp.close()


def _record(
    session_factory: sessionmaker[Session],
    outcomes: list[Outcome],
    *,
    now: dt.datetime,
    max_attempts: int,
    stats: DeliveryStats,
) -> None:
    """One transaction for all outcomes gathered so far (group commit)."""
    with session_factory() as session, session.begin():
        clean = [o.id for o in outcomes if o.status == "sent" and not o.reason]
        outbox.mark_sent_many(session, clean, now=now)
        stats.sent += len(clean)
        for o in outcomes:
            if o.status == "sent" and not o.reason:
                continue
            if o.status == "sent":
                outbox.mark_sent(session, o.id, now=now, note=o.reason)
                stats.sent += 1
            elif o.status == "release":
                outbox.release(session, o.id, now=now, reason=o.reason or "released")
                stats.released += 1
            elif o.status == "retry" and o.attempts < max_attempts:
                retry_at = outbox.utc(now) + outbox.backoff(o.attempts)
                outbox.mark_retry(session, o.id, next_attempt_at=retry_at, reason=o.reason or "")
                stats.retried += 1
            else:
                reason = o.reason or "failed"
                if o.status == "retry":
                    reason = f"gave up after {o.attempts} attempts: {reason}"
                outbox.mark_failed(session, o.id, reason=reason)
                stats.failed += 1


async def _writer(
    session_factory: sessionmaker[Session],
    results: asyncio.Queue[Outcome | None],
    *,
    now: dt.datetime,
    max_attempts: int,
    stats: DeliveryStats,
    finishing: asyncio.Event,
) -> None:
    done = False
    while not done:
        first = await results.get()
        batch = [] if first is None else [first]
        done = first is None
        if not done and not finishing.is_set():
            # gather a little: one commit for many outcomes is most of delivery's speed;
            # once the sending is over, record at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finishing.wait(), RECORD_WINDOW)
        while not results.empty():
            more = results.get_nowait()
            if more is None:
                done = True
            else:
                batch.append(more)
        if batch:
            await asyncio.to_thread(
                _record, session_factory, batch, now=now, max_attempts=max_attempts, stats=stats
            )


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
) -> DeliveryStats:
    """Send every due outbox row once; returns what happened. Safe to run in parallel."""
    stats = DeliveryStats()
    # room for two batches: the next claim and load overlap with sending the current one
    queue: asyncio.Queue[Outgoing | None] = asyncio.Queue(maxsize=2 * batch_size)
    results: asyncio.Queue[Outcome | None] = asyncio.Queue()
    stop: dict[str, str] = {}
    workers = [
        asyncio.create_task(_worker(settings, queue, results, stop, timeout))
        for _ in range(max(1, concurrency))
    ]
    finishing = asyncio.Event()
    writer = asyncio.create_task(
        _writer(
            session_factory,
            results,
            now=now,
            max_attempts=max_attempts,
            stats=stats,
            finishing=finishing,
        )
    )
    try:
        limit = min(batch_size, FIRST_BATCH)  # a small first claim: sending starts sooner
        while not stop:
            batch = await asyncio.to_thread(
                claim_outgoing,
                session_factory,
                now=now,
                limit=limit,
                lease_seconds=lease_seconds,
                mail_from=settings.mail_from,
            )
            if not batch:
                break
            limit = batch_size
            for entry in batch:
                if isinstance(entry, Outcome):
                    await results.put(entry)
                else:
                    await queue.put(entry)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
        finishing.set()
    finally:
        # On cancellation (a kill): stop sending, but record what was already sent. Rows
        # still "sending" are picked up again when their lease runs out.
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        results.put_nowait(None)
        await writer
    return stats
