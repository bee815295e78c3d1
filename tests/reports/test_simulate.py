"""The seed over 2021–2030: the simulation issues exactly what the plan predicts."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from kontrol.config import Rules
from kontrol.lookup import roadmap_by_number
from kontrol.models.db import make_engine, session_factory
from kontrol.planning import plan_rows
from kontrol.scratch import scratch_import
from kontrol.settings import load_settings
from kontrol.simulate import Simulation, simulate
from tests.conftest import DIRECTORY, SEED

START, END = dt.date(2021, 1, 1), dt.date(2030, 12, 31)


def _seed(rules: Rules, start: dt.date, end: dt.date, **options: Any) -> Simulation:
    """The seed with the example directory, simulated from ``start`` to ``end``."""
    return simulate(
        start=start,
        end=end,
        roadmap_file=SEED,
        directory_file=DIRECTORY,
        rules=rules,
        settings=load_settings(),
        **options,
    )


def test_ten_years_issue_what_the_plan_predicts(rules: Rules, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    scratch_import(url, SEED, DIRECTORY, dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
    engine = make_engine(url)
    with session_factory(engine)() as s:  # the plan, read through `kontrol plan`'s own code
        rows = plan_rows(s, roadmap_by_number(s), rules)
        planned = sum(
            len(r.recipients) for r in rows if r.state == "scheduled" and START <= r.issue_on <= END
        )
    engine.dispose()
    began = time.perf_counter()
    sim = _seed(rules, START, END, completion=0.8, seed=1)
    seconds = time.perf_counter() - began
    t = sim.totals()
    assert sim.issued == sim.predicted == planned == 2255
    assert t.mails["assignment_issued"] == sim.issued
    assert t.done_on_time + t.done_late <= sim.issued
    assert t.escalations > 0 and t.mails["overdue_notice"] > 0
    print(f"simulation 2021–2030: {seconds:.1f} s, {sim.to_json()['totals']}")


def test_sweeping_only_on_the_days_it_can_act_changes_nothing(rules: Rules) -> None:
    """The simulation skips the working days on which no rung of any ladder falls: what it
    counts is what a sweep every working day gives, month by month, mail by mail."""
    start, end = dt.date(2021, 1, 1), dt.date(2021, 12, 31)
    runs = [
        _seed(rules, start, end, completion=0.6, seed=7, every_day=every_day).to_json()
        for every_day in (True, False)
    ]
    for run in runs:
        del run["seconds"]
    assert runs[0]["totals"]["escalations"] > 0 and runs[0]["totals"]["mails"]["reminder"] > 0
    assert runs[0]["totals"]["mails"]["supervisor_digest"] > 0
    assert runs[0] == runs[1]
