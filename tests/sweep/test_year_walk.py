"""A year of daily sweeps over the seed: every rung on its working day, exactly once.

Issued: 1.3 for January 2021 and 2.3's four quarters of 2021 (lead + six co-executors each).
Some are done before due, one is extended; the walk runs every calendar day (a sweep on a day
off must do nothing) through January 2022, when the Q4 notices fall after the holidays.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from kontrol.assignments import extend, mark_done
from kontrol.ladder import first_working_day_of_week, ladder
from kontrol.models import Assignment, OutboxMessage
from tests.sweep.conftest import MSK, RULES, at, issue, steps, sweep

D = dt.date
HOLIDAYS = [D(2021, 1, d) for d in range(1, 11)] + [
    D(2021, 2, 23), D(2021, 3, 8), *[D(2021, 5, d) for d in range(1, 11)],
    D(2021, 6, 14), *[D(2021, 11, d) for d in range(4, 8)], D(2021, 12, 31),
]  # fmt: skip
PLAN = {"1.3": ["2021-01"], "2.3": ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"]}


def _find(s: Session, occurrence: str, body: str) -> int:
    return s.scalars(
        select(Assignment.id).where(
            Assignment.occurrence_key == occurrence, Assignment.body_id == body
        )
    ).one()


def _walk(url: str, start: dt.date, end: dt.date, events: dict[dt.date, list]) -> None:  # type: ignore[type-arg]
    engine = create_engine(url)
    day = start
    while day <= end:
        for event in events.get(day, []):
            with Session(engine) as s, s.begin():
                event(s, day)
        sweep(url, day)
        day += dt.timedelta(days=1)
    engine.dispose()


def _done(aid: int):  # type: ignore[no-untyped-def]
    def event(s: Session, day: dt.date) -> None:
        mark_done(s, aid, note="отчёт", now=at(day, 8), actor="test")

    return event


def _extend(aid: int, to: dt.date):  # type: ignore[no-untyped-def]
    def event(s: Session, day: dt.date) -> None:
        extend(s, aid, to=to, reason="просьба", rules=RULES, mailer=None, now=at(day, 8), actor="t")

    return event


def _scenario(url: str) -> dict[str, int]:
    issue(url, PLAN)
    engine = create_engine(url)
    with Session(engine) as s:
        ids = {
            "jan": _find(s, "2021-01", "committee"),
            "q1_lead": _find(s, "2021-Q1", "committee"),
            "q1_loiro": _find(s, "2021-Q1", "loiro"),
            "q1_college": _find(s, "2021-Q1", "example-college-1"),
            "q1_open": _find(s, "2021-Q1", "michurinsky"),
            "q2_ext": _find(s, "2021-Q2", "michurinsky"),
            "q4_lead": _find(s, "2021-Q4", "committee"),
        }
    engine.dispose()
    return ids


def _events(ids: dict[str, int]) -> dict[dt.date, list]:  # type: ignore[type-arg]
    return {
        D(2021, 3, 10): [_done(ids["q1_college"])],  # long before due: no rung at all
        D(2021, 3, 22): [_done(ids["q1_loiro"])],  # after reminder-5 (17.03), before reminder-1
        D(2021, 3, 26): [_done(ids["q1_lead"])],  # after reminder-5 (24.03), before reminder-1
        D(2021, 6, 25): [_extend(ids["q2_ext"], D(2021, 7, 15))],  # after the overdue notice
    }


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_year_of_daily_sweeps_takes_every_rung_once_on_its_working_day(seeded: str) -> None:
    url = seeded
    ids = _scenario(url)
    _walk(url, D(2021, 1, 1), D(2022, 1, 31), _events(ids))
    taken = steps(url)
    by: dict[int, dict[str, list[tuple[dt.date, dt.date]]]] = defaultdict(lambda: defaultdict(list))
    for aid, step, due, on in taken:
        by[aid][step].append((due, on))

    # exactly once per (assignment, step, due date) — and never on a day off
    assert len(taken) == len({(a, s, d) for a, s, d, _ in taken})
    assert all(RULES.calendar.is_working_day(on) for *_, on in taken)
    assert not {on for *_, on in taken} & set(HOLIDAYS)

    def rungs(aid: int) -> dict[str, dt.date]:
        return {step: v[-1][1] for step, v in by[aid].items()}

    assert rungs(ids["jan"]) == {
        "reminder-5": D(2021, 1, 22), "reminder-1": D(2021, 1, 28), "overdue": D(2021, 2, 1),
        "curator": D(2021, 2, 5), "controller": D(2021, 2, 12),
    }  # fmt: skip
    # completions stop their ladders
    assert rungs(ids["q1_college"]) == {}
    assert rungs(ids["q1_loiro"]) == {"reminder-5": D(2021, 3, 17)}
    assert rungs(ids["q1_lead"]) == {"reminder-5": D(2021, 3, 24)}
    # an open co-executor (due 24.03) runs the whole ladder, holidays skipped
    assert rungs(ids["q1_open"]) == {
        "reminder-5": D(2021, 3, 17), "reminder-1": D(2021, 3, 23), "overdue": D(2021, 3, 25),
        "curator": D(2021, 3, 31), "controller": D(2021, 4, 7),
    }  # fmt: skip
    # the extension restarts the ladder: old rungs keyed by the old date, new ones by the new
    ext = sorted((due, step, on) for step, v in by[ids["q2_ext"]].items() for due, on in v)
    assert ext == [
        (D(2021, 6, 23), "overdue", D(2021, 6, 24)),
        (D(2021, 6, 23), "reminder-1", D(2021, 6, 22)),
        (D(2021, 6, 23), "reminder-5", D(2021, 6, 16)),
        (D(2021, 7, 15), "controller", D(2021, 7, 29)),
        (D(2021, 7, 15), "curator", D(2021, 7, 22)),
        (D(2021, 7, 15), "overdue", D(2021, 7, 16)),
        (D(2021, 7, 15), "reminder-1", D(2021, 7, 14)),
        (D(2021, 7, 15), "reminder-5", D(2021, 7, 8)),
    ]
    # Q4's lead is due 30.12.2021: the notice waits for the new-year holidays to end
    assert rungs(ids["q4_lead"])["overdue"] == D(2022, 1, 10)
    # every open assignment's rungs fall exactly on the dates of its ladder (daily sweeps)
    engine = create_engine(url)
    with Session(engine) as s:
        for a in s.scalars(select(Assignment)):
            expected = {r.name: r.on for r in ladder(a.due_on, RULES.policy, RULES.calendar)}
            for step, v in by[a.id].items():
                due, on = v[-1]
                if due == a.due_on:
                    assert on == expected[step], (a.id, step)
        mails = s.execute(select(OutboxMessage.key, OutboxMessage.kind, OutboxMessage.created_at))
        mails = [(k, kind, created.astimezone(MSK).date()) for k, kind, created in mails]
    engine.dispose()
    # one mail per reminder / notice step, on the day it was taken
    per_kind = Counter(kind for _, kind, _ in mails)
    assert per_kind["reminder"] == sum(s.startswith("reminder") for _, s, _, _ in taken)
    assert per_kind["overdue_notice"] == sum(s == "overdue" for _, s, _, _ in taken)
    assert all(RULES.calendar.is_working_day(day) for *_, day in mails)
    assert set(per_kind) == {"assignment_issued", "reminder", "overdue_notice", "supervisor_digest"}
    # supervisors: at most one mail per body and day, on the days the ladder told them something
    # (an overdue notice under them, an escalation) and on the first working day of each week
    digests = [(k.split(":")[1], day) for k, kind, day in mails if kind == "supervisor_digest"]
    assert all(n == 1 for n in Counter(digests).values())
    digest_days = {day for _, day in digests}
    news_days = {on for _, s, _, on in taken if s in ("overdue", "curator", "controller")}
    escalation_days = {on for _, s, _, on in taken if s in ("curator", "controller")}
    assert escalation_days <= digest_days
    week_days = {d for d in digest_days if first_working_day_of_week(d, RULES.calendar) == d}
    assert digest_days - news_days <= week_days
    assert {D(2021, 2, 24), D(2021, 5, 11)} <= week_days  # 22–23 February, 10 May are days off
    # January's 1.3 is never done: its curator hears of it every week, once a week at most
    curator = [day for body, day in digests if body == "dept-general"]
    assert len(curator) == len(set(curator))
    assert {
        d
        for d in {D(2021, 2, 15) + dt.timedelta(weeks=w) for w in range(50)}
        if RULES.calendar.is_working_day(d)
    } <= set(curator)


def test_a_shorter_walk_agrees_on_both_databases(seeded: str) -> None:
    url = seeded
    ids = _scenario(url)
    _walk(url, D(2021, 1, 20), D(2021, 2, 15), {})
    assert [(s, on) for a, s, _, on in steps(url) if a == ids["jan"]] == [
        ("reminder-5", D(2021, 1, 22)), ("reminder-1", D(2021, 1, 28)),
        ("overdue", D(2021, 2, 1)), ("curator", D(2021, 2, 5)), ("controller", D(2021, 2, 12)),
    ]  # fmt: skip
