"""Events recorded but not forwarded (issue 13): the documented «send it again» works without
``at``, and the next emit that reaches Prefect forwards what is pending along with its own.

Prefect is the real test server; «Prefect down» is a real refused connection."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from kontrol.models.base import utc
from kontrol.models.event import EventRecord
from tests.cli_runner import run
from tests.prefect.conftest import (
    Prefect,
    db_rows,
    events_client,
    in_prefect,
    prefect_down,
)

pytestmark = pytest.mark.usefixtures("prefect_server")

PROCUREMENT = {"Authorization": "Bearer proc-token-0123456789"}


def _rows(url: str) -> list[EventRecord]:
    return db_rows(url, select(EventRecord).order_by(EventRecord.id))


def _row(url: str, row_id: int) -> EventRecord:
    (row,) = [r for r in _rows(url) if r.id == row_id]
    return row


def test_a_resend_without_at_after_recorded_not_forwarded_is_the_same_event(event_items):
    prefect = Prefect(up=False)
    client = events_client(prefect)
    sent = {"event": "contract_signed", "ref": "ГК-77", "body": "committee"}

    first = client.post("/api/events", json=sent, headers=PROCUREMENT)
    assert first.status_code == 502, first.text
    assert "recorded, not forwarded" in first.json()["detail"]

    prefect.up = True
    again = client.post("/api/events", json=sent, headers=PROCUREMENT)  # later: another «now»

    assert again.status_code == 200, again.text  # was 409: «at» defaulted to the new receipt
    (row,) = _rows(event_items)
    assert (again.json()["id"], again.json()["status"], again.json()["forwarded"]) == (
        row.id,
        "duplicate",
        True,
    )
    assert again.json()["occurred_at"] == utc(row.occurred_at).isoformat()  # kept, not «now»
    assert "ConnectionRefusedError" in first.json()["detail"]  # the reason, for the sender
    assert (row.forwarded_at is not None, row.forward_attempts, row.forward_error) == (
        True,
        2,
        None,
    )
    assert in_prefect(row.event_id)
    # the reference still names that one event: another time or body under it is a conflict
    other_time = {**sent, "at": "2022-03-02T10:00:00+03:00"}
    assert client.post("/api/events", json=other_time, headers=PROCUREMENT).status_code == 409
    no_body = {k: v for k, v in sent.items() if k != "body"}
    assert client.post("/api/events", json=no_body, headers=PROCUREMENT).status_code == 409
    assert len(_rows(event_items)) == 1 and prefect.calls == 2


def test_the_same_command_again_forwards_a_pending_event_and_records_nothing_new(
    event_items, capsys
):
    command = ("event", "emit", "contract_signed", "--body", "committee", "--json")
    with prefect_down():
        first = run(capsys, *command)
    assert (first.code, first.json()["forwarded"]) == (1, False)

    again = run(capsys, *command)

    assert again.code == 0, again.err
    data = again.json()
    assert (data["id"], data["status"], data["forwarded"]) == (
        first.json()["id"],
        "duplicate",
        True,
    )
    assert data["occurred_at"] == first.json()["occurred_at"]
    assert len(_rows(event_items)) == 1
    assert in_prefect(data["event_id"])
    assert "the daily sweep forwards it, or run the same command again" in first.err
    # once Prefect has it, the same command is a new event (a second contract, say)
    third = run(capsys, *command)
    assert (third.code, third.json()["status"]) == (0, "recorded")
    assert len(_rows(event_items)) == 2


def test_the_next_emit_that_reaches_prefect_forwards_the_pending_ones_along(event_items, capsys):
    with prefect_down():
        pending = run(capsys, "event", "emit", "request_received", "--ref", "ЗАПРОС-9", "--json")
    assert pending.code == 1

    later = run(capsys, "event", "emit", "appeal_received", "--ref", "ОБР-9", "--json")

    assert later.code == 0, later.err
    row = _row(event_items, pending.json()["id"])
    assert row.forwarded_at is not None
    assert in_prefect(row.event_id)
    assert (row.forward_attempts, row.forward_error) == (2, None)


def test_the_api_leaves_no_database_connection_behind(event_items):
    """Each request makes its own App: its engine's pool used to outlive it, so a busy API (or a
    property test) ran PostgreSQL out of connections («too many clients»)."""
    if not event_items.startswith("postgresql"):
        pytest.skip("SQLite has no server connections to count")
    from sqlalchemy import text

    from kontrol.models.db import make_engine

    def connections() -> int:
        engine = make_engine(event_items)
        try:
            with engine.connect() as conn:
                query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                return int(conn.execute(text(query)).scalar_one())
        finally:
            engine.dispose()

    client = events_client(Prefect())
    before = connections()
    for n in range(6):
        sent = {"event": "contract_signed", "ref": f"ГК-{n}", "at": "2022-03-01T10:00:00+03:00"}
        if n % 2:
            sent["at"] = "9999-12-31T10:00:00+03:00"  # refused
        assert client.post("/api/events", json=sent, headers=PROCUREMENT).status_code < 500
    # a closed connection's server process ends a moment after its client hangs up: a count
    # taken at once may still see it (a CI run did), a leak never goes away
    deadline = time.monotonic() + 10
    while (after := connections()) != before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert after == before


def test_a_nul_character_from_a_sender_is_a_422_not_a_500(event_items):
    """PostgreSQL refuses NUL in text: the insert used to fail with a 500."""
    client = events_client(Prefect())
    for field in ("ref", "note", "body"):
        sent = {"event": "contract_signed", "ref": "ГК-0", field: "ГК\x00-0"}
        answer = client.post("/api/events", json=sent, headers=PROCUREMENT)
        assert answer.status_code == 422, answer.text
        assert "NUL" in answer.text
    assert _rows(event_items) == []
