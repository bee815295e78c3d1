"""Every schedule phrase of the seed roadmap (decree 1302-б of 27.07.2020), item by item."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kontrol.roadmap.occurrences import Occurrence, occurrences
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.schedule import Kind, parse_schedule
from kontrol.roadmap.workcalendar import WorkCalendar

SEED = Path(__file__).resolve().parents[2] / "examples" / "lenobl" / "000_e3bc991062043600.txt"
A = date(2020, 7, 27)
CAL = WorkCalendar()


def _seed_items() -> dict[str, str]:
    items = {}
    for line in SEED.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if line[:1].isdigit() and len(cells) >= 3 and cells[2] != "":
            items[cells[0].strip().rstrip(".")] = cells[2]
    return items


ITEMS = _seed_items()

# item: [(label, kind, frequency, qualifier, year_from, year_to, keys of explicit periods)]
ONE, R, G = "once", "recurring", "ongoing"
EXPECTED: dict[str, list[tuple]] = {
    "1.1": [(None, ONE, None, None, None, None, ["2020-Q4"])],
    "1.2": [(None, ONE, None, None, None, None, ["2021-Q2-Q4"])],
    "1.3": [(None, R, "yearly", "01", 2020, 2030, [])],
    "2.1": [(None, R, "yearly", "Q4", 2020, 2030, [])],
    "2.2": [(None, R, "yearly", None, None, None, [])],
    "2.3": [(None, R, "quarterly", None, 2018, 2025, [])],
    "3.1.1": [
        ("Создание", ONE, None, None, None, None, ["2020-Q4"]),
        ("Организация работы", G, None, None, None, None, []),
    ],
    "3.1.2": [(None, ONE, None, None, None, None, ["2021-Q1"])],
    "3.1.3": [(None, ONE, None, None, None, None, ["2021-H1"])],
    "3.1.4": [
        ("Разработка", ONE, None, None, None, None, ["2021-Q1"]),
        ("Реализация", G, None, None, 2020, 2030, []),
    ],
    "3.1.5": [(None, G, None, None, 2020, 2030, [])],
    "3.2.1": [(None, R, "yearly", None, None, None, [])],
    "3.2.2": [(None, R, "yearly", None, None, None, [])],
    "3.2.3": [(None, G, None, None, 2020, 2021, [])],
    "3.2.4": [(None, R, "yearly", None, None, None, [])],
    "3.3.1": [(None, ONE, None, None, None, None, ["2021-Q1"])],
    "3.3.2": [(None, G, None, None, None, None, [])],
    "3.3.3": [(None, G, None, None, None, None, [])],
    "3.3.4": [(None, G, None, None, None, None, [])],
    "3.3.5": [(None, G, None, None, 2021, 2030, [])],
    "3.3.6": [(None, G, None, None, 2021, 2030, [])],
    "3.3.7": [(None, G, None, None, None, None, [])],
    "3.4.1": [(None, R, "yearly", None, None, None, [])],
    "3.4.2": [(None, R, "yearly", None, None, None, [])],
    "4.1": [
        ("Разработка", ONE, None, None, None, None, ["2020-Q4"]),
        ("Информирование", G, None, None, None, None, []),
    ],
    "5.1": [(None, R, "yearly", None, None, None, [])],
    "5.2": [(None, G, None, None, None, None, [])],
    "5.3": [(None, G, None, None, None, None, [])],
    "5.4": [(None, R, "yearly", None, None, None, [])],
    "5.5": [(None, G, None, None, None, None, [])],
    "5.6": [(None, R, "yearly", None, None, None, [])],
    "6.1": [
        ("Разработка", ONE, None, None, None, None, ["2020-H1"]),
        ("Апробация", G, None, None, 2020, 2021, []),
    ],
    "6.2": [(None, R, "yearly", None, None, None, [])],
    "6.3": [(None, R, "yearly", "Q1", None, None, [])],
}
FLAGGED = {
    "3.2.1": "по отдельному плану конкурсных мероприятий",
    "3.2.4": "по отдельному плану",
    "3.3.5": "По отдельному плану",
    "3.3.6": "По отдельному плану",
    "3.4.2": "по отдельному плану",
    "5.3": "по отдельному плану",
    "5.5": "по отдельному плану",
    "5.6": "по отдельному плану",
}


def _occ(item: str) -> list[tuple]:
    return occurrences(
        parse_schedule(ITEMS[item], item=item),
        adopted=A,
        horizon_year=2030,
        policy=Policy(),
        calendar=CAL,
    )


def test_seed_has_34_activities() -> None:
    assert sorted(ITEMS) == sorted(EXPECTED)
    assert len(ITEMS) == 34


@pytest.mark.parametrize("item", sorted(EXPECTED))
def test_seed_item(item: str) -> None:
    schedule = parse_schedule(ITEMS[item], item=item)
    got = [
        (
            p.label,
            p.kind.value,
            p.frequency,
            p.qualifier,
            p.year_from,
            p.year_to,
            [x.key for x in p.periods],
        )
        for p in schedule.phases
    ]
    assert got == EXPECTED[item]
    words = [f.words for p in schedule.phases for f in p.flags]
    assert words == ([FLAGGED[item]] if item in FLAGGED else [])


def test_seed_obligations_total_38() -> None:
    assert sum(len(parse_schedule(t).phases) for t in ITEMS.values()) == 38


def _first_scheduled(occs: list[Occurrence]) -> Occurrence:
    return next(o for o in occs if o.state == "scheduled")


def test_1_3_january_every_year() -> None:
    ((_, occs),) = _occ("1.3")
    assert occs[0].key == "2020-01" and occs[0].state == "before_adoption"
    first = _first_scheduled(occs)
    assert (first.key, first.issue_on, first.due_on) == (
        "2021-01",
        date(2021, 1, 11),
        date(2021, 1, 29),
    )
    assert len(occs) == 11 and occs[-1].key == "2030-01"


def test_2_3_quarterly_from_2018() -> None:
    ((_, occs),) = _occ("2.3")
    before = [o.key for o in occs if o.state == "before_adoption"]
    assert before[0] == "2018-Q1" and before[-1] == "2020-Q2" and len(before) == 10
    first = _first_scheduled(occs)
    assert (first.key, first.period_start, first.issue_on, first.due_on) == (
        "2020-Q3",
        A,
        A,
        date(2020, 9, 30),
    )
    assert occs[-1].key == "2025-Q4"


def test_6_1_first_phase_before_adoption_second_yearly() -> None:
    (dev, dev_occs), (_, trial_occs) = _occ("6.1")
    assert dev.kind is Kind.ONCE and [o.state for o in dev_occs] == ["before_adoption"]
    assert [(o.key, o.period_start, o.issue_on, o.due_on) for o in trial_occs] == [
        ("2020", A, A, date(2020, 12, 31)),
        ("2021", date(2021, 1, 1), date(2021, 1, 11), date(2021, 12, 30)),
    ]


def test_2_2_yearly_is_the_calendar_year() -> None:
    ((_, occs),) = _occ("2.2")
    assert [o.key for o in occs] == [str(y) for y in range(2020, 2031)]
    assert (occs[1].period_start, occs[1].period_end) == (date(2021, 1, 1), date(2021, 12, 31))


def test_3_1_1_second_phase_starts_after_the_first() -> None:
    (_, create), (_, run) = _occ("3.1.1")
    assert [o.key for o in create] == ["2020-Q4"]
    assert run[0].key == "2021" and run[0].period_start == date(2021, 1, 1)
    assert run[-1].key == "2030"


def test_1_2_quarters_two_to_four_is_one_period() -> None:
    ((_, occs),) = _occ("1.2")
    assert [(o.period_start, o.period_end, o.issue_on, o.due_on) for o in occs] == [
        (date(2021, 4, 1), date(2021, 12, 31), date(2021, 4, 1), date(2021, 12, 30))
    ]
