"""The words and numbers of the schedule language and the values they may take.

The grammar recognises the words; this module says what they are worth («трех» is 3, «IV» is
4, «марта» is month 3) and rejects the impossible values (quarter 5, 31 June, year 5000) with
a ``ScheduleValueError`` that the person can act on.
"""

from __future__ import annotations

import calendar
import re

from lark import Token

from kontrol.roadmap.errors import ScheduleValueError
from kontrol.roadmap.schedule.model import Window

__all__ = [
    "NUMWORDS",
    "ORDWORDS",
    "ROMAN",
    "SEASON_NAMES",
    "check_day",
    "check_year",
    "event_term",
    "month_of",
    "quarter_window",
    "season_of",
    "weekday_of",
]

MIN_YEAR, MAX_YEAR = 1990, 2200
NUMWORDS = {
    "один": 1,
    "одного": 1,
    "одному": 1,
    "два": 2,
    "двух": 2,
    "дважды": 2,
    "три": 3,
    "трех": 3,
    "трижды": 3,
    "четыре": 4,
    "четырех": 4,
    "четырежды": 4,
    "двенадцать": 12,
    "двенадцати": 12,
}
ORDWORDS = {"перв": 1, "втор": 2, "трет": 3, "четверт": 4}
ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
}
_MONTHS = (
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
)
_EV_NUMBERS = {
    "один": 1,
    "одного": 1,
    "одно": 1,
    "два": 2,
    "двух": 2,
    "три": 3,
    "трех": 3,
    "четыре": 4,
    "четырех": 4,
    "пять": 5,
    "пяти": 5,
    "шесть": 6,
    "шести": 6,
    "семь": 7,
    "семи": 7,
    "восемь": 8,
    "восьми": 8,
    "девять": 9,
    "девяти": 9,
    "десять": 10,
    "десяти": 10,
    "пятнадцать": 15,
    "пятнадцати": 15,
    "двадцать": 20,
    "двадцати": 20,
    "тридцать": 30,
    "тридцати": 30,
}
# the seasons a policy may define (roadmap/policy.py): key → the name a plan writes
SEASON_NAMES = {
    "swimming": "купальный сезон",
    "fire": "пожароопасный период",
    "heating": "отопительный период",
    "flood": "паводковый период",
    "school_year": "учебный год",
    "summer_holidays": "летние каникулы",
    "exams": "период ГИА",
    "navigation": "навигация",
    "campaign": "месячник",  # its dates are the plan's title's (roadmap/seasons.py)
}
_SEASON_STEMS = (
    ("купальн", "swimming"),
    ("пожароопасн", "fire"),
    ("отопительн", "heating"),
    ("паводк", "flood"),
    ("половод", "flood"),
    ("учебн", "school_year"),
    ("летн", "summer_holidays"),
    ("гиа", "exams"),
    ("навигац", "navigation"),
    ("месячник", "campaign"),
)
_WEEKDAYS = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот")
_EV_NUMBER_RE = re.compile(r"\d{1,3}|" + "|".join(sorted(_EV_NUMBERS, key=len, reverse=True)))
_MAX_EVENT_DAYS = 366


def event_term(token: Token) -> tuple[int, str]:
    """«в течение 5 (пяти) рабочих дней» → (5, "working_days")."""
    text = str(token)
    m = _EV_NUMBER_RE.search(text)
    if m is None:  # «в течение месяца (недели) со дня …»: one of them
        return (1, "months") if "месяц" in text else (7, "days")
    n = int(m.group()) if m.group().isdigit() else _EV_NUMBERS[m.group()]
    if not 1 <= n <= _MAX_EVENT_DAYS:
        raise ScheduleValueError(f"a term of {n} days after an event is not possible")
    if "месяц" in text:
        return n, "months"
    return n, "working_days" if "рабоч" in text else "days"


def season_of(words: str) -> str:
    """«купального сезона» → "swimming": the policy's key of the season the words name."""
    for stem, key in _SEASON_STEMS:
        if stem in words:
            return key
    raise ScheduleValueError(f"unknown season «{words}»")  # unreachable by the grammar


def weekday_of(words: str) -> int:
    """«по пятницам» → 4 (Monday is 0)."""
    return next(i for i, stem in enumerate(_WEEKDAYS) if stem in words)


def month_of(word: str) -> int:
    for i, stem in enumerate(_MONTHS, start=1):
        if word.startswith(stem):
            return i
    raise ScheduleValueError(f"unknown month «{word}»")  # unreachable by the grammar


def check_year(y: int) -> int:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise ScheduleValueError(f"year {y} is outside {MIN_YEAR}–{MAX_YEAR}")
    return y


def quarter_window(n: int) -> Window:
    if not 1 <= n <= 4:
        raise ScheduleValueError(f"there is no quarter {n}")
    return Window(f"Q{n}", 3 * n - 2, 1, 3 * n)


def check_day(day: int, month: int, year: int | None) -> None:
    last = calendar.monthrange(year or 2000, month)[1]  # 2000: 29 February exists
    if not 1 <= day <= last:
        raise ScheduleValueError(f"there is no day {day} in month {month}")
