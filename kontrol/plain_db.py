"""Reading the database through its own driver, without SQLAlchemy.

``kontrol status`` and ``kontrol items`` are what people type most and wait for; importing
SQLAlchemy alone took them 0.15 s, five times what ``import click`` does (issue 20). So they
read through the DB-API: the stdlib's ``sqlite3``, or psycopg for PostgreSQL, with a few plain
SELECTs (``kontrol.listing``, ``kontrol.plain_reads``). The same SQL serves the commands that
hold a SQLAlchemy session (``of_session``), so a listing is written once.

``open_plain`` takes only what it is sure of: an SQLite file that exists, or a PostgreSQL URL,
whose schema is this kontrol's. Anything else is None, and the caller goes the SQLAlchemy
way, which says what is wrong in the words every command uses; a PostgreSQL server that
cannot be reached is said at once, in the same words (``kontrol.models.db.unavailable``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, unquote, urlsplit

from kontrol.roadmap.moments import utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# the newest migration's revision, kontrol.models.db.SCHEMA_HEAD written again: importing the
# models would load SQLAlchemy (tests/db/test_schema_head.py holds both to Alembic's own head)
SCHEMA_HEAD = "0014"

Dialect = Literal["sqlite", "postgresql"]
_NAMED = re.compile(r"(?<![:\w]):(\w+)")


@dataclass
class PlainDB:
    """A DB-API connection and its dialect; parameters are written ``:name`` in either."""

    connection: Any
    dialect: Dialect

    @classmethod
    def over(cls, driver: Any, dialect_name: str) -> PlainDB:
        """A driver connection SQLAlchemy opened (its dialect's name: sqlite or postgresql)."""
        return cls(driver, "postgresql" if dialect_name == "postgresql" else "sqlite")

    def rows(self, sql: str, **params: object) -> list[tuple[Any, ...]]:
        """The rows of ``sql``. Written for both drivers: values as ``:name`` parameters only
        (no ``%``, no ``::`` casts, no ``:word`` inside a quoted text)."""
        if "%" in sql or "::" in sql:
            raise ValueError(f"not SQL both drivers read the same: {sql!r}")
        if self.dialect == "postgresql":
            sql = _NAMED.sub(r"%(\1)s", sql)
        else:
            params = {k: _sqlite_value(v) for k, v in params.items()}
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def in_list(self, name: str, values: Sequence[object]) -> tuple[str, dict[str, object]]:
        """``(:name_0, :name_1, …)`` and its parameters: an IN list either driver takes."""
        params = {f"{name}_{i}": v for i, v in enumerate(values)}
        return "(" + ", ".join(f":{p}" for p in params) + ")" if params else "(NULL)", params


def _sqlite_value(value: object) -> object:
    """A day or a moment as SQLAlchemy writes them to SQLite (ISO text; moments as UTC wall
    time with microseconds), so that they compare as the stored values do."""
    if isinstance(value, dt.datetime):
        return utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def day(value: object) -> dt.date:
    """A DATE column's value: SQLite gives the ISO text SQLAlchemy wrote."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def moment(value: object) -> dt.datetime | None:
    """A timestamp column's value as aware UTC (``UtcDateTime``: SQLite keeps UTC wall time)."""
    if value is None:
        return None
    return utc(dt.datetime.fromisoformat(value) if isinstance(value, str) else value)  # type: ignore[arg-type]


def of_session(session: Session) -> PlainDB:
    """The session's own connection, in its transaction (what it has not written yet flushed)."""
    session.flush()
    raw = session.connection().connection.driver_connection
    return PlainDB.over(raw, session.get_bind().dialect.name)


@contextmanager
def open_plain(url: str) -> Iterator[PlainDB | None]:
    """A connection to the database at ``url`` holding kontrol's current schema, read in one
    transaction; None where the SQLAlchemy way must judge the URL or the database (it cannot
    be opened, or holds no schema or another revision)."""
    db = _connect(url)
    try:
        if db is not None and _revision(db) != SCHEMA_HEAD:
            yield None
        else:
            yield db
    finally:
        if db is not None:
            db.connection.close()


def _connect(url: str) -> PlainDB | None:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    if scheme in ("postgresql", "postgresql+psycopg"):
        return _postgresql(rest)
    if scheme != "sqlite":
        return None
    try:
        return _sqlite(rest)
    except Exception:  # sqlite3 cannot open it: SQLAlchemy meets it again and words it
        return None


def _sqlite(rest: str) -> PlainDB | None:
    """``sqlite:///relative.db`` or ``sqlite:////absolute.db``: a file that exists (a missing
    one is for SQLAlchemy's way to create or refuse, as before), no options (those are
    SQLAlchemy's to read)."""
    import sqlite3

    path = unquote(rest.removeprefix("/"))  # as SQLAlchemy reads it: sqlite:///a%20b.db is «a b.db»
    if not path or "?" in path or path == ":memory:" or not Path(path).is_file():
        return None
    # read-only: a status never writes, and must not create or change what it reads (a WAL
    # database's -shm and -wal files excepted: a reader needs them, and leaves them)
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=30)
    conn.isolation_level = None  # transactions as written: the BEGIN below
    conn.execute("BEGIN")  # one read transaction: every SELECT sees the same moment
    return PlainDB(conn, "sqlite")


def _postgresql(rest: str) -> PlainDB | None:
    """A URL libpq reads otherwise than SQLAlchemy (a port out of range, an option libpq does
    not know) goes the SQLAlchemy way; a server that cannot be reached, or refuses us, is the
    command's error at once, worded as SQLAlchemy's is (not a second wait, a second login)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    url = "postgresql://" + rest
    try:
        _ = urlsplit(url).port  # a ValueError for a port that is no port
        conninfo_to_dict(url)
    except (ValueError, psycopg.ProgrammingError):
        return None
    conn = psycopg.connect(url)
    # one read-only transaction whose SELECTs all see the same moment
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    return PlainDB(conn, "postgresql")


def _revision(db: PlainDB) -> str | None:
    """The schema's revision; None where kontrol has written none. Any other error (a locked
    file, a server gone) is the command's: the caller words it, once."""
    table = (
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        if db.dialect == "sqlite"
        else "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'alembic_version'"
        " AND schemaname = ANY (current_schemas(false))"
    )
    if not db.rows(table)[0][0]:
        return None
    found = db.rows("SELECT version_num FROM alembic_version")
    return found[0][0] if len(found) == 1 else None
