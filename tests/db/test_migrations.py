"""The migrations build exactly the schema the models describe, and carry data across."""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from kontrol.models import Base
from kontrol.models.db import (
    SCHEMA_HEAD,
    create_schema,
    current_revision,
    make_engine,
    migrate,
    scratch_postgres,
)
from tests.conftest import PG_URL

ROW = {
    "key": "issued:1",
    "kind": "assignment_issued",
    "to_addrs": '["school1@edu.example"]',
    "cc_addrs": "[]",
    "subject": "Поручение",
    "body_text": "Текст поручения",
    "body_html": "<p>Текст поручения</p>",
    "attachments": '[{"filename": "a.ics", "content_type": "text/calendar", "content": "X"}]',
    "message_id": "<outbox-1@kontrol>",
    "raw": b"Subject: x\r\n\r\nbody\r\n",
    "status": "sent",
    "attempts": 1,
    "created_at": dt.datetime(2021, 1, 11, 6, tzinfo=dt.UTC),
    "next_attempt_at": dt.datetime(2021, 1, 11, 6, tzinfo=dt.UTC),
}


def test_the_schema_after_every_migration_is_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_outbox_content_moves_out_and_back_with_its_data(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "0006")
    columns = ", ".join(ROW)
    values = ", ".join(f":{name}" for name in ROW)
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO outbox ({columns}) VALUES ({values})"), ROW)

    migrate(engine, "0007")
    with engine.connect() as conn:
        content = conn.execute(
            text("SELECT body_text, body_html, raw FROM outbox_content WHERE message_id = 1")
        ).one()
        state = conn.execute(text("SELECT * FROM outbox WHERE id = 1")).mappings().one()
    assert tuple(content) == (ROW["body_text"], ROW["body_html"], ROW["raw"])
    assert "body_text" not in state and "raw" not in state
    assert state["status"] == "sent" and state["subject"] == "Поручение"

    from alembic import command

    from kontrol.models.db import alembic_config

    command.downgrade(alembic_config(engine), "0006")
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT body_text, body_html, raw, status FROM outbox WHERE id = 1")
        ).one()
        tables = conn.execute(
            text(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'outbox_content'"
                if conn.dialect.name == "postgresql"
                else "SELECT count(*) FROM sqlite_master WHERE name = 'outbox_content'"
            )
        ).scalar_one()
    assert tuple(back) == (ROW["body_text"], ROW["body_html"], ROW["raw"], "sent")
    assert tables == 0
    engine.dispose()


@pytest.mark.postgres
def test_the_mails_content_is_compressed_with_lz4_where_the_server_has_it(pg_url: str) -> None:
    """pglz cost a sweep on PostgreSQL more than anything else it did in the server
    (``bench/README-sweep.md``, stop 31); a server without lz4 keeps its default. Read from
    values stored, not from the catalogue the migration writes."""
    from alembic import command

    from kontrol.models.db import alembic_config

    engine = make_engine(pg_url)
    with engine.connect() as conn:
        if int(conn.execute(text("SHOW server_version_num")).scalar_one()) < 140000:
            pytest.skip("PostgreSQL before 14 has one compression method")
        lz4 = conn.execute(
            text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
        ).scalar()
    words = "Текст поручения, который повторяется. " * 2000

    def stored(key: str) -> tuple[str, str]:
        with engine.begin() as conn:
            state = {k: v for k, v in ROW.items() if k not in ("body_text", "body_html", "raw")}
            state.pop("attachments")
            names = ", ".join(state)
            new_id = conn.execute(
                text(
                    f"INSERT INTO outbox ({names}) VALUES "
                    f"({', '.join(':' + n for n in state)}) RETURNING id"
                ),
                {**state, "key": key, "message_id": f"<{key}@kontrol>"},
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO outbox_content (message_id, body_text, body_html, attachments, "
                    "raw) VALUES (:id, :words, :words, '[]', :raw)"
                ),
                {"id": new_id, "words": words, "raw": words.encode()},
            )
            methods = conn.execute(
                text(
                    "SELECT pg_column_compression(body_text), pg_column_compression(raw) "
                    "FROM outbox_content WHERE message_id = :id"
                ),
                {"id": new_id},
            ).one()
        return (str(methods[0]), str(methods[1]))

    migrate(engine, "0012")
    assert stored("before") == ("pglz", "pglz")
    migrate(engine)
    assert stored("after") == (("lz4", "lz4") if lz4 else ("pglz", "pglz"))
    command.downgrade(alembic_config(engine), "0012")
    assert stored("again") == ("pglz", "pglz")
    with engine.connect() as conn:  # each value reads back whatever it was stored with
        bodies = conn.execute(text("SELECT body_text, raw FROM outbox_content")).all()
    assert [(b, bytes(r)) for b, r in bodies] == [(words, words.encode())] * 3
    engine.dispose()


def _schema(engine: Engine) -> dict[str, Any]:
    """What the database says it holds: each table's columns (name, type, nullability),
    indexes, unique constraints and foreign keys."""
    found = inspect(engine)
    out: dict[str, Any] = {}
    for table in found.get_table_names():
        out[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in found.get_indexes(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
            "foreign": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], str(f["options"]))
                for f in found.get_foreign_keys(table)
            ),
            "primary": found.get_pk_constraint(table)["constrained_columns"],
        }
    return out


def test_a_scratch_schema_made_from_the_models_is_the_migrated_one(
    db_url: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        if db_url.startswith("sqlite"):
            second = f"sqlite:///{tmp_path / 'scratch.db'}"
        else:
            second = stack.enter_context(scratch_postgres(PG_URL or "", "kontrol_s"))
        _compare_scratch_with_migrated(db_url, second)


def _compare_scratch_with_migrated(db_url: str, second: str) -> None:
    migrated = make_engine(db_url)
    migrate(migrated)
    scratch = make_engine(second)
    try:
        create_schema(scratch)
        assert _schema(scratch) == _schema(migrated)
        assert current_revision(scratch) == SCHEMA_HEAD
        with scratch.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == SCHEMA_HEAD
        with pytest.raises(ValueError, match="has tables"):
            create_schema(scratch)  # a database with a schema is migrate's
    finally:
        migrated.dispose()
        scratch.dispose()
