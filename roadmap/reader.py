"""Entry point: read a decree file (text or ``.docx``) into a ``RoadmapDocument``.

The format is chosen by content first (a zip package is a ``.docx``) and by suffix second,
so a misnamed file is still read correctly and a broken ``.docx`` is reported as such.
"""

from __future__ import annotations

import hashlib
import pathlib

from roadmap.document import RoadmapDocument, SourceItem
from roadmap.docx_format import read_docx
from roadmap.errors import DocumentError
from roadmap.preamble import Preamble
from roadmap.text_format import decode_text, read_text

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_document(path: pathlib.Path) -> RoadmapDocument:
    """Read the decree at ``path``; a file that cannot be read is a DocumentError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read the file ({exc.strerror})", file=path.name) from None
    return read_document_bytes(data, path.name)


def read_document_bytes(data: bytes, name: str) -> RoadmapDocument:
    """Read a decree from its raw bytes; ``name`` is the file name used in messages."""
    suffix = pathlib.PurePath(name).suffix.lower()
    if not data.strip():
        raise DocumentError("the file is empty", file=name)
    if data.startswith(_OLE_MAGIC) or suffix == ".doc":
        raise DocumentError(
            "old binary Word (.doc) files are not supported: save the decree as .docx", file=name
        )
    if data.startswith(_ZIP_MAGIC) or suffix == ".docx":
        preamble, items, warnings = read_docx(data, file=name)
        encoding = "docx"
    else:
        text, encoding = decode_text(data, file=name)
        preamble, items, warnings = read_text(text, file=name)
    return _document(data, name, encoding, preamble, items, warnings)


def _document(
    data: bytes,
    name: str,
    encoding: str,
    preamble: Preamble,
    items: tuple[SourceItem, ...],
    warnings: list[str],
) -> RoadmapDocument:
    return RoadmapDocument(
        source_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
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
    )
