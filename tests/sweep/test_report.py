"""The overdue table and the summary by body and by item (what the flow's artifacts show)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kontrol.assignments import mark_done
from kontrol.models.db import make_engine
from kontrol.report import overdue_table, summary_tables
from tests.sweep.conftest import RULES, at, issue, sweep


def test_summary_counts_done_on_time_late_open_and_overdue(seeded: str) -> None:
    ids = issue(seeded, {"1.3": ["2021-01"], "2.3": ["2021-Q1"]})
    engine = make_engine(seeded)
    with Session(engine) as s, s.begin():
        mark_done(s, ids[0], note=None, now=at(dt.date(2021, 2, 2)), actor="t")  # late
        mark_done(s, ids[1], note=None, now=at(dt.date(2021, 3, 31), 23), actor="t")  # on time
    sweep(seeded, dt.date(2021, 4, 7))
    with Session(engine) as s:
        overdue = overdue_table(s, RULES, dt.date(2021, 4, 7))
        by_body, by_item = summary_tables(s, RULES, dt.date(2021, 4, 7), at(dt.date(2021, 4, 7)))
    engine.dispose()
    assert len(overdue) == 6
    assert overdue[0]["Просрочка"] == 10 and overdue[0]["Ступень"] == "контролёр"
    items = {r["Исполнитель / пункт"]: r for r in by_item}
    assert (items["п. 1.3"]["С опозданием"], items["п. 1.3"]["В срок"]) == (1, 0)
    q = items["п. 2.3"]
    assert (q["В срок"], q["С опозданием"], q["В работе"], q["Просрочено"]) == (1, 0, 0, 6)
    counts = ("Просрочено", "В работе", "В срок", "С опозданием")
    assert sum(r[c] for r in by_body for c in counts) == 8
