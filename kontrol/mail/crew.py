"""The tasks of one delivery run, apart from the claims (``kontrol.mail.delivery``): the
workers sending (``kontrol.mail.sending``), the writer recording (``kontrol.mail.recording``),
the heartbeat renewing the leases, and the queue between the claimer and the workers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import psycopg
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kontrol.mail import states
from kontrol.mail.recording import DeliveryStats, Results, writer
from kontrol.mail.sending import UNRECORDED, Outcome, Outgoing, Run, worker
from kontrol.settings import Settings

__all__ = ["Crew", "Feed"]


async def _heartbeat(session_factory: sessionmaker[Session], run: Run) -> None:
    """Renew the leases of the rows this run holds, every third of the lease."""
    while True:
        await asyncio.sleep(run.lease.total_seconds() / 3)
        until = run.clock() + run.lease
        with contextlib.suppress(SQLAlchemyError):  # missed: workers stop before it matters
            await asyncio.to_thread(states.renew_leases, session_factory, run.token, until=until)
            run.valid_until = until


class Feed(asyncio.Queue["Outgoing | None"]):
    """The workers' queue. The claimer waits until a whole batch fits (``room``) and hands it
    over at once: a bounded queue woke it for every message taken, 2,000 wakeups for 2,000
    mails."""

    def __init__(self, room_for: int) -> None:
        super().__init__()
        self.room_for = room_for
        self.room = asyncio.Event()
        self.room.set()

    def _get(self) -> Outgoing | None:  # asyncio.Queue's hook for every item taken
        item = super()._get()
        if self.qsize() <= self.room_for:
            self.room.set()
        return item

    async def put_batch(self, batch: list[Outgoing], *, ending: Callable[[], bool]) -> None:
        """Once no more than ``room_for`` wait (at most two batches are ever waiting), or at
        once when the run is ``ending``: workers that have stopped take nothing, and a claimer
        waiting for them would wait for ever. ``room`` is set when that changes. The batch goes
        in whatever happens, a kill included, so that ``wind_down`` gives back what no worker
        took instead of leaving it claimed until the lease runs out."""
        try:
            while self.qsize() > self.room_for and not ending():
                self.room.clear()
                await self.room.wait()
        finally:
            for entry in batch:
                self.put_nowait(entry)


class Crew:
    """The tasks of one run: the workers sending, the writer recording, the heartbeat."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        run: Run,
        stats: DeliveryStats,
        *,
        concurrency: int,
        max_attempts: int,
        batch_size: int,
        timeout: float,
        records: psycopg.AsyncConnection | None,
    ) -> None:
        self.run = run
        self.loop = asyncio.get_running_loop()
        # room for two batches: the next claim and load overlap with sending the current one
        self.queue = Feed(room_for=batch_size)
        self.results: Results = asyncio.Queue()
        self.workers = [
            asyncio.create_task(worker(settings, run, self.queue, self.record, timeout))
            for _ in range(max(1, concurrency))
        ]
        for w in self.workers:
            w.add_done_callback(self._worker_ended)
        self.writer = asyncio.create_task(
            writer(
                session_factory,
                self.results,
                run=run,
                max_attempts=max_attempts,
                stats=stats,
                connection=records,
            )
        )
        self.heartbeat = asyncio.create_task(_heartbeat(session_factory, run))

    def record(self, outcome: Outcome) -> asyncio.Future[None]:
        recorded: asyncio.Future[None] = self.loop.create_future()
        self.results.put_nowait((outcome, recorded))
        # as many as all the workers may leave uncommitted: commit, whoever asked or not
        if self.results.qsize() >= UNRECORDED * len(self.workers):
            self.run.wanted.set()
        return recorded

    def _worker_ended(self, task: asyncio.Task[None]) -> None:
        """A worker that fails (its record could not be written, or a bug) stops the run: the
        claimer, which may be waiting for room only workers make, claims no more."""
        if not task.cancelled() and task.exception() is not None:
            self.run.stop(f"a worker failed: {task.exception()}")
        self.queue.room.set()

    async def hand_over(self, batch: list[Outgoing | Outcome]) -> None:
        """A claimed batch to the workers, when there is room or the run has stopped; the rows
        that cannot become a message are recorded as they are."""
        for entry in batch:
            if isinstance(entry, Outcome):
                self.record(entry)
        await self.queue.put_batch(
            [entry for entry in batch if isinstance(entry, Outgoing)],
            ending=lambda: bool(self.run.stop_reason),
        )

    async def finish(self) -> None:
        """Everything is claimed: each worker ends after what it was handed."""
        for _ in self.workers:
            await self.queue.put(None)
        await asyncio.gather(*self.workers)

    async def wind_down(self) -> None:
        """After the run, a kill (cancellation) or an error: stop sending, but record what was
        already sent, and give back at once what no worker took. Rows still "sending" (the
        ones in a worker's hands) are picked up again when their lease runs out."""
        for w in self.workers:
            w.cancel()
        await asyncio.gather(*self.workers, return_exceptions=True)
        while not self.queue.empty():
            if (left := self.queue.get_nowait()) is not None:
                self.record(
                    Outcome(left.id, "release", "not attempted: the run ended", left.attempts)
                )
        self.results.put_nowait(None)
        self.run.wanted.set()
        await self.writer
        self.heartbeat.cancel()
        await asyncio.gather(self.heartbeat, return_exceptions=True)
