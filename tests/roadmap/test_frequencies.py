"""Every frequency the schedule language can give has a word where it is shown (issue 18).

The deployment tags (deployments/compile.py FREQUENCY_WORDS) once lacked «ежедневно»: a daily
obligation was tagged with its kind only. The set is ``model.FREQUENCIES``; the parser's own tables
and real phrases of each frequency are checked against it, so a new frequency cannot slip past.
"""

from __future__ import annotations

import pytest

from kontrol.deployments.compile import FREQUENCY_WORDS
from kontrol.roadmap.schedule import forms, parse_schedule, transform
from kontrol.roadmap.schedule.model import FREQUENCIES

PHRASES = {
    "yearly": "ежегодно до 1 июня",
    "half_yearly": "ежеполугодно",
    "quarterly": "ежеквартально",
    "monthly": "ежемесячно до 5 числа",
    "weekly": "еженедельно по пятницам",
    "daily": "ежедневно",
    "every_n_years": "не реже 1 раза в 5 лет",
}


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_every_frequency_has_a_word(frequency: str) -> None:
    assert FREQUENCY_WORDS[frequency]


@pytest.mark.parametrize(("frequency", "phrase"), PHRASES.items())
def test_each_frequency_is_given_by_a_real_phrase(frequency: str, phrase: str) -> None:
    (phase,) = parse_schedule(phrase).phases
    assert phase.frequency == frequency


def test_the_parsers_tables_give_no_other_frequency() -> None:
    tables = [
        *(f for _stem, f in transform._RECURRENCES),
        *(f for _stem, f in transform._PER_UNIT),
        *transform._PER_YEAR.values(),
        *(f for _stem, f in forms._REPORT_UNITS),
    ]
    assert set(tables) <= set(FREQUENCIES)
    assert set(PHRASES) == set(FREQUENCIES)
