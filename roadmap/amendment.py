"""An amending decree («О внесении изменений в распоряжение … № 1302-б»): what it changes.

The genre words its changes in a few fixed ways, each naming plan items by number:

* «пункт 1.3 изложить в следующей редакции:» followed by the row(s) of the new text;
* «дополнить пунктом 6.4 следующего содержания:» followed by the new row(s);
* «пункты 3.3.7, 5.2 признать утратившими силу» or «исключить пункт 5.2»;
* «план мероприятий изложить в новой редакции согласно приложению» — a whole new table.

This module reads the instructions' words and the amended decree (the target) from the title;
:mod:`roadmap.amendment_reader` turns a file into paragraphs and rows and pairs them up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from kontrol.roadmap.cells import normalize_line
from kontrol.roadmap.document import SourceItem
from kontrol.roadmap.preamble import MONTHS

Action = Literal["replace", "add", "withdraw"]

_NUM = r"\d{1,3}(?:\.\d{1,3}){0,6}"
_LIST = rf"{_NUM}\.?(?:\s*(?:,|и)\s*{_NUM}\.?)*"
_ITEM_NOUN = r"(?:пункт(?:ы|а)?|строк[аиу]|позици[яиюй])"
_PLAN_GEN = r"(?:\s+(?:план|приложени)\w*[^,:;]{0,200}?)?"
_REPLACE_RE = re.compile(
    rf"{_ITEM_NOUN}\s+({_LIST}){_PLAN_GEN}\s+изложить\s+в\s+(?:следующей|новой)\s+редакции"
)
_ADD_RE = re.compile(
    rf"дополнить{_PLAN_GEN}\s+(?:пункт(?:ом|ами)|строк(?:ой|ами)|позици(?:ей|ями))\s+({_LIST})"
)
_WITHDRAW_RE = re.compile(
    rf"{_ITEM_NOUN}\s+({_LIST}){_PLAN_GEN}\s+"
    r"(?:признать\s+утратившими?\s+силу|считать\s+утратившими?\s+силу|исключить)"
)
_EXCLUDE_RE = re.compile(rf"исключить{_PLAN_GEN}\s+{_ITEM_NOUN}\s+({_LIST})")
_FULL_RE = re.compile(r"редакции\s*,?\s*(?:согласно\s+приложению|\(прилага)")
_PLAN_WORD_RE = re.compile(r"\bплан")
_AMENDS_TITLE_RE = re.compile(r"^о\s+внесении\s+изменени")
_Q = "«»\"“”„'"
_WORDED = rf"[{_Q}]?\s*\d{{1,2}}\s*[{_Q}]?\s+(?:{'|'.join(MONTHS)})\s+\d{{4}}"
_DATE = rf"(?:{_WORDED}|\d{{1,2}}\.\d{{1,2}}\.\d{{4}})"
_NO = r"(?:№|N(?=\s*\d))\s*([0-9A-Za-zА-Яа-яЁё][^\s,;«»\"]*)"
_TARGET_RES = (
    re.compile(rf"от\s+({_DATE})\s*(?:года|г\.?)?\s*{_NO}", re.IGNORECASE),
    re.compile(rf"{_NO}\s+от\s+({_DATE})", re.IGNORECASE),
)


@dataclass(frozen=True)
class Instruction:
    """One change the decree orders; ``items`` are the new rows (none for a withdrawal)."""

    action: Action
    numbers: tuple[str, ...]
    line: int  # where the words stand (line or paragraph)
    text: str
    items: tuple[SourceItem, ...] = ()


@dataclass(frozen=True)
class AmendmentDocument:
    source_name: str
    sha256: str
    kind: str
    number: str
    adopted_on: date
    authority: str
    title: str
    target_number: str | None  # the amended decree, as the title or preamble names it
    target_date: date | None
    instructions: tuple[Instruction, ...]
    # «изложить в новой редакции согласно приложению»: the whole new plan table, else None
    new_plan: tuple[SourceItem, ...] | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def plan_title(self) -> str:
        """An amendment has no plan title of its own (a «месячник» named in its rows takes
        its dates from its own title)."""
        return ""

    @property
    def activities(self) -> tuple[SourceItem, ...]:
        """The activity rows the amendment brings (checked like a plan's on import)."""
        rows = self.new_plan or tuple(s for i in self.instructions for s in i.items)
        return tuple(s for s in rows if s.kind == "activity")


def is_amending_title(title: str) -> bool:
    """The genre's title: «О внесении изменений (изменения) в …»."""
    return bool(_AMENDS_TITLE_RE.match(_norm(title)))


def find_target(texts: list[str]) -> tuple[str, date] | None:
    """The first «от 27.07.2020 № 1302-б» (or «№ 1302-б от …») in ``texts``, in order."""
    for text in texts:
        found = []
        for index, pattern in enumerate(_TARGET_RES):
            match = pattern.search(text)
            if match:
                day_text, number = (match[1], match[2]) if index == 0 else (match[2], match[1])
                found.append((match.start(), number.rstrip(".,;:»"), day_text))
        for _, number, day_text in sorted(found):
            day = _parse_date(day_text)
            if day is not None:
                return number, day
    return None


def _parse_date(text: str) -> date | None:
    text = normalize_line(text.strip(_Q + " "))
    numeric = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    worded = re.search(rf"(\d{{1,2}})\s*[{_Q}]?\s+(\w+)\s+(\d{{4}})", text)
    try:
        if numeric:
            return date(int(numeric[3]), int(numeric[2]), int(numeric[1]))
        if worded and worded[2].lower() in MONTHS:
            return date(int(worded[3]), MONTHS.index(worded[2].lower()) + 1, int(worded[1]))
    except ValueError:
        return None
    return None


def instructions_in(text: str, line: int) -> tuple[list[Instruction], bool]:
    """The pointwise instructions in one paragraph, in the order they stand, and whether the
    paragraph orders a whole new redaction of the plan."""
    norm = _norm(text)
    found: list[tuple[int, Action, str]] = []
    patterns: tuple[tuple[re.Pattern[str], Action], ...] = (
        (_REPLACE_RE, "replace"),
        (_ADD_RE, "add"),
        (_WITHDRAW_RE, "withdraw"),
        (_EXCLUDE_RE, "withdraw"),
    )
    for pattern, action in patterns:
        found += [(m.start(), action, m[1]) for m in pattern.finditer(norm)]
    taken: list[Instruction] = []
    for _, action, numbers in sorted(found):
        taken.append(Instruction(action, split_numbers(numbers), line, normalize_line(text)))
    full = not taken and bool(_FULL_RE.search(norm) and _PLAN_WORD_RE.search(norm))
    return taken, full


def split_numbers(text: str) -> tuple[str, ...]:
    """«1.3, 1.4 и 2.1.» → ("1.3", "1.4", "2.1")."""
    return tuple(n.rstrip(".") for n in re.findall(_NUM + r"\.?", text))


def _norm(text: str) -> str:
    return normalize_line(text).lower().replace("ё", "е")
