"""The form every structured reader hands over: paragraphs and tables, in document order.

A ``.docx``, an ODT, an HTML page, an RTF file and a PDF all come down to the same thing: lines
of text (the decree's preamble, and what follows the plan) and tables of rows of cells.  Each
format's reader turns its file into such :data:`Block` s, and :func:`read_blocks` finds the plan
table among them, reads its rows into items and the lines before it into the preamble — once,
for every format, so a roadmap means the same whatever file it came in.

Merged cells are given as the formats give them: a cell spanning columns counts once, in its
first column (the others are empty); a cell spanning rows is repeated below as :class:`Spanned`,
which counts for a row that starts a new item (two items sharing their executors) and not for a
row that goes on with the item above (its text is already there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kontrol.roadmap.completeness import TableEnd
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.limits import MAX_PREAMBLE_LINES
from kontrol.roadmap.plan_table import (
    Columns,
    FoundPlan,
    RowDraft,
    build_items,
    header_columns,
    is_column_numbers_row,
    new_draft,
    require_columns,
    role_text,
    split_number,
)
from kontrol.roadmap.preamble import parse_preamble

_HEADER_SEARCH_ROWS = 6
_KEPT_AFTER = 200  # lines after the plan kept for the completeness checks


class Spanned(str):
    """The text of a cell merged down from the row above (``rowspan``, vMerge)."""

    __slots__ = ()


@dataclass
class TableBlock:
    """One table: rows of cell texts by grid column (paragraphs inside a cell joined by \\n)."""

    rows: list[list[str]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)


Block = str | TableBlock  # a str is one line of text outside tables


def read_blocks(blocks: Iterable[Block], *, file: str, kind: str) -> FoundPlan:
    """Find the plan among ``blocks`` and read it; ``kind`` names the format in messages."""
    preamble_lines: list[str] = []
    after: list[str] = []
    plan: list[TableBlock] = []
    columns: Columns | None = None
    width = 0
    saw_table = False
    for block in blocks:
        if isinstance(block, str):
            if columns is None:
                preamble_lines.append(block)
                if len(preamble_lines) > MAX_PREAMBLE_LINES:
                    raise DocumentError(
                        f"no plan table found in the first {MAX_PREAMBLE_LINES:,} paragraphs",
                        file=file,
                    )
            elif len(after) < _KEPT_AFTER and block.strip():
                after.append(block)  # after the plan, unless another part of it follows
            continue
        saw_table = True
        if columns is None:
            found = _table_header(block, file=file)
            if found is None:
                preamble_lines.extend(c for row in block.rows for c in row if c)
                continue
            columns, width = found, block.width
            plan.append(block)
        elif block.width == width or _table_header(block, file=file):
            plan.append(block)
            after = []
        else:
            break
    if columns is None:
        if not saw_table:
            raise DocumentError(f"no plan table found: the {kind} has no table at all", file=file)
        raise DocumentError(
            "no plan table found: no table has a header with №, Наименование, Сроки and "
            "Исполнители columns",
            file=file,
        )
    preamble = parse_preamble(preamble_lines, file=file, unit="paragraph")
    drafts, warnings, last_row = _read_rows(plan, columns, file=file)
    items, item_warnings = build_items(drafts, file=file, unit="row")
    return FoundPlan(
        preamble=preamble,
        preamble_lines=tuple(preamble_lines),
        items=items,
        warnings=[*preamble.warnings, *warnings, *item_warnings],
        end=TableEnd(last_line=last_row, after=tuple(after)),
    )


def _table_header(table: TableBlock, *, file: str) -> Columns | None:
    for index, cells in enumerate(table.rows[:_HEADER_SEARCH_ROWS]):
        columns = header_columns(cells)
        if columns is not None:
            return require_columns(columns, file=file, line=index + 1, text=" | ".join(cells))
    return None


def _goes_on_merged(cells: list[str], number_index: int) -> bool:
    """A row merged over the width whose text is no item: a section title broken by a page."""
    own = [c for c in cells if c and not isinstance(c, Spanned)]
    return (
        len(own) == 1
        and number_index < len(cells)
        and cells[number_index] == own[0]
        and split_number(own[0]) is None
    )


def _read_rows(
    plan: list[TableBlock], columns: Columns, *, file: str
) -> tuple[list[RowDraft], list[str], int | None]:
    drafts: list[RowDraft] = []
    warnings: list[str] = []
    number_index = columns["number"][0]
    row_no = 0
    last_row: int | None = None
    for table in plan:
        top = True  # the table's first row of items: it may go on with the last item
        for cells in table.rows:
            row_no += 1
            if not any(cells) or header_columns(cells) or is_column_numbers_row(cells):
                continue
            at_top, top = top, False
            if at_top and drafts and _goes_on_merged(cells, number_index):
                drafts[-1].goes_on(row_no, file=file, unit="row")
                drafts[-1].add("title", cells[number_index])
                last_row = row_no
                continue
            number_cell = cells[number_index] if number_index < len(cells) else ""
            if isinstance(number_cell, Spanned):
                number_cell = ""  # the number of the row above, merged down: a continuation
            parsed = split_number(number_cell)
            if parsed is None and not number_cell:
                first = next((c for c in cells if c and not isinstance(c, Spanned)), "")
                candidate = split_number(first)
                own = [c for c in cells if c and not isinstance(c, Spanned)]
                if candidate and candidate[1] and len(own) == 1:
                    parsed = candidate  # a section row merged over the whole width
            if parsed is not None:
                draft = new_draft(drafts, parsed[0], row_no, file=file)
                draft.add("title", parsed[1])
            elif not number_cell and drafts:
                draft = drafts[-1]
                draft.goes_on(row_no, file=file, unit="row")
                cells = ["" if isinstance(c, Spanned) else c for c in cells]
            else:
                if drafts:
                    warnings.append(f"{file} row {row_no}: row without an item number ignored")
                continue
            for role in ("title", "schedule", "executors"):
                draft.add(role, role_text(cells, columns, role))
            last_row = row_no
    return drafts, warnings, last_row
