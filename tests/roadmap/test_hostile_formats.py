"""Hostile PDF, HTML and RTF files: one line each, within bounded memory (a child's peak RSS)."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from kontrol.roadmap.convert import office_binary
from tests.roadmap.pdf_writer import pages_pdf, zeros_deflated
from tests.roadmap.test_hostile_files import PEAK_BOUND_MB, read_in_child

MiB = 1024 * 1024


def _refused(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    child = read_in_child(path)
    assert child.out.startswith(f"refused: {name}: "), child
    assert child.out.count("\n") == 1 and not child.err, child
    assert child.peak_mb < PEAK_BOUND_MB, child
    return child.out


def test_a_pdf_bomb_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    bomb = pages_pdf(1, zeros_deflated(1024 * MiB))
    assert len(bomb) < 2 * MiB
    assert "inflate to more than 64 MiB (a PDF bomb" in _refused(tmp_path, "bomb.pdf", bomb)


def test_a_5000_page_pdf_is_refused_from_its_page_tree(tmp_path: Path) -> None:
    out = _refused(tmp_path, "long.pdf", pages_pdf(5000, zlib.compress(b"")))
    assert "has 5,000 pages, more than the 300" in out


def test_a_scan_without_text_says_it_needs_a_text_layer_or_ocr(tmp_path: Path) -> None:
    out = _refused(tmp_path, "scan.pdf", pages_pdf(2, zlib.compress(b"q 1 0 0 1 0 0 cm Q")))
    assert "no text layer" in out and "OCR" in out


def test_a_pdf_of_text_without_a_ruled_table_says_what_it_lacks(tmp_path: Path) -> None:
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    text = zlib.compress(b"BT /F1 12 Tf 72 700 Td (Order No. 5 of 1 June 2021) Tj ET")
    out = _refused(tmp_path, "text.pdf", pages_pdf(1, text, font))
    assert "no ruled table" in out


def test_a_damaged_pdf_is_one_line(tmp_path: Path) -> None:
    assert "the PDF cannot be read" in _refused(
        tmp_path, "broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 100
    )


def test_html_of_100000_nested_tags_is_one_line(tmp_path: Path) -> None:
    page = b"<html><body>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000 + b"</body></html>"
    assert "no plan table found" in _refused(tmp_path, "deep.html", page)


def test_html_of_nested_tables_is_one_line(tmp_path: Path) -> None:
    page = b"<html><body>" + b"<table><tr><td>" * 30_000 + b"x"
    assert "no plan table found" in _refused(tmp_path, "tables.html", page)


def test_a_huge_html_page_is_refused_unread(tmp_path: Path) -> None:
    page = b"<!DOCTYPE html><html><body>" + b"<p>" + b" " * (20 * MiB)
    assert "more than 16 MiB" in _refused(tmp_path, "huge.html", page)


@pytest.mark.skipif(office_binary() is None, reason="LibreOffice is not installed")
def test_a_broken_rtf_is_one_line(tmp_path: Path) -> None:
    rtf = b"{\\rtf1\\ansi{\\fonttbl{\\f0 Times;}}\\trowd\\cellx100 \\intbl 1.1\\cell{{{{{{"
    out = _refused(tmp_path, "broken.rtf", rtf)
    assert "RTF" in out
