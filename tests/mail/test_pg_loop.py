"""On PostgreSQL a delivery run claims and records clean sends on the sending loop
(``kontrol.mail.pg_loop``): a database that cannot be reached, or is lost mid-run, is the same
SQLAlchemy error as on the threaded path (one line from ``kontrol mail deliver``), and no mail
is lost for it."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from kontrol.mail import claims, pg_loop, states
from kontrol.mail.delivery import UNRECORDED, deliver_pending
from kontrol.mail.sink import start_sink
from kontrol.models import OutboxMessage
from kontrol.models.db import make_engine, session_factory, unavailable
from tests.mail.conftest import Recorder, deliver
from tests.mail.factory import NOW, World, make_world, settings_for
from tests.mail.test_delivery_failures import all_message_ids, issue, rows

pytestmark = pytest.mark.postgres
LEASE_RAN_OUT = NOW + dt.timedelta(seconds=301)
MINUTE = dt.timedelta(minutes=1)


def test_a_database_that_cannot_be_reached_is_sqlalchemys_error_with_its_reason() -> None:
    # nothing listens on the discard port: no server is needed for this one
    engine = make_engine("postgresql://kontrol@127.0.0.1:9/kontrol")
    try:
        with pytest.raises(DBAPIError) as raised:
            asyncio.run(deliver_pending(session_factory(engine), settings_for(9), now=NOW))
    finally:
        engine.dispose()
    reason = unavailable(raised.value)
    assert reason is not None and "127.0.0.1" in reason  # the one line the command prints


@pytest.fixture
def world(pg_url: str) -> Iterator[World]:
    """The mail tests' world, on PostgreSQL only: the loop's path is PostgreSQL's."""
    made = make_world(pg_url)
    yield made
    made.engine.dispose()


def test_a_closed_connection_is_sqlalchemys_error(world: World) -> None:

    async def on_a_closed_one() -> None:
        async with pg_loop.connections(world.engine, 1) as (connection,):
            await connection.close()
            await pg_loop.mark_sent_many(connection, [1], now=NOW, token="run")

    with pytest.raises(DBAPIError):
        asyncio.run(on_a_closed_one())


def _cut_off(world: World) -> None:
    """Every other session of the test's database ended by the server, as a restart would."""
    with world.engine.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
        assert ended >= 2  # at least the run's two connections on the loop


@pytest.mark.parametrize("batch_size", [250, 20])
def test_a_database_lost_mid_run_stops_the_run_and_loses_no_mail(
    world: World, batch_size: int, claimer_waiting: threading.Event
) -> None:
    """With batches of 20 the claimer holds a claimed batch, waiting for room in the workers'
    queue, when the run stops: it must not wait for ever for workers that have ended."""
    recorder = Recorder(hold_at=3)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 60)

        async def cut_off_mid_run() -> None:
            run = asyncio.create_task(
                deliver_pending(
                    world.sessions, settings, now=NOW, concurrency=1, batch_size=batch_size
                )
            )
            assert await asyncio.to_thread(recorder.held.wait, 30)
            if batch_size == 20:  # the third batch in the claimer's hands
                assert await asyncio.to_thread(claimer_waiting.wait, 30)
            await asyncio.to_thread(_cut_off, world)
            recorder.release.set()  # the third message is refused for now (451)
            with pytest.raises(DBAPIError):
                await asyncio.wait_for(run, 60)

        asyncio.run(cut_off_mid_run())
        # what the run sent without a record is still "sending": sent again after the lease
        assert any(r.status == "sending" for r in rows(world))
        deliver(world, settings, now=LEASE_RAN_OUT)
    counts = Counter(recorder.message_ids())
    assert set(counts) == all_message_ids(world)
    assert {r.status for r in rows(world)} == {"sent"}
    assert sum(counts.values()) - len(counts) <= UNRECORDED + 1  # one connection's bound


def test_a_clean_run_claims_and_records_on_the_loop_only(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The threaded path's claim, read of the bytes and record of clean sends are not used."""

    def threaded(*_args: object, **_kw: object) -> None:
        raise AssertionError("the threaded path was taken on PostgreSQL")

    for name in ("claim_rows", "raw_messages"):
        monkeypatch.setattr(claims, name, threaded)
    monkeypatch.setattr(states, "mark_sent_many", threaded)
    recorder = Recorder()
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 30)
        stats = deliver(world, settings, batch_size=7)
    assert (stats.sent, stats.stopped) == (30, None)
    assert {r.status for r in rows(world)} == {"sent"}
    assert sorted(recorder.message_ids()) == sorted(all_message_ids(world))


def test_the_claim_on_the_loop_is_in_utc_whatever_the_sessions_time_zone(world: World) -> None:
    """A moment sent without its zone would be read in the session's: ten hours off here."""
    issue(world, settings_for(25), 2)
    due, later = (r.id for r in rows(world))
    with world.transaction() as s:
        for row_id, at in ((due, NOW - dt.timedelta(minutes=1)), (later, NOW + MINUTE)):
            s.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                next_attempt_at=at
            ))  # fmt: skip
    far_east = make_engine(
        world.engine.url.update_query_dict({"options": "-c TimeZone=Asia/Vladivostok"})
        .render_as_string(hide_password=False)
    )  # fmt: skip

    async def claim() -> list[int]:
        async with pg_loop.connections(far_east, 1) as (connection,):
            zone = await (await connection.execute("SHOW TimeZone")).fetchone()
            assert zone == ("Asia/Vladivostok",)
            taken = await pg_loop.claim_with_bytes(
                connection, now=NOW, limit=5, lease_seconds=300, token="run"
            )
            return [row[0] for row in taken]

    try:
        assert asyncio.run(claim()) == [due]
    finally:
        far_east.dispose()
    (claimed,) = [r for r in rows(world) if r.status == "sending"]
    assert claimed.lease_until == NOW + dt.timedelta(seconds=300)
