"""The workers' queue (``kontrol.mail.delivery._Feed``): a claimed batch is handed over whole,
once no more than one batch is left waiting, so at most two batches ever wait."""

from __future__ import annotations

import asyncio

from kontrol.mail.delivery import _Feed
from kontrol.mail.sending import Outgoing


def _batch(*ids: int) -> list[Outgoing]:
    return [Outgoing(i, 0, b"", "kontrol@example.org", ["someone@example.org"]) for i in ids]


def test_a_batch_waits_until_no_more_than_one_batch_is_left() -> None:
    async def main() -> list[int | None]:
        feed = _Feed(room_for=3)
        await feed.put_batch(_batch(1, 2, 3))
        await feed.put_batch(_batch(4, 5, 6))  # three wait: room for another batch
        third = asyncio.create_task(feed.put_batch(_batch(7, 8, 9)))
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
