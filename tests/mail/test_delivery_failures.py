"""Temporary failures retry later, permanent ones fail the one row, a crash loses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kontrol.mail import claims, sending
from kontrol.mail.delivery import UNRECORDED, DeliveryStats, deliver_pending
from kontrol.mail.mailer import Mailer
from kontrol.mail.sending import Outcome, Outgoing, Run
from kontrol.mail.sink import start_sink
from kontrol.models import Assignment, OutboxMessage
from kontrol.settings import Settings
from tests.mail.conftest import Recorder, deliver, kill_mid_run
from tests.mail.factory import NOW, World, add_assignment, settings_for

LATER = NOW + dt.timedelta(hours=12)


def issue(world: World, settings: Settings, n: int, body: str = "committee") -> list[int]:
    ids = [add_assignment(world, "3.1.2", body, key=f"k{i}") for i in range(n)]
    mailer = Mailer.of(settings)
    with world.transaction() as s:
        for aid in ids:
            a = s.get(Assignment, aid)
            assert a is not None
            mailer.assignment_issued(s, a, now=NOW)
    return ids


def rows(world: World) -> list[OutboxMessage]:
    with world.transaction() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def all_message_ids(world: World) -> set[str]:
    return {r.message_id for r in rows(world)}


def test_451_then_delivered_later_exactly_once(world: World) -> None:
    recorder = Recorder(temp_fail=2)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 3)
        first = deliver(world, settings, concurrency=1)
        assert (first.sent, first.retried, first.failed) == (1, 2, 0)
        waiting = [r for r in rows(world) if r.status == "pending"]
        assert len(waiting) == 2
        assert all(r.last_error and r.last_error.startswith("451") for r in waiting)
        assert all(
            r.next_attempt_at.replace(tzinfo=None) > NOW.replace(tzinfo=None) for r in waiting
        )
        assert deliver(world, settings).sent == 0  # not before the backoff
        second = deliver(world, settings, now=LATER)
        assert (second.sent, second.retried, second.failed) == (2, 0, 0)
    assert sorted(recorder.message_ids()) == sorted(all_message_ids(world))
    assert {r.status for r in rows(world)} == {"sent"}


def test_gives_up_after_max_attempts_with_the_reason(world: World) -> None:
    recorder = Recorder(temp_fail=100)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 1)
        now = NOW
        for _ in range(3):
            deliver(world, settings, now=now, max_attempts=3)
            now += dt.timedelta(days=1)
    (row,) = rows(world)
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error is not None and row.last_error.startswith("gave up after 3 attempts: 451")


def test_dropped_connection_mid_batch_loses_and_doubles_nothing(world: World) -> None:
    recorder = Recorder(drop_at=4)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 10)
        first = deliver(world, settings, concurrency=2)
        assert first.sent == 9 and first.retried == 1
        second = deliver(world, settings, now=LATER, concurrency=2)
        assert second.sent == 1
    counts = Counter(recorder.message_ids())
    assert set(counts) == all_message_ids(world) and set(counts.values()) == {1}


def test_550_for_one_recipient_fails_that_row_only(world: World) -> None:
    recorder = Recorder(refuse=("edu@luga.example",))
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 2, body="committee")
        issue(world, settings, 1, body="mo-luga")
        issue(world, settings, 2, body="dept-general")
        stats = deliver(world, settings, concurrency=2)
    assert (stats.sent, stats.retried, stats.failed) == (4, 0, 1)
    failed = [r for r in rows(world) if r.status == "failed"]
    assert [r.to_addrs for r in failed] == [
        [
            '"Пример: комитет образования администрации '
            'Лужского муниципального района" <edu@luga.example>'
        ]
    ]
    assert failed[0].last_error is not None and "550" in failed[0].last_error
    assert len(recorder.received) == 4


def test_server_down_loses_nothing(world: World) -> None:
    with start_sink() as smtp:
        port = smtp.port
    settings = settings_for(port)  # nobody listens there any more
    issue(world, settings, 5)
    stats = deliver(world, settings)
    assert stats.sent == 0 and stats.failed == 0
    assert stats.retried + stats.released == 5
    assert {r.status for r in rows(world)} == {"pending"}
    assert all(r.last_error for r in rows(world))
    recorder = Recorder()
    with start_sink(handler=recorder) as smtp:
        assert deliver(world, settings_for(smtp.port), now=LATER).sent == 5
    assert sorted(recorder.message_ids()) == sorted(all_message_ids(world))


def closed_port() -> int:
    """A port nobody listens on: a sink's, once it has stopped."""
    with start_sink() as smtp:
        return smtp.port


def test_an_unreachable_server_fails_no_mail_however_many_runs(world: World) -> None:
    """Nothing listening: each run stops at once, counts no attempt, and names the reason;
    five runs (``max_attempts``) later every mail is still pending, untried."""
    settings = settings_for(closed_port())
    issue(world, settings, 10)
    for run in range(6):
        stats = deliver(world, settings, now=NOW + run * dt.timedelta(hours=7), concurrency=4)
        assert (stats.sent, stats.retried, stats.failed) == (0, 0, 0), stats
        assert stats.stopped is not None and "Connection refused" in stats.stopped
    waiting = rows(world)
    assert {r.status for r in waiting} == {"pending"}
    assert {r.attempts for r in waiting} == {0}
    touched = [r.last_error for r in waiting if r.last_error]
    assert touched and all("cannot connect to 127.0.0.1:" in e for e in touched)
    assert all("('" not in e and "Errno" not in e for e in touched)  # words, no Python tuple
    recorder = Recorder()
    with start_sink(handler=recorder) as smtp:
        assert deliver(world, settings_for(smtp.port), now=LATER + dt.timedelta(days=2)).sent == 10


def test_a_port_out_of_range_stops_the_run_and_holds_nothing(world: World) -> None:
    """A setting changed behind the checks (every ``Settings`` refuses it) still leaves no
    row claimed: the run stops with the reason, every mail pending and untried."""
    settings = settings_for(25)
    object.__setattr__(settings, "smtp_port", 99999)
    issue(world, settings, 3)
    stats = deliver(world, settings)
    assert stats.released == 3 and stats.stopped and "99999" in stats.stopped
    assert {(r.status, r.attempts) for r in rows(world)} == {("pending", 0)}


def test_rows_left_sending_by_a_crash_are_sent_after_the_lease(world: World) -> None:
    recorder = Recorder()
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 4)
        claimed = claims.claim_batch(world.sessions, now=NOW, limit=2, lease_seconds=300)
        assert len(claimed) == 2  # ... and the process dies here
        assert deliver(world, settings).sent == 2  # the others; the claimed wait for the lease
        later = deliver(world, settings, now=NOW + dt.timedelta(seconds=301))
        assert later.sent == 2
    assert sorted(recorder.message_ids()) == sorted(all_message_ids(world))


def test_killed_mid_batch_then_run_again(world: World) -> None:
    recorder = Recorder(hold_at=3)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 8)

        kill_mid_run(world.sessions, settings, recorder, now=NOW)
        in_flight = [r for r in rows(world) if r.status == "sending"]
        assert in_flight  # the kill left claimed rows behind, with a lease
        deliver(world, settings, now=NOW + dt.timedelta(seconds=301))
    counts = Counter(recorder.message_ids())
    assert set(counts) == all_message_ids(world)  # every message delivered
    assert {r.status for r in rows(world)} == {"sent"}
    assert all(n == 1 for n in counts.values())  # the held one was never accepted


def test_a_kill_gives_back_the_batch_the_claimer_held(
    world: World, claimer_waiting: threading.Event
) -> None:
    """Batches of 2: when the run is killed, a claimed batch waits for room in the workers'
    queue. It is given back with those in the queue; only the message in the server's hands
    stays claimed until its lease runs out."""
    recorder = Recorder(hold_at=3)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 12)

        async def killed() -> None:
            run = asyncio.create_task(
                deliver_pending(world.sessions, settings, now=NOW, concurrency=1, batch_size=2)
            )
            assert await asyncio.to_thread(recorder.held.wait, 30)
            # 1 and 2 sent, 3 held, 4 to 6 waiting in the queue, 7 and 8 in the claimer's hands
            assert await asyncio.to_thread(claimer_waiting.wait, 30)
            run.cancel()
            with pytest.raises(asyncio.CancelledError):
                await run

        asyncio.run(killed())
        recorder.release.set()
    by_id = rows(world)
    assert [r.id for r in by_id if r.status == "sending"] == [by_id[2].id]
    assert [r.status for r in by_id].count("pending") == 9


def test_a_worker_that_fails_stops_the_claims(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a worker ends the run: the claimer, whose room only workers make, does not go
    on to claim the whole outbox."""
    real = sending._attempt
    attempts = 0

    async def failing(smtp: Any, item: Outgoing, run: Run) -> Outcome:
        nonlocal attempts
        attempts += 1
        if attempts == 3:
            raise RuntimeError("a bug")
        return await real(smtp, item, run)

    monkeypatch.setattr(sending, "_attempt", failing)
    with start_sink(handler=Recorder()) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 120)
        with pytest.raises(RuntimeError, match="a bug"):
            deliver(world, settings, concurrency=2, batch_size=10)
    claimed = [r for r in rows(world) if r.attempts]
    assert len(claimed) <= 30  # the batches claimed before the failure, not all 120
    assert [r.status for r in rows(world)].count("pending") >= 90


LOIRO = '"ГАОУ ДПО «Ленинградский областной институт развития образования»"'


def test_a_recipient_refused_for_good_while_the_other_took_it_is_failed_on_its_own(
    world: World,
) -> None:
    recorder = Recorder(refuse=("priemnaya@loiro.example",))
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 1, body="loiro")  # two addresses
        stats = deliver(world, settings)
    assert (stats.sent, stats.failed) == (1, 1)
    parent, refused = rows(world)
    assert parent.status == "sent" and "priemnaya@loiro.example: 550" in (parent.last_error or "")
    assert refused.status == "failed" and refused.last_error is not None
    assert refused.last_error.startswith("550")
    assert refused.to_addrs == [f"{LOIRO} <priemnaya@loiro.example>"]
    assert refused.message_id == parent.message_id and refused.raw == parent.raw
    assert [rcpts for _, rcpts, _ in recorder.received] == [["loiro@loiro.example"]]


def test_a_recipient_refused_for_now_gets_the_same_message_later(world: World) -> None:
    recorder = Recorder(refuse_later=("priemnaya@loiro.example",))
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 1, body="loiro")
        first = deliver(world, settings)
        assert (first.sent, first.retried, first.failed) == (1, 1, 0)
        waiting = [r for r in rows(world) if r.status == "pending"]
        assert len(waiting) == 1 and (waiting[0].last_error or "").startswith("452")
        assert deliver(world, settings).sent == 0  # not before its backoff
        recorder.refuse_later = ()
        second = deliver(world, settings, now=LATER)
        assert (second.sent, second.retried, second.failed) == (1, 0, 0)
        assert deliver(world, settings, now=LATER + dt.timedelta(days=1)).sent == 0
    assert [rcpts for _, rcpts, _ in recorder.received] == [
        ["loiro@loiro.example"],
        ["priemnaya@loiro.example"],
    ]
    ids = recorder.message_ids()
    assert ids[0] == ids[1]  # one message, delivered to each address once
    assert {r.status for r in rows(world)} == {"sent"}


def test_a_refused_sender_is_a_setting_not_a_failure_of_every_mail(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder(refuse_sender=True)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 5)
        stats = deliver(world, settings, concurrency=2)
        assert stats.sent == 0 and stats.failed == 0 and stats.released == 5
        waiting = rows(world)
        assert {r.status for r in waiting} == {"pending"}
        assert all("refused the sender" in (r.last_error or "") for r in waiting)
        assert {r.attempts for r in waiting} == {0}  # not counted against the messages
        recorder.refuse_sender = False
        assert deliver(world, settings, now=LATER).sent == 5
    assert len(recorder.received) == 5


def test_a_server_too_slow_to_answer_is_a_timeout_retried_later(world: World) -> None:
    recorder = Recorder(slow_at=2, slow_seconds=3)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 4)
        first = deliver(world, settings, concurrency=1, timeout=0.5)
        assert (first.sent, first.retried, first.failed) == (3, 1, 0)
        [slow] = [r for r in rows(world) if r.status == "pending"]
        assert "Timeout" in (slow.last_error or ""), slow.last_error
        assert deliver(world, settings, now=LATER, timeout=5).sent == 1
    assert {r.status for r in rows(world)} == {"sent"}


def test_two_runs_at_once_on_a_slow_server_never_send_a_message_twice(world: World) -> None:
    """The first run's leases (1 s) would run out long before it is done; its heartbeat keeps
    them, so the second run, started after 1.5 s, finds nothing to take."""
    recorder = Recorder(delay=0.15)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 16)

        def run(start: float) -> DeliveryStats:
            time.sleep(start)
            return asyncio.run(
                deliver_pending(
                    world.sessions,
                    settings,
                    now=NOW + dt.timedelta(seconds=start),
                    concurrency=1,
                    lease_seconds=1,
                    timeout=0.2,
                )
            )

        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(run, (0.0, 1.5))
    assert (first.sent, second.sent) == (16, 0)
    counts = Counter(recorder.message_ids())
    assert set(counts.values()) == {1}, counts
    assert set(counts) == all_message_ids(world)
    assert {r.status for r in rows(world)} == {"sent"}


CHILD = """
import asyncio, sys
from kontrol.mail.delivery import UNRECORDED, DeliveryStats, deliver_pending
from kontrol.models.db import make_engine, session_factory
from tests.mail.factory import NOW, settings_for
asyncio.run(deliver_pending(
    session_factory(make_engine(sys.argv[1])), settings_for(int(sys.argv[2])), now=NOW,
    concurrency=int(sys.argv[3]),
))
"""


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_process_killed_mid_batch_repeats_only_what_was_in_flight(
    world: World, concurrency: int
) -> None:
    """SIGKILL, no clean-up: per connection at most the message being sent and the ones whose
    outcome was still being written (``UNRECORDED``) come again, with their Message-IDs."""
    recorder = Recorder()
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 300)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(world.engine.url.render_as_string(False)),
             str(smtp.port), str(concurrency)],
            cwd=Path(__file__).resolve().parents[2],
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(recorder.received) < 150 and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        accepted = len(recorder.received)
        assert 150 <= accepted < 300  # killed mid-batch
        again = deliver(world, settings, now=NOW + dt.timedelta(seconds=301))
    counts = Counter(recorder.message_ids())
    assert set(counts) == all_message_ids(world)  # every message delivered
    assert {r.status for r in rows(world)} == {"sent"}
    repeated = sum(n - 1 for n in counts.values())
    assert repeated <= (UNRECORDED + 1) * concurrency, (repeated, accepted, again)
