"""``insert_rows``: many rows in one execution, the same rows on both databases (PostgreSQL
takes them as one JSON parameter, SQLite as a multi-row VALUES)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, cast

import pytest
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from kontrol.models import AuditEvent, OutboxMessage
from kontrol.models.db import insert_rows, make_engine, migrate, session_factory

OUTBOX = cast(Table, OutboxMessage.__table__)
AUDIT = cast(Table, AuditEvent.__table__)
MSK = dt.timezone(dt.timedelta(hours=3))
AWKWARD = 'Комитет «Ленинградский» \\ "кавычки" \n и перевод строки, emoji 🙂, nul-free'


def outbox_row(key: str, **changes: Any) -> dict[str, Any]:
    at = dt.datetime(2025, 3, 12, 9, 30, tzinfo=MSK)  # 06:30 UTC
    row = {
        "key": key,
        "kind": "reminder",
        "assignment_id": None,
        "roadmap_id": None,
        "recipient_body_id": None,
        "to_addrs": [f'"{AWKWARD}" <school@edu.example>', "b@edu.example"],
        "cc_addrs": [],
        "reply_to": None,
        "subject": f"Напоминание: {AWKWARD}",
        "message_id": f"<{key}@kontrol>",
        "status": "pending",
        "attempts": 0,
        "last_error": None,
        "created_at": at,
        "next_attempt_at": at,
    }
    return {**row, **changes}


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    migrate(engine)
    with session_factory(engine)() as s, s.begin():
        yield s
    engine.dispose()


def test_rows_come_back_as_written(session: Session) -> None:
    rows = [outbox_row("a"), outbox_row("b", reply_to="x@edu.example", attempts=2)]
    ids = insert_rows(session, OUTBOX, rows, OUTBOX.c.id, OUTBOX.c.key, on=("key",))
    assert sorted(key for _, key in ids) == ["a", "b"]
    assert all(isinstance(i, int) for i, _ in ids)
    stored = {
        m.key: m
        for m in session.scalars(select(OutboxMessage).execution_options(populate_existing=True))
    }
    for row in rows:
        got = stored[row["key"]]
        for name, value in row.items():
            if isinstance(value, dt.datetime):  # the same moment, read back in UTC
                assert getattr(got, name) == value
                assert getattr(got, name).utcoffset() == dt.timedelta(0)
            else:
                assert getattr(got, name) == value, name


def test_a_key_already_there_or_twice_in_the_rows_is_inserted_once(session: Session) -> None:
    first = insert_rows(session, OUTBOX, [outbox_row("a")], OUTBOX.c.key, on=("key",))
    assert first == [("a",)]
    again = insert_rows(
        session,
        OUTBOX,
        [outbox_row("a", subject="второй"), outbox_row("b"), outbox_row("b", subject="третий")],
        OUTBOX.c.key,
        on=("key",),
    )
    assert again == [("b",)]
    subjects = dict(session.execute(select(OutboxMessage.key, OutboxMessage.subject)).all())
    assert subjects == {"a": outbox_row("a")["subject"], "b": outbox_row("b")["subject"]}


def test_without_a_key_or_returning_every_row_is_inserted(session: Session) -> None:
    at = dt.datetime(2025, 3, 12, 6, tzinfo=dt.UTC)
    rows = [
        {
            "at": at,
            "actor": "sweep",
            "action": "ladder-step",
            "assignment_id": None,
            "details": {"as_of": "2025-03-12", "ids": [1, 2], "текст": AWKWARD},
        }
        for _ in range(3)
    ]
    assert insert_rows(session, AUDIT, rows) == []
    stored = session.scalars(select(AuditEvent)).all()
    assert [e.details for e in stored] == [r["details"] for r in rows]
    assert {e.at for e in stored} == {at}


def test_no_rows_is_no_statement(session: Session) -> None:
    assert insert_rows(session, OUTBOX, [], OUTBOX.c.id, on=("key",)) == []
    assert session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.postgres
def test_a_value_json_cannot_carry_is_refused_before_the_server(pg_url: str) -> None:
    engine = make_engine(pg_url)
    migrate(engine)
    with (
        session_factory(engine)() as s,
        s.begin(),
        pytest.raises(TypeError, match="bytes cannot travel"),
    ):
        insert_rows(s, OUTBOX, [outbox_row("a", subject=b"bytes")], on=("key",))
    engine.dispose()


@pytest.mark.postgres
def test_rows_must_name_the_columns_with_a_python_default(pg_url: str) -> None:
    """PostgreSQL's JSON rows skip SQLAlchemy, which fills those defaults in on SQLite."""
    engine = make_engine(pg_url)
    migrate(engine)
    row = outbox_row("a")
    del row["attempts"]
    with (
        session_factory(engine)() as s,
        s.begin(),
        pytest.raises(ValueError, match="must name attempts"),
    ):
        insert_rows(s, OUTBOX, [row], on=("key",))
    engine.dispose()
