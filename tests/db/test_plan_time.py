"""A time of day written with a date («22 июня 10.00 ч.») is shown by `kontrol plan` (table and
--json) and makes the .ics entry an event at that time, on the day the phrase names (issue 18)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("kontrol_env")

TIMED = "ежегодно, 22 июня 10.00 ч."


@pytest.fixture
def imported(capsys, seed_path, directory_path, tmp_path):  # type: ignore[no-untyped-def]
    """The seed with item 2.2's «Ежегодно» written as a yearly event with its time."""
    lines = seed_path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("2.2\t"))
    cells = lines[at].split("\t")
    assert cells[2] == "Ежегодно"
    cells[2] = TIMED
    lines[at] = "\t".join(cells)
    decree = tmp_path / seed_path.name
    decree.write_text("".join(lines), encoding="utf-8")
    result = run(capsys, "import", str(decree), "--directory", str(directory_path))
    assert result.code == 0, result.err


def test_plan_json_and_table_show_the_time(imported, capsys):
    rows = run(capsys, "plan", "--item", "2.2", "--json").json()
    assert rows and all(r["time"] == "10:00" for r in rows)
    first = next(r for r in rows if r["key"] == "2021-06-22")
    assert first["due_on"] == "2021-06-22"  # a Tuesday: the time moves no date
    others = run(capsys, "plan", "--item", "2.3", "--json").json()
    assert all(r["time"] is None for r in others)
    table = run(capsys, "plan", "--item", "2.2", "--from", "2021-01-01", "--to", "2021-12-31")
    assert "22.06.2021 10:00" in table.out


def test_the_ics_entry_is_an_event_at_that_time(imported, capsys, tmp_path):
    from icalendar import Calendar

    path = tmp_path / "plan.ics"
    run(
        capsys,
        "plan",
        "--item",
        "2.2",
        "--from",
        "2021-01-01",
        "--to",
        "2022-12-31",
        "--ics",
        str(path),
    )
    events = list(Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
    starts = sorted(e.decoded("DTSTART") for e in events)
    moscow = dt.timezone(dt.timedelta(hours=3))
    assert starts == [
        dt.datetime(2021, 6, 22, 10, 0, tzinfo=moscow),
        dt.datetime(2022, 6, 22, 10, 0, tzinfo=moscow),
    ]
    assert all("DTEND" not in e for e in events)
    assert "Время: 10:00" in str(events[0]["DESCRIPTION"])
