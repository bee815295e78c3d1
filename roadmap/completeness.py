"""Is the decree whole?  The signs that a file was cut off, for a warning naming the last
complete item (an error with ``--strict``).

A decree cut at any byte still parses: the plan simply has fewer rows and the last one is
half-written, so nothing else would complain.  Each sign below is one a whole decree does not
show:

- the file ends in the middle of a character (an incomplete UTF-8 or UTF-16 sequence);
- the last row lacks what every other row has: fewer tab-separated cells than the header (text),
  or no schedule / no executors, or a numbered heading with nothing under it (any format);
- the file ends inside the last row, without the line break that ends every exported table,
  and the last cell reads as cut: an unclosed «…» or (…), a word that is only the beginning of
  a word used elsewhere in the plan, a dangling preposition, conjunction or adjective, a
  trailing comma or space, or a name that everywhere else goes on;
- the text announces more than there is: «… включает 7 разделов / 40 мероприятий», or an
  appendix («приложение 2») that never comes although the earlier ones do.

A numbering gap is not a sign (a plan may end after 6.1 as well as after 6.3), and neither is
a missing closing part by itself: the seed itself ends with its last row.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from kontrol.roadmap.cells import normalize_line
from kontrol.roadmap.document import SourceItem

_WORD_RE = re.compile(r"[^\W\d_]+")
_LAST_WORD_RE = re.compile(r"([^\W\d_]+)$")
_OPEN_CLOSE = (("«", "»"), ("(", ")"), ("„", "“"))
_DANGLING_ENDS = (",", ";", ":", "-", "–", "—", "/", "«", "(", "„", '"')
_DANGLING_POS = frozenset({"PREP", "CONJ", "PRCL", "ADJF", "PRTF"})
_GOES_ON_RE = re.compile(r"\s*[«(„\"]|\s+[^\W\d_]|[^\W\d_]")
_COUNT_RE = re.compile(
    r"(?:включа\w*|содерж\w*|состо\w*\s+из)\s+(\d{1,4})\s+(раздел|мероприяти)", re.IGNORECASE
)
_APPENDIX_REF_RE = re.compile(
    r"приложени\w*\s*(?:№\s*)?(\d{1,2})(?!\d)(?!\s*к\s+(?!настоящ))", re.IGNORECASE
)
_APPENDIX_HEAD_RE = re.compile(r"^\s*приложение\s*(?:№\s*)?(\d{1,2})(?!\d)", re.IGNORECASE)


@dataclass(frozen=True)
class TableEnd:
    """What a reader saw where the plan stops; the text-only facts default to «nothing odd»."""

    last_line: int | None = None  # line (text) or row (.docx) of the table's last row
    short_row: bool = False  # the last row has fewer cells than the header, no other row does
    inside_row: bool = False  # the file ends inside the last row: no line break after it
    cut_character: bool = False  # the file ends inside a multi-byte character
    last_cell: str = ""  # the raw text of the cell the file ends in («…\t» after a tab)
    dropped: str | None = None  # a bare item number the file ended in, not made an item
    after: tuple[str, ...] = ()  # the first lines after the table (the closing part)
    extra: tuple[str, ...] = ()  # cells of the columns items do not keep («Ожидаемый результат»)


@dataclass(frozen=True)
class Truncation:
    """Why the decree looks cut off and what is still whole."""

    reason: str
    last_complete: str | None
    line: int | None = None
    item: str | None = None  # the incomplete item, if the cut is inside one

    def message(self) -> str:
        done = (
            f"the last complete item is {self.last_complete}"
            if self.last_complete
            else "no item of the plan is complete"
        )
        return f"the decree looks cut off ({self.reason}); {done}"


def find_truncation(
    items: Sequence[SourceItem], end: TableEnd, before: Sequence[str]
) -> Truncation | None:
    """The first sign of a cut, or None; ``before`` are the lines before the plan table."""
    if not items:
        return None
    last = items[-1]
    previous = items[-2].number if len(items) > 1 else None
    line = end.last_line or (last.lines[-1] if last.lines else None)
    if end.dropped:
        return Truncation(
            f"the file ends in the number «{end.dropped}» of a row", last.number, end.last_line
        )
    heading = _is_heading(items)
    whole_row = not (
        end.short_row or end.cut_character or (end.inside_row and end.last_cell.strip())
    )
    if heading and whole_row:
        return Truncation(
            f"the plan ends with the heading of section {last.number} and nothing under it",
            last.number,
            line,
        )
    reason = _incomplete_last_row(items, end, before, heading=heading)
    if reason:
        return Truncation(reason, previous, line, last.number)
    if end.cut_character:
        return Truncation(
            "the file ends in the middle of a character, after the plan table", last.number
        )
    reason = _announced_but_missing(items, before, end.after)
    if reason:
        return Truncation(reason, last.number)
    return None


def _is_heading(items: Sequence[SourceItem]) -> bool:
    """The last item is a section heading (with nothing under it yet), not a half row.

    It is one if an earlier sibling (same parent) has sub-items, or if it is the first child
    of its parent; an item whose earlier siblings are all activities is a row missing cells.
    """
    last = items[-1]
    if last.kind != "section":
        return False
    parents = {i.parent for i in items if i.parent}
    siblings = [i for i in items[:-1] if i.parent == last.parent]
    return not siblings or any(i.number in parents for i in siblings)


def _incomplete_last_row(
    items: Sequence[SourceItem], end: TableEnd, before: Sequence[str], *, heading: bool
) -> str | None:
    number = items[-1].number
    if end.inside_row and end.cut_character:
        return f"the file ends in the middle of a character inside item {number}"
    if end.short_row:
        return f"the row of item {number} has fewer cells than the header, unlike every other row"
    if heading:
        return f"the file ends inside the heading of section {number}, with nothing under it"
    lacking = _lacking_cells(items)
    if lacking:
        return f"item {number} has no {lacking}, unlike every other row"
    if end.inside_row:
        sign = _looks_cut(end.last_cell, items, (*before, *end.extra))
        if sign:
            return f"the file ends inside item {number} without a line break and {sign}"
    return None


def _lacking_cells(items: Sequence[SourceItem]) -> str | None:
    """«schedule», «executors» or both if the last row lacks them and every other leaf has them.

    The last item is always a leaf (children come after their parent); sections with sub-items
    have neither cell by nature and are not compared.
    """
    parents = {i.parent for i in items if i.parent}
    others = [i for i in items[:-1] if i.number not in parents]
    last = items[-1]
    lacking = [
        name
        for name, value in (("schedule", "schedule_text"), ("executors", "executors_text"))
        if not getattr(last, value) and all(getattr(i, value) for i in others)
    ]
    return " and no ".join(lacking) or None


def _looks_cut(raw: str, items: Sequence[SourceItem], before: Sequence[str]) -> str | None:
    """Why the line the file ends in reads as cut short, or None if it reads as whole.

    The words and names it is compared with are those of the plan's other cells and of the
    text before the plan (where the issuing body and the institutions are named first).
    """
    if raw.endswith("\t"):
        return "it stops right after a tab, where the next cell begins"
    text = normalize_line(raw)
    if not text:
        return None
    if raw[-1].isspace():
        return "its last cell ends in a space"
    for opening, closing in _OPEN_CLOSE:
        if text.rfind(opening) > text.rfind(closing):
            return f"its last cell opens «{opening}» and never closes it"
    if text.endswith(_DANGLING_ENDS):
        return f"its last cell ends in «{text[-1]}»"
    last = items[-1]
    own = (c for c in (last.title, last.schedule_text) if not c.endswith(text))  # whole cells
    corpus = [
        normalize_line(cell.replace("\n", " "))
        for cell in (
            *before,
            *(c for i in items[:-1] for c in (i.title, i.schedule_text, i.executors_text)),
            *own,
        )
    ]
    match = _LAST_WORD_RE.search(text)
    if match:
        sign = _cut_word(match[1], text, corpus) or _dangling_word(match[1])
        if sign:
            return sign
    return _entry_goes_on(text, corpus)


def _cut_word(word: str, cell: str, corpus: Sequence[str]) -> str | None:
    """A last word that is a single letter, or only the start of a longer word of the text.

    A whole word is often the start of its own inflected forms («конкурс», «конкурса»): a word
    the dictionary knows counts as cut only if no longer word of the text is a form of it.
    """
    if len(word) == 1:
        return f"its last word «{word}» is a single letter"
    from kontrol.roadmap.lemmas import analyzer, lemma, lemma_variants  # loaded only for a cut file

    low = word.lower()
    counts = Counter(w.lower() for text in (*corpus, cell) for w in _WORD_RE.findall(text))
    if counts[low] > 1:  # the cell itself holds it once
        return None
    longer = sorted(w for w in counts if len(w) > len(low) and w.startswith(low))
    if analyzer().word_is_known(low):
        own = lemma_variants(low)
        if any(lemma(w) in own for w in longer):
            return None
    if longer:
        return f"its last word «{word}» is only the beginning of «{longer[0]}»"
    if word.islower() and not analyzer().word_is_known(low):
        return f"its last word «{word}» is not a Russian word"
    return None


def _dangling_word(word: str) -> str | None:
    """A preposition, conjunction, particle or adjective cannot end a cell."""
    from kontrol.roadmap.lemmas import analyzer  # the dictionaries load only when a file looks cut

    parses = analyzer().parse(word.lower())
    if parses and parses[0].tag.POS in _DANGLING_POS:
        return f"its last word «{word}» cannot end a cell"
    return None


def _entry_goes_on(text: str, corpus: Sequence[str]) -> str | None:
    """The cell's last entry (after its last comma) always goes on where the text repeats it."""
    entry = re.split(r"[,;]", text)[-1].strip()
    if len(entry) < 3:
        return None
    pattern = re.compile(r"(?<![^\W\d_])" + re.escape(entry))
    follows = [cell[m.end() :] for cell in corpus for m in pattern.finditer(cell)]
    if follows and all(_GOES_ON_RE.match(rest) for rest in follows):
        return f"«{entry}» goes on everywhere else the decree names it"
    return None


def _announced_but_missing(
    items: Sequence[SourceItem], before: Sequence[str], after: Sequence[str]
) -> str | None:
    sections = sum(1 for i in items if i.parent is None and i.kind == "section")
    activities = sum(1 for i in items if i.kind == "activity")
    for line in before:
        for match in _COUNT_RE.finditer(line):
            wanted, what = int(match[1]), match[2].lower()
            found = sections if what == "раздел" else activities
            if wanted > found:
                noun = "sections" if what == "раздел" else "activities"
                return f"the text announces {wanted} {noun}, the plan has {found}"
    announced = {int(m[1]) for line in before for m in _APPENDIX_REF_RE.finditer(line)}
    present = {int(m[1]) for line in (*before, *after) if (m := _APPENDIX_HEAD_RE.match(line))}
    missing = {n for n in announced - present if present and n > max(present)}
    if missing:
        return f"the text announces приложение {min(missing)}, which never comes"
    return None
