"""Recording a delivery run's outcomes: one writer commits them in groups as the workers
send, and tells each worker its message is recorded.

Every outcome is written back to its row (``kontrol.mail.states``): sent, retried later with a
backoff, failed with the reason, or released untried; a recipient refused while the others took
the message gets a row of its own (``outbox.redeliver_to``). Only the run's token may change a
row, so a run that lost its lease records nothing over another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
from dataclasses import asdict, dataclass

import psycopg
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from kontrol.mail import outbox, pg_loop, states
from kontrol.mail.sending import Outcome, Run
from kontrol.mail.smtp import Refusal
from kontrol.models.base import utc

RECORD_WAIT = 0.05  # seconds an outcome may wait for company when no worker needs it yet
Results = asyncio.Queue[tuple[Outcome, asyncio.Future[None]] | None]


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


async def writer(
    session_factory: sessionmaker[Session],
    results: Results,
    *,
    run: Run,
    max_attempts: int,
    stats: DeliveryStats,
    connection: psycopg.AsyncConnection | None = None,
) -> None:
    """Commit the outcomes that have come in, as soon as a worker needs them, and tell each
    worker its message is recorded. With ``connection`` (PostgreSQL), clean sends are recorded
    on it, on the loop (``kontrol.mail.pg_loop``)."""
    commits = _Commits(session_factory, connection, run, max_attempts, stats)
    try:
        done = False
        while not done:
            batch, done = await _gather(results, run)
            if not batch:
                continue
            try:
                await commits.commit([outcome for outcome, _ in batch])
            except Exception as exc:  # not only the database's: a worker must never wait forever
                # the workers waiting on these records stop the run with this error; the rows
                # stay "sending" and are taken up again when their lease runs out
                run.stop(f"cannot record: {exc}")
                for _, recorded in batch:
                    if not recorded.done():
                        recorded.set_exception(exc)
                continue
            for _, recorded in batch:
                if not recorded.done():
                    recorded.set_result(None)
    finally:
        commits.close()


class _Commits:
    """Where each group of outcomes is written. Clean sends alone are one UPDATE, its own
    transaction: on the loop's ``connection`` when there is one, else on a held connection,
    run inline on SQLite (a tenth of a millisecond: less than a thread hop). Anything else is
    one transaction on a thread."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        connection: psycopg.AsyncConnection | None,
        run: Run,
        max_attempts: int,
        stats: DeliveryStats,
    ) -> None:
        self.session_factory, self.connection, self.run = session_factory, connection, run
        self.max_attempts, self.stats = max_attempts, stats
        self.engine = session_factory.kw["bind"]
        self.inline = self.engine.dialect.name == "sqlite"
        self.held: Connection | None = None  # made when first needed, where errors are handled
        self.released: set[int] = set()

    async def commit(self, outcomes: list[Outcome]) -> None:
        now, token = self.run.clock(), self.run.token
        clean = all(o.clean for o in outcomes)
        if self.connection is not None and clean:
            ids = [o.id for o in outcomes]
            self.stats.sent += await pg_loop.mark_sent_many(
                self.connection, ids, now=now, token=token
            )
            return
        if self.held is None and self.connection is None:
            self.held = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        write = functools.partial(
            _write,
            self.session_factory,
            self.held,
            outcomes,
            now=now,
            max_attempts=self.max_attempts,
            stats=self.stats,
            token=token,
            released=self.released,
        )
        if self.inline and clean:
            write()
        else:
            await asyncio.to_thread(write)

    def close(self) -> None:
        if self.held is not None:
            self.held.close()


async def _gather(
    results: Results, run: Run
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
    held: Connection | None,
    outcomes: list[Outcome],
    *,
    now: dt.datetime,
    max_attempts: int,
    stats: DeliveryStats,
    token: str,
    released: set[int],
) -> None:
    """One transaction for all outcomes gathered so far (group commit); clean sends alone are
    one UPDATE on the held connection (there is one whenever the writer sends them here)."""
    if all(o.clean for o in outcomes):
        assert held is not None
        stats.sent += states.mark_sent_many(held, [o.id for o in outcomes], now=now, token=token)
        return
    clean = [o.id for o in outcomes if o.clean]
    with session_factory() as session, session.begin():
        stats.sent += states.mark_sent_many(session, clean, now=now, token=token)
        for o in outcomes:
            if o.clean:
                continue
            if o.status == "sent":
                if states.mark_sent(session, o.id, now=now, note=o.reason, token=token):
                    stats.sent += 1
                    _split_off(session, o, o.refused, now=now, stats=stats)
            elif o.status == "release":
                states.release(session, o.id, now=now, reason=o.reason or "released", token=token)
                # a claim already on its way when the run stopped may hand back a row released
                # a moment before: released twice, it is one mail not attempted
                if o.id not in released:
                    released.add(o.id)
                    stats.released += 1
            elif o.status == "refused" and any(code >= 500 for _, code, _ in o.refused):
                # some for good: this row fails with every reason, the 4xx ones get their own
                if states.mark_failed(session, o.id, reason=o.reason or "refused", token=token):
                    stats.failed += 1
                    temporary = tuple(r for r in o.refused if r[1] < 500)
                    _split_off(session, o, temporary, now=now, stats=stats)
            elif o.status in ("retry", "refused") and o.attempts < max_attempts:
                retry_at = utc(now) + states.backoff(o.attempts)
                states.mark_retry(
                    session, o.id, next_attempt_at=retry_at, reason=o.reason or "", token=token
                )
                stats.retried += 1
            else:
                reason = o.reason or "failed"
                if o.status in ("retry", "refused"):
                    reason = f"gave up after {o.attempts} attempts: {reason}"
                states.mark_failed(session, o.id, reason=reason, token=token)
                stats.failed += 1
