"""Small Russian-language helpers: nominative case of a unit's head, readable upper-case names.

pymorphy3 is optional: without it every helper returns its input as written, which is still
correct text, only less tidy.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_OBLIQUE = frozenset({"gent", "datv", "accs", "ablt", "loct"})
_REGION_NOUNS = ("област", "кра", "округ", "район", "республик", "федерац", "город")
_WORD_RE = re.compile(r"[А-ЯЁа-яё-]+")
# the kind of a municipality, not its name: «городского округа», «муниципального района»
_GENERIC_ADJECTIVES = frozenset({"городской", "муниципальный", "сельский"})
# joining words inside a hyphenated place name: «Ростова-на-Дону», «Комсомольска-на-Амуре»
_NAME_JOINERS = frozenset({"на", "де", "ла", "ан"})


@lru_cache(maxsize=1)
def _morph() -> Any | None:
    import pymorphy3  # a declared dependency: missing, it is a broken install and says so

    try:
        return pymorphy3.MorphAnalyzer()
    except Exception:  # pragma: no cover - broken dictionaries: degrade, don't fail
        return None


def nominative_head(phrase: str, *, drop_verb: bool) -> str:
    """«Отделу общего образования» → «отдел общего образования».

    Leading adjectives and the first noun are put into the nominative when they stand in an
    oblique case; abbreviations («ГАОУ») and everything after the head stay as written.  With
    ``drop_verb`` an opening infinitive («Поручить отделу …») is removed first.
    """
    morph = _morph()
    words = phrase.split(" ")
    if morph is None or not words or not words[0]:
        return phrase
    if drop_verb and len(words) > 1 and morph.parse(words[0].lower())[0].tag.POS == "INFN":
        words = words[1:]
    head = _head_index(morph, words)
    if head is None:
        return " ".join(words)
    noun = _oblique_parse(morph, words[head].lower(), "NOUN")
    nominative = noun.inflect({"nomn"}) if noun else None
    if noun is None or nominative is None:
        return " ".join(words)
    out = list(words)
    out[head] = nominative.word
    agreement = {"nomn", "plur"} if noun.tag.number == "plur" else {"nomn", noun.tag.gender}
    for index in range(head):
        adjective = _oblique_parse(morph, words[index].lower(), "ADJF", noun.tag.gender)
        inflected = adjective.inflect({a for a in agreement if a}) if adjective else None
        if inflected is not None:
            out[index] = inflected.word
    return " ".join(out)


def _head_index(morph: Any, words: list[str]) -> int | None:
    """Index of the first noun in an oblique case, if only adjectives precede it."""
    for index, word in enumerate(words[:4]):
        if not _WORD_RE.fullmatch(word) or (word.isupper() and len(word) > 1):
            return None
        is_adjective = _oblique_parse(morph, word.lower(), "ADJF") is not None
        if is_adjective and index + 1 < len(words):
            continue
        return index if _oblique_parse(morph, word.lower(), "NOUN") is not None else None
    return None


def _oblique_parse(morph: Any, word: str, pos: str, gender: str | None = None) -> Any | None:
    parses = [p for p in morph.parse(word) if pos == p.tag.POS and p.tag.case in _OBLIQUE]
    matching = [p for p in parses if gender is None or p.tag.gender in {gender, None}]
    return (matching or parses or [None])[0]


def surname_nominative(person: str) -> str:
    """«Иванова И.И.» (accusative) → «Иванов И.И.» when the dictionary knows the surname."""
    morph = _morph()
    if morph is None:
        return person
    match = re.search(r"[А-ЯЁ][а-яё]{2,}", person)
    if not match:
        return person
    for parse in morph.parse(match[0].lower()):
        if "Surn" in parse.tag and parse.tag.case in _OBLIQUE and "masc" in parse.tag:
            nominative = parse.inflect({"nomn"})
            if nominative is not None:
                word: str = nominative.word.capitalize()  # pymorphy3 ships no types
                return person[: match.start()] + word + person[match.end() :]
    return person


def readable_name(text: str) -> str:
    """Turn an upper-case heading into a capitalised name; mixed-case text stays as written.

    «КОМИТЕТ ОБЩЕГО И ПРОФЕССИОНАЛЬНОГО ОБРАЗОВАНИЯ ЛЕНИНГРАДСКОЙ ОБЛАСТИ» →
    «Комитет общего и профессионального образования Ленинградской области».
    """
    if any(c.islower() for c in text):
        return text
    morph = _morph()
    words = text.split(" ")
    lowered = [w.lower() for w in words]
    out: list[str] = []
    after_quote = True
    for index, (word, low) in enumerate(zip(words, lowered, strict=True)):
        core = low.strip('«»"().,;:')
        following = [w.strip('«»"().,;:') for w in lowered[index + 1 : index + 4]]
        previous = lowered[index - 1].strip('«»"().,;:') if index else ""
        keep_upper = _is_abbreviation(morph, word, core)
        capital = after_quote or _is_proper(morph, core, following, previous)
        if keep_upper:
            out.append(word)
        elif capital:
            out.append(_capitalize_core(low))
        else:
            out.append(low)
        after_quote = word.endswith("«") or (word.startswith("«") and len(word) == 1)
        if word.startswith("«") and len(word) > 1:
            out[-1] = "«" + _capitalize_core(out[-1][1:]) if not keep_upper else out[-1]
    return " ".join(out)


def _capitalize_core(word: str) -> str:
    """Capitalise the first letter of every hyphenated part («Ямало-Ненецкого»)."""
    parts = word.split("-")
    for number, part in enumerate(parts):
        if number and part in _NAME_JOINERS:
            continue
        for index, char in enumerate(part):
            if char.isalpha():
                parts[number] = part[:index] + char.upper() + part[index + 1 :]
                break
    return "-".join(parts)


def _is_abbreviation(morph: Any, word: str, core: str) -> bool:
    letters = "".join(c for c in word if c.isalpha())
    if len(letters) < 2 or len(letters) > 6 or morph is None:
        return False
    return not morph.word_is_known(core)


def _is_proper(morph: Any, core: str, following: list[str], previous: str) -> bool:
    """Geographic names, «Российской Федерации», the adjective opening «… области/округа»."""
    if morph is None or not core:
        return False
    if core.startswith("федерац"):
        return previous.startswith("российск")
    parses = morph.parse(core)
    if any("Geox" in p.tag for p in parses):
        return True
    if core.startswith("республик"):  # «Республики Тыва», «Чеченской Республики»
        if previous and _is_adjective(morph, previous):
            return True
        return bool(following) and any("Geox" in p.tag for p in morph.parse(following[0]))
    if not _is_adjective(morph, core) or (previous and _is_adjective(morph, previous)):
        return False
    if any(p.normal_form in _GENERIC_ADJECTIVES for p in morph.parse(core)):
        return False
    for word in following[:3]:
        if word.startswith(_REGION_NOUNS):
            return True
        if not _is_adjective(morph, word):
            return False
    return False


def _is_adjective(morph: Any, word: str) -> bool:
    forms = {word, word.split("-")[-1]} - {""}
    return any(p.tag.POS == "ADJF" for form in forms for p in morph.parse(form))
