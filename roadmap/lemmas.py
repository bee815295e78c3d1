"""Russian lemmatisation for matching names of bodies across grammatical cases.

Decrees name the same body in any case («отдел» in the directory, «Отделу» in point 2 of the
decree), so names are compared on lemmas, not on surface forms.  pymorphy3's analyzer takes a
noticeable time to load and its results never change, so there is exactly one analyzer per
process and every word's analysis is cached.
"""

from __future__ import annotations

from functools import cache

import pymorphy3


@cache
def analyzer() -> pymorphy3.MorphAnalyzer:
    """The one shared analyzer (loading the dictionaries is the slow part)."""
    return pymorphy3.MorphAnalyzer(lang="ru")


def normalize(word: str) -> str:
    """Lower case with «ё» as «е»: decrees spell both, dictionaries prefer one."""
    return word.lower().replace("ё", "е")


@cache
def lemma(word: str) -> str:
    """The most probable normal form of ``word`` (normalised).

    Used for the directory's names, which are written carefully and usually in the nominative.
    """
    surface = normalize(word)
    parses = analyzer().parse(surface)
    return normalize(parses[0].normal_form) if parses else surface


@cache
def lemma_variants(word: str) -> frozenset[str]:
    """Every normal form ``word`` may have, plus its own normalised surface.

    Used for the decree's text: a directory name matches a word if the name's lemma is any of
    the word's possible lemmas, so a rare mis-ranking by pymorphy does not break a match, and
    abbreviations unknown to the dictionary (ГАОУ, ЛО) still match themselves.
    """
    surface = normalize(word)
    forms = {surface, lemma(word)}
    forms.update(normalize(p.normal_form) for p in analyzer().parse(surface))
    return frozenset(forms)


def lemmatize(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The most probable lemma of each word, in order."""
    return tuple(lemma(w) for w in words)
