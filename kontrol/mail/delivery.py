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

``concurrency`` workers each hold one connection; one writer records outcomes in group commits.
A message is in flight from the moment it is handed to the server until its outcome is
committed; a worker keeps at most ``UNRECORDED`` accepted messages uncommitted while it sends the
next, so a kill repeats at most ``UNRECORDED + 1`` messages per connection — with the same
Message-IDs, fixed at enqueue time. (``UNRECORDED`` 1 costs a commit per message: 80 % of the
bare loop's speed on SQLite, 65 % on PostgreSQL; 4: 90 % and 72 %; see bench/README-mail.md.)

Rows are claimed with a lease and a token naming the run; a heartbeat renews the leases of the
rows the run still holds, and a worker never starts a message its lease might not cover. A run
that dies stops renewing, its rows become claimable when the lease runs out, and only the token
holder can record an outcome, so two runs never send the same row.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import os
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kontrol.config import mail_zone
from kontrol.mail import outbox
from kontrol.mail.message import build_message, list_id_for, parse_address
from kontrol.models import OutboxMessage, Roadmap
from kontrol.models.base import utc
from kontrol.settings import Settings

Clock = Callable[[], dt.datetime]
Refusal = tuple[str, int, str]  # (address, SMTP code, the server's words)

FIRST_BATCH = 25
RECORD_WAIT = 0.05  # seconds an outcome may wait for company when no worker needs it yet
# accepted messages per connection whose outcome may still be uncommitted when the next one
# goes out: what a kill can repeat, besides the message being sent
UNRECORDED = 4


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    # why the run stopped before the outbox was done (a setting or the server), else None
    stopped: str | None = None

    def as_dict(self) -> dict[str, int | str | None]:
        return asdict(self)

    def words(self) -> str:
        """The counts as a person reads them (never a Python dict)."""
        return (
            f"sent {self.sent}, retry later {self.retried}, failed {self.failed}, "
            f"not attempted {self.released}"
        )


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
    status: str  # sent | retry | failed | release | refused (every recipient refused)
    reason: str | None = None
    attempts: int = 0
    refused: tuple[Refusal, ...] = ()  # with "sent": the recipients that did not take it

    @property
    def clean(self) -> bool:
        """Sent to every recipient: the common case, recorded in one UPDATE for many."""
        return self.status == "sent" and not self.refused


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
        if smtp.last_ehlo_response is None:  # plain and no login: connect() sent no EHLO
            await smtp.ehlo()
        assert smtp.last_ehlo_response is not None
        extensions = tuple(sorted(smtp.last_ehlo_response.message.splitlines()[1:]))
        await smtp.noop()
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await smtp.quit()
    except (aiosmtplib.SMTPException, OSError) as exc:
        return ServerCheck(server, ok=False, error=connect_words(exc))
    finally:
        smtp.close()
    return ServerCheck(
        server, ok=True, tls=tls, login=settings.smtp_username or None, extensions=extensions
    )


def load_batch(
    session_factory: sessionmaker[Session],
    ids: list[int],
    *,
    mail_from: str,
    date: dt.datetime,
    zone: dt.tzinfo,
) -> list[Outgoing | Outcome]:
    """Rows to messages; a row that cannot become a message is a permanent failure."""
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


def claim_outgoing(
    session_factory: sessionmaker[Session],
    *,
    now: dt.datetime,
    limit: int,
    lease_seconds: int,
    mail_from: str,
    zone: dt.tzinfo,
    token: str | None = None,
) -> list[Outgoing | Outcome]:
    """Claim a batch and turn it into what the workers send: the claim, then one read of the
    messages built when the rows were written; the others are built here (Date in ``zone``)."""
    rows = outbox.claim_rows(
        session_factory,
        now=now,
        limit=limit,
        lease_seconds=lease_seconds,
        columns=(OutboxMessage.attempts, OutboxMessage.to_addrs, OutboxMessage.cc_addrs),
        token=token,
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
        out += load_batch(session_factory, unbuilt, mail_from=mail_from, date=now, zone=zone)
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


def connect_words(exc: BaseException) -> str:
    """Why connecting (with TLS and login) failed, in words: the server's reply, or the
    system's reason without Python's tuples (\"Connection refused\", not \"[Errno 111] Connect
    call failed ('127.0.0.1', 1)\")."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    cause = exc.__cause__
    if (
        isinstance(exc, aiosmtplib.SMTPConnectError)
        and isinstance(cause, OSError)
        and not isinstance(cause, TimeoutError)
        and cause.errno is not None
    ):
        words = os.strerror(cause.errno) if cause.errno > 0 else cause.strerror
        return f"{words or cause}"
    return f"{type(exc).__name__}: {exc}"


def describe(refused: tuple[Refusal, ...]) -> str:
    return "; ".join(f"{address}: {code} {words}" for address, code, words in refused)


@dataclass
class _Run:
    """What the workers of one run share: who we are, what time it is, how long we may send."""

    token: str
    clock: Clock
    lease: dt.timedelta
    budget: dt.timedelta  # the longest one message may take
    valid_until: dt.datetime  # every row we hold is leased at least until then
    stop_reason: str | None = None
    # set when a worker waits for a record (or many are queued): the writer commits now
    wanted: asyncio.Event = field(default_factory=asyncio.Event)

    def may_start_a_message(self) -> bool:
        return self.clock() + self.budget < self.valid_until


Recorder = Callable[[Outcome], "asyncio.Future[None]"]


async def _send(smtp: aiosmtplib.SMTP, item: Outgoing) -> dict[str, aiosmtplib.SMTPResponse]:
    if isinstance(item.message, bytes):
        errors, _ = await smtp.sendmail(item.sender, item.recipients, item.message)
    else:
        errors, _ = await smtp.send_message(
            item.message, sender=item.sender, recipients=item.recipients
        )
    return errors


async def _worker(
    settings: Settings,
    run: _Run,
    queue: asyncio.Queue[Outgoing | None],
    record: Recorder,
    timeout: float,
) -> None:
    smtp: aiosmtplib.SMTP | None = None
    # records of this connection's messages not yet known to be committed, oldest first
    unrecorded: deque[asyncio.Future[None]] = deque()

    def recorded(outcome: Outcome) -> None:
        unrecorded.append(record(outcome))
        if len(unrecorded) >= UNRECORDED:
            run.wanted.set()  # commit now, while the next message is being sent

    try:
        while (item := await queue.get()) is not None:
            while unrecorded and unrecorded[0].done():
                unrecorded.popleft().result()
            while len(unrecorded) > UNRECORDED:
                run.wanted.set()
                await unrecorded.popleft()
            if run.stop_reason or not run.may_start_a_message():
                reason = run.stop_reason or "not attempted: the run's lease ran out"
                record(Outcome(item.id, "release", reason, item.attempts))
                continue
            if smtp is None or not smtp.is_connected:
                smtp = smtp_client(settings, timeout=timeout)
                try:
                    await smtp.connect()
                except (aiosmtplib.SMTPException, OSError, OverflowError) as exc:
                    # unreachable, TLS or login refused: the settings or the server, not this
                    # message; nothing went out, so no attempt is counted (OverflowError: a
                    # port out of range that did not come through load_settings)
                    where = f"{settings.smtp_host}:{settings.smtp_port}"
                    reason = f"cannot connect to {where}: {connect_words(exc)}"
                    run.stop_reason = run.stop_reason or f"not attempted: {reason}"
                    recorded(Outcome(item.id, "release", reason, item.attempts))
                    smtp = None
                    continue
            try:
                errors = await _send(smtp, item)
            except aiosmtplib.SMTPSenderRefused as exc:
                # the server will take nothing from this sender: a setting, not this message
                reason = f"the server refused the sender {exc.sender}: {exc.code} {exc.message}"
                run.stop_reason = run.stop_reason or f"not attempted: {reason}"
                recorded(Outcome(item.id, "release", reason, item.attempts))
            except aiosmtplib.SMTPRecipientsRefused as exc:
                refused = tuple((r.recipient, r.code, r.message) for r in exc.recipients)
                recorded(Outcome(item.id, "refused", describe(refused), item.attempts, refused))
            except (aiosmtplib.SMTPException, OSError) as exc:
                status, reason = classify(exc)
                recorded(Outcome(item.id, status, reason, item.attempts))
            else:
                refused = tuple((a, r.code, r.message) for a, r in errors.items())
                note = f"refused: {describe(refused)}" if refused else None
                recorded(Outcome(item.id, "sent", note, item.attempts, refused))
                continue
            smtp.close()  # state after an error is unknown: start afresh
            smtp = None
    except BaseException:
        if smtp is not None:
            smtp.close()  # killed or failed: hang up at once, no polite QUIT
        raise
    while unrecorded:
        run.wanted.set()
        await unrecorded.popleft()
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
    token: str,
) -> None:
    """One transaction for all outcomes gathered so far (group commit)."""
    clean = [o.id for o in outcomes if o.clean]
    with session_factory() as session, session.begin():
        stats.sent += outbox.mark_sent_many(session, clean, now=now, token=token)
        for o in outcomes:
            if o.clean:
                continue
            if o.status == "sent":
                if outbox.mark_sent(session, o.id, now=now, note=o.reason, token=token):
                    stats.sent += 1
                    _split_off(session, o, o.refused, now=now, stats=stats)
            elif o.status == "release":
                outbox.release(session, o.id, now=now, reason=o.reason or "released", token=token)
                stats.released += 1
            elif o.status == "refused" and any(code >= 500 for _, code, _ in o.refused):
                # some for good: this row fails with every reason, the 4xx ones get their own
                if outbox.mark_failed(session, o.id, reason=o.reason or "refused", token=token):
                    stats.failed += 1
                    temporary = tuple(r for r in o.refused if r[1] < 500)
                    _split_off(session, o, temporary, now=now, stats=stats)
            elif o.status in ("retry", "refused") and o.attempts < max_attempts:
                retry_at = utc(now) + outbox.backoff(o.attempts)
                outbox.mark_retry(
                    session, o.id, next_attempt_at=retry_at, reason=o.reason or "", token=token
                )
                stats.retried += 1
            else:
                reason = o.reason or "failed"
                if o.status in ("retry", "refused"):
                    reason = f"gave up after {o.attempts} attempts: {reason}"
                outbox.mark_failed(session, o.id, reason=reason, token=token)
                stats.failed += 1


def _split_off(
    session: Session,
    outcome: Outcome,
    refused: tuple[Refusal, ...],
    *,
    now: dt.datetime,
    stats: DeliveryStats,
) -> None:
    for address, code, words in refused:
        row = outbox.redeliver_to(
            session, outcome.id, address, code=code, reason=f"{code} {words}", now=now
        )
        if row is not None and row.status == "failed":
            stats.failed += 1
        elif row is not None:
            stats.retried += 1


async def _writer(
    session_factory: sessionmaker[Session],
    results: asyncio.Queue[tuple[Outcome, asyncio.Future[None]] | None],
    *,
    run: _Run,
    max_attempts: int,
    stats: DeliveryStats,
) -> None:
    """Commit the outcomes that have come in, as soon as a worker needs them, and tell each
    worker its message is recorded."""
    engine = session_factory.kw["bind"]
    # clean sends are one UPDATE, its own transaction on a held connection; SQLite answers it
    # in a tenth of a millisecond, so it runs here rather than paying a thread hop each time
    held = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    inline = engine.dialect.name == "sqlite"
    try:
        done = False
        while not done:
            batch, done = await _gather(results, run)
            if not batch:
                continue
            outcomes = [outcome for outcome, _ in batch]
            write = functools.partial(
                _write,
                session_factory,
                held,
                outcomes,
                now=run.clock(),
                max_attempts=max_attempts,
                stats=stats,
                token=run.token,
            )
            try:
                if inline and all(o.clean for o in outcomes):
                    write()
                else:
                    await asyncio.to_thread(write)
            except SQLAlchemyError as exc:
                # the workers waiting on these records stop the run with this error; the rows
                # stay "sending" and are taken up again when their lease runs out
                run.stop_reason = run.stop_reason or f"not attempted: cannot record: {exc}"
                for _, recorded in batch:
                    if not recorded.done():
                        recorded.set_exception(exc)
                continue
            for _, recorded in batch:
                if not recorded.done():
                    recorded.set_result(None)
    finally:
        held.close()


async def _gather(
    results: asyncio.Queue[tuple[Outcome, asyncio.Future[None]] | None], run: _Run
) -> tuple[list[tuple[Outcome, asyncio.Future[None]]], bool]:
    """The outcomes to commit next, once a worker wants them (or ``RECORD_WAIT`` passed), and
    whether the run is over."""
    first = await results.get()
    if first is not None and not run.wanted.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.wanted.wait(), RECORD_WAIT)
    run.wanted.clear()
    batch = [] if first is None else [first]
    done = first is None
    while not results.empty():
        more = results.get_nowait()
        if more is None:
            done = True
        else:
            batch.append(more)
    return batch, done


def _write(
    session_factory: sessionmaker[Session],
    held: Connection,
    outcomes: list[Outcome],
    *,
    now: dt.datetime,
    max_attempts: int,
    stats: DeliveryStats,
    token: str,
) -> None:
    if all(o.clean for o in outcomes):
        stats.sent += outbox.mark_sent_many(held, [o.id for o in outcomes], now=now, token=token)
    else:
        _record(
            session_factory, outcomes, now=now, max_attempts=max_attempts, stats=stats, token=token
        )


async def _heartbeat(session_factory: sessionmaker[Session], run: _Run) -> None:
    """Renew the leases of the rows this run holds, every third of the lease."""
    while True:
        await asyncio.sleep(run.lease.total_seconds() / 3)
        until = run.clock() + run.lease
        with contextlib.suppress(SQLAlchemyError):  # missed: workers stop before it matters
            await asyncio.to_thread(outbox.renew_leases, session_factory, run.token, until=until)
            run.valid_until = until


def advancing_from(now: dt.datetime) -> Clock:
    """A clock that starts at ``now`` and runs with real time (monotonic), for leases."""
    started = time.monotonic()
    return lambda: now + dt.timedelta(seconds=time.monotonic() - started)


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
    zone = mail_zone(settings)
    lease = dt.timedelta(seconds=lease_seconds)
    run = _Run(
        token=uuid.uuid4().hex,
        clock=clock,
        lease=lease,
        budget=min(dt.timedelta(seconds=4 * timeout), lease / 2),
        valid_until=clock() + lease,
    )
    stats = DeliveryStats()
    loop = asyncio.get_running_loop()
    # room for two batches: the next claim and load overlap with sending the current one
    queue: asyncio.Queue[Outgoing | None] = asyncio.Queue(maxsize=2 * batch_size)
    results: asyncio.Queue[tuple[Outcome, asyncio.Future[None]] | None] = asyncio.Queue()

    def record(outcome: Outcome) -> asyncio.Future[None]:
        recorded: asyncio.Future[None] = loop.create_future()
        results.put_nowait((outcome, recorded))
        if results.qsize() >= 2 * len(workers):
            run.wanted.set()
        return recorded

    workers = [
        asyncio.create_task(_worker(settings, run, queue, record, timeout))
        for _ in range(max(1, concurrency))
    ]
    writer = asyncio.create_task(
        _writer(session_factory, results, run=run, max_attempts=max_attempts, stats=stats)
    )
    heartbeat = asyncio.create_task(_heartbeat(session_factory, run))
    try:
        limit = min(batch_size, FIRST_BATCH)  # a small first claim: sending starts sooner
        while not run.stop_reason and run.may_start_a_message():
            batch = await asyncio.to_thread(
                claim_outgoing,
                session_factory,
                now=clock(),
                limit=limit,
                lease_seconds=lease_seconds,
                mail_from=settings.mail_from,
                zone=zone,
                token=run.token,
            )
            if not batch:
                break
            limit = batch_size
            for entry in batch:
                if isinstance(entry, Outcome):
                    record(entry)
                else:
                    await queue.put(entry)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    finally:
        # On cancellation (a kill) or an error: stop sending, but record what was already
        # sent, and give back at once what no worker took. Rows still "sending" (the ones in
        # a worker's hands) are picked up again when their lease runs out.
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        while not queue.empty():
            if (left := queue.get_nowait()) is not None:
                record(Outcome(left.id, "release", "not attempted: the run ended", left.attempts))
        results.put_nowait(None)
        run.wanted.set()
        await writer
        heartbeat.cancel()
        await asyncio.gather(heartbeat, return_exceptions=True)
    stats.stopped = run.stop_reason.removeprefix("not attempted: ") if run.stop_reason else None
    return stats
