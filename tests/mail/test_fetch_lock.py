"""One fetch of a mailbox at a time, across processes that share the database: a second one
waits for the first and, past its wait, says so in one line; another mailbox does not wait."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from kontrol.errors import KontrolError
from kontrol.mail.fetch_lock import one_fetch_at_a_time
from kontrol.models.db import make_engine

BOX = "kontrol@127.0.0.1:143/INBOX"


def _other_process_tries(url: str, mailbox: str) -> str:
    """Another process asks for the lock with a short wait; what it got."""
    code = textwrap.dedent(
        f"""
        from kontrol.errors import KontrolError
        from kontrol.mail.fetch_lock import one_fetch_at_a_time
        from kontrol.models.db import make_engine
        try:
            with one_fetch_at_a_time(make_engine({url!r}), {mailbox!r}, wait=0.5):
                print("took it")
        except KontrolError as exc:
            print(exc)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_second_fetch_waits_and_then_says_so(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with one_fetch_at_a_time(engine, BOX):
            said = _other_process_tries(db_url, BOX)
            assert said.startswith(
                f"another fetch of {BOX} has been running for over 0.5 s; nothing was read"
            )
            assert _other_process_tries(db_url, "other@127.0.0.1:143/INBOX") == "took it"
        assert _other_process_tries(db_url, BOX) == "took it"  # released
    finally:
        engine.dispose()


def test_in_one_process_the_second_waits_too(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with (
            one_fetch_at_a_time(engine, BOX),
            pytest.raises(KontrolError),
            one_fetch_at_a_time(engine, BOX, wait=0.3),
        ):
            pass
    finally:
        engine.dispose()
