"""Engine, sessions and schema migrations for a database URL.

The caller owns the session and its transaction (``with session.begin():``); data functions
take a session and never commit on their own.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Column, Engine, Executable, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import TypeDecorator

from kontrol.models.base import UtcDateTime
from kontrol.roadmap.moments import utc

# Alembic is loaded when the schema is looked at, not by every command that imports this module
if TYPE_CHECKING:
    from alembic.config import Config

# Alembic's package-resource form: the migrations are found through the installed package
MIGRATIONS = "kontrol.models:migrations"
# the databases kontrol runs on, as SQLAlchemy names them (postgresql means psycopg 3)
DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
WANTED = "sqlite:///PATH or postgresql://USER@HOST/DB"
# SQLite's result codes that say the file, its folder or the disk is the trouble, not the SQL
# (sqlite3 raises OperationalError for a missing table too: that is a bug, not the user's)
SQLITE_ENVIRONMENT = (
    "SQLITE_CANTOPEN",
    "SQLITE_READONLY",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_PERM",
    "SQLITE_NOTADB",
    "SQLITE_CORRUPT",
)


def database_url(text: str) -> URL:
    """The URL kontrol can run on, or ValueError saying what is wrong with it (checked by every
    engine made: before, a wrong one was a traceback)."""
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise ValueError(f"not a database URL: want {WANTED}") from None
    if url.drivername not in DRIVERS:
        raise ValueError(
            f"kontrol runs on SQLite or PostgreSQL (psycopg 3), not «{url.drivername}»: "
            f"want {WANTED}"
        )
    if url.port is not None and not 1 <= url.port <= 65535:
        raise ValueError(f"port {url.port} is not 1–65535")
    return url


def unavailable(exc: Exception, url: str | URL | None = None) -> str | None:
    """Why the database (at ``url``) cannot be used, in one line, when it is the environment's
    doing (server down or refusing us, file or folder missing, read-only, locked, disk full);
    None for anything else: a bug, which keeps its traceback. ``exc`` is SQLAlchemy's error or
    the driver's own (``kontrol.plain_db`` reads through the driver)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    errorname = getattr(orig, "sqlite_errorname", None)
    if isinstance(errorname, str):
        if not errorname.startswith(SQLITE_ENVIRONMENT):
            return None
        return _sqlite_words(str(orig), errorname, url)
    import psycopg

    if isinstance(orig, psycopg.OperationalError):
        return " ".join(str(orig).split())
    return None


def _sqlite_words(words: str, errorname: str, url: str | URL | None) -> str:
    if errorname.startswith("SQLITE_CANTOPEN") and url is not None:
        name = make_url(url).database
        path = Path(name) if name and name != ":memory:" else None
        if path is not None and not path.parent.is_dir():
            return f"{words}: the folder {path.parent} does not exist"
        if path is not None and path.is_dir():
            return f"{words}: {path} is a folder"
    return words


def make_engine(url: str) -> Engine:
    """An engine with SQLite made to behave: foreign keys on, WAL, waits instead of failing on
    locks. A URL kontrol cannot run on is a ValueError saying why (``database_url``)."""
    database_url(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def create_schema(engine: Engine) -> None:
    """A new, empty database's schema made straight from the models and stamped at
    ``SCHEMA_HEAD``, as if every migration had run: for a scratch SQLite file that never held
    an older schema (``kontrol simulate``'s). Migrating it costs Alembic's import and fourteen
    revisions, a twentieth of a ten-year simulation; the result is the same tables, columns,
    indexes and constraints (``tests/db/test_migrations.py``). On PostgreSQL it lacks what the
    models do not describe: migration 0013's compression of the mails' columns. A database
    that already has a schema is refused: it is ``migrate``'s."""
    from sqlalchemy import inspect

    from kontrol.models import Base  # the package: every model's table

    with engine.begin() as conn:
        if inspect(conn).get_table_names():
            raise ValueError("create_schema makes a new database's schema; this one has tables")
        Base.metadata.create_all(conn)
        conn.execute(
            text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,"
                " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
        )
        conn.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": SCHEMA_HEAD})


# the newest migration's revision; tests/db/test_schema_head.py holds it to Alembic's own head
# (and to kontrol.plain_db's, which the models' layer may not import). A constant because
# reading it through Alembic costs every command a fifth of a second or more (Alembic imports
# Mako and Pygments).
SCHEMA_HEAD = "0014"


def head_revision() -> str:
    return SCHEMA_HEAD


def alembic_head() -> str:
    """The head as Alembic reads it from the migration scripts (what SCHEMA_HEAD must be)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision, read from Alembic's own table as Alembic does (one row: the
    migrations are one line), without importing Alembic; None before any migration."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def insert_for(session: Session) -> Callable[..., Any]:
    """The dialect's ``insert`` (SQLite or PostgreSQL), the one with ``on_conflict_do_nothing``:
    every idempotent write in kontrol is an insert that a unique key may turn into nothing."""
    return _dialect_insert(session.get_bind().dialect.name)


def _dialect_insert(name: str) -> Callable[..., Any]:
    from sqlalchemy.dialects import postgresql, sqlite

    if name not in ("postgresql", "sqlite"):  # pragma: no cover - the two databases we run on
        raise NotImplementedError(f"kontrol runs on SQLite and PostgreSQL, not {name}")
    return postgresql.insert if name == "postgresql" else sqlite.insert


@cache
def _insert_new(dialect: str, model: Any, on: tuple[str, ...], returning: tuple[Any, ...]) -> Any:
    """Built once per dialect: building the statement cost more than running it."""
    stmt = _dialect_insert(dialect)(model)
    if on:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(on))
    return stmt.returning(*returning) if returning else stmt


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *returning: Column[Any],
    on: tuple[str, ...] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (dicts with the same keys, columns' names) in one execution; with
    ``on``, a row whose key is there is skipped (``ON CONFLICT (on) DO NOTHING``). The
    ``returning`` columns of the rows inserted, in no particular order.

    On PostgreSQL the rows travel as one JSON parameter that the server unpacks
    (``json_populate_recordset``). As a multi-row ``VALUES`` (SQLAlchemy's "insertmanyvalues")
    a thousand outbox rows are fifteen thousand placeholders, and psycopg parses such a
    statement in Python on every execution: the largest cost of a sweep's own code on
    PostgreSQL, three times the cost of the JSON. SQLite's driver binds in C: it keeps the
    multi-row ``VALUES``. What the JSON cannot carry as SQLAlchemy would (see ``_columns``)
    is refused on both databases, so a mistake shows on SQLite too.
    """
    if not rows:
        return []
    names, keys = tuple(rows[0]), rows[0].keys()
    json_columns = _columns(table, names)
    for row in rows:
        if row.keys() != keys:
            raise ValueError(
                f"rows for {table.name} differ in their columns: {names}, {tuple(row)}"
            )
        for name in json_columns:
            if row[name] is None:  # SQLAlchemy writes JSON null, the server an SQL NULL
                raise ValueError(f"rows for {table.name}: {name} is None")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = _json_insert(table, names, on, returning)
        data = json.dumps(list(rows), default=_json_value, ensure_ascii=False, allow_nan=False)
        result = session.execute(stmt, {"rows": data})
    else:
        result = session.execute(_insert_new(dialect, table, on, returning), list(rows))
    return [tuple(r) for r in result] if returning else []


@cache
def _columns(table: Table, names: tuple[str, ...]) -> tuple[str, ...]:
    """Check ``names`` against what the JSON rows can carry; the JSON-typed ones among them.

    SQLAlchemy fills a column's Python-side default into its own inserts and runs each type's
    bind processing; the JSON rows skip both. So the rows must name every column with such a
    default, and every column named must be of a type whose value JSON carries as SQLAlchemy
    would bind it (``_json_value`` does moments as ``UtcDateTime`` writes them)."""
    skipped = [c.name for c in table.columns if c.default is not None and c.name not in names]
    if skipped:
        raise ValueError(f"rows for {table.name} must name {', '.join(skipped)} (Python defaults)")
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
    plain = (sqltypes.String, sqltypes.Integer, sqltypes.Date, sqltypes.Boolean, sqltypes.JSON)
    for name in names:
        kind = table.c[name].type
        if not isinstance(kind, UtcDateTime) and (
            isinstance(kind, TypeDecorator)
            or kind._type_affinity not in plain
            or isinstance(kind, sqltypes.Enum)
        ):
            raise TypeError(f"{table.name}.{name}: {kind} does not travel in JSON rows")
    return tuple(n for n in names if table.c[n].type._type_affinity is sqltypes.JSON)


def _json_value(value: object) -> str:
    """Dates and moments as PostgreSQL reads them; a moment in UTC, as ``UtcDateTime`` writes."""
    if isinstance(value, dt.datetime):
        return utc(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot travel in a JSON row")


@cache
def _json_insert(
    table: Table, names: tuple[str, ...], on: tuple[str, ...], returning: tuple[Column[Any], ...]
) -> Executable:
    from sqlalchemy.dialects.postgresql import psycopg

    quote = psycopg.dialect().identifier_preparer.quote  # type: ignore[no-untyped-call, unused-ignore]
    columns = ", ".join(quote(name) for name in names)
    into = quote(table.name)
    sql = (
        f"INSERT INTO {into} ({columns}) SELECT {columns} "
        f"FROM json_populate_recordset(NULL::{into}, CAST(:rows AS json))"
    )
    if on:
        sql += f" ON CONFLICT ({', '.join(quote(c) for c in on)}) DO NOTHING"
    if not returning:
        return text(sql)
    sql += f" RETURNING {', '.join(quote(c.name) for c in returning)}"
    return text(sql).columns(*returning)


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
