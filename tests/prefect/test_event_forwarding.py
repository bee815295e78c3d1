"""Two forwarders never send one pending event at once (the lease), and one that dies holding
it leaves it to the next after the lease — against the real Prefect test server."""

from __future__ import annotations

import contextvars
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from kontrol.context import App
from kontrol.event_forwarding import LEASE, forward_one, forward_pending, forward_to_prefect
from kontrol.models.event import EventRecord
from kontrol.roadmap.events import load_events
from kontrol.settings import load_settings
from tests.cli_runner import run
from tests.prefect.conftest import EVENTS, db_rows, in_prefect, prefect_down

pytestmark = pytest.mark.usefixtures("prefect_server")


def _row(url: str, row_id: int) -> EventRecord:
    (row,) = db_rows(url, select(EventRecord).where(EventRecord.id == row_id))
    return row


def test_two_forwarders_at_once_forward_a_pending_event_once(event_items, capsys):
    with prefect_down():
        pending = run(capsys, "event", "emit", "contract_signed", "--ref", "ГК-2", "--json")
    row_id = pending.json()["id"]
    catalogue = load_events(EVENTS)
    inside, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def holding(row: EventRecord, event) -> None:  # type: ignore[no-untyped-def]
        calls.append("first")
        inside.set()
        assert release.wait(120)
        forward_to_prefect(row, event)

    def other(row: EventRecord, event) -> None:  # type: ignore[no-untyped-def]
        calls.append("second")
        forward_to_prefect(row, event)

    with ThreadPoolExecutor(1) as pool:
        context = contextvars.copy_context()  # the worker sees the test server's settings
        first = pool.submit(context.run, forward_pending, App(load_settings()), catalogue, holding)
        assert inside.wait(120)
        meanwhile = forward_pending(App(load_settings()), catalogue, other)
        held = forward_one(App(load_settings()), row_id, catalogue, other)
        release.set()
        report = first.result(120)

    assert (meanwhile.forwarded, meanwhile.failed) == ([], {})
    assert held.state == "held" and "being forwarded by another process" in (held.error or "")
    assert report.forwarded == [row_id] and calls == ["first"]
    assert forward_pending(App(load_settings()), catalogue, other).forwarded == []
    row = _row(event_items, row_id)
    assert (row.forward_attempts, row.forward_lease_until) == (2, None)
    assert in_prefect(row.event_id)


def test_a_forwarder_that_died_holding_a_row_leaves_it_to_the_next_after_the_lease(
    event_items, capsys
):
    with prefect_down():
        pending = run(capsys, "event", "emit", "contract_signed", "--ref", "ГК-3", "--json")
    row_id, catalogue = pending.json()["id"], load_events(EVENTS)
    now = dt.datetime.now(dt.UTC)

    def dies(row: EventRecord, event) -> None:  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # not an Exception: the lease stays, as after a kill

    with pytest.raises(KeyboardInterrupt):
        forward_one(App(load_settings(), now=now), row_id, catalogue, dies)
    assert forward_one(App(load_settings(), now=now), row_id, catalogue).state == "held"
    later = App(load_settings(), now=now + LEASE)
    assert forward_one(later, row_id, catalogue).state == "sent"
    assert in_prefect(_row(event_items, row_id).event_id)
