"""Reading a decree saved as OpenDocument text (``.odt``): plain zip and lxml over content.xml.

An ODT is a zip package like a ``.docx``, so it passes the same checks first
(:mod:`roadmap.docx_package`: directory, sizes, compression ratio, XML nodes and depth).  Its
``content.xml`` is then read into :mod:`roadmap.blocks`: a line per paragraph or heading
(``text:line-break`` splits one), a grid per ``table:table``, where a spanned cell counts once
and its ``table:covered-table-cell`` s are empty across and :class:`Spanned` downwards.
Footnotes, annotations and the change-tracking log are not part of the text and are skipped.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from lxml import etree

from kontrol.roadmap.blocks import Block, Spanned, TableBlock, read_blocks
from kontrol.roadmap.cells import normalize_block, normalize_line
from kontrol.roadmap.docx_package import slim_package
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.limits import MAX_CELLS, MAX_ROW_LINES, MAX_TABLE_ROWS
from kontrol.roadmap.plan_table import FoundPlan

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_PARAGRAPHS = (_TEXT + "p", _TEXT + "h")
_SKIPPED = frozenset(
    {_TEXT + "note", _OFFICE + "annotation", _TEXT + "tracked-changes", _OFFICE + "forms"}
)


def read_odt(stream: BinaryIO, *, file: str) -> FoundPlan:
    """Parse an ``.odt`` decree."""
    try:
        slim = slim_package(stream, file=file)
    except DocumentError as exc:
        raise DocumentError(exc.message.replace(".docx", "ODT"), file=file) from None
    try:
        with zipfile.ZipFile(slim) as package:
            content = package.read("content.xml")
    except KeyError:
        raise DocumentError("the ODT package has no content.xml", file=file) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise DocumentError(f"the ODT content.xml cannot be read ({exc})", file=file) from None
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise DocumentError("the ODT package holds no text document", file=file)
    return read_blocks(_blocks(body, file=file), file=file, kind="ODT document")


def _blocks(body: Any, *, file: str) -> Iterator[Block]:
    walk = etree.iterwalk(body, events=("start",))
    for _, element in walk:
        if element.tag in _SKIPPED:
            walk.skip_subtree()
        elif element.tag in _PARAGRAPHS:
            yield from _paragraph_text(element).split("\n")
            walk.skip_subtree()
        elif element.tag == _TABLE + "table":
            yield _table(element, file=file)
            walk.skip_subtree()


def _paragraph_text(paragraph: Any) -> str:
    """The paragraph's text: ``text:s`` are spaces, tabs a space, line breaks a new line."""
    parts: list[str] = []
    walk = etree.iterwalk(paragraph, events=("start", "end"))
    for event, element in walk:
        if event == "start":
            if element.tag in _SKIPPED:
                walk.skip_subtree()
                continue
            if element.tag == _TEXT + "s":
                parts.append(" " * _count(element.get(_TEXT + "c"), 100))
            elif element.tag == _TEXT + "tab":
                parts.append(" ")
            elif element.tag == _TEXT + "line-break" or (
                element.tag in _PARAGRAPHS and element is not paragraph
            ):
                parts.append("\n")
            if isinstance(element.tag, str) and element.text:
                parts.append(element.text)
        elif element is not paragraph and element.tail:
            parts.append(element.tail)
    return "\n".join(normalize_line(line) for line in "".join(parts).split("\n"))


def _table(table: Any, *, file: str) -> TableBlock:
    block = TableBlock()
    above: dict[int, tuple[int, str]] = {}  # column → (rows still spanned, text)
    rows = table.iterfind(f".//{_TABLE}table-row")
    for row in rows:
        if row.getparent() is not table and _owner(row) is not table:
            continue  # a row of a table nested in a cell
        cells = _row_cells(row, above)
        repeat = _count(row.get(_TABLE + "number-rows-repeated"), 2)
        for _ in range(repeat):
            block.rows.append(cells)
        if len(block.rows) > MAX_TABLE_ROWS:
            raise DocumentError(
                f"a table of the ODT document has more than {MAX_TABLE_ROWS:,} rows", file=file
            )
    return block


def _owner(row: Any) -> Any:
    parent = row.getparent()
    while parent is not None and parent.tag != _TABLE + "table":
        parent = parent.getparent()
    return parent


def _row_cells(row: Any, above: dict[int, tuple[int, str]]) -> list[str]:
    cells: list[str] = []
    for cell in row:
        if cell.tag not in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
            continue
        repeat = _count(cell.get(_TABLE + "number-columns-repeated"), MAX_CELLS)
        for _ in range(repeat):
            if len(cells) >= MAX_CELLS:
                return cells
            column = len(cells)
            if cell.tag == _TABLE + "covered-table-cell":
                spanned = above.get(column)
                if spanned is not None:
                    left, text = spanned
                    above[column] = (left - 1, text)
                    if left <= 1:
                        del above[column]
                    cells.append(Spanned(text))
                else:
                    cells.append("")  # covered across by a cell to the left
                continue
            text = _cell_text(cell)
            rows = _count(cell.get(_TABLE + "number-rows-spanned"), MAX_ROW_LINES)
            columns = _count(cell.get(_TABLE + "number-columns-spanned"), MAX_CELLS)
            if rows > 1:
                above[column] = (rows - 1, text)
                for extra in range(1, columns):
                    above[column + extra] = (rows - 1, "")
            cells.append(text)
    return cells


def _count(value: str | None, limit: int) -> int:
    """A repeat or span attribute, 1 when missing or not a number, at most ``limit``."""
    try:
        return min(max(int(value or "1"), 1), limit)
    except ValueError:
        return 1


def _cell_text(cell: Any) -> str:
    lines: list[str] = []
    for element in cell.iter(*_PARAGRAPHS):
        lines.append(_paragraph_text(element))
    return normalize_block("\n".join(lines))
