"""Issue and due dates under the policy's switches; RFC 5545 text; the explain shape."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from kontrol.roadmap.explain import explain
from kontrol.roadmap.occurrences import co_executor_due, occurrences
from kontrol.roadmap.policy import Policy, RulePack
from kontrol.roadmap.rrule import MAX_RULE_CHARS, issue_datetimes, rrule_text, rrule_texts
from kontrol.roadmap.schedule import parse_schedule
from kontrol.roadmap.workcalendar import Overrides, WorkCalendar

A = date(2020, 7, 27)
CAL = WorkCalendar()
MSK = ZoneInfo("Europe/Moscow")


def occ(
    phrase: str,
    policy: Policy | None = None,
    adopted: date = A,
    horizon: int = 2030,
    calendar: WorkCalendar = CAL,
):
    return occurrences(
        parse_schedule(phrase),
        adopted=adopted,
        horizon_year=horizon,
        policy=policy or Policy(),
        calendar=calendar,
    )


def test_following_working_day_policy() -> None:
    ((_, o),) = occ("январь 2021 г.", Policy(nonworking_due="following"))
    assert o[0].due_on == date(2021, 2, 1)
    ((_, o),) = occ("январь 2021 г.")
    assert o[0].due_on == date(2021, 1, 29)


def test_deadline_issue_is_lead_window_start() -> None:
    ((_, o),) = occ("до 1 марта 2021 г.")
    # 1 March 2021 - 30 days = 30 January (Saturday) → first working day 1 February
    assert (o[0].issue_on, o[0].due_on) == (date(2021, 2, 1), date(2021, 3, 1))
    ((_, o),) = occ("до 1 марта 2021 г.", Policy(deadline_lead_days=10))
    assert o[0].issue_on == date(2021, 2, 19)


def test_rule_pack_moves_report_due_dates() -> None:
    pack = Policy(rule_pack=RulePack())
    ((_, o),) = occ("ежеквартально, 2021 г.", pack)
    assert [x.due_on for x in o] == [
        date(2021, 4, 9),
        date(2021, 7, 9),
        date(2021, 10, 8),
        date(2022, 1, 10),
    ]
    ((_, o),) = occ("постоянно", pack, horizon=2021)
    assert [x.due_on for x in o] == [date(2021, 1, 20), date(2022, 1, 20)]
    ((_, o),) = occ("ежегодно, 4 квартал", pack, horizon=2020)
    assert o[0].due_on == date(2020, 12, 31)  # yearly work keeps the period end


def test_catch_up_report_of_a_period_ended_before_adoption() -> None:
    pack = Policy(rule_pack=RulePack())
    ((_, o),) = occ("ежемесячно, 2018 г.", pack, adopted=date(2018, 2, 1))
    jan = o[0]
    assert (jan.key, jan.period_start, jan.period_end, jan.state) == (
        "2018-01",
        date(2018, 1, 1),
        date(2018, 1, 31),
        "scheduled",
    )
    assert (jan.issue_on, jan.due_on) == (date(2018, 2, 1), date(2018, 2, 9))


def test_ongoing_cadence() -> None:
    ((_, o),) = occ("постоянно", Policy(ongoing_cadence="quarter"), horizon=2021)
    assert [x.key for x in o] == [
        "2020-Q1",
        "2020-Q2",
        "2020-Q3",
        "2020-Q4",
        "2021-Q1",
        "2021-Q2",
        "2021-Q3",
        "2021-Q4",
    ]
    ((_, o),) = occ("2021-2022 гг.", Policy(ongoing_cadence="half_year"))
    assert [x.key for x in o] == ["2021-H1", "2021-H2", "2022-H1", "2022-H2"]


def test_states_and_clipping() -> None:
    ((_, o),) = occ("ежемесячно, 2020 г.")
    assert [x.state for x in o[:6]] == ["before_adoption"] * 6
    july = o[6]
    assert (july.key, july.period_start, july.issue_on, july.due_on, july.state) == (
        "2020-07",
        A,
        A,
        date(2020, 7, 31),
        "scheduled",
    )


def test_horizon_limits_unbounded_work() -> None:
    ((_, o),) = occ("ежегодно", horizon=2022)
    assert [x.key for x in o] == ["2020", "2021", "2022"]
    ((_, o),) = occ("4 квартал 2031 г.")
    assert o == []


def test_on_demand_has_no_occurrences() -> None:
    ((_, o),) = occ("по мере необходимости")
    assert o == []


def test_every_five_years_from_adoption_year() -> None:
    ((_, o),) = occ("не реже 1 раза в 5 лет")
    assert [x.key for x in o] == ["2020", "2025", "2030"]


def test_overrides_shift_dates() -> None:
    cal = WorkCalendar(Overrides(days_off=frozenset({date(2021, 1, 29)})))
    ((_, o),) = occ("январь 2021 г.", calendar=cal)
    assert o[0].due_on == date(2021, 1, 28)


def test_keys_are_unique_and_stable() -> None:
    for phrase in ["еженедельно", "ежемесячно", "ежегодно, апрель, май", "постоянно"]:
        ((_, o),) = occ(phrase)
        keys = [x.key for x in o]
        assert len(keys) == len(set(keys))
        assert keys == [x.key for x in occ(phrase)[0][1]]


def test_weekly_keys_are_iso_weeks() -> None:
    ((_, o),) = occ("еженедельно", horizon=2021)
    first = next(x for x in o if x.state == "scheduled")
    assert (first.key, first.period_start, first.due_on) == ("2020-W31", A, date(2020, 7, 31))


def test_co_executor_due() -> None:
    assert co_executor_due(date(2021, 1, 29), Policy(), CAL) == date(2021, 1, 22)
    assert co_executor_due(date(2021, 1, 15), Policy(), CAL) == date(2020, 12, 31)
    assert co_executor_due(date(2021, 1, 15), Policy(co_executor_lead=0), CAL) == date(2021, 1, 15)


def _roundtrip(text: str | list[str]) -> list[datetime]:
    texts = text if isinstance(text, list) else [text]
    return sorted(d for t in texts for d in rrulestr(t, forceset=True))


def test_rrule_round_trip_yearly() -> None:
    ((phase, o),) = occ("Ежегодно, январь 2020-2030 г.г.")
    text = rrule_text(phase, o, Policy())
    assert isinstance(text, str) and "COUNT" not in text
    assert text.startswith("DTSTART;TZID=Europe/Moscow:20210111T090000")
    got = _roundtrip(text)
    assert got[0] == datetime(2021, 1, 11, 9, tzinfo=MSK)
    assert got == issue_datetimes(o, Policy())
    assert len(got) == 10  # January 2020 is before adoption


def test_rrule_send_hour_and_split() -> None:
    policy = Policy(send_hour="10:30")
    ((phase, o),) = occ("еженедельно", policy)
    text = rrule_text(phase, o, policy)
    assert isinstance(text, list) and len(text) > 1
    assert all(len(t) <= MAX_RULE_CHARS for t in text)
    got = _roundtrip(text)
    assert got == issue_datetimes(o, policy)
    assert all(d.astimezone(MSK).hour == 10 and d.astimezone(MSK).minute == 30 for d in got)
    assert rrule_texts(phase, o, policy) == text


def test_rrule_none_when_nothing_scheduled() -> None:
    (phase, o), _ = occ("Разработка: 1 полугодие 2020 г. Апробация: 2020-2021 г.г.")
    assert rrule_text(phase, o, Policy()) is None


def test_explain_shape() -> None:
    data = explain(
        parse_schedule("Создание: 4 квартал 2020 г. Организация работы: постоянно"),
        adopted=A,
        horizon_year=2021,
    )
    json.dumps(data)
    assert data["phrase"].startswith("Создание")
    assert [p["label"] for p in data["phases"]] == ["Создание", "Организация работы"]
    first = data["phases"][0]
    assert (first["kind"], first["frequency"], first["flags"]) == ("once", None, [])
    assert first["occurrences"] == [
        {
            "key": "2020-Q4",
            "period_start": "2020-10-01",
            "period_end": "2020-12-31",
            "issue_on": "2020-10-01",
            "due_on": "2020-12-31",
            "state": "scheduled",
        }
    ]
    assert [o["key"] for o in data["phases"][1]["occurrences"]] == ["2021"]
