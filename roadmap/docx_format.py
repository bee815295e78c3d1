"""Reading a decree saved as ``.docx``: paragraphs before the plan table, then the table(s).

Word tables bring their own troubles: merged cells (python-docx repeats a merged cell in every
grid column it spans, so cells are deduplicated by their ``_tc`` element), header rows repeated
on each page, a «1 2 3 4» row under the header, and a plan split into several tables.

python-docx only ever sees the slim, size-checked copy of the package made by
:mod:`roadmap.docx_package`, and any exception it raises on a damaged part becomes a
DocumentError; the paragraphs after the plan are kept for :mod:`roadmap.completeness`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, TypeVar

from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from kontrol.roadmap.cells import normalize_block
from kontrol.roadmap.completeness import TableEnd
from kontrol.roadmap.docx_package import slim_package
from kontrol.roadmap.errors import DocumentError, RoadmapError
from kontrol.roadmap.limits import MAX_CELLS, MAX_PREAMBLE_LINES
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
_KEPT_AFTER = 200  # paragraphs after the plan kept for the completeness checks
T = TypeVar("T")


def load_docx(stream: BinaryIO, *, file: str) -> DocxDocument:
    """Open the package; any failure of a damaged file becomes a DocumentError."""
    slim = slim_package(stream, file=file)
    try:
        return Document(slim)
    except Exception as exc:  # python-docx raises many types for damaged packages
        raise DocumentError(f"the .docx file cannot be opened ({exc})", file=file) from None


def _guarded(read: Callable[[], T], *, file: str) -> T:
    """Run python-docx work; its exceptions on damaged XML become one DocumentError."""
    try:
        return read()
    except RoadmapError:
        raise
    except Exception as exc:  # python-docx raises many types for damaged XML
        raise DocumentError(f"the .docx body cannot be read ({exc})", file=file) from None


def row_cells(row: _Row) -> list[str]:
    """Texts of a row by grid column; a merged cell counts once, in its first column.

    A row of more than MAX_CELLS cells is no row of a plan and reads as empty.
    """
    if len(row._tr.tc_lst) > MAX_CELLS:
        return []
    seen: set[int] = set()
    texts: list[str] = []
    for cell in row.cells:
        if id(cell._tc) in seen:
            texts.append("")
            continue
        seen.add(id(cell._tc))
        texts.append(normalize_block("\n".join(p.text for p in cell.paragraphs)))
    return texts


def _table_header(table: Table, *, file: str, row_offset: int) -> tuple[int, Columns] | None:
    for index, row in enumerate(table.rows[:_HEADER_SEARCH_ROWS]):
        cells = row_cells(row)
        columns = header_columns(cells)
        if columns is not None:
            line = row_offset + index + 1
            return index, require_columns(columns, file=file, line=line, text=" | ".join(cells))
    return None


def _grid_width(table: Table) -> int:
    return max((len(row_cells(row)) for row in table.rows), default=0)


def read_docx(stream: BinaryIO, *, file: str) -> FoundPlan:
    """Parse a ``.docx`` decree."""
    document = load_docx(stream, file=file)
    return _guarded(lambda: _read_document(document, file=file), file=file)


def _read_document(document: DocxDocument, *, file: str) -> FoundPlan:
    preamble_lines: list[str] = []
    after: list[str] = []
    plan: list[Table] = []
    columns: Columns | None = None
    width = 0
    saw_table = False
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            if columns is None:
                preamble_lines.extend(block.text.split("\n"))
                if len(preamble_lines) > MAX_PREAMBLE_LINES:
                    raise DocumentError(
                        f"no plan table found in the first {MAX_PREAMBLE_LINES:,} paragraphs",
                        file=file,
                    )
            elif len(after) < _KEPT_AFTER:  # after the plan, unless another part of it follows
                after.extend(line for line in block.text.split("\n") if line.strip())
            continue
        saw_table = True
        if columns is None:
            found = _table_header(block, file=file, row_offset=0)
            if found is None:
                preamble_lines.extend(c for row in block.rows for c in row_cells(row) if c)
                continue
            columns, width = found[1], _grid_width(block)
            plan.append(block)
        elif _grid_width(block) == width or _table_header(block, file=file, row_offset=0):
            plan.append(block)
            after = []
        else:
            break
    if columns is None:
        if not saw_table:
            raise DocumentError("no plan table found: the .docx has no table at all", file=file)
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
        end=TableEnd(last_line=last_row, after=tuple(after[:_KEPT_AFTER])),
    )


def _read_rows(
    plan: list[Table], columns: Columns, *, file: str
) -> tuple[list[RowDraft], list[str], int | None]:
    drafts: list[RowDraft] = []
    warnings: list[str] = []
    number_index = columns["number"][0]
    row_no = 0
    last_row: int | None = None
    for table in plan:
        for row in table.rows:
            row_no += 1
            cells = row_cells(row)
            if not any(cells) or header_columns(cells) or is_column_numbers_row(cells):
                continue
            number_cell = cells[number_index] if number_index < len(cells) else ""
            parsed = split_number(number_cell)
            if parsed is None and not number_cell:
                first = next((c for c in cells if c), "")
                candidate = split_number(first)
                if candidate and candidate[1] and sum(1 for c in cells if c) == 1:
                    parsed = candidate  # a section row merged over the whole width
            if parsed is not None:
                draft = new_draft(drafts, parsed[0], row_no, file=file)
                draft.add("title", parsed[1])
            elif not number_cell and drafts:
                draft = drafts[-1]
                draft.goes_on(row_no, file=file, unit="row")
            else:
                if drafts:
                    warnings.append(f"{file} row {row_no}: row without an item number ignored")
                continue
            for role in ("title", "schedule", "executors"):
                draft.add(role, role_text(cells, columns, role))
            last_row = row_no
    return drafts, warnings, last_row
