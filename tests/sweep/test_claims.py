"""``kontrol.sweep_queries.claim_many``: one execution claims a batch's steps, and says which
were this call's: a step someone had already is not among them, whatever else the batch holds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.models import Assignment
from kontrol.models.db import make_engine
from kontrol.sweep_queries import claim_many
from tests.sweep.conftest import issue, steps

AS_OF = dt.date(2021, 1, 22)
NOW = dt.datetime(2021, 1, 22, 6, tzinfo=dt.UTC)


def _claim(url: str, wanted: list[tuple[int, str]]) -> set[tuple[int, str]]:
    engine = make_engine(url)
    with Session(engine) as s, s.begin():
        ids = {i for i, _ in wanted}
        rows = {a.id: a for a in s.scalars(select(Assignment).where(Assignment.id.in_(ids)))}
        got = claim_many(
            s, [(rows[i], step) for i, step in wanted], as_of=AS_OF, now=NOW, actor="t"
        )
    engine.dispose()
    return got


def test_a_batch_of_taken_and_new_steps_returns_only_the_new(seeded) -> None:
    (a,) = issue(seeded, {"1.3": ["2021-01"]})[:1]
    assert _claim(seeded, [(a, "reminder-5"), (a, "reminder-1")]) == {
        (a, "reminder-5"),
        (a, "reminder-1"),
    }
    # taken, new, taken, new twice in one batch
    mixed = [(a, "reminder-5"), (a, "overdue"), (a, "reminder-1"), (a, "escalation-1")] * 2
    assert _claim(seeded, mixed) == {(a, "overdue"), (a, "escalation-1")}
    assert _claim(seeded, mixed) == set()
    assert [step for _, step, _, _ in steps(seeded)] == [
        "reminder-5",
        "reminder-1",
        "overdue",
        "escalation-1",
    ]


def test_a_batch_larger_than_one_statement_returns_exactly_its_new_steps(seeded) -> None:
    """SQLAlchemy sends a long batch as several multi-row statements: the answer spans them."""
    (a,) = issue(seeded, {"1.3": ["2021-01"]})[:1]
    names = [f"step-{i:04d}" for i in range(2500)]
    assert len(_claim(seeded, [(a, n) for n in names[::3]])) == len(names[::3])
    new = {(a, n) for i, n in enumerate(names) if i % 3}
    assert _claim(seeded, [(a, n) for n in names]) == new
    assert len(steps(seeded)) == 2500
