"""Every command that writes a link refuses to run without a real key, before writing anything.

The links in the mails are frozen in the outbox: signed with a key anyone can read, they could
never be taken back. So issuing, the sweep, an extension (its mail links to the page) and
serving the deployments stop at once with one line naming the setting (exit 2).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kontrol.mail.links import read_token
from kontrol.models import Assignment, OutboxMessage
from tests.cli_runner import run
from tests.conftest import TEST_SECRET_KEY
from tests.sweep.conftest import counts, issue

pytestmark = pytest.mark.usefixtures("seeded")

NO_KEY = "KONTROL_SECRET_KEY is not set"


def _assignments(url: str) -> list[tuple[int, str, str]]:
    engine = create_engine(url)
    with Session(engine) as s:
        rows = s.execute(select(Assignment.id, Assignment.status, Assignment.due_on)).all()
    engine.dispose()
    return [(r[0], r[1], str(r[2])) for r in rows]


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KONTROL_SECRET_KEY", raising=False)


def _refused(result, words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.code == 2, result.out + result.err
    assert words in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err  # one line, no traceback


@pytest.mark.usefixtures("no_key")
def test_issuing_without_a_key_writes_nothing(capsys, seeded) -> None:  # type: ignore[no-untyped-def]
    before = counts(seeded)

    _refused(run(capsys, "run", "1.3", "--period", "2021-01"), NO_KEY)

    assert counts(seeded) == before and _assignments(seeded) == []


def test_issuing_with_a_key_mails_links_signed_with_it(capsys, seeded) -> None:  # type: ignore[no-untyped-def]
    result = run(capsys, "run", "1.3", "--period", "2021-01")
    assert result.code == 0, result.err

    ((aid, _status, _due),) = _assignments(seeded)
    engine = create_engine(seeded)
    with Session(engine) as s:
        (mail,) = s.scalars(select(OutboxMessage))
        text = mail.body_text
    engine.dispose()
    token = re.search(r"/a/([\w.-]+)", text)
    assert token is not None
    assert read_token(token.group(1), secret_key=TEST_SECRET_KEY) == (aid, "committee")


def test_the_sweep_and_an_extension_without_a_key_write_nothing(
    capsys, seeded, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    (jan,) = issue(seeded, {"1.3": ["2021-01"]})  # issued while the key was set
    monkeypatch.delenv("KONTROL_SECRET_KEY")
    before = counts(seeded), _assignments(seeded)

    _refused(run(capsys, "sweep", "--as-of", "2021-02-01"), NO_KEY)
    _refused(run(capsys, "sweep", "--as-of", "2021-02-01", "--dry-run"), NO_KEY)
    _refused(run(capsys, "extend", str(jan), "--to", "2021-03-01", "--reason", "x"), NO_KEY)

    assert (counts(seeded), _assignments(seeded)) == before


@pytest.mark.usefixtures("no_key")
def test_serving_the_deployments_without_a_key_does_not_start(capsys) -> None:  # type: ignore[no-untyped-def]
    _refused(run(capsys, "serve"), NO_KEY)


@pytest.mark.parametrize(
    ("key", "previous", "words"),
    [
        ("kontrol-demo-key", None, "KONTROL_SECRET_KEY is the public demo key"),
        ("0123456789abcdef", None, "KONTROL_SECRET_KEY is 16 characters long"),
        ("ab" * 20, None, "KONTROL_SECRET_KEY has only 2 distinct characters"),
        (None, "kontrol-demo-key", "KONTROL_SECRET_KEYS_PREVIOUS: key 1 of 1 is the public demo"),
        (None, '["old-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0", "short"]', "key 2 of 2 is 5 char"),
        (None, '["not", "closed"', "KONTROL_SECRET_KEYS_PREVIOUS starts with '['"),
    ],
    ids=["demo-key", "short", "uniform", "previous-demo", "previous-short", "previous-json"],
)
def test_a_weak_key_is_refused_without_showing_it(
    capsys, seeded, monkeypatch: pytest.MonkeyPatch, key, previous, words
) -> None:  # type: ignore[no-untyped-def]
    if key:
        monkeypatch.setenv("KONTROL_SECRET_KEY", key)
    if previous:
        monkeypatch.setenv("KONTROL_SECRET_KEYS_PREVIOUS", previous)

    result = run(capsys, "run", "1.3", "--period", "2021-01")

    _refused(result, words)
    assert "short" not in result.err.replace("is 5 char", "")  # a weak key is not echoed
    engine = create_engine(seeded)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Assignment)) == 0
    engine.dispose()
