"""The production calendar: holidays' Russia calendar plus the committee's overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kontrol.roadmap.errors import RoadmapError
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
