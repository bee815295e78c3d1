"""What kind of file a decree is, told by its first bytes, never by its name.

Decrees arrive misnamed (a PDF saved as ``.doc``, an HTML page as ``.xls``), so the reader
looks at the content: the magic numbers of PDF, RTF, OLE2 (Word 97 ``.doc``) and zip packages
(an ODT names its kind in the uncompressed ``mimetype`` entry that comes first; any other zip
is taken for a ``.docx``), and for HTML the first tag after a byte-order mark and white space.
A few other kinds people send by mistake (pictures, archives) are named so that the message
says what the file is.  Everything else is left to the text reader, which refuses binaries.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["pdf", "rtf", "doc", "odt", "docx", "html", "text"]

HEAD_BYTES = 1024  # what :func:`sniff` needs to see

_ODT_MIME = b"application/vnd.oasis.opendocument.text"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<title")
_WHITE = b" \t\r\n\f\v"
# Kinds that are surely no decree, named in the message.
_OTHER = (
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"II*\x00", "a TIFF picture (a scan? it needs OCR first)"),
    (b"MM\x00*", "a TIFF picture (a scan? it needs OCR first)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"AT&TFORM", "a DjVu document (a scan? it needs OCR first)"),
)


def sniff(head: bytes) -> Kind:
    """The kind of the file whose first bytes are ``head`` («text» for anything else)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        # the ODF packaging rule: «mimetype» first, stored, at offset 30
        if head[30:38] == b"mimetype" and head[38:].startswith(_ODT_MIME):
            return "odt"
        return "docx"
    if _looks_like_html(head):
        return "html"
    return "text"


def other_kind(head: bytes) -> str | None:
    """A short name of a kind kontrol surely cannot read («a PNG picture»), or None."""
    for magic, name in _OTHER:
        if head.startswith(magic):
            return name
    return None


def _looks_like_html(head: bytes) -> bool:
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    if head.startswith((b"\x00<", b"<\x00")):  # UTF-16 without its mark
        head = head.replace(b"\x00", b"")
    start = head.lstrip(_WHITE).lower()
    while start.startswith(b"<!--"):  # comments before the doctype
        end = start.find(b"-->")
        if end < 0:
            return False
        start = start[end + 3 :].lstrip(_WHITE)
    if start.startswith(b"<?xml"):  # XHTML
        end = start.find(b"?>")
        start = start[end + 2 :].lstrip(_WHITE) if end >= 0 else b""
    return start.startswith(_HTML_STARTS)
