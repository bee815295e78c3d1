"""On PostgreSQL a delivery run claims and records clean sends on the sending loop
(``kontrol.mail.pg_loop``): a database that cannot be reached, or is lost mid-run, is the same
SQLAlchemy error as on the threaded path (one line from ``kontrol mail deliver``), and no mail
is lost for it."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kontrol.mail import pg_loop
from kontrol.mail.delivery import UNRECORDED, deliver_pending
from kontrol.mail.sink import start_sink
from kontrol.models.db import make_engine, session_factory, unavailable
from tests.mail.conftest import Recorder, deliver
from tests.mail.factory import NOW, World, settings_for
from tests.mail.test_delivery_failures import all_message_ids, issue, rows

LEASE_RAN_OUT = NOW + dt.timedelta(seconds=301)


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


def _on_postgresql(world: World) -> None:
    if world.engine.dialect.name != "postgresql":
        pytest.skip("delivery claims and records on the loop on PostgreSQL only")


def test_a_closed_connection_is_sqlalchemys_error(world: World) -> None:
    _on_postgresql(world)

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


def test_a_database_lost_mid_run_stops_the_run_and_loses_no_mail(world: World) -> None:
    _on_postgresql(world)
    recorder = Recorder(hold_at=3)
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port)
        issue(world, settings, 8)

        async def cut_off_mid_run() -> None:
            run = asyncio.create_task(
                deliver_pending(world.sessions, settings, now=NOW, concurrency=1)
            )
            assert await asyncio.to_thread(recorder.held.wait, 30)
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
