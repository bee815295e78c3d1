"""Reading a report form with files: streamed, size-limited, typed by content, stored by hash.

The request body is read chunk by chunk and fed to ``python_multipart``'s streaming parser; the
moment the files pass the limit, reading stops (413) and the temporary files are removed —
nothing is buffered whole in memory and nothing is left behind. A file's type is what its bytes
say (magic numbers, the ZIP directory of OOXML/ODF, the stream names of an OLE2 compound file),
never its name or the browser's Content-Type: an executable named ``report.pdf`` is refused
(415). Stored files are named by their SHA-256 (``ab/cd/abcd…``) under ``upload_dir``; the name
the user gave is kept for display and download only, never for a path.

A text field with a NUL character is refused (400): no browser sends one, and PostgreSQL cannot
store it. A file part with a name and no bytes is refused (400, naming it): an empty report
file is a mistake to show, not to drop. The empty, nameless part a browser sends when no file
was chosen is no file at all.

Errors: ``UploadError(status, message)`` — 400 malformed form or empty file, 413 too large,
415 not allowed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import quote

from python_multipart.multipart import MultipartParser, parse_options_header

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
FIELD_LIMIT = 100_000  # bytes of one text field (a report of ~20 pages of Cyrillic text)
MAX_FILES = 20
FORM_OVERHEAD = 256 * 1024  # headers and text fields on top of the files

ALLOWED: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "PDF"),
    "png": ("image/png", "PNG"),
    "jpg": ("image/jpeg", "JPEG"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "odt": ("application/vnd.oasis.opendocument.text", "ODT"),
    "doc": ("application/msword", "DOC"),
    "xls": ("application/vnd.ms-excel", "XLS"),
}
NUL_REFUSED = "В тексте формы есть недопустимый символ (NUL): уберите его и отправьте ещё раз."
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD = "WordDocument".encode("utf-16-le")
_EXCEL = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))


class UploadError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class IncomingFile:
    field: str
    original_name: str
    path: Path
    size: int = 0
    sha256: str = ""
    kind: str = ""  # a key of ALLOWED, set by ``check``
    named: bool = True  # the part had a file name (a browser sends none when nothing is chosen)


@dataclass
class ParsedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[IncomingFile] = field(default_factory=list)

    def cleanup(self) -> None:
        for f in self.files:
            with contextlib.suppress(FileNotFoundError):
                f.path.unlink()


def check_text(fields: dict[str, str]) -> None:
    """Refuse a form whose text holds a NUL character (400)."""
    if any("\x00" in name or "\x00" in value for name, value in fields.items()):
        raise UploadError(400, NUL_REFUSED)


def display_name(name: str) -> str:
    """The user's file name made harmless for display: last path part, no control characters."""
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    return name[:200] or "файл"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class _Collector:
    """Callbacks of the streaming parser: fields in memory (bounded), files to temp files."""

    def __init__(self, tmp_dir: Path, max_file_bytes: int) -> None:
        self.tmp_dir = tmp_dir
        self.max_file_bytes = max_file_bytes
        self.form = ParsedForm()
        self.file_bytes = 0
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._name = ""
        self._buffer: bytearray | None = None
        self._file: IO[bytes] | None = None
        self._incoming: IncomingFile | None = None
        self._hash = hashlib.sha256()

    def on_part_begin(self) -> None:
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if disposition != b"form-data" or b"name" not in options:
            raise UploadError(400, "Форма повреждена: часть без имени поля.")
        self._name = options[b"name"].decode("utf-8", "replace")
        if b"filename" in options:
            if len(self.form.files) >= MAX_FILES:
                raise UploadError(413, f"Не больше {MAX_FILES} файлов в одном отчёте.")
            fd, tmp = tempfile.mkstemp(dir=self.tmp_dir, prefix="upload-")
            self._file = os.fdopen(fd, "wb")
            self._hash = hashlib.sha256()
            given = options[b"filename"].decode("utf-8", "replace")
            self._incoming = IncomingFile(
                self._name, display_name(given), Path(tmp), named=bool(given.strip())
            )
            self.form.files.append(self._incoming)
            self._buffer = None
        else:
            self._buffer = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._file is not None and self._incoming is not None:
            self.file_bytes += len(chunk)
            if self.file_bytes > self.max_file_bytes:
                raise UploadError(413, "Файлы больше допустимого размера.")
            self._file.write(chunk)
            self._hash.update(chunk)
            self._incoming.size += len(chunk)
        elif self._buffer is not None:
            self._buffer += chunk
            if len(self._buffer) > FIELD_LIMIT:
                raise UploadError(413, "Слишком длинный текст в форме.")

    def on_part_end(self) -> None:
        if self._file is not None and self._incoming is not None:
            self._file.close()
            self._incoming.sha256 = self._hash.hexdigest()
            self._file, self._incoming = None, None
        elif self._buffer is not None:
            self.form.fields[self._name] = self._buffer.decode("utf-8", "replace")
            self._buffer = None
            check_text(self.form.fields)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


async def parse_form(
    content_type: str,
    content_length: str | None,
    stream: AsyncIterator[bytes],
    *,
    tmp_dir: Path,
    max_file_bytes: int,
) -> ParsedForm:
    """Read a multipart form from ``stream``; files land in ``tmp_dir`` (caller cleans up)."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadError(400, "Ожидалась форма multipart/form-data.")
    max_body = max_file_bytes + FORM_OVERHEAD
    # isascii: "²".isdigit() is true and int() refuses it (a header is Latin-1 text)
    length = content_length or ""
    if length.isascii() and length.isdigit() and int(length) > max_body:
        raise UploadError(413, "Файлы больше допустимого размера.")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    collector = _Collector(tmp_dir, max_file_bytes)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": collector.on_part_begin,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
        },
    )
    read = 0
    try:
        async for chunk in stream:
            read += len(chunk)
            if read > max_body:
                raise UploadError(413, "Файлы больше допустимого размера.")
            parser.write(chunk)
        parser.finalize()
    except UploadError:
        collector.close()
        collector.form.cleanup()
        raise
    except Exception as exc:
        collector.close()
        collector.form.cleanup()
        raise UploadError(400, "Форма повреждена.") from exc
    collector.close()
    form = collector.form
    kept = []
    for f in form.files:
        if f.size > 0 or f.named:
            kept.append(f)
        else:  # no file chosen in the browser
            f.path.unlink(missing_ok=True)
    form.files = kept
    return form


def _contains(path: Path, needles: tuple[bytes, ...]) -> bool:
    """Whether any needle occurs in the file (read in chunks with an overlap)."""
    overlap = max(len(n) for n in needles)
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            window = tail + chunk
            if any(n in window for n in needles):
                return True
            tail = window[-overlap:]
    return False


def sniff(path: Path) -> str | None:
    """The kind of a file by its content (a key of ``ALLOWED``), or None if not allowed."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(OLE2):
        if _contains(path, (_WORD,)):
            return "doc"
        if _contains(path, _EXCEL):
            return "xls"
        return None  # another compound file (an .msi installer is one)
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    return None


def _sniff_zip(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return "docx"
                if any(n.startswith("xl/") for n in names):
                    return "xlsx"
                return None
            if (
                "mimetype" in names
                and z.getinfo("mimetype").file_size < 100
                and z.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text"
            ):
                return "odt"
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    return None


def check(files: list[IncomingFile]) -> None:
    """Type every file by content; a refused one raises 415 naming it, an empty one 400."""
    for f in files:
        if f.size == 0:
            raise UploadError(
                400,
                f"Файл «{f.original_name}» пустой (0 байт): проверьте его и приложите ещё раз.",
            )
        kind = sniff(f.path)
        if kind is None:
            raise UploadError(
                415,
                f"Файл «{f.original_name}» не принят: допускаются PDF, документы Word, Excel, "
                "OpenDocument (docx, xlsx, odt, doc, xls) и изображения PNG, JPEG.",
            )
        f.kind = kind


def store(upload_dir: Path, incoming: IncomingFile) -> str:
    """Move a checked file to its content-addressed place; the path relative to upload_dir."""
    digest = incoming.sha256
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError("not a SHA-256 digest")
    relative = f"{digest[:2]}/{digest[2:4]}/{digest}"
    target = upload_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        incoming.path.unlink(missing_ok=True)
    else:
        os.replace(incoming.path, target)
    return relative


def stored_file(upload_dir: Path, relative: str) -> Path:
    """The file of a stored path, refusing anything that is not a digest path."""
    if not re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}", relative):
        raise ValueError(f"not a stored path: {relative!r}")
    return upload_dir / relative
