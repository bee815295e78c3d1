"""Event-relative terms (issue 9): phrase → event words, offset, unit; due dates; catalogue."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kontrol.roadmap.errors import ScheduleValueError
from kontrol.roadmap.events import EventCatalogueError, load_events, load_events_text, resolve_event
from kontrol.roadmap.explain import explain
from kontrol.roadmap.occurrences import event_due, event_occurrence, event_term, occurrences
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.schedule import Kind, parse_schedule
from kontrol.roadmap.workcalendar import WorkCalendar

CAL = WorkCalendar()
EVENTS = Path(__file__).resolve().parents[2] / "examples" / "lenobl" / "events.yaml"

# phrase, event words, offset (None: the policy's default), unit, catalogue id
FORMS = [
    (
        "не позднее чем через 10 дней со дня заключения государственного контракта",
        "заключения государственного контракта",
        10,
        "days",
        "contract_signed",
    ),
    ("по факту заключения контракта", "заключения контракта", None, None, "contract_signed"),
    (
        "в течение 5 рабочих дней после поступления запроса",
        "поступления запроса",
        5,
        "working_days",
        "request_received",
    ),
    (
        "в течение 3 дней с момента поступления обращения",
        "поступления обращения",
        3,
        "days",
        "appeal_received",
    ),
    (
        "не позднее 10 рабочих дней со дня заключения контракта",
        "заключения контракта",
        10,
        "working_days",
        "contract_signed",
    ),
    (
        "в 10-дневный срок с даты получения запроса",
        "получения запроса",
        10,
        "days",
        "request_received",
    ),
    ("по мере поступления запросов", "поступления запросов", None, None, "request_received"),
    (
        "В течение 5 (пяти) рабочих дней со дня поступления «запроса»",
        "поступления запроса",
        5,
        "working_days",
        "request_received",
    ),
    (
        "в трехдневный срок после подписания соглашения",
        "подписания соглашения",
        3,
        "days",
        "agreement_signed",
    ),
    ("после заключения контракта", "заключения контракта", None, None, "contract_signed"),
    (
        "в течение 10 календарных дней со дня получения субсидии",
        "получения субсидии",
        10,
        "days",
        "subsidy_received",
    ),
    (
        "не позднее 3 рабочих дней, следующих за днем поступления запроса",
        "поступления запроса",
        3,
        "working_days",
        "request_received",
    ),
    (
        "в срок не позднее 30 дней с даты выявления нарушений",
        "выявления нарушений",
        30,
        "days",
        "violations_found",
    ),
    (
        "в пятидневный срок со дня вступления в силу нормативного правового акта",
        "вступления в силу нормативного правового акта",
        5,
        "days",
        "act_in_force",
    ),
    (
        "в течение десяти рабочих дней с момента заключения соглашения",
        "заключения соглашения",
        10,
        "working_days",
        "agreement_signed",
    ),
    (
        "через 15 дней после заключения государственного контракта",
        "заключения государственного контракта",
        15,
        "days",
        "contract_signed",
    ),
    ("по факту поступления субсидии", "поступления субсидии", None, None, "subsidy_received"),
    (
        "в 5-ти дневный срок с даты поступления запроса",
        "поступления запроса",
        5,
        "days",
        "request_received",
    ),
]


@pytest.mark.parametrize(("phrase", "event", "offset", "unit", "event_id"), FORMS)
def test_event_forms(phrase, event, offset, unit, event_id) -> None:
    (phase,) = parse_schedule(phrase).phases
    assert phase.kind is Kind.ON_EVENT
    assert phase.event is not None
    assert (phase.event.event, phase.event.offset, phase.event.unit) == (event, offset, unit)
    assert resolve_event(phase.event.event, load_events(EVENTS)).event_id == event_id


def test_at_least_fifteen_forms() -> None:
    assert len(FORMS) >= 15


@pytest.mark.parametrize(
    "phrase", ["по мере необходимости", "оперативно, по мере поступления", "по факту"]
)
def test_no_event_words_stay_on_demand(phrase: str) -> None:
    (phase,) = parse_schedule(phrase).phases
    assert phase.kind is Kind.ON_DEMAND and phase.event is None


def test_years_bound_an_event_phase() -> None:
    (phase,) = parse_schedule("по факту заключения контракта, 2021-2025 гг.").phases
    assert (phase.kind, phase.year_from, phase.year_to) == (Kind.ON_EVENT, 2021, 2025)


@pytest.mark.parametrize(
    "phrase",
    [
        "ежегодно, по факту заключения контракта",
        "со дня заключения контракта",
        "в течение 0 дней после поступления запроса",
        "в течение 5 дней после поступления запроса, по факту заключения контракта",
    ],
)
def test_impossible_event_terms(phrase: str) -> None:
    with pytest.raises(ScheduleValueError):
        parse_schedule(phrase, item="9.9")


def test_event_phase_has_no_calendar_occurrences_and_explains_its_term() -> None:
    schedule = parse_schedule("по факту заключения контракта")
    [(_, occs)] = occurrences(
        schedule, adopted=date(2020, 7, 27), horizon_year=2030, policy=Policy(), calendar=CAL
    )
    assert occs == []
    [phase] = explain(schedule, adopted=date(2020, 7, 27), horizon_year=2030)["phases"]
    assert phase["kind"] == "on_event"
    assert (phase["event"], phase["offset"], phase["unit"], phase["offset_default"]) == (
        "заключения контракта",
        5,
        "working_days",
        True,
    )


def test_policy_default_term() -> None:
    (phase,) = parse_schedule("по мере поступления запросов").phases
    policy = Policy(event_default_offset_days=7, event_default_unit="days")
    assert event_term(phase, policy) == (7, "days", True)


def test_working_days_cross_the_new_year_holidays() -> None:
    # 28.12.2021 + 10 working days: 29, 30 Dec (31 Dec 2021 was a day off), 1-9 Jan holidays
    assert event_due(date(2021, 12, 28), 10, "working_days", Policy(), CAL) == date(2022, 1, 19)


def test_calendar_days_end_on_a_holiday_move_to_the_preceding_working_day() -> None:
    # 28.12.2021 + 10 days = 07.01.2022 (holiday) → 30.12.2021
    assert event_due(date(2021, 12, 28), 10, "days", Policy(), CAL) == date(2021, 12, 30)
    following = Policy(nonworking_due="following")
    assert event_due(date(2021, 12, 28), 10, "days", following, CAL) == date(2022, 1, 10)


def test_never_due_before_the_event() -> None:
    # 01.01.2022 + 3 days = 04.01 (holiday); the preceding working day is 30.12.2021, before
    # the event: the due date is the first working day on or after the event instead
    assert event_due(date(2022, 1, 1), 3, "days", Policy(), CAL) == date(2022, 1, 10)


def test_event_occurrence() -> None:
    (phase,) = parse_schedule("в течение 5 рабочих дней после поступления запроса").phases
    occ = event_occurrence(
        phase, event_day=date(2021, 3, 5), key="event:1", policy=Policy(), calendar=CAL
    )
    # 05.03.2021 Friday; 8 March holiday: 9, 10, 11, 12, 15 March
    assert (occ.key, occ.period_start, occ.issue_on, occ.due_on, occ.state) == (
        "event:1",
        date(2021, 3, 5),
        date(2021, 3, 5),
        date(2021, 3, 15),
        "scheduled",
    )


# ── the catalogue ─────────────────────────────────────────────────────────────────────────


def test_unresolved_event_gets_the_closest_names() -> None:
    match = resolve_event("поступления запросa о продлении", load_events(EVENTS))
    assert match.event_id is None
    assert match.suggestions and "request_received" in match.suggestions[0]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("version: 1\nevents:\n  - id: Bad\n    name: x\n    senders: [cli]\n", 3, "bad event id"),
        ("version: 1\nevents:\n  - id: a\n    name: x\n", 3, "without «senders»"),
        (
            "version: 1\nevents:\n  - id: a\n    name: x\n    senders: [cli]\n    colour: red\n",
            6,
            "unknown key «colour»",
        ),
        (
            "version: 1\nevents:\n  - id: a\n    name: Поступление запроса\n    senders: [cli]\n"
            "  - id: b\n    name: поступления запросов\n    senders: [cli]\n",
            6,
            "also a name of «a»",
        ),
        (
            "version: 1\nevents:\n  - id: a\n    name: x\n    senders: [cli]\n"
            "  - id: a\n    name: y\n    senders: [cli]\n",
            6,
            "duplicate id",
        ),
        ("version: 1\nevents: [\n", 3, "YAML syntax error"),
        ("version: 2\nevents: []\n", 1, "unsupported version"),
    ],
)
def test_catalogue_errors_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(EventCatalogueError) as info:
        load_events_text(text, "events.yaml")
    assert info.value.line == line, str(info.value)
    assert words in str(info.value)
    assert str(info.value).startswith(f"events.yaml:{line}")


def test_example_catalogue_loads() -> None:
    catalogue = load_events(EVENTS)
    assert {"contract_signed", "request_received"} <= {e.id for e in catalogue}
    assert len(catalogue) >= 5
    assert catalogue["contract_signed"].prefect_event == "kontrol.event.contract_signed"
