"""The workers' queue (``kontrol.mail.crew.Feed``): a claimed batch is handed over whole,
once no more than one batch is left waiting, so at most two batches ever wait; at once when the
run is ending; and even when the claimer is killed while it waits, so that the run gives the
batch back."""

from __future__ import annotations

import asyncio

from kontrol.mail.crew import Feed
from kontrol.mail.sending import Outgoing


def _batch(*ids: int) -> list[Outgoing]:
    return [Outgoing(i, 0, b"", "kontrol@example.org", ["someone@example.org"]) for i in ids]


def _never() -> bool:
    return False


def test_a_batch_waits_until_no_more_than_one_batch_is_left() -> None:
    async def main() -> list[int | None]:
        feed = Feed(room_for=3)
        await feed.put_batch(_batch(1, 2, 3), ending=_never)
        await feed.put_batch(_batch(4, 5, 6), ending=_never)  # three wait: room for another
        third = asyncio.create_task(feed.put_batch(_batch(7, 8, 9), ending=_never))
        await asyncio.sleep(0.01)
        assert not third.done() and feed.qsize() == 6
        taken = [feed.get_nowait(), feed.get_nowait()]  # four left: still no room
        await asyncio.sleep(0.01)
        assert not third.done() and feed.qsize() == 4
        taken.append(await feed.get())  # three left: the batch goes in whole
        await asyncio.wait_for(third, 5)
        assert feed.qsize() == 6
        while not feed.empty():
            taken.append(await feed.get())
        return [item.id if item else None for item in taken]

    assert asyncio.run(main()) == list(range(1, 10))  # in order, none lost, none twice


def test_a_waiting_batch_goes_in_when_the_run_ends_or_the_claimer_is_killed() -> None:
    async def main() -> tuple[int, int]:
        feed, ended = Feed(room_for=1), False
        await feed.put_batch(_batch(1, 2), ending=_never)
        waiting = asyncio.create_task(feed.put_batch(_batch(3, 4), ending=lambda: ended))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        ended = True  # the workers have stopped: nothing will make room
        feed.room.set()  # as a worker's end does (``Crew``)
        await asyncio.wait_for(waiting, 5)
        after_the_end = feed.qsize()
        killed = asyncio.create_task(feed.put_batch(_batch(5, 6), ending=_never))
        await asyncio.sleep(0.01)
        killed.cancel()
        await asyncio.gather(killed, return_exceptions=True)
        return after_the_end, feed.qsize()

    assert asyncio.run(main()) == (4, 6)  # both batches in the queue, for wind_down to give back
