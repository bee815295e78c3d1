"""`kontrol plan` and `kontrol schedule` on the imported seed: the calendar people review."""

from __future__ import annotations

import os

import pytest

from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("kontrol_env")


@pytest.fixture
def imported(capsys, seed_path, directory_path):  # type: ignore[no-untyped-def]
    result = run(capsys, "import", str(seed_path), "--directory", str(directory_path))
    assert result.code == 0, result.err


def test_plan_json_lists_every_occurrence_with_lead_and_earlier_co_executors(imported, capsys):
    rows = run(capsys, "plan", "--json").json()
    first_13 = next(r for r in rows if r["item"] == "1.3" and r["state"] == "scheduled")
    assert (first_13["key"], first_13["issue_on"], first_13["due_on"]) == (
        "2021-01",
        "2021-01-11",
        "2021-01-29",
    )
    assert first_13["lead"] == ["committee"] and first_13["co_executors"] == []
    r22 = next(r for r in rows if r["item"] == "2.2" and r["key"] == "2021")
    assert r22["due_on"] == "2021-12-30"
    assert {c["due_on"] for c in r22["co_executors"]} == {"2021-12-23"}
    assert {r["obligation"] for r in rows} >= {"3.1.4/1", "3.1.4/2"}


def test_plan_filters_by_item_body_and_dates(imported, capsys):
    rows = run(
        capsys, "plan", "--item", "2.3", "--from", "2021-01-01", "--to", "2021-12-31", "--json"
    ).json()
    assert [r["key"] for r in rows] == ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"]
    mine = run(capsys, "plan", "--body", "mo-luzhsky", "--json").json()
    assert mine and all(r["recipients"] > 1 for r in mine)
    assert {r["item"] for r in mine} >= {"2.2", "3.1.3"}


def test_the_ics_reads_back_with_one_entry_per_occurrence(imported, capsys, tmp_path):
    from icalendar import Calendar

    path = tmp_path / "plan.ics"
    rows = run(capsys, "plan", "--json", "--ics", str(path)).json()
    cal = Calendar.from_ical(path.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(rows) > 300
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    again = tmp_path / "again.ics"
    run(capsys, "plan", "--ics", str(again))
    assert [str(e["UID"]) for e in Calendar.from_ical(again.read_bytes()).walk("VEVENT")] == uids
    jan = next(
        e
        for e in events
        if str(e["SUMMARY"]).startswith("Срок: 1.3 ")
        and e.decoded("DTSTART").isoformat() == "2021-01-29"
    )
    assert "11.01.2021" in str(jan["DESCRIPTION"])


def test_plan_charts_are_written(imported, capsys, tmp_path):
    chart, load = tmp_path / "t.svg", tmp_path / "w.svg"
    result = run(capsys, "plan", "--item", "1.3", "--chart", str(chart), "--workload", str(load))
    assert result.code == 0, result.err
    assert chart.read_text().startswith("<?xml") and "<svg" in load.read_text()


def test_plan_with_a_reversed_range_is_refused(imported, capsys):
    result = run(capsys, "plan", "--from", "2022-01-01", "--to", "2021-01-01")
    assert result.code == 2 and "before" in result.err


def test_schedule_json_has_the_documented_shape(capsys):
    data = run(
        capsys, "schedule", "Разработка: 1 квартал 2021 г. Реализация: 2020-2030 г.г.", "--json"
    ).json()
    assert data["phrase"].startswith("Разработка")
    labels = [p["label"] for p in data["phases"]]
    assert labels == ["Разработка", "Реализация"]
    occ = data["phases"][0]["occurrences"]
    assert occ == [
        {
            "key": "2021-Q1",
            "period_start": "2021-01-01",
            "period_end": "2021-03-31",
            "issue_on": "2021-01-11",
            "due_on": "2021-03-31",
            "state": "scheduled",
        }
    ]
    assert data["phases"][1]["kind"] == "ongoing"


def test_schedule_reports_the_unread_fragment(capsys):
    result = run(capsys, "schedule", "Ежегодно, в полнолуние")
    assert result.code == 2 and "position" in result.err


def test_a_file_written_is_one_line_not_the_whole_table(imported, capsys, tmp_path):
    chart, load, ics = tmp_path / "t.svg", tmp_path / "w.png", tmp_path / "p.ics"
    result = run(capsys, "plan", "--chart", str(chart), "--workload", str(load), "--ics", str(ics))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 3 and result.err == "", result.out
    assert lines[0].startswith(f"wrote {ics}: ") and "occurrences" in lines[0]
    assert lines[1].startswith(f"wrote {chart}: timeline of ") and " items, " in lines[1]
    assert lines[2].startswith(f"wrote {load}: workload of ") and " assignments " in lines[2]
    table = run(capsys, "plan", "--chart", str(chart), "--table")
    assert "occurrences" in table.out and "выдача" in table.out
    assert table.out.rstrip().splitlines()[-1].startswith(f"wrote {chart}: ")
    plain = run(capsys, "plan", "--item", "1.3")
    assert "выдача" in plain.out and "wrote" not in plain.out + plain.err


def test_json_stays_json_when_files_are_written(imported, capsys, tmp_path):
    chart = tmp_path / "t.png"
    result = run(capsys, "plan", "--json", "--item", "1.3", "--chart", str(chart))
    assert result.code == 0, result.err
    assert {r["item"] for r in result.json()} == {"1.3"}  # stdout is the JSON alone
    assert result.err.startswith(f"wrote {chart}: timeline of ")


def test_a_bad_chart_name_writes_nothing(imported, capsys, tmp_path):
    ics = tmp_path / "p.ics"
    result = run(capsys, "plan", "--ics", str(ics), "--chart", str(tmp_path / "t.pdf"))
    assert result.code == 2 and "must end with .svg or .png" in result.err
    assert not ics.exists()


def test_plan_files_follow_the_umask(imported, capsys, tmp_path):
    old = os.umask(0o027)
    try:
        paths = [tmp_path / "p.ics", tmp_path / "t.svg", tmp_path / "w.png"]
        result = run(
            capsys, "plan", "--ics", str(paths[0]), "--chart", str(paths[1]),
            "--workload", str(paths[2]),
        )  # fmt: skip
        assert result.code == 0, result.err
        assert {p.name: oct(p.stat().st_mode & 0o777) for p in paths} == {
            p.name: "0o640" for p in paths
        }
        os.umask(0o022)
        assert run(capsys, "plan", "--chart", str(paths[1])).code == 0
        assert oct(paths[1].stat().st_mode & 0o777) == "0o644"
    finally:
        os.umask(old)
