"""``sweep_queries.load`` joins the rows an assignment points to for a few assignments and
reads them by statements of their own for many, a thousand assignments a statement at most:
every way gives the same rows, and nothing the sweep and its mails read is left to load
lazily."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select, update

from kontrol import sweep_queries
from kontrol.assignments import mark_done
from kontrol.mail.render import assignment_data, roadmap_data
from kontrol.models import Assignment
from kontrol.oversight import informed, overdue_on
from tests.mail.factory import NOW, World, add_assignment, make_world
from tests.sweep.conftest import RULES


def _read(a: Assignment) -> tuple[object, ...]:
    """What the sweep and every mail about ``a`` read of it and the rows it points to."""
    up = informed(a)
    return (
        a.id,
        a.due_on,
        roadmap_data(a),
        assignment_data(a),
        a.body.name,
        up.id if up is not None else None,
        a.obligation.item.roadmap.controller_body_id,
    )


def _ladder_reads(a: Assignment) -> tuple[object, ...]:
    """What the ladder and the supervisors' stage read without a mail: who is over it."""
    up = a.body.escalates_to
    roadmap = a.obligation.item.roadmap
    return (a.id, a.body.name, up.id if up else None, [c.body_id for c in roadmap.curators])


@pytest.mark.parametrize(("mailed", "overseen"), [(True, False), (False, True)])
def test_joined_for_few_and_apart_for_many_load_the_same_and_leave_nothing_lazy(
    world: World, mailed: bool, overseen: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the deputy chair escalates to nobody: an inner join there would lose its assignment
    bodies = ("committee", "loiro", "deputy-chair") * 2
    ids = [add_assignment(world, "3.1.2", body) for body in bodies]
    seen: dict[str, list[tuple[object, ...]]] = {}
    statements: list[str] = []

    def lazily(*args: object) -> None:
        statements.append(str(args[2]))

    for way, bound, at_once in (("joined", len(ids), 1000), ("apart", 0, 1000), ("chunks", 0, 4)):
        monkeypatch.setattr(sweep_queries, "JOINED_UP_TO", bound)
        monkeypatch.setattr(sweep_queries, "LOADED_AT_ONCE", at_once)
        with world.transaction() as s:
            loaded = sweep_queries.load(s, ids, mailed=mailed, overseen=overseen)
            statements.clear()
            event.listen(world.engine, "before_cursor_execute", lazily)
            try:
                seen[way] = [_read(a) if mailed else _ladder_reads(a) for a in loaded]
            finally:
                event.remove(world.engine, "before_cursor_execute", lazily)
        assert statements == [], f"{way}: read lazily: {statements}"
    assert [row[0] for row in seen["joined"]] == sorted(ids)
    assert seen["joined"] == seen["apart"] == seen["chunks"]


@pytest.mark.postgres
def test_the_overdue_list_reads_the_rows_as_they_are_now(pg_url: str) -> None:
    """On PostgreSQL (read committed) a row another transaction changed since this session
    read it is judged as it is now, not as the session's copy says: done since is not overdue,
    overdue again since is."""
    world = make_world(pg_url)
    try:
        later, reopened = (add_assignment(world, "3.1.2", "loiro") for _ in range(2))
        as_of = dt.date(2021, 4, 5)  # after the due date of 31.03.2021
        with world.transaction() as s:
            mark_done(s, reopened, note=None, now=NOW, actor="test")
        with world.sessions() as mine:
            held = list(mine.scalars(select(Assignment)))  # the session's copies, kept
            assert {a.id: a.status for a in held} == {later: "issued", reopened: "done"}
            with world.transaction() as other:  # meanwhile: one done, one reopened
                mark_done(other, later, note=None, now=NOW, actor="test")
                other.execute(
                    update(Assignment).where(Assignment.id == reopened).values(status="overdue")
                )
            overdue = overdue_on(mine, as_of, RULES)
            assert [o.assignment.id for o in overdue] == [reopened]
    finally:
        world.engine.dispose()
