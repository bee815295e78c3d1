"""The second round of issue 18's forms: periods written with one year, lists of times, hours
alone, a term with no start, two seasons in one deadline, the «месячник» of the plan's title,
and the time of day kept on every occurrence (docs/schedule.md)."""

from __future__ import annotations

from datetime import date, time

import pytest

from kontrol.roadmap.errors import ScheduleValueError
from kontrol.roadmap.occurrences import occurrences
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.schedule import Kind, parse_schedule
from kontrol.roadmap.seasons import campaign_of, plan_policy
from kontrol.roadmap.workcalendar import WorkCalendar

A = date(2024, 1, 1)
CAL = WorkCalendar()


def _occs(phrase: str, policy: Policy | None = None, horizon: int = 2026):
    plans = occurrences(
        parse_schedule(phrase),
        adopted=A,
        horizon_year=horizon,
        policy=policy or Policy(),
        calendar=CAL,
    )
    return [o for _phase, occs in plans for o in occs]


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("13.10 -15.10.2014", date(2014, 10, 13), date(2014, 10, 15)),
        ("19.01.-23.01.2014", date(2014, 1, 19), date(2014, 1, 23)),
        ("28.12 - 10.01.2015", date(2014, 12, 28), date(2015, 1, 10)),
        ("01.- 08.05.15г.", date(2015, 5, 1), date(2015, 5, 8)),
        ("Октябрь 2007 года - январь 2008 года", date(2007, 10, 1), date(2008, 1, 31)),
        ("январь декабрь 2013 г.", date(2013, 1, 1), date(2013, 12, 31)),
    ],
)
def test_a_period_with_its_year_written_once(phrase: str, start: date, end: date) -> None:
    (o,) = _occs(phrase)
    assert (o.period_start, o.period_end) == (start, end)


def test_from_a_day_until_a_day_every_year() -> None:
    first = _occs("ежегодно с 1 января до 15 апреля")[0]
    assert (first.period_start, first.period_end) == (date(2024, 1, 1), date(2024, 4, 15))


@pytest.mark.parametrize(
    ("phrase", "at", "count"),
    [
        ("24.01.2020 20.00 27.01.2020 17.00", time(20, 0), 2),
        ("09.05.2020 09.00 20.00", time(9, 0), 1),
        ("1 октября 2004 года, 11.00", time(11, 0), 1),
    ],
)
def test_every_time_of_a_cell_is_lifted_the_first_kept(phrase: str, at: time, count: int) -> None:
    (phase,) = parse_schedule(phrase).phases
    assert phase.time == at
    occs = _occs(phrase)
    assert len(occs) == count
    assert all(o.time == at for o in occs)  # the occurrence keeps it: plan, mail and .ics show it


@pytest.mark.parametrize(
    ("phrase", "at"),
    [
        ("10 часов", time(10)),
        ("с 10 до 15 часов", time(10)),
        ("с 9-00", time(9)),
        ("8-00", time(8)),
    ],
)
def test_a_time_alone_is_on_demand_with_a_flag(phrase: str, at: time) -> None:
    (phase,) = parse_schedule(phrase).phases
    assert (phase.kind, phase.time) == (Kind.ON_DEMAND, at)
    assert [f.kind for f in phase.flags] == ["time_only"]


def test_a_term_with_no_start_is_on_demand_and_with_one_counts_from_it() -> None:
    (alone,) = parse_schedule("В течение месяца").phases
    assert alone.kind is Kind.ON_DEMAND and alone.flags
    (after,) = parse_schedule("в течение месяца после подписания контракта").phases
    assert after.kind is Kind.ON_EVENT
    assert after.event is not None
    assert (after.event.offset, after.event.unit) == (1, "months")


def test_before_two_seasons_is_a_deadline_before_each() -> None:
    dues = sorted(o.due_on for o in _occs("До начала купального сезона и навигации", horizon=2024))
    assert dues == [date(2024, 4, 27), date(2024, 5, 31)]  # 30 April 2024 is a day off


def test_the_campaign_takes_its_dates_from_the_plans_title() -> None:
    title = "План проведения месячника безопасности людей на водных объектах с 1 по 30 июня 2024 г."
    policy = plan_policy(Policy(), title)
    (o,) = _occs("в течение месячника", policy, horizon=2024)
    assert (o.period_start, o.period_end) == (date(2024, 6, 1), date(2024, 6, 30))
    assert campaign_of("месячник гражданской обороны в октябре").start == "10-01"  # type: ignore[union-attr]
    assert campaign_of("План мероприятий на 2024 год") is None


def test_a_campaign_with_no_dates_names_where_to_write_them() -> None:
    with pytest.raises(ScheduleValueError, match=r"title.*seasons\.campaign"):
        _occs("в течение месячника", plan_policy(Policy(), "План проведения месячника"))


def test_two_years_whose_dash_was_lost_are_one_span() -> None:
    (phase,) = parse_schedule("2009 2011 годы").phases
    assert (phase.kind, phase.year_from, phase.year_to) == (Kind.ONGOING, 2009, 2011)
