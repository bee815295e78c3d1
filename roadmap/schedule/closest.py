"""The understood forms closest to a phrase that is not: what an import suggests instead.

Each form is a phrase the language reads (a test parses them all), one per kind of thing a plan
writes; the closest are found by the words they share, then by their characters.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

__all__ = ["FORMS", "closest_forms"]

FORMS = (
    "ежегодно, до 1 марта",
    "ежегодно, январь",
    "ежегодно, IV квартал",
    "ежеквартально",
    "ежемесячно, до 5 числа месяца, следующего за отчетным",
    "ежеквартально, до 10 числа месяца, следующего за отчетным кварталом",
    "на 35-й рабочий день после отчетного периода",
    "еженедельно по пятницам",
    "ежедневно",
    "не реже 1 раза в 3 года",
    "до 1 марта 2025 г.",
    "до 1 марта года, следующего за отчетным",
    "до конца 2025 года",
    "IV квартал 2025 г.",
    "II, IV кв.",
    "1 полугодие 2025 г.",
    "сентябрь-октябрь 2025 г.",
    "5, 12 ноября",
    "3-9 марта",
    "с 1 по 15 июня",
    "01.02.2025 - 30.04.2025",
    "2025-2027 гг.",
    "в течение 2025 года",
    "в течение учебного года",
    "в течение купального сезона",
    "до начала пожароопасного периода",
    "постоянно",
    "по мере необходимости",
    "по отдельному плану",
    "в течение 5 рабочих дней со дня поступления запроса",
    "в течение 30 дней после 1 марта 2025 г.",
    "Разработка: 1 квартал 2025 г. Реализация: 2025-2027 гг.",
)
_WORD = re.compile(r"[^\W\d_]{3,}")


def _words(text: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.lower().replace("ё", "е"))}


def closest_forms(phrase: str, n: int = 3) -> list[str]:
    """The ``n`` understood forms most like ``phrase``."""
    words = _words(phrase)
    low = phrase.lower()

    def score(form: str) -> tuple[int, float]:
        return len(words & _words(form)), SequenceMatcher(None, low, form.lower()).ratio()

    return sorted(FORMS, key=score, reverse=True)[:n]
