"""Mail fixtures: a database world (SQLite and PostgreSQL) and a real SMTP server per test."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kontrol.mail import crew
from kontrol.mail.delivery import DeliveryStats, deliver_pending
from kontrol.mail.sink import SinkHandle, start_sink
from kontrol.settings import Settings
from tests.mail.factory import NOW, World, make_world, settings_for


class Recorder:
    """An aiosmtpd handler that records what it accepts and can misbehave on purpose.

    ``temp_fail``: answer 451 to the first N DATA commands; ``refuse``: answer 550 to these
    recipients, ``refuse_later``: 452 to these; ``refuse_sender``: 550 to every MAIL FROM;
    ``drop_at``: hang up (abort the connection) on the Nth DATA without accepting;
    ``hold_at``: on the Nth DATA wait until ``release`` is set, then answer 451;
    ``slow_at``: on the Nth DATA wait ``slow_seconds`` before accepting; ``delay``: every DATA
    takes this long.
    """

    def __init__(
        self,
        *,
        temp_fail: int = 0,
        refuse: tuple[str, ...] = (),
        refuse_later: tuple[str, ...] = (),
        refuse_sender: bool = False,
        drop_at: int | None = None,
        hold_at: int | None = None,
        slow_at: int | None = None,
        slow_seconds: float = 0.0,
        delay: float = 0.0,
    ) -> None:
        self.temp_fail = temp_fail
        self.refuse = refuse
        self.refuse_later = refuse_later
        self.refuse_sender = refuse_sender
        self.drop_at = drop_at
        self.hold_at = hold_at
        self.slow_at = slow_at
        self.slow_seconds = slow_seconds
        self.delay = delay
        self.held = threading.Event()
        self.release = threading.Event()
        self.data_calls = 0
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_sender:
            return "550 5.7.1 sender not permitted"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, _o: Any
    ) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if address in self.refuse_later:
            return f"452 4.2.2 <{address}>: mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_calls += 1
        n = self.data_calls
        if n <= self.temp_fail:
            return "451 4.3.0 try again later"
        if n == self.drop_at:
            server.transport.abort()
            return "421 going away"
        if n == self.hold_at:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return "451 4.3.0 the client went away"
        if n == self.slow_at:
            await asyncio.sleep(self.slow_seconds)
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[misc]
            for _, _, data in self.received
        ]

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages()]


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    w = make_world(db_url)
    yield w
    w.engine.dispose()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def smtp(recorder: Recorder) -> Iterator[SinkHandle]:
    handle = start_sink("127.0.0.1", 0, handler=recorder)
    yield handle
    handle.stop()


@pytest.fixture
def settings(smtp: SinkHandle) -> Settings:
    return settings_for(smtp.port)


@pytest.fixture
def claimer_waiting(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set when a run's claimer holds a claimed batch and waits for room in the workers' queue
    (``crew.Feed``): the moment a kill or a cut-off finds a batch in its hands."""
    waiting = threading.Event()
    put_batch = crew.Feed.put_batch

    async def watched(feed: crew.Feed, batch: list[Any], **kw: Any) -> None:
        if feed.qsize() > feed.room_for:
            waiting.set()
        await put_batch(feed, batch, **kw)

    monkeypatch.setattr(crew.Feed, "put_batch", watched)
    return waiting


def kill_mid_run(
    sessions: sessionmaker[Session], settings: Settings, recorder: Recorder, *, now: dt.datetime
) -> None:
    """A delivery on one connection killed halfway: cancelled while the server holds the
    message ``recorder.hold_at``, which the server then refuses (451)."""

    async def killed() -> None:
        run = asyncio.create_task(deliver_pending(sessions, settings, now=now, concurrency=1))
        assert await asyncio.to_thread(recorder.held.wait, 30)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

    asyncio.run(killed())
    recorder.release.set()


def deliver(
    world: World, settings: Settings, *, now: dt.datetime = NOW, **kw: Any
) -> DeliveryStats:
    return asyncio.run(deliver_pending(world.sessions, settings, now=now, **kw))
