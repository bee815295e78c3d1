"""On PostgreSQL, the statements a delivery run makes while it sends (its claims, and the
records of clean sends) run on async psycopg connections on the sending loop itself.

Run on a thread through SQLAlchemy, each of them took the interpreter's lock from the loop:
the sockets' sends and receives then waited for it to come back, and the run reached about
77 % of the bare loop's speed. On the loop, with no thread to wait for, it reached about 85 %
(``bench/README-mail.md``). The statements are the threaded path's own (``claims``,
``states``), compiled once for psycopg; a psycopg error comes out as SQLAlchemy's, as it did
from the threaded path, so callers still meet one kind of error (``kontrol mail deliver``
says in one line that the database is down).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from functools import cache
from typing import Any

import psycopg
from sqlalchemy import Engine, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import Integer

from kontrol.mail import claims, states
from kontrol.models import OutboxContent, OutboxMessage
from kontrol.models.base import table_of, utc

__all__ = ["SENT_COLUMNS", "claim_with_bytes", "connections", "mark_sent_many"]

# what delivery sends a claimed row with, besides its id and its bytes
SENT_COLUMNS = ("attempts", "to_addrs", "cc_addrs")
_ID = table_of(OutboxMessage).c.id


@contextmanager
def _as_sqlalchemy(statement: str | None = None) -> Iterator[None]:
    """psycopg's errors as the SQLAlchemy errors the threaded path raised for them."""
    try:
        yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


@asynccontextmanager
async def connections(engine: Engine, count: int) -> AsyncIterator[list[psycopg.AsyncConnection]]:
    """``count`` autocommit connections to ``engine``'s database, made with what its dialect
    makes of its URL (``make_engine`` gives PostgreSQL nothing else); closed on exit. Each
    statement on them is its own transaction."""
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    async with AsyncExitStack() as stack:
        made = []
        for _ in range(count):
            with _as_sqlalchemy():
                # the run's few statements, prepared at their first use rather than the fifth
                connection = await psycopg.AsyncConnection.connect(
                    *cargs, **{**cparams, "autocommit": True, "prepare_threshold": 0}
                )
            stack.push_async_callback(connection.close)
            made.append(connection)
        yield made


def _compiled(statement: Any) -> tuple[str, dict[str, Any]]:
    """The statement's SQL for psycopg (``%(name)s`` parameters) and the values of the
    parameters it holds itself (its literals: "sending", + 1…)."""
    dialect = psycopg_dialect.dialect()  # type: ignore[no-untyped-call, unused-ignore]
    compiled = statement.compile(dialect=dialect)
    return compiled.string, dict(compiled.params)


@cache
def _claim() -> tuple[str, dict[str, Any]]:
    """The claim and the bytes of what it took, in one statement and one round trip."""
    claimed = claims.claim_statement("postgresql", SENT_COLUMNS).cte("claimed")
    return _compiled(
        select(claimed, OutboxContent.raw)
        .outerjoin(OutboxContent, OutboxContent.message_id == claimed.c.id)
        .order_by(claimed.c.id)
    )


@cache
def _sent() -> tuple[str, dict[str, Any]]:
    """``states``' record of clean sends, with one array for the ids instead of a list."""
    ids = bindparam("ids", type_=ARRAY(Integer()))
    return _compiled(states.sent_many_statement(_ID == any_(ids)))  # noqa: SIM300


async def claim_with_bytes(
    connection: psycopg.AsyncConnection,
    *,
    now: dt.datetime,
    limit: int,
    lease_seconds: int,
    token: str,
) -> list[tuple[Any, ...]]:
    """``claims.claim_rows`` with ``SENT_COLUMNS``, each row followed by its stored bytes (None
    for a row built only when sent), sorted by id."""
    sql, held = _claim()
    params = claims.claim_params(now=now, limit=limit, lease_seconds=lease_seconds, token=token)
    with _as_sqlalchemy(sql):
        # binary: bytea as bytes, not hex text (half the bytes, no decoding on either side)
        async with connection.cursor(binary=True) as cursor:
            await cursor.execute(sql, {**held, **params})
            return [tuple(row) for row in await cursor.fetchall()]


async def mark_sent_many(
    connection: psycopg.AsyncConnection, ids: Sequence[int], *, now: dt.datetime, token: str
) -> int:
    """``states.mark_sent_many`` on the loop: rows changed."""
    sql, held = _sent()
    params = {"ids": list(ids), "token": token, "sent_at": utc(now)}
    with _as_sqlalchemy(sql):
        cursor = await connection.execute(sql, {**held, **params})
    return cursor.rowcount
