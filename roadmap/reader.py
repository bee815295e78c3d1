"""Entry point: read a decree file (text, .docx, .doc, ODT, RTF, HTML, PDF) into a document.

The format is chosen by content alone (:mod:`roadmap.sniff`), never by the file's name, so a
misnamed file is still read correctly and a broken ``.docx`` is reported as such.  The
file is read a chunk at a time and within the bounds of :mod:`roadmap.limits`, so a hostile
or mistaken file (a 2 GB log, a zip bomb) is refused without exhausting memory.  Whether the
decree looks cut off is decided here, once, for both formats (:mod:`roadmap.completeness`).
"""

from __future__ import annotations

import hashlib
import io
import os
import pathlib
import stat
from typing import BinaryIO

from kontrol.roadmap.completeness import TableEnd, find_truncation
from kontrol.roadmap.convert import convert_to_docx
from kontrol.roadmap.document import RoadmapDocument, SourceItem
from kontrol.roadmap.docx_format import read_docx
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.html_format import read_html
from kontrol.roadmap.limits import MAX_TEXT_BYTES, READ_CHUNK
from kontrol.roadmap.odt_format import read_odt
from kontrol.roadmap.plan_table import FoundPlan
from kontrol.roadmap.preamble import Preamble
from kontrol.roadmap.sniff import HEAD_BYTES, Kind, other_kind, sniff
from kontrol.roadmap.text_format import read_text
from kontrol.roadmap.text_source import inspect_text, text_lines

_READ = "kontrol reads text, .docx, .doc, ODT, RTF, HTML and PDF with a text layer"


def read_document(path: pathlib.Path) -> RoadmapDocument:
    """Read the decree at ``path``; a file that cannot be read is a DocumentError."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # before opening: a FIFO would block
            raise DocumentError("not a regular file (a device, a pipe?)", file=path.name)
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            return read_document_stream(stream, path.name, size=size)
    except OSError as exc:
        raise DocumentError(f"cannot read the file ({exc.strerror})", file=path.name) from None


def read_document_bytes(data: bytes, name: str) -> RoadmapDocument:
    """Read a decree from its raw bytes; ``name`` is the file name used in messages."""
    return read_document_stream(io.BytesIO(data), name, size=len(data))


def read_document_stream(stream: BinaryIO, name: str, *, size: int) -> RoadmapDocument:
    """Read a decree from a seekable binary stream of ``size`` bytes."""
    if size == 0:
        raise DocumentError("the file is empty", file=name)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    kind = sniff(head)
    if kind != "text":
        plan = _read_structured(stream, kind, name)
        encoding, digest = str(kind), _sha256(stream)
    else:
        if size > MAX_TEXT_BYTES:
            raise DocumentError(
                f"the file is {size:,} bytes, more than a decree's text can be "
                f"({MAX_TEXT_BYTES // 2**20} MiB at most; is it the right file?)",
                file=name,
            )
        other = other_kind(head)
        if other is not None:
            raise DocumentError(f"the file is {other}, not a decree: {_READ}", file=name)
        source = inspect_text(stream, file=name)
        plan = read_text(
            text_lines(stream, source, file=name),
            file=name,
            ends_with_break=source.ends_with_break,
            cut_character=source.cut_character,
        )
        encoding, digest = source.encoding, source.sha256
    return _document(
        name, digest, encoding, plan.preamble, plan.preamble_lines, plan.items, plan.warnings,
        plan.end,
    )  # fmt: skip


def _read_structured(stream: BinaryIO, kind: Kind, name: str) -> FoundPlan:
    """Read a decree of a format other than plain text, chosen by :func:`sniff`."""
    if kind == "docx":
        return read_docx(stream, file=name)
    if kind == "odt":
        return read_odt(stream, file=name)
    if kind == "html":
        return read_html(stream, file=name)
    if kind == "pdf":  # pdfplumber takes half a second to import: only when needed
        from kontrol.roadmap.pdf_format import read_pdf

        return read_pdf(stream, file=name)
    converted = convert_to_docx(stream, kind, file=name)  # .doc and RTF
    label = "RTF document" if kind == "rtf" else ".doc document"
    return read_docx(io.BytesIO(converted), file=name, kind=label)


def _sha256(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(READ_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _document(
    name: str,
    digest: str,
    encoding: str,
    preamble: Preamble,
    preamble_lines: tuple[str, ...],
    items: tuple[SourceItem, ...],
    warnings: list[str],
    end: TableEnd,
) -> RoadmapDocument:
    found = find_truncation(items, end, preamble_lines)
    truncation = None
    if found is not None:
        truncation = str(
            DocumentError(found.message(), file=name, line=found.line, item=found.item)
        )
        warnings = [truncation, *warnings]
    return RoadmapDocument(
        source_name=name,
        sha256=digest,
        encoding=encoding,
        kind=preamble.kind,
        number=preamble.number,
        adopted_on=preamble.adopted_on,
        authority=preamble.authority,
        title=preamble.title,
        horizon_year=preamble.horizon_year,
        points=preamble.points,
        curators=preamble.curators,
        controller=preamble.controller,
        plan_title=preamble.plan_title,
        items=items,
        warnings=tuple(warnings),
        truncation=truncation,
    )
