"""Which rows a claim takes: the oldest due ones, in ``(next_attempt_at, id)`` order, rows whose
lease ran out among them by their own time, never more than asked, never one row twice; and a
claimed row taken back by a bounce (SQLite and PostgreSQL). On PostgreSQL each holds for both
ways a claim is made: on a thread through SQLAlchemy, and on the sending loop
(``kontrol.mail.pg_loop``, which delivery uses there)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update

from kontrol.mail import claims, pg_loop, states
from kontrol.mail.bounces import bounced_row, fail_bounced
from kontrol.mail.reply_message import Bounce
from kontrol.models import OutboxMessage
from tests.mail.factory import NOW, World, settings_for
from tests.mail.test_delivery_failures import issue, rows

MINUTE = dt.timedelta(minutes=1)
Claim = Callable[..., list[int]]  # (limit, token=None) -> the ids taken, sorted


async def _on_the_loop(world: World, limit: int, token: str) -> list[tuple[object, ...]]:
    async with pg_loop.connections(world.engine, 1) as (connection,):
        return await pg_loop.claim_with_bytes(
            connection, now=NOW, limit=limit, lease_seconds=300, token=token
        )


@pytest.fixture(params=["thread", "loop"])
def claim(request: pytest.FixtureRequest, world: World) -> Claim:
    if request.param == "thread":
        return lambda limit, token=None: [
            row[0]
            for row in claims.claim_rows(
                world.sessions, now=NOW, limit=limit, lease_seconds=300, token=token
            )
        ]
    if world.engine.dialect.name != "postgresql":
        pytest.skip("delivery claims on the loop on PostgreSQL only")
    return lambda limit, token="run": [
        row[0] for row in asyncio.run(_on_the_loop(world, limit, token))
    ]


def _set(world: World, row_id: int, **values: object) -> None:
    with world.transaction() as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


def test_the_oldest_due_rows_first_with_runs_that_died_among_them(
    world: World, claim: Claim
) -> None:
    issue(world, settings_for(25), 7)
    a, b, c, d, e, f, g = (r.id for r in rows(world))
    for row_id, minutes in ((a, -5), (b, -30), (c, -10), (d, -10)):
        _set(world, row_id, next_attempt_at=NOW + minutes * MINUTE)
    # a run died holding e (taken 20 minutes ago) and f (its lease has not run out yet)
    _set(world, e, status="sending", next_attempt_at=NOW - 20 * MINUTE, lease_until=NOW - MINUTE)
    _set(world, f, status="sending", next_attempt_at=NOW - 40 * MINUTE, lease_until=NOW + MINUTE)
    _set(world, g, next_attempt_at=NOW + MINUTE)  # not due yet

    # by time: b (-30), e (-20, its run died), then c and d (-10, by id), then a (-5)
    assert claim(3) == sorted([b, e, c])
    assert claim(3) == sorted([d, a])
    assert claim(3) == []
    state = {r.id: (r.status, r.attempts) for r in rows(world)}
    assert state[f] == ("sending", 0) and state[g] == ("pending", 0)
    assert all(state[i] == ("sending", 1) for i in (a, b, c, d, e))


def test_a_claim_of_one_takes_one_while_a_dead_run_holds_older_rows(
    world: World, claim: Claim
) -> None:
    """On PostgreSQL each state's oldest rows are locked apart before the oldest of both are
    taken: the claim still takes only what it asked for."""
    issue(world, settings_for(25), 3)
    a, b, _ = (r.id for r in rows(world))
    _set(world, a, status="sending", next_attempt_at=NOW - MINUTE, lease_until=NOW - MINUTE)
    assert [claim(1), claim(1)] == [[a], [b]]
    assert [r.status for r in rows(world)] == ["sending", "sending", "pending"]


def test_a_bounce_takes_the_row_from_a_run_that_claimed_it_meanwhile(
    world: World, claim: Claim
) -> None:
    """The bounce's session read the row before a run claimed it; its "failed" clears the run's
    token, so what the run records afterwards no longer changes the row."""
    issue(world, settings_for(25), 1)
    (row,) = rows(world)
    bounce = Bounce(row.message_id, None, "5.1.1", None)
    with world.transaction() as s:
        read = bounced_row(s, bounce)  # kept: the session keeps what it read
        assert read is not None and (read.status, read.claim_token) == ("pending", None)
        assert claim(1, token="run") == [row.id]
        assert fail_bounced(s, bounce) is not None
    with world.transaction() as s:
        assert not states.mark_retry(
            s, row.id, next_attempt_at=NOW + MINUTE, reason="451 later", token="run"
        )
        assert states.mark_sent_many(s, [row.id], now=NOW, token="run") == 0
    (after,) = rows(world)
    assert (after.status, after.claim_token) == ("failed", None)
    assert after.last_error and after.last_error.startswith("возврат 5.1.1")


def test_claims_from_many_threads_take_every_row_once(world: World, claim: Claim) -> None:
    """Deliverers claiming at once: each row goes to one of them, none is left behind (on
    PostgreSQL the rows a claim locks are skipped by the others)."""
    issue(world, settings_for(25), 120)
    everything = sorted(r.id for r in rows(world))

    def drain() -> list[int]:
        mine: list[int] = []
        while batch := claim(7):
            assert len(batch) <= 7
            mine += batch
        return mine

    with ThreadPoolExecutor(max_workers=4) as pool:
        taken = [i for part in pool.map(lambda _: drain(), range(4)) for i in part]
    assert sorted(taken) == everything


def test_the_claim_on_the_loop_hands_over_each_rows_stored_bytes(world: World) -> None:
    if world.engine.dialect.name != "postgresql":
        pytest.skip("delivery claims on the loop on PostgreSQL only")
    issue(world, settings_for(25), 3)
    taken = asyncio.run(_on_the_loop(world, 5, "run"))
    stored = claims.raw_messages(world.sessions, [r.id for r in rows(world)])
    assert [(row[0], row[-1]) for row in taken] == sorted(stored.items())
    assert [row[1:-1] for row in taken] == [
        (r.attempts, r.to_addrs, r.cc_addrs) for r in rows(world)
    ]
    assert {(r.status, r.claim_token) for r in rows(world)} == {("sending", "run")}
