"""Issue 18's forms of other issuers' plans: reporting terms, daily and weekly work, lists,
seasons of the policy and the one-year plan (docs/schedule.md)."""

from __future__ import annotations

from datetime import date

import pytest

from kontrol.roadmap.errors import ScheduleValueError
from kontrol.roadmap.explain import explain
from kontrol.roadmap.occurrences import occurrences
from kontrol.roadmap.policy import Policy, Season
from kontrol.roadmap.schedule import Kind, parse_schedule
from kontrol.roadmap.workcalendar import WorkCalendar

A = date(2024, 1, 1)
CAL = WorkCalendar()


def _occ(phrase: str, policy: Policy | None = None, horizon: int = 2026):
    return occurrences(
        parse_schedule(phrase),
        adopted=A,
        horizon_year=horizon,
        policy=policy or Policy(),
        calendar=CAL,
    )


def _first(phrase: str, **kw):
    return [(p.label, p.frequency, occs[0].key, occs[0].due_on) for p, occs in _occ(phrase, **kw)]


@pytest.mark.parametrize(
    ("phrase", "frequency", "key", "due"),
    [
        ("до 11 числа месяца, следующего за отчетным", "monthly", "2024-01", date(2024, 2, 9)),
        (
            "ежеквартально, до 10 числа месяца, следующего за отчетным кварталом",
            "quarterly",
            "2024-Q1",
            date(2024, 4, 10),
        ),
        ("на 35-й рабочий день после отчетного периода", "quarterly", "2024-Q1", None),
        ("не позднее 30 дней после окончания отчетного квартала", "quarterly", "2024-Q1", None),
        ("ежемесячно до 5 числа", "monthly", "2024-01", date(2023, 12, 29)),
        ("до 25 числа каждого месяца", "monthly", "2024-01", date(2024, 1, 25)),
        ("еженедельно по пятницам", "weekly", "2024-W02", None),
        ("ежегодно до 1 марта следующего года", "yearly", "2024", date(2025, 2, 28)),
        ("октябрь - февраль", "yearly", "2024-M10-M02", date(2025, 2, 28)),
    ],
)
def test_reporting_and_recurring_forms(phrase, frequency, key, due) -> None:
    [(_label, freq, first_key, first_due)] = _first(phrase)
    assert freq == frequency
    if key != "2024-W02":
        assert first_key == key
    if due is not None:
        assert first_due == due


def test_working_days_after_the_period() -> None:
    [(_phase, occs)] = _occ("на 35-й рабочий день после отчетного периода")
    assert occs[0].due_on == CAL.add_working_days(date(2024, 3, 31), 35)


def test_weekly_on_a_weekday() -> None:
    [(phase, occs)] = _occ("еженедельно по пятницам")
    assert phase.weekday == 4
    assert occs[1].key == "2024-W02" and occs[1].due_on == date(2024, 1, 12)


def test_several_labelled_reports_in_one_cell() -> None:
    phrase = (
        "годовой — до 20 января, квартальный — до 15 числа месяца, следующего за отчетным кварталом"
    )
    assert _first(phrase) == [
        ("годовой", "yearly", "2024-01-20", date(2024, 1, 19)),
        ("квартальный", "quarterly", "2024-Q1", date(2024, 4, 15)),
    ]


def test_daily_is_ongoing_with_a_note() -> None:
    [phase] = parse_schedule("ежедневно").phases
    assert phase.kind is Kind.ONGOING and phase.frequency == "daily"
    assert [f.words for f in phase.flags] == ["ежедневно"]
    [phase] = parse_schedule("Ежедневно в период проведения").phases
    assert phase.kind is Kind.ON_DEMAND


@pytest.mark.parametrize(
    ("phrase", "keys"),
    [
        ("II, IV кв.", ["2024-Q2", "2024-Q4"]),
        ("I, III квартал 2025 г.", ["2025-Q1", "2025-Q3"]),
        ("5, 12 ноября", ["2024-11-05", "2024-11-12"]),
        ("3, 4, 10 октября; 7 ноября", ["2024-10-03", "2024-10-04", "2024-10-10", "2024-11-07"]),
        ("14 марта, 28 марта, 11 апреля 2012 года", ["2012-03-14", "2012-03-28", "2012-04-11"]),
        ("15.06. 15.08.2011", ["2011-06-15", "2011-08-15"]),
        ("в течение 30 дней после 1 марта 2024 г.", ["2024-D0301-0331"]),
    ],
)
def test_lists_give_one_occurrence_each(phrase, keys) -> None:
    [(_phase, occs)] = _occ(phrase)
    assert [o.key for o in occs][: len(keys)] == keys


def test_seasons_come_from_the_policy() -> None:
    assert _first("до начала купального сезона") == [
        (None, "yearly", "2024-05-31", date(2024, 5, 31))
    ]
    [(_p, occs)] = _occ("весь пожароопасный период")
    assert (occs[0].period_start, occs[0].period_end) == (date(2024, 4, 1), date(2024, 10, 31))
    both = _first("До и в течение купального сезона")
    assert [b[0] for b in both] == ["до начала", "в течение"]
    own = Policy(seasons={"swimming": Season(start="06-15", end="08-31")})
    assert _first("до начала купального сезона", policy=own)[0][3] == date(2024, 6, 14)


def test_a_season_the_policy_lacks_names_the_key() -> None:
    own = Policy(seasons={"swimming": Season(start="06-15", end="08-31")})
    with pytest.raises(ScheduleValueError, match=r"отопительный период.*seasons\.heating"):
        _occ("в течение отопительного периода", policy=own)


def test_a_bad_season_date_is_refused() -> None:
    with pytest.raises(ValueError, match="MM-DD"):
        Season(start="02-30", end="03-01")


def test_one_year_plan_reads_a_bare_month_once() -> None:
    one = explain(parse_schedule("май"), adopted=A, horizon_year=2024)
    several = explain(parse_schedule("май"), adopted=A, horizon_year=2026)
    assert one["phases"][0]["years"].startswith("once, in 2024")
    assert len(one["phases"][0]["occurrences"]) == 1
    assert several["phases"][0]["years"].startswith("every year")


def test_a_time_alone_is_on_demand_with_a_flag() -> None:
    [phase] = parse_schedule("до 16.00").phases
    assert phase.kind is Kind.ON_DEMAND and phase.flags and phase.time is not None
