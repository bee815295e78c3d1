"""The SMTP side of a delivery run: workers, each holding one connection, send what they are
handed and hand each outcome to the recorder (``kontrol.mail.recording``).

A message is in flight from the moment it is handed to the server until its outcome is
committed; a worker keeps at most ``UNRECORDED`` accepted messages uncommitted while it sends
the next, so a kill repeats at most ``UNRECORDED + 1`` messages per connection — with the same
Message-IDs, fixed at enqueue time. (When it was chosen, ``UNRECORDED`` 1, a commit per
message, gave 80 % of the bare loop's speed on SQLite and 65 % on PostgreSQL; 4 gave 90 % and
72 %. Stop 33 measured 4 at 82–88 % and 75–82 %; see bench/README-mail.md.)
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import aiosmtplib

from kontrol.mail.smtp import Refusal, classify, connect_words, describe, smtp_client
from kontrol.settings import Settings

Clock = Callable[[], dt.datetime]
# accepted messages per connection whose outcome may still be uncommitted when the next one
# goes out: what a kill can repeat, besides the message being sent
UNRECORDED = 4


@dataclass(frozen=True)
class Outgoing:
    id: int
    attempts: int
    message: bytes  # as built when the row was written (``kontrol.mail.message``)
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


@dataclass
class Run:
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

    def stop(self, reason: str) -> None:
        """The first reason to stop wins; the rest of the run gives its rows back."""
        self.stop_reason = self.stop_reason or f"not attempted: {reason}"


Recorder = Callable[[Outcome], "asyncio.Future[None]"]


class _Unrecorded:
    """The records of one connection's messages not yet known to be committed, oldest
    first."""

    def __init__(self, run: Run, record: Recorder) -> None:
        self.run, self.record = run, record
        self.futures: deque[asyncio.Future[None]] = deque()

    def add(self, outcome: Outcome) -> None:
        self.futures.append(self.record(outcome))
        # only records still uncommitted count: counting the ones committed while this
        # message was being sent asked for a commit after nearly every message (groups of 5
        # instead of 9 on PostgreSQL, bench/README-mail.md)
        self._forget_committed()
        if len(self.futures) >= UNRECORDED:
            self.run.wanted.set()  # commit now, while the next message is being sent

    def _forget_committed(self) -> None:
        """Drop the records known to be committed, oldest first; a failed one raises (the
        writer has stopped the run)."""
        while self.futures and self.futures[0].done():
            self.futures.popleft().result()

    async def settle(self) -> None:
        """Before the next message: at most ``UNRECORDED`` left uncommitted."""
        self._forget_committed()
        while len(self.futures) > UNRECORDED:
            self.run.wanted.set()
            await self.futures.popleft()

    async def drain(self) -> None:
        while self.futures:
            self.run.wanted.set()
            await self.futures.popleft()


async def _send(smtp: aiosmtplib.SMTP, item: Outgoing) -> dict[str, aiosmtplib.SMTPResponse]:
    errors, _ = await smtp.sendmail(item.sender, item.recipients, item.message)
    return errors


async def _connect(settings: Settings, timeout: float) -> aiosmtplib.SMTP | str:
    """A connected client, or why there is none: unreachable, TLS or login refused — the
    settings or the server, not a message (OverflowError: a port out of range that did not
    come through load_settings)."""
    smtp = smtp_client(settings, timeout=timeout)
    try:
        await smtp.connect()
    except (aiosmtplib.SMTPException, OSError, OverflowError) as exc:
        where = f"{settings.smtp_host}:{settings.smtp_port}"
        return f"cannot connect to {where}: {connect_words(exc)}"
    except BaseException:
        smtp.close()  # killed while connecting: hang up at once
        raise
    return smtp


async def _attempt(smtp: aiosmtplib.SMTP, item: Outgoing, run: Run) -> Outcome:
    """Send one message: its outcome, "sent" when the server took it for anyone."""
    try:
        errors = await _send(smtp, item)
    except aiosmtplib.SMTPSenderRefused as exc:
        # the server will take nothing from this sender: a setting, not this message
        reason = f"the server refused the sender {exc.sender}: {exc.code} {exc.message}"
        run.stop(reason)
        return Outcome(item.id, "release", reason, item.attempts)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = tuple((r.recipient, r.code, r.message) for r in exc.recipients)
        return Outcome(item.id, "refused", describe(refused), item.attempts, refused)
    except (aiosmtplib.SMTPException, OSError) as exc:
        status, reason = classify(exc)
        return Outcome(item.id, status, reason, item.attempts)
    refused = tuple((a, r.code, r.message) for a, r in errors.items())
    note = f"refused: {describe(refused)}" if refused else None
    return Outcome(item.id, "sent", note, item.attempts, refused)


async def _hang_up(smtp: aiosmtplib.SMTP | None, timeout: float) -> None:
    if smtp is not None and smtp.is_connected:
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await asyncio.wait_for(smtp.quit(), timeout)
        smtp.close()


async def worker(
    settings: Settings,
    run: Run,
    queue: asyncio.Queue[Outgoing | None],
    record: Recorder,
    timeout: float,
) -> None:
    """Send what the queue hands over on one connection, until ``None``."""
    smtp: aiosmtplib.SMTP | None = None
    unrecorded = _Unrecorded(run, record)
    try:
        while (item := await queue.get()) is not None:
            await unrecorded.settle()
            if run.stop_reason or not run.may_start_a_message():
                reason = run.stop_reason or "not attempted: the run's lease ran out"
                record(Outcome(item.id, "release", reason, item.attempts))
                continue
            if smtp is None or not smtp.is_connected:
                connected = await _connect(settings, timeout)
                if isinstance(connected, str):
                    run.stop(connected)  # nothing went out, so no attempt is counted
                    unrecorded.add(Outcome(item.id, "release", connected, item.attempts))
                    smtp = None
                    continue
                smtp = connected
            outcome = await _attempt(smtp, item, run)
            unrecorded.add(outcome)
            if outcome.status != "sent":
                smtp.close()  # state after an error is unknown: start afresh
                smtp = None
    except BaseException:
        if smtp is not None:
            smtp.close()  # killed or failed: hang up at once, no polite QUIT
        raise
    await unrecorded.drain()
    await _hang_up(smtp, timeout)
