"""Dates at the ends of the calendar on the command line: one line naming the option, exit 2,
nothing changed — never a traceback (``extend --to 9999-12-31`` used to overflow building the
calendar entry of the mail; ``sweep``/``status --as-of 9999-12-31`` counting working days)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.orm import Session

from kontrol.models import Assignment
from kontrol.models.db import make_engine
from kontrol.roadmap.datewindow import DateWindow
from tests.cli_runner import run
from tests.sweep.conftest import RULES, counts, issue

WORDS = "вне допустимого диапазона 27.07.2020 – 31.12.2031"
WINDOW = DateWindow(dt.date(2020, 7, 27), dt.date(2031, 12, 31))
DATES = st.dates() | st.dates(dt.date(2019, 1, 1), dt.date(2033, 1, 1))  # half near the window
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def jan(seeded: str) -> int:
    return issue(seeded, {"1.3": ["2021-01"]})[0]


def _due(url: str, aid: int) -> str:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            a = s.get(Assignment, aid)
            assert a is not None
            return f"{a.due_on} {a.status}"
    finally:
        engine.dispose()


def _put_back(url: str, aid: int, due_on: dt.date) -> None:
    engine = make_engine(url)
    try:
        with Session(engine) as s, s.begin():
            s.execute(
                update(Assignment)
                .where(Assignment.id == aid)
                .values(due_on=due_on, status="issued")
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("extend", "{jan}", "--to", "9999-12-31", "--reason", "x"), "--to: дата 31.12.9999"),
        (("extend", "{jan}", "--to", "2032-01-01", "--reason", "x"), "--to: дата 01.01.2032"),
        (("extend", "{jan}", "--to", "0001-01-01", "--reason", "x"), "--to: дата 01.01.0001"),
        (("sweep", "--as-of", "9999-12-31"), "--as-of: дата 31.12.9999"),
        (("sweep", "--as-of", "9999-12-31", "--dry-run"), "--as-of: дата 31.12.9999"),
        (("status", "--as-of", "9999-12-30"), "--as-of: дата 30.12.9999"),
        (("status", "--as-of", "0001-01-01"), "--as-of: дата 01.01.0001"),
    ],
)
def test_a_date_outside_the_roadmap_is_one_line_naming_the_option(
    capsys, seeded, jan, args, message
) -> None:
    before, due = counts(seeded), _due(seeded, jan)
    result = run(capsys, *(a.format(jan=jan) for a in args))
    assert result.code == 2, result.err
    assert f"{message} {WORDS}" in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert (counts(seeded), _due(seeded, jan)) == (before, due)


def test_the_last_day_of_the_window_is_accepted(capsys, seeded, jan) -> None:
    result = run(capsys, "extend", str(jan), "--to", "2031-12-31", "--reason", "просьба")
    assert result.code == 0, result.err
    assert _due(seeded, jan) == "2031-12-31 issued"
    assert run(capsys, "status", "--as-of", "2031-12-31", "--json").code == 0


def test_any_date_given_to_extend_is_accepted_in_the_window_or_refused(capsys, seeded, jan):
    due = dt.date(2021, 1, 29)
    seen: list[int] = []

    @PROPERTY
    @given(day=DATES)
    @example(day=dt.date.max)
    @example(day=dt.date.min)
    @example(day=dt.date(2031, 12, 31))
    @example(day=dt.date(2032, 1, 1))
    def check(day: dt.date) -> None:
        before = (counts(seeded), _due(seeded, jan))
        result = run(capsys, "extend", str(jan), "--to", day.isoformat(), "--reason", "просьба")
        seen.append(result.code)
        if day in WINDOW and day > due and RULES.calendar.is_working_day(day):
            moved = _due(seeded, jan)
            _put_back(seeded, jan, due)  # as it was, for the next example
            assert result.code == 0, result.err
            assert moved.startswith(f"{day} ")  # issued, or overdue already by today's clock
        else:
            assert result.code == 2, result.err
            assert result.err.count("\n") == 1 and "Traceback" not in result.err
            assert day in WINDOW or f"--to: дата {day:%d.%m}.{day.year:04d} {WORDS}" in result.err
            assert (counts(seeded), _due(seeded, jan)) == before

    check()
    assert {0, 2} <= set(seen)


@pytest.mark.parametrize(
    ("args", "option", "day"),
    [
        (("report", "--year", "1"), "--from", "01.01.0001"),
        (("report", "--from", "2021-01-01", "--to", "9999-12-31"), "--to", "31.12.9999"),
        (("report", "--year", "2021", "--as-of", "9999-12-31"), "--as-of", "31.12.9999"),
        (("simulate", "--from", "9999-12-01", "--to", "9999-12-31"), "--from", "01.12.9999"),
        (("simulate", "--from", "2021-01-01", "--to", "2040-01-01"), "--to", "01.01.2040"),
    ],
)
def test_report_and_simulate_refuse_a_date_outside_the_roadmaps_years(
    seeded: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], option: str, day: str
) -> None:
    """A report or a simulation may start on 1 January of the adoption year, not on a date of
    the calendar's ends (a traceback, or «01.01.1» in the title, before)."""
    result = run(capsys, *args)
    assert result.code == 2, result.err
    assert result.err.strip().endswith(
        f"{option}: дата {day} вне допустимого диапазона 01.01.2020 – 31.12.2031"
    ), result.err
    assert "Traceback" not in result.err


def test_a_report_of_the_adoption_year_starts_on_1_january(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    issue(seeded, {"2.3": ["2020-Q3"]})
    result = run(capsys, "report", "--year", "2020", "--as-of", "2020-12-31")
    assert result.code == 0, result.err
