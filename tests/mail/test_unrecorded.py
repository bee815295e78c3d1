"""When a connection asks the writer for a commit: as soon as ``UNRECORDED`` of its messages
are uncommitted, and not before (``kontrol.mail.sending._Unrecorded``)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from kontrol.mail.sending import UNRECORDED, Outcome, Run, _Unrecorded

NOW = dt.datetime(2021, 1, 11, 6, tzinfo=dt.UTC)


def _run() -> Run:
    return Run(
        token="t",
        clock=lambda: NOW,
        lease=dt.timedelta(minutes=5),
        budget=dt.timedelta(minutes=2),
        valid_until=NOW + dt.timedelta(minutes=5),
    )


async def _scene() -> tuple[Run, _Unrecorded, list[asyncio.Future[None]]]:
    run, handed = _run(), []
    loop = asyncio.get_running_loop()

    def record(outcome: Outcome) -> asyncio.Future[None]:
        handed.append(loop.create_future())
        return handed[-1]

    return run, _Unrecorded(run, record), handed


def test_a_commit_is_asked_for_when_unrecorded_messages_reach_the_bound() -> None:
    async def main() -> list[bool]:
        run, unrecorded, _ = await _scene()
        asked = []
        for n in range(UNRECORDED):
            unrecorded.add(Outcome(n, "sent"))
            asked.append(run.wanted.is_set())
        return asked

    assert asyncio.run(main()) == [False] * (UNRECORDED - 1) + [True]


def test_records_committed_meanwhile_do_not_count() -> None:
    """The writer commits the first ``UNRECORDED`` while the next message is sent: that one
    alone is uncommitted, so it asks for nothing (it used to ask at once, which made the
    groups half as large)."""

    async def main() -> tuple[bool, int]:
        run, unrecorded, handed = await _scene()
        for n in range(UNRECORDED):
            unrecorded.add(Outcome(n, "sent"))
        run.wanted.clear()  # the writer took the request ...
        for future in handed:
            future.set_result(None)  # ... and committed them
        unrecorded.add(Outcome(UNRECORDED, "sent"))
        return run.wanted.is_set(), len(unrecorded.futures)

    assert asyncio.run(main()) == (False, 1)


def test_a_failed_record_still_stops_the_connection() -> None:
    async def main() -> None:
        _, unrecorded, handed = await _scene()
        unrecorded.add(Outcome(1, "sent"))
        handed[0].set_exception(RuntimeError("cannot record"))
        await unrecorded.settle()

    with pytest.raises(RuntimeError, match="cannot record"):
        asyncio.run(main())


def test_the_next_message_waits_while_more_than_the_bound_are_uncommitted() -> None:
    """What bounds the repeats after a kill: with ``UNRECORDED + 1`` records uncommitted, the
    connection sends nothing more until the oldest is committed."""

    async def main() -> tuple[bool, bool, bool]:
        _, unrecorded, handed = await _scene()
        for n in range(UNRECORDED):
            unrecorded.add(Outcome(n, "sent"))
        await unrecorded.settle()  # at the bound: the next message may go
        unrecorded.add(Outcome(UNRECORDED, "sent"))
        waiting = asyncio.ensure_future(unrecorded.settle())
        for _ in range(10):
            await asyncio.sleep(0)
        held_back = not waiting.done()
        handed[1].set_result(None)  # a younger one committed: still one too many
        for _ in range(10):
            await asyncio.sleep(0)
        still_held = not waiting.done()
        handed[0].set_result(None)
        await waiting
        return held_back, still_held, len(unrecorded.futures) <= UNRECORDED

    assert asyncio.run(main()) == (True, True, True)
