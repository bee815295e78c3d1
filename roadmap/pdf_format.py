"""Reading a decree published as PDF with a text layer: its text, and its plan as a table.

**pdfplumber** (on pdfminer.six) is the reader, chosen over **pypdf** after both were run on
the seed printed to PDF by LibreOffice: pypdf gives the page's text only, in drawing order, so a
row's four cells come out as interleaved lines that no rule can put back into columns (a wrapped
title and a wrapped executors cell mix line by line), while pdfplumber finds the table by its
ruling lines and gives each cell whole, merged cells as ``None``.  The text outside the tables
(the preamble, what follows the plan) is read per page between the tables, in reading order.

What comes out is :mod:`roadmap.blocks`: a table per page, so a plan running over several pages
is several tables of the same width (with or without a repeated header), and a row broken by a
page goes on in a row without a number.  Inside a cell the lines a PDF wraps are joined by a
space (after a hyphen by nothing, «2020-» + «2030»; and «3.1.» + «1» is «3.1.1»), because a
PDF does not tell a wrapped line from a new paragraph; only a list entry («– …» after «:», «;»,
«,» or «.») starts a new line.

Bounds, all checked before the parser gets the page concerned: bytes, page count (from the page
tree, before any page is read), the inflated size of all Flate streams together (a «PDF bomb»
is a few KB that inflates to gigabytes), and characters of the text layer.  A PDF without any
text (a scan) is refused with a line saying it needs a text layer or OCR.
"""

from __future__ import annotations

import io
import itertools
import re
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSException

from kontrol.roadmap.blocks import Block, TableBlock, read_blocks
from kontrol.roadmap.cells import normalize_line
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.limits import (
    MAX_PDF_BYTES,
    MAX_PDF_CHARS,
    MAX_PDF_INFLATED,
    MAX_PDF_PAGES,
    READ_CHUNK,
    MiB,
)
from kontrol.roadmap.plan_table import FoundPlan

_NUMBER_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3})*\.$")
_LIST_MARKS = ("– ", "- ", "— ", "• ")
_NO_TABLE = (
    "no plan table found: the PDF has no ruled table (its tables are found by their ruling "
    "lines); send the decree as .docx, or print it to PDF with the table's borders"
)
_NO_TEXT = (
    "the PDF has no text layer (a scanned image?): kontrol reads only PDFs with text; "
    "export the decree from its editor as PDF, or run OCR first (e.g. ocrmypdf -l rus)"
)


def read_pdf(stream: BinaryIO, *, file: str) -> FoundPlan:
    """Parse a PDF decree."""
    stream.seek(0)
    data = stream.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        raise DocumentError(
            f"the PDF is more than {MAX_PDF_BYTES // MiB} MiB, more than a decree can be",
            file=file,
        )
    check_inflated_size(data, file=file)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _check_page_count(pdf, file=file)  # before close(), which would list every page
        try:
            blocks = list(_blocks(pdf, file=file))
        finally:
            pdf.close()
    except DocumentError:
        raise
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, zlib.error) as exc:
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise DocumentError(f"the PDF cannot be read ({message})", file=file) from None
    except Exception as exc:  # pdfminer raises many types on damaged files
        message = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        raise DocumentError(f"the PDF cannot be read ({message})", file=file) from None
    if not any(isinstance(block, TableBlock) for block in blocks):
        raise DocumentError(_NO_TABLE, file=file)
    return read_blocks(blocks, file=file, kind="PDF")


def check_inflated_size(data: bytes, *, file: str) -> None:
    """Inflate every Flate stream a piece at a time, keeping nothing, and bound the total."""
    total = 0
    at = data.find(b"stream")
    while at >= 0:
        start = at + len(b"stream")
        if data[at - 3 : at] == b"end" or data[start : start + 1] not in (b"\r", b"\n"):
            at = data.find(b"stream", start)
            continue
        start += 2 if data[start : start + 2] == b"\r\n" else 1
        end = data.find(b"endstream", start)
        if end < 0:
            break
        total += _inflated(memoryview(data)[start:end], MAX_PDF_INFLATED - total)
        if total > MAX_PDF_INFLATED:
            raise DocumentError(
                f"the PDF's streams inflate to more than {MAX_PDF_INFLATED // MiB} MiB "
                "(a PDF bomb, not a decree)",
                file=file,
            )
        at = data.find(b"stream", end + len(b"endstream"))


def _inflated(packed: memoryview, budget: int) -> int:
    """Bytes the stream inflates to, counted up to ``budget`` + 1; 0 if it is not Flate."""
    inflater = zlib.decompressobj()
    size = 0
    pending = bytes(packed)
    try:
        while pending and size <= budget:
            size += len(inflater.decompress(pending, READ_CHUNK))
            pending = inflater.unconsumed_tail
    except zlib.error:
        return size
    return size


def _check_page_count(pdf: Any, *, file: str) -> None:
    pages = resolve1(pdf.doc.catalog.get("Pages"))
    count = resolve1(pages.get("Count")) if isinstance(pages, dict) else None
    if not isinstance(count, int):
        raise DocumentError("the PDF has no readable page tree", file=file)
    if count > MAX_PDF_PAGES:
        raise DocumentError(
            f"the PDF has {count:,} pages, more than the {MAX_PDF_PAGES} a decree can have",
            file=file,
        )


def _blocks(pdf: Any, *, file: str) -> Iterator[Block]:
    chars = 0
    for page in pdf.pages:
        chars += len(page.chars)
        if chars > MAX_PDF_CHARS:
            raise DocumentError(
                f"the PDF's text is more than {MAX_PDF_CHARS:,} characters: not a decree",
                file=file,
            )
        yield from _page_blocks(page)
        page.close()
    if chars == 0:
        raise DocumentError(_NO_TEXT, file=file)


def _page_blocks(page: Any) -> Iterator[Block]:
    """The page's text and tables from top to bottom."""
    tables = sorted(page.find_tables(), key=lambda table: table.bbox[1])
    top = page.bbox[1]
    for table in tables:
        yield from _text_lines(page, top, table.bbox[1])
        yield TableBlock(rows=[[_cell(text) for text in row] for row in table.extract()])
        top = table.bbox[3]
    yield from _text_lines(page, top, page.bbox[3])


def _text_lines(page: Any, top: float, bottom: float) -> Iterator[str]:
    """The region's paragraphs, a line each (the preamble reader wants paragraphs whole)."""
    if bottom - top < 1:
        return
    x0, _, x1, _ = page.bbox
    region = page.within_bbox((x0, top, x1, bottom), strict=False)
    lines = [line for line in region.extract_text_lines() if line["text"].strip()]
    if not lines:
        return
    gaps = sorted(b["top"] - a["bottom"] for a, b in itertools.pairwise(lines))
    usual = gaps[len(gaps) // 2] if gaps else 0.0
    left = min(line["x0"] for line in lines)
    right = max(line["x1"] for line in lines)
    paragraph = ""
    previous: dict[str, Any] | None = None
    for line in lines:
        if previous is not None and _new_paragraph(previous, line, usual, left, right):
            yield paragraph
            paragraph = ""
        paragraph = _join(paragraph, normalize_line(line["text"]))
        previous = line
    if paragraph:
        yield paragraph


def _new_paragraph(
    previous: dict[str, Any], line: dict[str, Any], usual: float, left: float, right: float
) -> bool:
    """A wider gap, an indented first line, or a short line before: a paragraph ends."""
    height = max(line["bottom"] - line["top"], 1.0)
    if line["top"] - previous["bottom"] > max(usual * 1.8, usual + height * 0.4):
        return True
    if line["x0"] > previous["x0"] + height * 0.8:  # a first-line indent (or a centred line)
        return True
    return bool(previous["x1"] < right - (right - left) * 0.3)


def _join(joined: str, line: str) -> str:
    """Two wrapped lines as one text (after a hyphen, or inside an item number, no space)."""
    if not joined:
        return line
    if not line:
        return joined
    if joined.endswith((":", ";", ",", ".")) and line.startswith(_LIST_MARKS):
        return joined + "\n" + line  # a list entry begins
    glue = "" if joined.endswith("-") or _split_number(joined, line) else " "
    return joined + glue + line


def _split_number(before: str, after: str) -> bool:
    """An item number wrapped in a narrow column («3.1.» + «1»)."""
    return bool(_NUMBER_RE.match(before)) and after[:1].isdigit()


def _cell(text: str | None) -> str:
    """The cell's lines joined as one paragraph (a PDF wraps, it does not break)."""
    joined = ""
    for line in (text or "").split("\n"):
        joined = _join(joined, normalize_line(line))
    return joined
