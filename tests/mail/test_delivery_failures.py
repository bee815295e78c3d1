"""Temporary failures retry later, permanent ones fail the one row, a crash loses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from kontrol.mail import outbox
from kontrol.mail.delivery import deliver_pending
from kontrol.mail.sink import start_sink
from kontrol.settings import Settings
from models import Assignment, OutboxMessage
from tests.mail.conftest import Recorder, deliver
from tests.mail.factory import NOW, World, add_assignment, settings_for

LATER = NOW + dt.timedelta(hours=12)


def issue(world: World, settings: Settings, n: int, body: str = "committee") -> list[int]:
    ids = [add_assignment(world, "3.1.2", body, key=f"k{i}") for i in range(n)]
    with world.transaction() as s:
        for aid in ids:
            a = s.get(Assignment, aid)
            assert a is not None
            outbox.enqueue_assignment_issued(s, a, settings=settings, now=NOW)
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


def test_rows_left_sending_by_a_crash_are_sent_after_the_lease(world: World) -> None:
    recorder = Recorder()
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 4)
        claimed = outbox.claim_batch(world.sessions, now=NOW, limit=2, lease_seconds=300)
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

        async def kill_mid_batch() -> None:
            run = asyncio.create_task(
                deliver_pending(world.sessions, settings, now=NOW, concurrency=1)
            )
            assert await asyncio.to_thread(recorder.held.wait, 30)
            run.cancel()
            with pytest.raises(asyncio.CancelledError):
                await run

        asyncio.run(kill_mid_batch())
        recorder.release.set()
        in_flight = [r for r in rows(world) if r.status == "sending"]
        assert in_flight  # the kill left claimed rows behind, with a lease
        deliver(world, settings, now=NOW + dt.timedelta(seconds=301))
    counts = Counter(recorder.message_ids())
    assert set(counts) == all_message_ids(world)  # every message delivered
    assert {r.status for r in rows(world)} == {"sent"}
    assert all(n == 1 for n in counts.values())  # the held one was never accepted
