"""Every figure of the report against a database whose outcomes are known."""

from __future__ import annotations

import datetime as dt

import pytest

from kontrol.errors import KontrolError
from kontrol.reporting import DISCIPLINE_FORMULA, NothingIssued, execution_report
from tests.reports.conftest import AS_OF, World


def report_of(world: World, as_of: dt.date = AS_OF, year: int = 2021):
    with world.session() as s:
        return execution_report(
            s,
            world.roadmap(s),
            start=dt.date(year, 1, 1),
            end=dt.date(year, 12, 31),
            as_of=as_of,
            calendar=world.rules.calendar,
        )


def test_totals_count_each_outcome_once(world: World) -> None:
    r = report_of(world)
    t = r.total
    assert (t.issued, t.done_on_time, t.done_late, t.open, t.overdue, t.cancelled) == (
        7,
        2,
        1,
        2,
        1,
        1,
    )
    assert t.late_working_days == 3  # due 31.03, done 05.04: 1, 2 and 5 April
    assert t.extensions == 1
    assert t.discipline == pytest.approx(66.7)  # (2 + 2) / (7 - 1)
    assert r.formula == DISCIPLINE_FORMULA and r.label == "2021"


def test_per_body_and_per_item(world: World) -> None:
    r = report_of(world)
    bodies = {row.key: row.counts for row in r.by_body}
    assert set(bodies) == {"committee", "loiro"}
    c = bodies["committee"]
    assert (c.issued, c.done_on_time, c.done_late, c.open, c.overdue, c.extensions) == (
        4,
        2,
        1,
        1,
        0,
        1,
    )
    assert c.discipline == 75.0
    lo = bodies["loiro"]
    assert (lo.issued, lo.open, lo.overdue, lo.cancelled, lo.discipline) == (3, 1, 1, 1, 50.0)
    items = {row.key: row.counts for row in r.by_item}
    assert len(items) == 34  # every activity, with or without assignments
    assert items["1.3"].discipline == 100.0
    assert items["3.1.2"].discipline == 0.0 and items["3.1.2"].done_late == 1
    assert items["3.3.1"].extensions == 1 and items["3.3.1"].cancelled == 1
    assert items["6.2"].open == 2
    assert items["5.1"].issued == 0 and items["5.1"].discipline is None


def test_overdue_list_has_working_days_and_ladder_step(world: World) -> None:
    r = report_of(world)
    (o,) = r.overdue
    assert (o.item, o.body_id, o.role, o.due_on) == (
        "3.1.2",
        "loiro",
        "co_executor",
        dt.date(2021, 3, 24),
    )
    assert o.working_days_overdue == world.rules.calendar.working_days_between(o.due_on, AS_OF)
    assert o.step == "curator" and o.step_words == "доклад куратору"


def test_executor_reports_are_the_completion_notes(world: World) -> None:
    r = report_of(world)
    notes = {(e.item, e.on_time): e.note for e in r.executor_reports}
    assert notes == {
        ("1.3", True): "План на 2021 год утверждён.",
        ("3.1.2", False): "Ресурсный центр создан <приказ № 5>.",
        ("3.3.1", True): "Модель разработана.",
    }


def test_as_of_judges_the_past_as_it_was(world: World) -> None:
    r = report_of(world, as_of=dt.date(2021, 4, 1))
    t = r.total
    # on 1 April: 3.1.2 lead not yet done (overdue 1 day), 3.3.1 extended and open
    assert (t.done_on_time, t.done_late, t.overdue, t.open) == (1, 0, 2, 3)
    lead = next(o for o in r.overdue if o.body_id == "committee")
    assert lead.working_days_overdue == 1
    assert next(o for o in r.overdue if o.body_id == "loiro").step == "curator"  # 31.03
    early = report_of(world, as_of=dt.date(2021, 3, 26))
    assert [o.step for o in early.overdue] == ["overdue"]  # the curator step came later


def test_2020_is_its_own_year(world: World) -> None:
    r = report_of(world, year=2020)
    assert r.total.issued == 2 and {row.key for row in r.by_body} == {"committee", "loiro"}


def test_a_year_without_assignments_says_so(world: World) -> None:
    with pytest.raises(NothingIssued, match="nothing issued in 2019"):
        report_of(world, year=2019)


def test_an_empty_range_is_refused(world: World) -> None:
    with world.session() as s, pytest.raises(KontrolError, match="empty range"):
        execution_report(
            s,
            world.roadmap(s),
            start=dt.date(2021, 2, 1),
            end=dt.date(2021, 1, 1),
            as_of=AS_OF,
            calendar=world.rules.calendar,
        )
