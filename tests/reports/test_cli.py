"""``kontrol report`` and ``kontrol simulate`` as a shell would run them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import openpyxl
import pytest

from tests.cli_runner import run
from tests.reports.conftest import World


def test_report_writes_workbook_html_and_json(
    world: World, kontrol_env: str, capsys, tmp_path: Path
) -> None:
    r = run(
        capsys,
        "report",
        "--year",
        "2021",
        "--as-of",
        "2021-12-01",
        "--xlsx",
        "r.xlsx",
        "--html",
        "r.html",
        "--json",
    )
    assert r.code == 0, r.err
    data = r.json()
    assert data["total"]["issued"] == 7 and data["total"]["discipline"] == 66.7
    assert "Исполнительская дисциплина" in data["formula"]
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb["Сводка"]["B7"].value == 7
    assert "Отчёт об исполнении" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_report_all_is_the_roadmaps_whole_span(world: World, kontrol_env: str, capsys) -> None:
    everything = run(capsys, "report", "--all", "--as-of", "2021-12-01", "--json")
    assert everything.code == 0, everything.err
    data = everything.json()
    assert (data["start"], data["end"]) == ("2020-01-01", "2031-12-31")
    by_year = [
        run(capsys, "report", "--year", str(y), "--as-of", "2021-12-01", "--json")
        for y in range(2020, 2032)
    ]
    issued = sum(r.json()["total"]["issued"] for r in by_year if r.code == 0)
    assert data["total"]["issued"] == issued > 7

    both = run(capsys, "report", "--all", "--year", "2021")
    assert (both.code, both.err.strip()) == (
        2,
        "kontrol: error: give one of --all, --year and --from/--to",
    )


def test_nothing_issued_names_the_range_that_was(world: World, kontrol_env: str, capsys) -> None:
    r = run(capsys, "report", "--year", "2031")
    assert r.code == 2
    assert "nothing issued in 2031" in r.err
    assert r.err.strip().endswith(
        "; its assignments were issued from 27.07.2020 to 11.01.2021"
        " (--from 2020-07-27 --to 2021-01-11, or --all)"
    )


def test_report_charts(world: World, kontrol_env: str, capsys, tmp_path: Path) -> None:
    r = run(
        capsys,
        "report",
        "--year",
        "2022",
        "--timeline",
        "t.svg",
        "--workload",
        "w.png",
        "--body",
        "loiro",
        "--as-of",
        "2021-12-01",
    )
    assert r.code == 0, r.err
    assert (tmp_path / "t.svg").stat().st_size > 0 and (tmp_path / "w.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--year", "2031", "--xlsx", "r.xlsx"), "nothing issued in 2031"),
        (
            ("--year", "2019", "--xlsx", "r.xlsx"),
            "вне допустимого диапазона 01.01.2020 – 31.12.2031",
        ),
        (("--from", "2021-02-01", "--to", "2021-01-01"), "empty range"),
        (("--year", "2021", "--xlsx", "missing/r.xlsx"), "does not exist"),
        (("--year", "2021", "--xlsx", "r.csv"), "must end with .xlsx"),
        (("--year", "2021", "--from", "2021-01-01", "--to", "2021-02-01"), "not both"),
    ],
)
def test_bad_input_exits_2_and_leaves_no_file(
    world: World, kontrol_env: str, capsys, tmp_path: Path, args, message
) -> None:
    r = run(capsys, "report", *args)
    assert r.code == 2
    assert message in " ".join(r.err.split())
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("kontrol.db")) == []


def test_simulate_a_quarter(kontrol_env: str, capsys) -> None:
    r = run(
        capsys,
        "simulate",
        "--from",
        "2021-01-01",
        "--to",
        "2021-03-31",
        "--completion",
        "0.5",
        "--seed",
        "7",
        "--json",
    )
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["issued"] == data["predicted_issued"] > 0
    assert data["totals"]["mails"]["assignment_issued"] == data["issued"]
    assert set(data["months"]) == {"2021-01", "2021-02", "2021-03"}


def test_simulate_refuses_an_empty_range(kontrol_env: str, capsys) -> None:
    r = run(capsys, "simulate", "--from", "2021-02-01", "--to", "2021-01-01")
    assert r.code == 2 and "empty range" in r.err


def test_report_files_follow_the_umask(
    world: World, kontrol_env: str, capsys, tmp_path: Path
) -> None:
    """A report is made to be shared: 0666 less the umask, never a private 0600."""
    names = ["r.xlsx", "r.html", "r.md", "t.svg", "w.png"]
    for mask, mode in ((0o022, "0o644"), (0o027, "0o640")):
        old = os.umask(mask)
        try:
            r = run(
                capsys, "report", "--year", "2021", "--as-of", "2021-12-01",
                "--xlsx", "r.xlsx", "--html", "r.html", "--markdown", "r.md",
                "--timeline", "t.svg", "--workload", "w.png",
            )  # fmt: skip
        finally:
            os.umask(old)
        assert r.code == 0, r.err
        assert {n: oct((tmp_path / n).stat().st_mode & 0o777) for n in names} == {
            n: mode for n in names
        }
        assert "written: t.svg — timeline of " in r.out
