"""Properties over the seed and the catalogue, and robustness against arbitrary text."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kontrol.roadmap.errors import ScheduleError
from kontrol.roadmap.occurrences import occurrences
from kontrol.roadmap.policy import Policy, RulePack
from kontrol.roadmap.schedule import Schedule, parse_schedule
from kontrol.roadmap.workcalendar import WorkCalendar
from tests.roadmap.test_schedule_catalogue import CATALOGUE, PHASED
from tests.roadmap.test_schedule_seed import ITEMS

CAL = WorkCalendar()
PHRASES = sorted({*ITEMS.values(), *(row[0] for row in CATALOGUE), *(p for p, _ in PHASED)})
POLICIES = st.builds(
    Policy,
    nonworking_due=st.sampled_from(["preceding", "following"]),
    ongoing_cadence=st.sampled_from(["year", "half_year", "quarter"]),
    deadline_lead_days=st.integers(0, 60),
    rule_pack=st.none() | st.just(RulePack()),
)
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(
    phrase=st.sampled_from(PHRASES),
    adopted=st.dates(date(2018, 1, 1), date(2026, 12, 31)),
    span=st.integers(0, 6),
    policy=POLICIES,
)
def test_occurrence_invariants(phrase: str, adopted: date, span: int, policy: Policy) -> None:
    horizon = adopted.year + span
    h_end = date(horizon, 12, 31)
    result = occurrences(
        parse_schedule(phrase), adopted=adopted, horizon_year=horizon, policy=policy, calendar=CAL
    )
    for _, occs in result:
        keys = [o.key for o in occs]
        assert len(keys) == len(set(keys))
        for o in occs:
            assert o.issue_on <= o.due_on
            assert CAL.is_working_day(o.due_on)
            assert o.period_start <= o.period_end
            if o.state == "scheduled":
                assert o.due_on >= adopted
                assert o.period_start <= h_end
                assert o.issue_on >= adopted
                # clipped to A, unless the whole period ended before A (catch-up report)
                assert o.period_start >= adopted or o.period_end < adopted
            else:
                assert o.due_on < adopted
        for a, b in pairwise(occs):
            assert a.period_end < b.period_start  # ordered, not overlapping


def _mutate(phrase: str, data: st.DataObject) -> str:
    ops = data.draw(
        st.lists(st.tuples(st.integers(0, 3), st.integers(0, 200), st.text(max_size=3)), max_size=4)
    )
    for op, pos, text in ops:
        pos = pos % (len(phrase) + 1)
        if op == 0:
            phrase = phrase[:pos] + text + phrase[pos:]
        elif op == 1:
            phrase = phrase[:pos] + phrase[pos + 1 :]
        elif op == 2:
            phrase = phrase[:pos] + phrase[pos:].upper()
        else:
            phrase = phrase[:pos] + " — " + phrase[pos:]
    return phrase


def _parse_only_schedule_errors(phrase: str) -> None:
    try:
        result = parse_schedule(phrase, item="x")
    except ScheduleError as exc:
        if hasattr(exc, "position"):
            assert 0 <= exc.position <= len(phrase)
            assert exc.fragment == phrase[exc.position :]
        return
    assert isinstance(result, Schedule) and result.phrase == phrase
    occurrences(result, adopted=date(2020, 7, 27), horizon_year=2022, policy=Policy(), calendar=CAL)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text(phrase: str) -> None:
    _parse_only_schedule_errors(phrase)


@settings(max_examples=300, deadline=None)
@given(phrase=st.sampled_from(PHRASES), data=st.data())
def test_mutated_phrases(phrase: str, data: st.DataObject) -> None:
    _parse_only_schedule_errors(_mutate(phrase, data))


@settings(max_examples=100, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            [
                "ежегодно",
                "январь",
                "2020",
                "-",
                "2030",
                "г.",
                ",",
                "квартал",
                "4",
                "до",
                "1",
                "марта",
                "постоянно",
                "по",
                "отдельному",
                "плану",
                "(",
                ")",
                ":",
                "Создание:",
                "с",
                "июня",
                "учебный",
                "год",
                "/",
                "2021",
                "раз",
                "в",
                "лет",
                "не",
                "реже",
                "13",
                "месяц",
                "31",
                "июня",
                "полугодие",
            ]
        ),
        max_size=10,
    )
)
def test_word_salad(words: list[str]) -> None:
    _parse_only_schedule_errors(" ".join(words))


def test_arbitrary_dates_do_not_leak() -> None:
    # a date range that would wrap across the year still yields ordered periods
    result = occurrences(
        parse_schedule("ежегодно с 1 ноября по 31 марта"),
        adopted=date(2020, 7, 27),
        horizon_year=2022,
        policy=Policy(),
        calendar=CAL,
    )
    ((_, occs),) = result
    assert [(o.period_start, o.period_end) for o in occs][:1] == [
        (date(2020, 11, 1), date(2021, 3, 31))
    ]
    assert all(b.period_start - a.period_end == timedelta(days=215) for a, b in pairwise(occs))
