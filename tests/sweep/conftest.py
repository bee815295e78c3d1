"""The seed imported, a few obligations issued, and a sweep that can be run as of any day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kontrol.config import Rules
from kontrol.issuing import issue_occurrence, obligation_occurrences
from kontrol.lookup import obligation_by_key, roadmap_by_number
from kontrol.mail.mailer import Mailer
from kontrol.models import AuditEvent, LadderStep, OutboxMessage
from kontrol.models.db import make_engine, session_factory
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.workcalendar import WorkCalendar
from kontrol.settings import Settings
from kontrol.sweep import Hook, SweepReport, run_sweep, transactions
from tests.cli_runner import run
from tests.mail.factory import World, make_world

MSK = ZoneInfo("Europe/Moscow")
RULES = Rules(Policy(), WorkCalendar())


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=MSK)


def issue(url: str, wanted: dict[str, Iterable[str]]) -> list[int]:
    """Issue the named occurrences (``{"1.3": ["2021-01"]}``); the new assignment ids."""
    engine = make_engine(url)
    ids: list[int] = []
    mailer = Mailer.of(Settings(database_url=url))
    with Session(engine) as s, s.begin():
        rm = roadmap_by_number(s)
        for key, periods in wanted.items():
            ob = obligation_by_key(s, rm, key)
            for occ in obligation_occurrences(ob, RULES):
                if occ.key in set(periods):
                    now = at(occ.issue_on)
                    ids += issue_occurrence(
                        s, ob, occ, rules=RULES, now=now, actor="test", mailer=mailer
                    ).created
    engine.dispose()
    return ids


def sweep(
    url: str, day: dt.date, *, batch_size: int = 200, hook: Hook | None = None
) -> SweepReport:
    engine = make_engine(url)
    try:
        return run_sweep(
            transactions(session_factory(engine)),
            as_of=day,
            rules=RULES,
            mailer=Mailer.of(Settings(database_url=url)),
            now=at(day),
            actor="test",
            batch_size=batch_size,
            hook=hook,
        )
    finally:
        engine.dispose()


def steps(url: str) -> list[tuple[int, str, dt.date, dt.date]]:
    """(assignment, step, due_on, taken_on) of every ladder step taken."""
    engine = create_engine(url)
    with Session(engine) as s:
        rows = s.execute(
            select(
                LadderStep.assignment_id, LadderStep.step, LadderStep.due_on, LadderStep.taken_on
            ).order_by(LadderStep.id)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def counts(url: str) -> tuple[int, int, int]:
    """(ladder steps, outbox rows, audit events): what «nothing changed» compares."""
    engine = create_engine(url)
    with Session(engine) as s:
        out = tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (LadderStep, OutboxMessage, AuditEvent)
        )
    engine.dispose()
    return out  # type: ignore[return-value]


@pytest.fixture
def seeded(kontrol_env: str, capsys: pytest.CaptureFixture[str], seed_path, directory_path) -> str:
    result = run(capsys, "import", str(seed_path), "--directory", str(directory_path))
    assert result.code == 0, result.err
    return kontrol_env


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """The mail tests' small committee and roadmap (``tests.mail.factory``), rows made in code."""
    w = make_world(db_url)
    yield w
    w.engine.dispose()
