"""A database with known outcomes for the 2021 report: on time, late, overdue, extended,
cancelled, open — built through the real code paths (import, ``issue_occurrence``,
``kontrol.assignments``) with ladder steps added as the sweep would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kontrol.assignments import cancel, extend, mark_done
from kontrol.config import Rules
from kontrol.issuing import find_occurrence, issue_occurrence, obligation_occurrences
from kontrol.lookup import obligation_by_key, roadmap_by_number
from kontrol.mail.mailer import Mailer
from kontrol.models import Assignment, LadderStep, Roadmap
from kontrol.models.db import make_engine, session_factory
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.workcalendar import WorkCalendar
from kontrol.scratch import scratch_import
from kontrol.settings import Settings
from tests.conftest import DIRECTORY, SEED

AS_OF = dt.date(2021, 12, 1)
ZONE = dt.timezone(dt.timedelta(hours=3))


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)


@dataclass
class World:
    url: str
    sessions: sessionmaker[Session]
    rules: Rules
    ids: dict[str, int] = field(default_factory=dict)  # "3.1.2/loiro" → assignment id

    def session(self) -> Session:
        return self.sessions()

    def roadmap(self, session: Session) -> Roadmap:
        return roadmap_by_number(session)


@pytest.fixture(scope="session")
def rules() -> Rules:
    return Rules(policy=Policy(), calendar=WorkCalendar())


def _issue(session: Session, rules: Rules, key: str, period: str) -> dict[str, int]:
    rm = roadmap_by_number(session)
    ob = obligation_by_key(session, rm, key)
    occ = find_occurrence(obligation_occurrences(ob, rules), period=period)
    assert occ is not None
    mailer = Mailer.of(Settings())
    now = at(occ.issue_on, 9)
    res = issue_occurrence(session, ob, occ, rules=rules, now=now, actor="test", mailer=mailer)
    return {f"{key}/{a.body_id}": a.id for a in res.assignments}


@pytest.fixture
def world(db_url: str, rules: Rules) -> Iterator[World]:
    scratch_import(db_url, SEED, DIRECTORY, at(dt.date(2021, 1, 1)))
    engine = make_engine(db_url)
    w = World(db_url, session_factory(engine), rules)
    with w.sessions() as s, s.begin():
        for key, period in (
            ("1.3", "2021-01"),
            ("3.1.2", "2021-Q1"),
            ("3.3.1", "2021-Q1"),
            ("6.2", "2021"),
            ("6.2", "2020"),
        ):
            ids = _issue(s, rules, key, period)
            if period == "2020":
                ids = {k + "/2020": v for k, v in ids.items()}
            w.ids.update(ids)
        i = w.ids
        mark_done(
            s,
            i["1.3/committee"],
            note="План на 2021 год утверждён.",
            now=at(dt.date(2021, 1, 28)),
            actor="test",
        )
        mark_done(
            s,
            i["3.1.2/committee"],
            note="Ресурсный центр создан <приказ № 5>.",
            now=at(dt.date(2021, 4, 5)),
            actor="test",
        )
        extend(
            s,
            i["3.3.1/committee"],
            to=dt.date(2021, 4, 14),
            reason="по заявке",
            rules=rules,
            mailer=None,
            now=at(dt.date(2021, 3, 29)),
            actor="test",
        )
        mark_done(
            s,
            i["3.3.1/committee"],
            note="Модель разработана.",
            now=at(dt.date(2021, 4, 13)),
            actor="test",
        )
        cancel(s, i["3.3.1/loiro"], reason="исключено", now=at(dt.date(2021, 2, 1)), actor="test")
        overdue = s.get(Assignment, i["3.1.2/loiro"])
        assert overdue is not None
        overdue.status = "overdue"
        for step, on in (
            ("reminder-1", dt.date(2021, 3, 23)),
            ("overdue", dt.date(2021, 3, 25)),
            ("curator", dt.date(2021, 3, 31)),
        ):
            s.add(
                LadderStep(
                    assignment_id=overdue.id,
                    step=step,
                    due_on=overdue.due_on,
                    taken_on=on,
                    at=at(on, 9),
                    by="test",
                )
            )
    yield w
    engine.dispose()
