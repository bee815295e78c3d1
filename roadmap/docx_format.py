"""Reading a decree saved as ``.docx``: paragraphs before the plan table, then the table(s).

Word tables bring their own troubles: merged cells (python-docx repeats a merged cell in every
grid column it spans, so cells are deduplicated by their ``_tc`` element), header rows repeated
on each page, a «1 2 3 4» row under the header, and a plan split into several tables.

python-docx only ever sees the slim, size-checked copy of the package made by
:mod:`roadmap.docx_package`, and any exception it raises on a damaged part becomes a
DocumentError; the paragraphs after the plan are kept for :mod:`roadmap.completeness`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO, TypeVar

from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from kontrol.roadmap.blocks import Block, Spanned, TableBlock, read_blocks
from kontrol.roadmap.cells import normalize_block
from kontrol.roadmap.docx_package import slim_package
from kontrol.roadmap.errors import DocumentError, RoadmapError
from kontrol.roadmap.limits import MAX_CELLS
from kontrol.roadmap.plan_table import FoundPlan

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


def row_cells(row: _Row, above: Sequence[object] = ()) -> list[str]:
    """Texts of a row by grid column; a merged cell counts once, in its first column.

    A cell merged down from the row above (its ``_tc`` id is in ``above``) is given as
    :class:`Spanned`; ``above`` holds the elements themselves, as an lxml proxy's id is only
    its own while it lives.  A row of more than MAX_CELLS cells is no row of a plan and reads
    as empty.
    """
    if len(row._tr.tc_lst) > MAX_CELLS:
        return []
    seen: set[int] = set()
    merged_down = {id(tc) for tc in above}
    texts: list[str] = []
    for cell in row.cells:
        if id(cell._tc) in seen:
            texts.append("")
            continue
        seen.add(id(cell._tc))
        text = normalize_block("\n".join(p.text for p in cell.paragraphs))
        texts.append(Spanned(text) if id(cell._tc) in merged_down else text)
    return texts


def _table_block(table: Table) -> TableBlock:
    block = TableBlock()
    above: list[object] = []
    for row in table.rows:
        block.rows.append(row_cells(row, above))
        above = [cell._tc for cell in row.cells] if len(row._tr.tc_lst) <= MAX_CELLS else []
    return block


def read_docx(stream: BinaryIO, *, file: str, kind: str = ".docx") -> FoundPlan:
    """Parse a ``.docx`` decree (``kind`` names the file's own format, if it was converted)."""
    document = load_docx(stream, file=file)
    return _guarded(lambda: read_blocks(_blocks(document), file=file, kind=kind), file=file)


def _blocks(document: DocxDocument) -> Iterator[Block]:
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield from block.text.split("\n")
        else:
            yield _table_block(block)
