"""The package's days off are kept in the user's cache one year at a time, and are only ever a
cache: a year read back is the package's year, a command with the years cached does not load
the package at all, and a file that holds rubbish or a folder that cannot be written changes
nothing but the time it takes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest

from kontrol.roadmap.holiday_years import FORMAT, KEPT, HolidayYears
from kontrol.roadmap.workcalendar import WorkCalendar

RU = holidays.country_holidays("RU", expand=True)


def _year(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def _package(year: int) -> frozenset[date]:
    return frozenset(d for d in _year(year) if not RU.is_working_day(d))


def _file(folder: Path) -> Path:
    (path,) = folder.glob("holidays-ru-*.json")
    return path


@pytest.mark.parametrize("folder", [False, True])
def test_every_day_is_the_packages_day_from_the_package_and_from_the_file(
    tmp_path: Path, folder: bool
) -> None:
    written = HolidayYears(tmp_path if folder else None)
    for year in range(1992, 2036):  # transfers, new-year weeks, leap years, years to come
        assert written.days_off(year) == _package(year), year
    read = HolidayYears(tmp_path if folder else None)
    for year in range(1992, 2036):
        assert read.days_off(year) == _package(year), year
    assert list(tmp_path.iterdir()) == ([_file(tmp_path)] if folder else [])


def test_known_days_of_2021_through_a_calendar(tmp_path: Path) -> None:
    HolidayYears(tmp_path).days_off(2021)  # written
    cal = WorkCalendar(years=HolidayYears(tmp_path))  # read back
    assert not cal.is_working_day(date(2021, 1, 8))
    assert cal.is_working_day(date(2021, 2, 20))  # a Saturday worked instead of 22 February
    assert not cal.is_working_day(date(2021, 2, 22))
    assert not cal.is_working_day(date(2021, 12, 31))  # transferred from 3 January


def test_years_are_added_to_the_file_as_they_are_asked(tmp_path: Path) -> None:
    HolidayYears(tmp_path).days_off(2021)
    HolidayYears(tmp_path).days_off(2030)
    kept = json.loads(_file(tmp_path).read_text())["days_off"]
    assert sorted(kept) == ["2021", "2030"]
    assert len(kept["2021"]) == len(_package(2021))


def test_years_outside_those_kept_are_answered_but_never_written(tmp_path: Path) -> None:
    # a calendar asked about any year must not grow the file every process reads whole
    years = HolidayYears(tmp_path)
    years.days_off(2021)
    for year in (KEPT.start - 1, KEPT.stop, 3311):
        assert years.days_off(year) == _package(year), year
    assert sorted(json.loads(_file(tmp_path).read_text())["days_off"]) == ["2021"]
    again = HolidayYears(tmp_path)  # a later process: asks the package again, still answers
    assert again.days_off(3311) == _package(3311)
    assert again.days_off(2021) == _package(2021)
    assert sorted(json.loads(_file(tmp_path).read_text())["days_off"]) == ["2021"]


def test_the_file_is_named_by_its_format_and_the_packages_version(tmp_path: Path) -> None:
    HolidayYears(tmp_path).days_off(2021)
    assert _file(tmp_path).name == f"holidays-ru-{FORMAT}-{holidays.__version__}.json"


def _ask_in_a_new_process(cache: Path) -> list[object]:
    """Whether a fresh process loaded the package to answer, and what it answered."""
    code = (
        "import datetime, json, sys\n"
        "from kontrol.roadmap.workcalendar import WorkCalendar\n"
        "cal = WorkCalendar()\n"
        "answer = cal.add_working_days(datetime.date(2021, 12, 30), 1).isoformat()\n"
        "print(json.dumps(['holidays' in sys.modules, answer]))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stdout))


def test_a_process_with_the_years_cached_does_not_load_the_package(tmp_path: Path) -> None:
    # the point of the file: kontrol schedule no longer imports every country's module
    assert _ask_in_a_new_process(tmp_path) == [True, "2022-01-10"]
    assert _file(tmp_path / "kontrol").exists()
    assert _ask_in_a_new_process(tmp_path) == [False, "2022-01-10"]


def test_kontrol_schedule_with_the_years_cached_does_not_load_the_package(tmp_path: Path) -> None:
    # the whole command, as a person runs it: nothing on its way imports the package either
    code = (
        "import sys\n"
        "from kontrol.cli import main\n"
        "sys.argv = ['kontrol', 'schedule', '--json', 'до 31 декабря 2024 г.']\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print('holidays' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [r.stderr.split()[-1] for r in runs] == ["True", "False"]
    assert runs[0].returncode == runs[1].returncode == 0
    assert runs[0].stdout == runs[1].stdout
    assert '"due_on": "2024-12-28"' in runs[1].stdout  # 31.12.2024 is off; 28.12 a worked Saturday


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"days_off": {"2021": [1, 2, 400]}}',  # a day the year does not have
        '{"days_off": {"2021": ["2021-01-01"]}}',
        '{"days_off": {"2021": [1.5]}}',
        '{"days_off": {"twenty": [1]}}',
        '{"days_off": {"2021": []}}',  # emptied: every day a working day
        '{"days_off": {"2021": [2, 3, 9, 10, 16, 17]}}',  # cut short
        '{"days_off": {"2021": [' + ", ".join(["2"] * 120) + "]}}",  # one day, many times
        # a year outside those kept, as a file of another kontrol version might hold
        json.dumps({"days_off": {"2021": list(range(1, 121)), "3000": list(range(1, 121))}}),
        '{"days_off": [1, 2]}',
        '["days_off"]',
        "",
    ],
)
def test_a_rubbish_file_is_asked_of_the_package_and_replaced(tmp_path: Path, text: str) -> None:
    HolidayYears(tmp_path).days_off(2021)
    path = _file(tmp_path)
    path.write_text(text)
    assert HolidayYears(tmp_path).days_off(2021) == _package(2021)
    assert json.loads(path.read_text())["days_off"]["2021"]  # replaced by a good one


def test_a_cache_folder_that_is_a_file_only_costs_the_asking(tmp_path: Path) -> None:
    (tmp_path / "kontrol").write_text("a file where the folder would be")
    years = HolidayYears(tmp_path / "kontrol")
    assert years.days_off(2021) == _package(2021)
    assert years.days_off(2021) == _package(2021)
    assert (tmp_path / "kontrol").read_text() == "a file where the folder would be"
