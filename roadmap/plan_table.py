"""Format-independent logic of the plan table: header columns, item rows, kinds and parents.

Both the text reader and the ``.docx`` reader turn their rows into lists of cell strings and
hand them here, so a roadmap means the same thing whatever file it came in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kontrol.roadmap.cells import clean_cell, normalize_line
from kontrol.roadmap.completeness import TableEnd
from kontrol.roadmap.document import ItemKind, SourceItem
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.limits import MAX_ITEMS, MAX_ROW_LINES
from kontrol.roadmap.preamble import Preamble

ROLES = ("number", "title", "schedule", "executors")
# Words of a header cell, tried in this order so «Срок исполнения» is a schedule, not executors.
_ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("number", ("№", "п/п", "n п/п", "номер")),
    ("schedule", ("срок", "период исполн", "дата", "время исполн", "время провед")),
    ("executors", ("исполнител", "ответствен")),
    ("title", ("наименован", "мероприяти", "содержан", "название")),
)
_MAX_HEADER_CELL = 80
_PURE_NUMBER_RE = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)[.)]?$")
_NUMBER_THEN_TEXT_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,3})*)(?:[.)]\s*|\s+)(\S.*)$", re.DOTALL)
_MAX_DEPTH = 7  # levels of an item number: «1.2.3.4.5.6.7» fits the database's 32 characters

Columns = dict[str, list[int]]


@dataclass(frozen=True)
class FoundPlan:
    """What a reader (text or .docx) found: the same for both, so the rest is one path."""

    preamble: Preamble
    preamble_lines: tuple[str, ...]
    items: tuple[SourceItem, ...]
    warnings: list[str]
    end: TableEnd


def header_columns(cells: Sequence[str]) -> Columns | None:
    """Map roles to column indexes if ``cells`` look like the plan's header row, else None.

    A header has at least two known columns, one of them the number or the title; whether the
    schedule and executors columns exist is checked by :func:`require_columns`.
    """
    columns: Columns = {}
    for index, cell in enumerate(cells):
        text = normalize_line(cell).lower().replace("ё", "е")
        if not text or len(text) > _MAX_HEADER_CELL:
            continue
        for role, words in _ROLE_WORDS:
            if any(word in text for word in words):
                if role == "executors" or role not in columns:
                    columns.setdefault(role, []).append(index)
                break
    if len(columns) < 2 or not ({"number", "title"} & columns.keys()):
        return None
    return columns


def require_columns(columns: Columns, *, file: str, line: int, text: str) -> Columns:
    """Fail clearly when the header lacks a schedule or executors column; fill number/title."""
    for role, label in (("schedule", "schedule («Сроки»)"), ("executors", "executors")):
        if role not in columns:
            raise DocumentError(
                f"the plan table header has no {label} column", file=file, line=line, text=text
            )
    used = {i for indexes in columns.values() for i in indexes}
    if "number" not in columns:
        columns["number"] = [min(used) - 1] if min(used) > 0 else [0]
    if "title" not in columns:
        free = [i for i in range(max(used) + 2) if i not in used and i > columns["number"][0]]
        columns["title"] = [free[0]]
    return columns


def is_column_numbers_row(cells: Sequence[str]) -> bool:
    """True for the «1 2 3 4» row printed under many headers."""
    values = [normalize_line(c).rstrip(".") for c in cells if normalize_line(c)]
    if len(values) < 3 or not all(v.isdigit() for v in values):
        return False
    return [int(v) for v in values] == list(range(int(values[0]), int(values[0]) + len(values)))


def split_number(cell: str) -> tuple[str, str] | None:
    """Return (number, rest) if the cell starts with an item number («3.2.», «1. Текст»)."""
    text = normalize_line(cell.replace("\n", " "))
    match = _PURE_NUMBER_RE.match(text)
    if match:
        return (match.group(1), "") if _plausible(match.group(1)) else None
    match = _NUMBER_THEN_TEXT_RE.match(text)
    if match and not _looks_like_year(match.group(1)) and _plausible(match.group(1)):
        return match.group(1), match.group(2)
    return None


def _plausible(number: str) -> bool:
    """Deeper numbering than a plan ever has is no item number (and would not fit)."""
    return number.count(".") < _MAX_DEPTH


def _looks_like_year(number: str) -> bool:
    return len(number) == 4 and number.isdigit()


@dataclass
class RowDraft:
    """An item being assembled from its row and any continuation rows."""

    number: str
    line: int
    parts: dict[str, list[str]] = field(default_factory=lambda: {r: [] for r in ROLES[1:]})
    lines: list[int] = field(default_factory=list)

    def add(self, role: str, text: str, sep: str = " ") -> None:
        if text.strip():
            parts = self.parts[role]
            parts.append(sep + text if parts else text)

    def goes_on(self, line: int, *, file: str, unit: str) -> None:
        """Record one more line (or row) of this item; a row never spans thousands."""
        if len(self.lines) >= MAX_ROW_LINES:
            raise DocumentError(
                f"item {self.number} goes on over more than {MAX_ROW_LINES:,} {unit}s: "
                "not a plan table",
                file=file,
                line=line,
                item=self.number,
            )
        self.lines.append(line)

    def is_bare(self) -> bool:
        """Only a number: no title, no schedule, no executors."""
        return not any(p.strip() for parts in self.parts.values() for p in parts)


def new_draft(drafts: list[RowDraft], number: str, line: int, *, file: str) -> RowDraft:
    """Start the next item, within the bound on a plan's size."""
    if len(drafts) >= MAX_ITEMS:
        raise DocumentError(
            f"the plan table has more than {MAX_ITEMS:,} numbered rows: too many for a decree",
            file=file,
            line=line,
        )
    draft = RowDraft(number=number, line=line, lines=[line])
    drafts.append(draft)
    return draft


def role_text(cells: Sequence[str], columns: Columns, role: str) -> str:
    """The row's text for one role (several executors columns are joined by commas)."""
    texts = [cells[i] for i in columns.get(role, []) if 0 <= i < len(cells) and cells[i].strip()]
    return ", ".join(texts)


def build_items(
    drafts: Sequence[RowDraft], *, file: str, unit: str = "line"
) -> tuple[tuple[SourceItem, ...], list[str]]:
    """Clean the drafts' cells and decide kinds and parents; fail on duplicate numbers."""
    if not drafts:
        raise DocumentError("the plan table has no numbered items", file=file)
    warnings: list[str] = []
    seen: dict[str, int] = {}
    positions: dict[str, int] = {}
    items: list[SourceItem] = []
    for draft in drafts:
        title, schedule, executors = (
            clean_cell("".join(draft.parts[r])) for r in ("title", "schedule", "executors")
        )
        if draft.number in seen:
            raise DocumentError(
                f"item number {draft.number} appears twice: {unit}s {seen[draft.number]} "
                f"and {draft.line}",
                file=file,
                line=draft.line,
                item=draft.number,
                text=title or draft.number,
            )
        seen[draft.number] = draft.line
        kind: ItemKind = "section" if not schedule and not executors else "activity"
        where = f"{file}:{draft.line} item {draft.number}"
        if kind == "activity" and not schedule:
            warnings.append(f"{where}: activity has executors but no schedule")
        if kind == "activity" and not executors:
            warnings.append(f"{where}: activity has no executors")
        if not title:
            warnings.append(f"{where}: item has no title")
        items.append(
            SourceItem(
                number=draft.number,
                kind=kind,
                title=title,
                schedule_text=schedule,
                executors_text=executors,
                lines=tuple(draft.lines),
                parent=_parent(draft.number, positions),
            )
        )
        positions[draft.number] = len(items)
    numbers_with_children = {i.parent for i in items if i.parent}
    for item in items:
        if item.kind == "section" and item.number not in numbers_with_children:
            warnings.append(
                f"{file}:{item.lines[0]} item {item.number}: no schedule, no executors and no "
                "sub-items; read as a section"
            )
    return tuple(items), warnings


def _parent(number: str, positions: dict[str, int]) -> str | None:
    """Nearest preceding item whose number is a proper prefix (3.1.1 → 3.1, 1.1 → 1).

    ``positions`` maps the numbers seen so far to their place, so a plan of thousands of rows
    costs a few look-ups a row, not a scan of every row before it.
    """
    parts = number.split(".")
    prefixes = (".".join(parts[:k]) for k in range(1, len(parts)))
    found = [(positions[p], p) for p in prefixes if p in positions]
    return max(found)[1] if found else None
