"""Small real files of every allowed kind, and disguised ones, built in memory."""

from __future__ import annotations

import io
import zipfile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOC = OLE2 + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 64
XLS = OLE2 + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 64
MSI = OLE2 + b"\x00" * 504 + "SummaryInformation".encode("utf-16-le") + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
HTML = b"<html><script>alert(1)</script></html>"


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
JAR = _zip({"META-INF/MANIFEST.MF": b"Main-Class: Evil\n", "Evil.class": b"\xca\xfe\xba\xbe"})
