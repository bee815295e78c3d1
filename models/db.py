"""Engine, sessions and schema migrations for a database URL.

The caller owns the session and its transaction (``with session.begin():``); data functions
take a session and never commit on their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine with SQLite made to behave: foreign keys on, WAL, waits instead of failing on
    locks."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                # WAL: readers never block the writer (flows, portal and CLI share the file);
                # synchronous=NORMAL is durable across application crashes in WAL mode
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start."""
    command.upgrade(alembic_config(engine), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def insert_for(session: Session) -> Callable[..., Any]:
    """The dialect's ``insert`` (SQLite or PostgreSQL), the one with ``on_conflict_do_nothing``:
    every idempotent write in kontrol is an insert that a unique key may turn into nothing."""
    from sqlalchemy.dialects import postgresql, sqlite

    name = session.get_bind().dialect.name
    if name not in ("postgresql", "sqlite"):  # pragma: no cover - the two databases we run on
        raise NotImplementedError(f"kontrol runs on SQLite and PostgreSQL, not {name}")
    return (postgresql if name == "postgresql" else sqlite).insert


@contextmanager
def scratch_postgres(server_url: str, prefix: str = "kontrol_scratch") -> Iterator[str]:
    """A new, empty database on the server of ``server_url`` and its URL, dropped on exit (for
    tests and benchmarks: the database named in ``server_url`` is only used to connect)."""
    if server_url.startswith("postgresql://"):
        server_url = "postgresql+psycopg://" + server_url.removeprefix("postgresql://")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield f"{server_url.rpartition('/')[0]}/{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
