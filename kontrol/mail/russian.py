"""Russian words for numbers and dates in mail: plural forms, month names, periods, deadlines.

Where a number meets a noun the noun's form depends on the number («1 поручение», «2 поручения»,
«5 поручений», «11 поручений», «21 поручение»); a deadline takes the genitive month («до 1
февраля 2021 г.»), a period the nominative («январь 2021 г.»).
"""

from __future__ import annotations

import calendar
import datetime as dt

MONTHS_NOMINATIVE = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
ROMAN = ("I", "II", "III", "IV")


def plural(n: int, one: str, few: str, many: str) -> str:
    """The form of a noun after the number ``n``: 1 поручение, 2 поручения, 5 поручений."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def participle(n: int, one: str, many: str) -> str:
    """A participle (or adjective) agreeing with «n + noun» it follows: the singular only where the
    noun is singular (1, 21, 101 — not 11), else the genitive plural: «1 поручение, переданное»,
    «2 поручения, переданных», «5 поручений, переданных»."""
    return plural(n, one, many, many)


def count(n: int, one: str, few: str, many: str) -> str:
    """«21 поручение»: the number and the noun in the form it takes."""
    return f"{n} {plural(n, one, few, many)}"


def working_days(n: int) -> str:
    """«1 рабочий день», «3 рабочих дня», «5 рабочих дней» (the adjective agrees too)."""
    return count(n, "рабочий день", "рабочих дня", "рабочих дней")


def percent(value: float | None) -> str:
    """«66,7 %»: a decimal comma, as in every Russian document; «—» when there is nothing to
    divide by."""
    return "—" if value is None else f"{value:.1f} %".replace(".", ",")


def date_words(d: dt.date) -> str:
    """«1 февраля 2021 г.»"""
    return f"{d.day} {MONTHS_GENITIVE[d.month - 1]} {d.year} г."


def due_words(d: dt.date) -> str:
    """«до 1 февраля 2021 г.»"""
    return f"до {date_words(d)}"


def full_stop(text: str) -> str:
    """``text`` ending a sentence: a period added unless it ends with one already — «до 1
    февраля 2021 г.» and «2021 г.» carry the abbreviation's period, which also ends the
    sentence («2021 г..» is wrong). Every period after a value in mail goes through here."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def short_date(d: dt.date) -> str:
    return f"{d:%d.%m.%Y}"


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def period_words(start: dt.date, end: dt.date) -> str:
    """A calendar period in words; a period that is not whole months is given as dates.

    «январь 2021 г.», «IV квартал 2020 г.», «II–IV кварталы 2021 г.» (a range is plural, like
    «2020–2021 гг.»), «I полугодие 2021 г.», «2021 г.», «сентябрь–октябрь 2021 г.» (months are
    named each, so they stay singular), and «27.07.2020–31.12.2020» for a period clipped by the
    adoption date. Two half-years make the year, so there is no range of them.
    """
    whole = start.day == 1 and end.day == _last_day(end.year, end.month) and start <= end
    if not whole:
        return f"{short_date(start)}–{short_date(end)}"
    if start.year != end.year:
        if start.month == 1 and end.month == 12:
            return f"{start.year}–{end.year} гг."
        return f"{short_date(start)}–{short_date(end)}"
    year, first, last = start.year, start.month, end.month
    if first == 1 and last == 12:
        return f"{year} г."
    if first == last:
        return f"{MONTHS_NOMINATIVE[first - 1]} {year} г."
    if first in (1, 7) and last == first + 5:
        return f"{ROMAN[first // 7]} полугодие {year} г."
    if (first - 1) % 3 == 0 and last % 3 == 0:
        q1, q2 = (first - 1) // 3, last // 3 - 1
        if q1 == q2:
            return f"{ROMAN[q1]} квартал {year} г."
        return f"{ROMAN[q1]}–{ROMAN[q2]} кварталы {year} г."
    return f"{MONTHS_NOMINATIVE[first - 1]}–{MONTHS_NOMINATIVE[last - 1]} {year} г."


_DECREE_CASES = {
    # nominative: (genitive, dative)
    "распоряжение": ("распоряжения", "распоряжению"),
    "приказ": ("приказа", "приказу"),
    "постановление": ("постановления", "постановлению"),
    "решение": ("решения", "решению"),
    "указ": ("указа", "указу"),
}


def decree_genitive(kind: str) -> str:
    """«контроль исполнения распоряжения»; an unknown kind stays as written."""
    return _DECREE_CASES.get(kind.lower(), (kind, kind))[0]


def decree_dative(kind: str) -> str:
    """«поручение по распоряжению»; an unknown kind stays as written."""
    return _DECREE_CASES.get(kind.lower(), (kind, kind))[1]


def void_words(kind: str) -> str:
    """«распоряжение утратило силу», «приказ утратил силу»: the verb agrees with the decree."""
    return "утратил силу" if kind.lower() in ("приказ", "указ") else "утратило силу"
