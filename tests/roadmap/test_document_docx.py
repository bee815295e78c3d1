"""A .docx built from the seed's rows reads to the same items as the text."""

from __future__ import annotations

import io
import pathlib
from datetime import date

import pytest
from docx import Document

from kontrol.roadmap.document import RoadmapDocument, SourceItem
from kontrol.roadmap.reader import read_document, read_document_bytes

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "lenobl" / "000_e3bc991062043600.txt"
HEADER = ("№ п/п", "Наименование мероприятия", "Сроки реализации", "Ответственные исполнители")
SPLIT_AT = "3.2"  # the second table starts here, with a repeated header


def _set_cell(cell, text: str) -> None:
    paragraphs = text.split("\n")
    cell.text = paragraphs[0]
    for paragraph in paragraphs[1:]:
        cell.add_paragraph(paragraph)


def _add_header(table, rows: int) -> None:
    """A header of ``rows`` rows whose cells are merged vertically, then «1 2 3 4»."""
    start = len(table.rows)
    for _ in range(rows + 1):
        table.add_row()
    for column, text in enumerate(HEADER):
        top = table.cell(start, column)
        if rows > 1:
            top = top.merge(table.cell(start + rows - 1, column))
        top.text = text
        table.cell(start + rows, column).text = str(column + 1)


def _add_item(table, item: SourceItem) -> None:
    cells = table.add_row().cells
    if item.kind == "section":
        merged = cells[0].merge(cells[3])
        merged.text = f"{item.number}. {item.title}"
        return
    title = item.title
    if "\n" not in title and len(title) > 80:
        cut = title.index(" ", len(title) // 2)
        title = title[:cut] + "\n" + title[cut + 1 :]
    for cell, text in zip(
        cells, (item.number, title, item.schedule_text, item.executors_text), strict=True
    ):
        _set_cell(cell, text)


def build_docx(text_doc: RoadmapDocument) -> bytes:
    lines = SEED.read_text(encoding="utf-8").split("\n")[:28]
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    first = document.add_table(rows=0, cols=4)
    _add_header(first, rows=2)
    table = first
    for item in text_doc.items:
        if item.number == SPLIT_AT:
            document.add_paragraph("")
            table = document.add_table(rows=0, cols=4)
            _add_header(table, rows=1)
        _add_item(table, item)
    document.add_paragraph("Текст после таблицы")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def text_doc() -> RoadmapDocument:
    return read_document(SEED)


@pytest.fixture(scope="module")
def docx_doc(text_doc: RoadmapDocument) -> RoadmapDocument:
    return read_document_bytes(build_docx(text_doc), "seed.docx")


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_items_equal_the_text_parse(text_doc: RoadmapDocument, docx_doc: RoadmapDocument) -> None:
    assert [i.number for i in docx_doc.items] == [i.number for i in text_doc.items]
    for ours, theirs in zip(docx_doc.items, text_doc.items, strict=True):
        assert ours.kind == theirs.kind, ours.number
        assert _squash(ours.title) == _squash(theirs.title), ours.number
        assert ours.schedule_text == theirs.schedule_text, ours.number
        assert ours.executors_text == theirs.executors_text, ours.number
        assert ours.parent == theirs.parent, ours.number


def test_multi_paragraph_cell_keeps_newline(docx_doc: RoadmapDocument) -> None:
    item = next(i for i in docx_doc.items if i.number == "1.1")
    assert "\n" in item.title


def test_rows_are_counted_over_the_plan(docx_doc: RoadmapDocument) -> None:
    first = docx_doc.items[0]
    assert first.lines == (4,)  # two header rows and the «1 2 3 4» row come first
    assert all(
        a.lines[0] < b.lines[0] for a, b in zip(docx_doc.items, docx_doc.items[1:], strict=False)
    )


def test_preamble_from_paragraphs(docx_doc: RoadmapDocument) -> None:
    assert docx_doc.encoding == "docx"
    assert docx_doc.number == "1302-б"
    assert docx_doc.adopted_on == date(2020, 7, 27)
    assert docx_doc.kind == "распоряжение"
    assert docx_doc.horizon_year == 2030
    assert [c.person for c in docx_doc.curators] == [
        "Винокуров М.В.", "Голованов М.В.", "Ковальчук О.В.",
    ]  # fmt: skip
    assert docx_doc.controller is not None
    assert docx_doc.controller.person == "А.С. Огарков"
    assert docx_doc.plan_title.startswith("План мероприятий")


def test_suffix_does_not_matter(text_doc: RoadmapDocument) -> None:
    doc = read_document_bytes(build_docx(text_doc), "misnamed.txt")
    assert len(doc.activities) == 34
