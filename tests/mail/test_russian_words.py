"""Numbers meet nouns in the right form; dates and periods read as a Russian official writes."""

from __future__ import annotations

import datetime as dt

import pytest

from kontrol.mail.russian import (
    count,
    date_words,
    decree_dative,
    due_words,
    full_stop,
    participle,
    period_words,
    plural,
    working_days,
)

D = dt.date


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 поручений"),
        (1, "1 поручение"),
        (2, "2 поручения"),
        (4, "4 поручения"),
        (5, "5 поручений"),
        (11, "11 поручений"),
        (12, "12 поручений"),
        (14, "14 поручений"),
        (21, "21 поручение"),
        (22, "22 поручения"),
        (25, "25 поручений"),
        (101, "101 поручение"),
        (111, "111 поручений"),
        (112, "112 поручений"),
        (1001, "1001 поручение"),
    ],
)
def test_plural_of_assignments(n: int, expected: str) -> None:
    assert count(n, "поручение", "поручения", "поручений") == expected
    assert plural(n, "поручение", "поручения", "поручений") == expected.split(" ", 1)[1]


@pytest.mark.parametrize(
    ("n", "passed", "held"),
    [
        (1, "переданное", "находящееся"),
        (2, "переданных", "находящихся"),
        (5, "переданных", "находящихся"),
        (11, "переданных", "находящихся"),
        (21, "переданное", "находящееся"),
        (22, "переданных", "находящихся"),
        (25, "переданных", "находящихся"),
        (101, "переданное", "находящееся"),
        (111, "переданных", "находящихся"),
    ],
)
def test_participle_agrees_with_the_counted_noun(n: int, passed: str, held: str) -> None:
    """«21 поручение, переданное», but «22 поручения, переданных» and «11 поручений, …»."""
    assert participle(n, "переданное", "переданных") == passed
    assert participle(n, "находящееся", "находящихся") == held


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 рабочий день"),
        (3, "3 рабочих дня"),
        (5, "5 рабочих дней"),
        (11, "11 рабочих дней"),
        (21, "21 рабочий день"),
        (24, "24 рабочих дня"),
    ],
)
def test_working_days_agree_with_the_number(n: int, expected: str) -> None:
    assert working_days(n) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2021, 2, 1), "до 1 февраля 2021 г."),
        (D(2021, 1, 20), "до 20 января 2021 г."),
        (D(2021, 3, 31), "до 31 марта 2021 г."),
        (D(2020, 12, 30), "до 30 декабря 2020 г."),
        (D(2021, 5, 14), "до 14 мая 2021 г."),
        (D(2021, 8, 31), "до 31 августа 2021 г."),
    ],
)
def test_deadline_takes_the_genitive_month(day: dt.date, expected: str) -> None:
    assert due_words(day) == expected
    assert date_words(day) == expected.removeprefix("до ")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2021, 1, 1), D(2021, 1, 31), "январь 2021 г."),
        (D(2021, 2, 1), D(2021, 2, 28), "февраль 2021 г."),
        (D(2020, 10, 1), D(2020, 12, 31), "IV квартал 2020 г."),
        (D(2021, 1, 1), D(2021, 3, 31), "I квартал 2021 г."),
        (D(2021, 4, 1), D(2021, 12, 31), "II–IV кварталы 2021 г."),
        (D(2021, 1, 1), D(2021, 9, 30), "I–III кварталы 2021 г."),
        (D(2021, 4, 1), D(2021, 9, 30), "II–III кварталы 2021 г."),
        (D(2021, 7, 1), D(2021, 9, 30), "III квартал 2021 г."),
        (D(2021, 1, 1), D(2021, 6, 30), "I полугодие 2021 г."),
        (D(2021, 7, 1), D(2021, 12, 31), "II полугодие 2021 г."),
        (D(2021, 1, 1), D(2021, 12, 31), "2021 г."),
        (D(2020, 1, 1), D(2021, 12, 31), "2020–2021 гг."),
        (D(2021, 9, 1), D(2021, 10, 31), "сентябрь–октябрь 2021 г."),
        (D(2021, 1, 1), D(2021, 2, 28), "январь–февраль 2021 г."),
        (D(2021, 2, 1), D(2021, 4, 30), "февраль–апрель 2021 г."),
        (D(2020, 7, 27), D(2020, 12, 31), "27.07.2020–31.12.2020"),
        (D(2020, 7, 27), D(2020, 9, 30), "27.07.2020–30.09.2020"),
    ],
)
def test_period_in_words(start: dt.date, end: dt.date, expected: str) -> None:
    assert period_words(start, end) == expected


def test_decree_kind_in_the_dative() -> None:
    assert decree_dative("распоряжение") == "распоряжению"
    assert decree_dative("приказ") == "приказу"
    assert decree_dative("меморандум") == "меморандум"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("до 1 февраля 2021 г.", "до 1 февраля 2021 г."),
        ("I квартал 2021 г.", "I квартал 2021 г."),
        ("27.07.2020–31.12.2020", "27.07.2020–31.12.2020."),
        ("ГАОУ ДПО «ЛОИРО»", "ГАОУ ДПО «ЛОИРО»."),
        ("Отдел общего образования ", "Отдел общего образования."),
    ],
)
def test_a_sentence_ends_with_one_period(text: str, expected: str) -> None:
    assert full_stop(text) == expected
