"""A decree declared void: its plan stops, its open work is cancelled and told once."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from kontrol.models import Assignment, OutboxMessage
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("portfolio")


def _issue(capsys, roadmap: str, item: str, period: str) -> int:  # type: ignore[no-untyped-def]
    result = run(capsys, "run", item, "--period", period, "--roadmap", roadmap, "--json")
    assert result.code == 0, result.err
    return len(result.json()["assignments"])


def test_retire_cancels_open_work_tells_each_executor_once_and_keeps_history(capsys, db_url):
    issued = _issue(capsys, "55-р", "1.3", "2022-01") + _issue(capsys, "55-р", "2.2", "2022")
    kept = _issue(capsys, "1302-б от 27.07.2020", "1.3", "2021-01")
    result = run(
        capsys,
        "retire",
        "55-р",
        "--reason",
        "распоряжение от 01.06.2022 № 99-р",
        "--on",
        "2022-06-01",
        "--json",
    )
    assert result.code == 0, result.err
    out = result.json()
    assert out["applied"] and len(out["cancelled"]) == issued
    with Session(create_engine(db_url)) as s:
        rows = s.scalars(select(Assignment)).all()
        void = [a for a in rows if a.status == "cancelled"]
        assert len(void) == issued and len(rows) == issued + kept
        assert all(
            (a.cancel_reason or "").startswith(
                "Распоряжение № 55-р от 01.02.2021 утратило силу с 01.06.2022"
            )
            for a in void
        )
        letters = s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "roadmap_retired")
        ).all()
        assert sorted(m.recipient_body_id for m in letters) == sorted(out["told"])
        assert len(letters) == len({a.body_id for a in void})
    again = run(
        capsys,
        "retire",
        "55-р",
        "--reason",
        "распоряжение от 01.06.2022 № 99-р",
        "--on",
        "2022-06-01",
        "--json",
    ).json()
    assert not again["changed"] and again["cancelled"] == []
    other = run(capsys, "retire", "55-р", "--reason", "другое", "--on", "2022-06-01")
    assert other.code == 2 and "executors were told" in other.err
    listed = {r["ref"]: r for r in run(capsys, "roadmaps", "--json").json()}
    assert listed["55-р от 01.02.2021"]["state"] == "утратило силу"
    assert listed["55-р от 01.02.2021"]["retired_reason"] == "распоряжение от 01.06.2022 № 99-р"
    items = run(capsys, "items", "--json").json()
    assert "55-р от 01.02.2021" not in [e["roadmap"]["ref"] for e in items]
    # the history stays readable by name, and its plan ends the day before it became void
    plan = run(capsys, "plan", "--roadmap", "55-р", "--json").json()
    assert plan and max(row["issue_on"] for row in plan) < "2022-06-01"
    late = run(capsys, "run", "1.3", "--period", "2023-01", "--roadmap", "55-р")
    assert late.code == 2


def test_a_day_ahead_keeps_it_in_force_until_the_sweep_of_that_day(capsys, db_url):
    issued = _issue(capsys, "55-р", "1.3", "2022-01")
    ahead = run(
        capsys, "retire", "55-р", "--reason", "приказ № 7", "--on", "2030-06-03", "--json"
    ).json()
    assert not ahead["applied"] and ahead["cancelled"] == []
    listed = {r["ref"]: r["state"] for r in run(capsys, "roadmaps", "--json").json()}
    assert listed["55-р от 01.02.2021"] == "действует"
    with Session(create_engine(db_url)) as s:
        assert s.scalars(select(Assignment).where(Assignment.status == "cancelled")).all() == []
    # the day comes: the sweep of that day cancels and tells
    swept = run(capsys, "sweep", "--as-of", "2030-06-03", "--json")
    assert swept.code == 0, swept.err
    assert swept.json()["retired"] == ["55-р от 01.02.2021"]
    with Session(create_engine(db_url)) as s:
        void = s.scalars(select(Assignment).where(Assignment.status == "cancelled")).all()
        assert len(void) == issued
