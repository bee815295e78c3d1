"""The portfolio dashboard: per decree and per body, the worst five first."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from kontrol.config import load_rules
from kontrol.dashboard import dashboard, markdown
from kontrol.settings import Settings
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("portfolio")


def test_dashboard_counts_every_decree_and_body_and_names_the_worst(capsys, db_url):
    for ref, period in (("55-р", "2022-01"), ("1302-б от 27.07.2020", "2021-01")):
        result = run(capsys, "run", "1.3", "--period", period, "--roadmap", ref, "--json")
        assert result.code == 0, result.err
    first = run(capsys, "status", "--json", "--as-of", "2021-01-11").json()["assignments"][0]
    done = run(capsys, "done", str(first["id"]))
    assert done.code == 0, done.err
    rules = load_rules(Settings(database_url=db_url))
    with Session(create_engine(db_url)) as s:
        # done today (late: due in January 2021), judged on a later day
        day = dt.date(2030, 1, 10)
        board = dashboard(s, rules, as_of=day, now=dt.datetime(2030, 1, 10, tzinfo=dt.UTC))
    issued = {ref: c.issued for ref, c in board.roadmaps.items()}
    assert issued["1302-б от 15.03.2021"] == 0
    assert issued["55-р от 01.02.2021"] == issued["1302-б от 27.07.2020"] > 0
    total = board.total
    assert total.issued == sum(c.issued for c in board.bodies.values())
    assert total.issued == total.done_on_time + total.done_late + total.open + total.overdue
    assert (total.overdue, total.done_late) == (total.issued - 1, 1)
    worst = board.worst()
    assert 0 < len(worst) <= 5
    assert [c.discipline for _, c in worst] == sorted(c.discipline for _, c in worst)
    text = markdown(board)
    assert "# Портфель дорожных карт на 10.01.2030" in text
    assert "| № 55-р от 01.02.2021 | действует |" in text
    assert "Худшие исполнители" in text


def test_report_over_several_decrees_is_the_portfolio(capsys):
    result = run(capsys, "run", "1.3", "--period", "2022-01", "--roadmap", "55-р", "--json")
    assert result.code == 0, result.err
    board = run(capsys, "report", "--json", "--as-of", "2022-03-01")
    assert board.code == 0, board.err
    data = board.json()
    assert [r["roadmap"] for r in data["roadmaps"]] == [
        "1302-б от 27.07.2020",
        "55-р от 01.02.2021",
        "1302-б от 15.03.2021",
    ]
    assert data["total"]["issued"] == data["total"]["overdue"] > 0
    assert data["worst"]
    text = run(capsys, "report", "--as-of", "2022-03-01").out
    assert "Портфель дорожных карт на 01.03.2022" in text and "Худшие исполнители" in text
    files = run(capsys, "report", "--xlsx", "r.xlsx")
    assert files.code == 2 and "--roadmap" in files.err
    one = run(capsys, "report", "--json", "--roadmap", "55-р", "--year", "2022")
    assert one.code == 0, one.err
