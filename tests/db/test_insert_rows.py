"""``insert_rows``: many rows in one execution, the same rows on both databases (PostgreSQL
takes them as one JSON parameter, SQLite as a multi-row VALUES)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    event,
    select,
    text,
)
from sqlalchemy.orm import Session

from kontrol.models import AuditEvent, OutboxMessage
from kontrol.models.base import UtcDateTime, table_of
from kontrol.models.db import insert_rows, make_engine, migrate, session_factory

OUTBOX = table_of(OutboxMessage)
AUDIT = table_of(AuditEvent)
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
    statements: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert insert_rows(session, OUTBOX, [], OUTBOX.c.id, on=("key",)) == []
    assert statements == []


SCRATCH = Table(
    "insert_rows_scratch",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("key", String(20), unique=True),  # reserved words, quoted
    Column("by", String(20)),
    Column("on_day", Date),
    Column("at", UtcDateTime),
    Column("done", Boolean),
    Column("data", JSON),
)


def test_every_kind_of_column_travels_and_comes_back_typed(session: Session) -> None:
    """Dates, moments (a naive one is UTC, whatever the server's zone), flags, JSON and
    reserved words for names; the returned columns come back as their types."""
    SCRATCH.create(session.connection())
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL TIME ZONE 'Europe/Moscow'"))
    naive = dt.datetime(2025, 3, 12, 6, 30)
    rows = [
        {"key": "a", "by": "sweep", "on_day": dt.date(2025, 3, 12), "at": naive, "done": True,
         "data": {"список": [1, "два", None], "текст": AWKWARD}},
        {"key": "b", "by": AWKWARD[:20], "on_day": dt.date(2024, 2, 29),
         "at": dt.datetime(2025, 3, 12, 9, 30, tzinfo=MSK), "done": False, "data": []},
    ]  # fmt: skip
    got = insert_rows(session, SCRATCH, rows, SCRATCH.c.key, SCRATCH.c.on_day, on=("key",))
    assert sorted(got) == [("a", dt.date(2025, 3, 12)), ("b", dt.date(2024, 2, 29))]
    stored = {r.key: r for r in session.execute(select(SCRATCH))}
    for row in rows:
        back = stored[row["key"]]
        assert (back.by, back.on_day, back.done, back.data) == (
            row["by"], row["on_day"], row["done"], row["data"]
        )  # fmt: skip
        assert back.at == dt.datetime(2025, 3, 12, 6, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (lambda rows: rows[1].pop("reply_to"), ValueError, "differ in their columns"),
        (lambda rows: rows[1].update(cc_addrs=None), ValueError, "cc_addrs is None"),
        (lambda rows: [r.pop("attempts") for r in rows], ValueError, "must name attempts"),
        (lambda rows: [r.update(colour="red") for r in rows], ValueError, "no column colour"),
    ],
    ids=["keys differ", "JSON None", "Python default", "no such column"],
)
def test_rows_it_cannot_write_as_sqlalchemy_would_are_refused_on_both_databases(
    session: Session, change: Any, error: type[Exception], words: str
) -> None:
    """Refused before anything is sent; on SQLite too, where SQLAlchemy would have coped,
    so that a caller's mistake does not wait for PostgreSQL to show."""
    rows = [outbox_row("a"), outbox_row("b")]
    change(rows)
    with pytest.raises(error, match=words):
        insert_rows(session, OUTBOX, rows, on=("key",))
    assert session.scalars(select(OutboxMessage)).all() == []


def test_a_column_whose_type_json_cannot_carry_is_refused(session: Session) -> None:
    blobs = Table("insert_rows_blobs", MetaData(), Column("id", Integer, primary_key=True),
                  Column("raw", LargeBinary))  # fmt: skip
    with pytest.raises(TypeError, match=r"insert_rows_blobs\.raw: \w+ does not travel"):
        insert_rows(session, blobs, [{"raw": b"x"}])


@pytest.mark.postgres
def test_a_value_json_cannot_carry_is_refused_before_the_server(pg_url: str) -> None:
    """SQLite's driver binds bytes itself; only the JSON rows cannot carry them."""
    engine = make_engine(pg_url)
    migrate(engine)
    with (
        session_factory(engine)() as s,
        s.begin(),
        pytest.raises(TypeError, match="bytes cannot travel"),
    ):
        insert_rows(s, OUTBOX, [outbox_row("a", subject=b"bytes")], on=("key",))
    engine.dispose()
