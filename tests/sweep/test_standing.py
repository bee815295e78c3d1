"""One definition of where an assignment stands: the Python rule, the SQL rule and every command
that shows it (status, report, the artifacts' tables) agree on any day asked."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kontrol import standing
from kontrol.models import Assignment
from kontrol.models.db import make_engine
from kontrol.report import overdue_table, summary_tables
from tests.cli_runner import run
from tests.sweep.conftest import MSK, RULES, at, issue, sweep

FRIDAY, SUNDAY = dt.date(2021, 1, 29), dt.date(2021, 1, 31)
DONE_AT = (
    None,
    dt.datetime(2021, 1, 29, 20, 59, tzinfo=dt.UTC),  # 23:59 in Moscow on the Friday
    dt.datetime(2021, 1, 29, 21, 0, tzinfo=dt.UTC),  # 00:00 in Moscow on the Saturday
    dt.datetime(2021, 2, 2, 9, 0, tzinfo=MSK),
)
DAYS = [dt.date(2021, 1, 28), FRIDAY, dt.date(2021, 1, 30), dt.date(2021, 2, 1)]
DAYS += [dt.date(2021, 2, 3)]


def test_the_rule_reads_as_documented() -> None:
    def kind(status: str, done: dt.datetime | None, day: dt.date) -> standing.Standing:
        return standing.standing(status, FRIDAY, done, day, calendar=RULES.calendar, zone=MSK)

    assert kind("issued", None, FRIDAY) == standing.Standing("open")
    assert kind("issued", None, dt.date(2021, 2, 1)) == standing.Standing("overdue", 1)
    # the sweep's stored «overdue» does not make a day before the due date overdue
    assert kind("overdue", None, dt.date(2021, 1, 28)) == standing.Standing("open")
    assert kind("done", DONE_AT[1], FRIDAY) == standing.Standing("done_on_time")
    assert kind("done", DONE_AT[2], dt.date(2021, 2, 1)) == standing.Standing("done_late", 0)
    assert kind("done", DONE_AT[3], dt.date(2021, 2, 3)) == standing.Standing("done_late", 2)
    # done after the day asked: on that day it was still open or overdue
    assert kind("done", DONE_AT[3], dt.date(2021, 2, 1)) == standing.Standing("overdue", 1)
    assert kind("cancelled", None, dt.date(2021, 3, 1)).kind == "cancelled"


def test_sql_and_python_agree_on_every_case(seeded: str) -> None:
    [aid] = issue(seeded, {"1.3": ["2021-01"]})
    engine = make_engine(seeded)
    cases = itertools.product(("issued", "overdue", "done", "cancelled"), (FRIDAY, SUNDAY), DONE_AT)
    with Session(engine) as s:
        dialect = s.get_bind().dialect.name
        for status, due, done in cases:
            s.execute(
                update(Assignment)
                .where(Assignment.id == aid)
                .values(status=status, due_on=due, completed_at=done)
            )
            s.flush()
            a = s.get(Assignment, aid)
            assert a is not None
            s.refresh(a)
            for day in DAYS:
                expr = standing.standing_sql(
                    Assignment, day, dialect=dialect, zone=MSK, now=at(day)
                )
                in_sql = s.scalar(select(expr).where(Assignment.id == aid))
                in_python = standing.of(a, day, calendar=RULES.calendar, zone=MSK).kind
                assert in_sql == in_python, (status, due, done, day)
        s.rollback()
    engine.dispose()


def _status(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    result = run(capsys, "status", "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_status_report_and_artifacts_agree_after_a_sweep_as_of_a_later_day(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sweep «as of» a later day marks assignments overdue; asked about an earlier day,
    status, the report and the summary still say they were open then."""
    issue(seeded, {"1.3": ["2021-01"], "2.3": ["2021-Q1"]})
    sweep(seeded, dt.date(2021, 4, 20))
    early, late = dt.date(2021, 1, 20), dt.date(2021, 4, 20)

    before = _status(capsys, "--overdue", "--as-of", early.isoformat())
    after = _status(capsys, "--overdue", "--as-of", late.isoformat())
    assert before == {"as_of": "2021-01-20", "assignments": []}
    assert len(after["assignments"]) == 8
    assert {r["status"] for r in after["assignments"]} == {"overdue"}

    for day, overdue in ((early, 0), (late, 8)):
        result = run(capsys, "report", "--year", "2021", "--as-of", day.isoformat(), "--json")
        assert result.code == 0, result.err
        assert json.loads(result.out)["total"]["overdue"] == overdue
        engine = make_engine(seeded)
        with Session(engine) as s:
            assert len(overdue_table(s, RULES, day)) == overdue
            by_body, _ = summary_tables(s, RULES, day, at(day))
        engine.dispose()
        assert sum(r["Просрочено"] for r in by_body) == overdue
