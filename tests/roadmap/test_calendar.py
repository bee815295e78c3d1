"""The production calendar: holidays' Russia calendar plus the committee's overrides."""

from __future__ import annotations

import functools
import pickle
import random
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from kontrol.roadmap.errors import RoadmapError
from kontrol.roadmap.holiday_years import HolidayYears
from kontrol.roadmap.workcalendar import Overrides, WorkCalendar, load_overrides

CAL = WorkCalendar()


def test_first_working_day_of_2021() -> None:
    assert CAL.first_working_day_on_or_after(date(2021, 1, 1)) == date(2021, 1, 11)
    assert not CAL.is_working_day(date(2021, 1, 8))


def test_sunday_moves_due_to_friday() -> None:
    assert CAL.last_working_day_on_or_before(date(2021, 1, 31)) == date(2021, 1, 29)


def test_worked_saturday_and_transferred_day_off() -> None:
    assert CAL.is_working_day(date(2021, 2, 20))  # Saturday worked instead of 22 February
    assert not CAL.is_working_day(date(2021, 2, 22))
    assert not CAL.is_working_day(date(2021, 12, 31))  # transferred from 3 January


def test_vote_days_of_2020_come_from_the_override_file(tmp_path: Path) -> None:
    # holidays does not carry the one-off days off of 24.06.2020 and 01.07.2020
    assert CAL.is_working_day(date(2020, 6, 24)) and CAL.is_working_day(date(2020, 7, 1))
    file = tmp_path / "calendar.yaml"
    file.write_text("days_off: [2020-06-24, 2020-07-01]\nworking_days: ['2021-01-08']\n")
    cal = WorkCalendar(load_overrides(file))
    assert not cal.is_working_day(date(2020, 6, 24))
    assert not cal.is_working_day(date(2020, 7, 1))
    assert cal.is_working_day(date(2021, 1, 8))
    assert cal.next_working_day(date(2020, 6, 23)) == date(2020, 6, 25)


def test_arithmetic() -> None:
    assert CAL.next_working_day(date(2021, 1, 29)) == date(2021, 2, 1)
    assert CAL.previous_working_day(date(2021, 1, 11)) == date(2020, 12, 31)
    assert CAL.add_working_days(date(2021, 1, 11), -1) == date(2020, 12, 31)
    assert CAL.add_working_days(date(2021, 1, 11), 5) == date(2021, 1, 18)
    assert CAL.add_working_days(date(2021, 1, 9), 0) == date(2021, 1, 9)
    assert CAL.working_days_between(date(2021, 1, 8), date(2021, 1, 15)) == 5
    assert CAL.working_days_between(date(2021, 1, 15), date(2021, 1, 8)) == -5
    assert CAL.working_days_between(date(2021, 1, 15), date(2021, 1, 15)) == 0


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("days_off: 2020-06-24\n", "days_off"),
        ("days_off: [not-a-date]\n", "not a date"),
        ("holidays: []\n", "unknown key"),
        ("- 2020-06-24\n", "mapping"),
        ("days_off: [2020-06-24]\nworking_days: [2020-06-24]\n", "both"),
        ("days_off: [\n", "YAML"),
        # read by YAML as a date that is none: a traceback before
        ("days_off: [2025-13-01]\n", "not valid YAML: month must be in 1..12"),
    ],
)
def test_bad_override_files(tmp_path: Path, text: str, needle: str) -> None:
    file = tmp_path / "calendar.yaml"
    file.write_text(text)
    with pytest.raises(RoadmapError) as info:
        load_overrides(file)
    assert needle in str(info.value)
    assert str(file) in str(info.value)


def test_missing_override_file(tmp_path: Path) -> None:
    with pytest.raises(RoadmapError, match="cannot read"):
        load_overrides(tmp_path / "missing.yaml")


def test_empty_override_file(tmp_path: Path) -> None:
    file = tmp_path / "calendar.yaml"
    file.write_text("")
    assert load_overrides(file) == Overrides()


def _days(first: date, last: date) -> list[date]:
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]


DAYS = _days(date(2021, 1, 1), date(2022, 12, 31))


def _ask(cal: WorkCalendar, n: int) -> dict[date, bool]:
    return {d: cal.is_working_day(d) for d in DAYS[n::8]}


def test_threads_asking_at_once_get_the_answers_one_thread_gets() -> None:
    # the portal shares one calendar among its threads; holidays counted a year as loaded
    # before its days were in, so a day asked meanwhile was once taken for a working one, and
    # now the years are read, asked and written out by whichever thread comes first
    truth = {d: WorkCalendar().is_working_day(d) for d in DAYS}
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads change hands as often as they can
    try:
        for _ in range(20):
            # years of its own, kept nowhere: every round asks the package afresh
            cal = WorkCalendar(years=HolidayYears(None))
            with ThreadPoolExecutor(8) as pool:
                parts = list(pool.map(functools.partial(_ask, cal), range(8)))
            assert {d: a for part in parts for d, a in part.items()} == truth
            assert {d: cal.is_working_day(d) for d in DAYS} == truth  # nothing wrong was kept
    finally:
        sys.setswitchinterval(switch)


def test_a_calendar_pickles_as_its_overrides_asked_or_not(tmp_path: Path) -> None:
    # Prefect hashes a task's inputs (the rules carry the calendar) by pickling them: the same
    # calendar gives the same bytes however many days it has been asked
    file = tmp_path / "calendar.yaml"
    file.write_text("working_days: ['2021-01-08']\n")
    for overrides in (None, load_overrides(file)):
        fresh, used = WorkCalendar(overrides), WorkCalendar(overrides)
        used.working_days_between(date(2021, 1, 1), date(2030, 12, 31))
        assert pickle.dumps(used) == pickle.dumps(fresh)
        copy = pickle.loads(pickle.dumps(used))
        assert copy.is_working_day(date(2021, 1, 8)) is (overrides is not None)
        assert copy.is_working_day(date(2021, 2, 20)) and not copy.is_working_day(date(2021, 2, 22))


# days off and worked days of the committee's own, on year ends and a leap day
_OVERRIDES = Overrides(
    days_off=frozenset({date(2020, 6, 24), date(2020, 7, 1), date(2024, 12, 31)}),
    working_days=frozenset({date(2023, 1, 7), date(2028, 2, 29)}),
)


def _counted_day_by_day(cal: WorkCalendar, a: date, b: date) -> int:
    if b < a:
        return -_counted_day_by_day(cal, b, a)
    return sum(
        cal.is_working_day(date.fromordinal(n)) for n in range(a.toordinal() + 1, b.toordinal() + 1)
    )


def test_working_days_between_is_the_count_day_by_day() -> None:
    """Over year ends, leap days, overrides and both directions, the running counts give what
    counting each day gives."""
    rng = random.Random(7)
    for cal in (WorkCalendar(), WorkCalendar(_OVERRIDES)):
        for a, b in [
            (date(2023, 12, 31), date(2024, 1, 1)),
            (date(2024, 2, 28), date(2024, 3, 1)),
            (date(2019, 12, 31), date(2031, 1, 1)),
            (date(2020, 6, 23), date(2020, 7, 1)),
        ]:
            assert cal.working_days_between(a, b) == _counted_day_by_day(cal, a, b)
            assert cal.working_days_between(b, a) == -_counted_day_by_day(cal, a, b)
        start = date(2018, 1, 1).toordinal()
        for _ in range(400):
            a = date.fromordinal(start + rng.randrange(15 * 366))
            b = date.fromordinal(a.toordinal() + rng.randrange(-400, 400))
            assert cal.working_days_between(a, b) == _counted_day_by_day(cal, a, b), (a, b)
            assert cal.working_days_between(a, a) == 0


def _stepped(cal: WorkCalendar, d: date, n: int) -> date:
    for _ in range(abs(n)):
        d = cal.next_working_day(d) if n > 0 else cal.previous_working_day(d)
    return d


def test_add_working_days_is_stepping_one_working_day_at_a_time() -> None:
    """From working days and days off, across year ends, forwards and backwards, by small and
    large counts: the running counts land where stepping lands."""
    rng = random.Random(11)
    for cal in (WorkCalendar(), WorkCalendar(_OVERRIDES)):
        for d, n in [
            (date(2023, 12, 29), 1),
            (date(2024, 1, 1), -1),
            (date(2024, 1, 9), -1),
            (date(2020, 12, 31), 300),
            (date(2021, 1, 1), -300),
            (date(2023, 1, 7), 0),
            (date(2023, 1, 8), 1),
        ]:
            assert cal.add_working_days(d, n) == _stepped(cal, d, n), (d, n)
        start = date(2019, 1, 1).toordinal()
        for _ in range(400):
            d = date.fromordinal(start + rng.randrange(12 * 366))
            n = rng.choice([rng.randrange(-30, 31), rng.randrange(-700, 701)])
            assert cal.add_working_days(d, n) == _stepped(cal, d, n), (d, n)
