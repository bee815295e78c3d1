"""Bad input is always a DocumentError that says where, never another exception."""

from __future__ import annotations

import io
import pathlib

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from kontrol.roadmap.document import RoadmapDocument
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.reader import read_document, read_document_bytes

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "lenobl" / "000_e3bc991062043600.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")


def _error(data: bytes, name: str = "bad.txt") -> DocumentError:
    with pytest.raises(DocumentError) as info:
        read_document_bytes(data, name)
    assert info.value.file == name
    return info.value


def _docx(build) -> bytes:
    document = Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_empty_file() -> None:
    assert "empty" in str(_error(b""))
    assert "empty" in str(_error(b"  \n\t\n"))


def test_binary_file() -> None:
    assert "binary" in str(_error(b"\x00\x01\x02abc" * 50))


def test_undecodable_file() -> None:
    _error(bytes(range(128, 256)) * 4)


def test_missing_file(tmp_path: pathlib.Path) -> None:
    with pytest.raises(DocumentError):
        read_document(tmp_path / "nope.txt")


def test_no_table_in_text() -> None:
    assert "no plan table" in str(_error("РАСПОРЯЖЕНИЕ\nот 01.02.2021 № 5\n".encode()))


def test_missing_schedule_column() -> None:
    text = SEED_TEXT.replace("\tСроки реализации\t", "\tПримечание\t")
    error = _error(text.encode())
    assert error.line == 30
    assert "schedule" in str(error)
    assert "bad.txt:30" in str(error)


def test_missing_executors_column() -> None:
    text = SEED_TEXT.replace("\tОтветственные исполнители", "\tПримечание")
    error = _error(text.encode())
    assert error.line == 30
    assert "executors" in str(error)


def test_duplicate_item_number_names_both_lines() -> None:
    text = SEED_TEXT.replace("\n1.2\t", "\n1.1\t")
    error = _error(text.encode())
    assert error.item == "1.1"
    assert "32" in str(error) and "33" in str(error)


def test_a_text_named_docx_is_read_as_text() -> None:
    assert "no plan table" in str(_error(b"this is not a word file", "plan.docx"))


def test_docx_broken_zip() -> None:
    _error(b"PK\x03\x04" + b"\x00" * 100, "plan.docx")


def test_docx_without_table() -> None:
    data = _docx(lambda d: d.add_paragraph("РАСПОРЯЖЕНИЕ"))
    assert "no table" in str(_error(data, "plan.docx"))


def test_docx_table_without_executors() -> None:
    def build(document) -> None:
        document.add_paragraph("РАСПОРЯЖЕНИЕ от 01.02.2021 № 5")
        table = document.add_table(rows=2, cols=3)
        for cell, text in zip(table.rows[0].cells, ("№", "Наименование", "Срок"), strict=True):
            cell.text = text

    error = _error(_docx(build), "plan.docx")
    assert "executors" in str(error)
    assert error.line == 1


def test_a_broken_old_doc_is_one_line_naming_libreoffice() -> None:
    message = str(_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "plan.txt"))
    assert "LibreOffice" in message and "\n" not in message


def _outcome(data: bytes, name: str) -> None:
    try:
        result = read_document_bytes(data, name)
    except DocumentError:
        return
    assert isinstance(result, RoadmapDocument)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["x.txt", "x.docx", "x", "x.doc"]))
def test_random_bytes_give_a_document_or_a_document_error(data: bytes, name: str) -> None:
    _outcome(data, name)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_gives_a_document_or_a_document_error(text: str) -> None:
    _outcome(text.encode("utf-8", errors="surrogatepass"), "x.txt")


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_seed_gives_a_document_or_a_document_error(data: st.DataObject) -> None:
    lines = SEED_TEXT.split("\n")
    index = data.draw(st.integers(0, len(lines) - 1))
    alphabet = st.sampled_from([*list("\t 1.2-№«»<>/&;абвПлан0123456789"), "\n", "<p>", "<ul>"])
    lines[index] = "".join(data.draw(st.lists(alphabet, max_size=40)))
    _outcome("\n".join(lines).encode("utf-8"), "x.txt")
