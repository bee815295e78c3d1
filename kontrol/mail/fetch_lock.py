"""One fetch of a mailbox at a time.

The scheduled flow and a person's ``kontrol mail fetch`` may start together. The database
already makes each message act once (its Message-ID recorded with the action), but the IMAP
server does not make moving it atomic: Dovecot's MOVE is a copy and an expunge, so two fetches
moving the same message left two copies in «processed». A second fetch therefore waits for
the first and then finds the folder empty.

The lock lives where the database does, so it holds for every process that shares it:
PostgreSQL's advisory lock (any number of machines), or a ``flock`` beside the SQLite file (one
machine, as SQLite itself).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, text

from kontrol.errors import KontrolError

WAIT = 300.0  # seconds a fetch waits for another one (a fetch of 200 replies takes ~30 s)
POLL = 0.2


@contextlib.contextmanager
def one_fetch_at_a_time(engine: Engine, mailbox: str, *, wait: float = WAIT) -> Iterator[None]:
    """Held for the whole fetch of ``mailbox`` (user@host/folder); waits up to ``wait``."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine, mailbox, wait):
            yield
    else:
        with _flock(engine, mailbox, wait):
            yield


@contextlib.contextmanager
def _advisory(engine: Engine, mailbox: str, wait: float) -> Iterator[None]:
    digest = hashlib.sha256(f"kontrol mail fetch {mailbox}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with engine.connect() as conn:
        _until(
            lambda: bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})),
            mailbox,
            wait,
        )
        conn.commit()  # the lock is the session's: no transaction left open beside the fetch
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


@contextlib.contextmanager
def _flock(engine: Engine, mailbox: str, wait: float) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":  # nobody else can share it
        yield
        return
    digest = hashlib.sha256(mailbox.encode()).hexdigest()[:12]
    path = Path(f"{database}.mail-fetch-{digest}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:

        def take() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _until(take, mailbox, wait)
        yield
    finally:
        os.close(fd)  # drops the lock


def _until(take: Callable[[], bool], mailbox: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    while not take():
        if time.monotonic() > deadline:
            raise KontrolError(
                f"another fetch of {mailbox} has been running for over {wait:g} s; "
                "nothing was read — try again when it has ended"
            )
        time.sleep(POLL)
