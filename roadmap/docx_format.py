"""Reading a decree saved as ``.docx``: paragraphs before the plan table, then the table(s).

Word tables bring their own troubles: merged cells (python-docx repeats a merged cell in every
grid column it spans, so cells are deduplicated by their ``_tc`` element), header rows repeated
on each page, a «1 2 3 4» row under the header, and a plan split into several tables.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from docx import Document
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from roadmap.cells import normalize_block
from roadmap.document import SourceItem
from roadmap.errors import DocumentError
from roadmap.plan_table import (
    Columns,
    RowDraft,
    build_items,
    header_columns,
    is_column_numbers_row,
    require_columns,
    role_text,
    split_number,
)
from roadmap.preamble import Preamble, parse_preamble

_HEADER_SEARCH_ROWS = 6


def load_docx(data: bytes, *, file: str) -> object:
    """Open the package; any failure of a damaged file becomes a DocumentError."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError("the .docx file is not a valid zip package", file=file)
    try:
        return Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for damaged packages
        raise DocumentError(f"the .docx file cannot be opened ({exc})", file=file) from None


def row_cells(row: _Row) -> list[str]:
    """Texts of a row by grid column; a merged cell counts once, in its first column."""
    seen: set[int] = set()
    texts: list[str] = []
    for cell in row.cells:
        if id(cell._tc) in seen:
            texts.append("")
            continue
        seen.add(id(cell._tc))
        texts.append(normalize_block("\n".join(p.text for p in cell.paragraphs)))
    return texts


def _body_blocks(document: object) -> Iterator[Paragraph | Table]:
    yield from document.iter_inner_content()  # type: ignore[attr-defined]


def _table_header(table: Table, *, file: str, row_offset: int) -> tuple[int, Columns] | None:
    for index, row in enumerate(table.rows[:_HEADER_SEARCH_ROWS]):
        cells = row_cells(row)
        columns = header_columns(cells)
        if columns is not None:
            line = row_offset + index + 1
            return index, require_columns(columns, file=file, line=line, text=" | ".join(cells))
    return None


def _grid_width(table: Table) -> int:
    return max((len(row.cells) for row in table.rows), default=0)


def read_docx(data: bytes, *, file: str) -> tuple[Preamble, tuple[SourceItem, ...], list[str]]:
    """Parse a ``.docx`` decree: (preamble, items, warnings)."""
    document = load_docx(data, file=file)
    try:
        blocks = list(_body_blocks(document))
    except Exception as exc:
        raise DocumentError(f"the .docx body cannot be read ({exc})", file=file) from None
    preamble_lines: list[str] = []
    plan: list[tuple[Table, int]] = []  # (table, first data row index)
    columns: Columns | None = None
    width = 0
    saw_table = False
    for block in blocks:
        if isinstance(block, Paragraph):
            if columns is None:
                preamble_lines.extend(block.text.split("\n"))
            continue
        saw_table = True
        if columns is None:
            found = _table_header(block, file=file, row_offset=0)
            if found is None:
                preamble_lines.extend(c for row in block.rows for c in row_cells(row) if c)
                continue
            columns, width = found[1], _grid_width(block)
            plan.append((block, 0))
        elif _grid_width(block) == width or _table_header(block, file=file, row_offset=0):
            plan.append((block, 0))
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
    drafts, warnings = _read_rows(plan, columns, file=file)
    items, item_warnings = build_items(drafts, file=file, unit="row")
    return preamble, items, [*preamble.warnings, *warnings, *item_warnings]


def _read_rows(
    plan: list[tuple[Table, int]], columns: Columns, *, file: str
) -> tuple[list[RowDraft], list[str]]:
    drafts: list[RowDraft] = []
    warnings: list[str] = []
    number_index = columns["number"][0]
    row_no = 0
    for table, _ in plan:
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
                draft = RowDraft(number=parsed[0], line=row_no, lines=[row_no])
                draft.add("title", parsed[1])
                for role in ("title", "schedule", "executors"):
                    draft.add(role, role_text(cells, columns, role))
                drafts.append(draft)
            elif not number_cell and drafts:
                drafts[-1].lines.append(row_no)
                for role in ("title", "schedule", "executors"):
                    drafts[-1].add(role, role_text(cells, columns, role))
            elif drafts:
                warnings.append(f"{file} row {row_no}: row without an item number ignored")
    return drafts, warnings
