"""A decree saved as text, read a chunk at a time: its encoding, its digest, then its lines.

The file is never held whole: one pass checks the bounds and the encoding and computes the
digest, a second pass yields the lines.  The encoding is UTF-8 (with or without BOM), UTF-16
with BOM, or Windows-1251 when the text is mostly Cyrillic (almost any bytes decode as cp1251,
and a binary file must not be read as a roadmap).  A file that is valid up to an incomplete
character at its very end was cut off mid-character: the fragment is dropped and the cut is
reported to the caller, which warns about it instead of guessing another encoding.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.limits import MAX_TEXT_BYTES, MAX_TEXT_LINES, READ_CHUNK

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f]")  # tab, line breaks, \f and \v are text
_LETTER_RE = re.compile(r"[^\W\d_]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_BREAK_RE = re.compile(r"\r\n|\r|\n")
_MAX_CONTROL_SHARE = 0.01
_BINARY = (
    "the file is binary (contains NUL bytes) and of no kind kontrol reads: text, .docx, .doc, "
    "ODT, RTF, HTML or PDF with a text layer"
)


@dataclass(frozen=True)
class TextSource:
    """What the first pass learnt about a text file."""

    encoding: str  # utf-8, utf-8-sig, utf-16 or cp1251
    sha256: str
    size: int  # bytes read in the first pass; the second pass reads no more
    cut_character: bool  # the file ends inside a multi-byte character (dropped)
    ends_with_break: bool  # the last character is a line break


@dataclass
class _Scan:
    encoding: str
    digest: Any  # a hashlib object
    size: int = 0
    chars: int = 0
    controls: int = 0
    letters: int = 0
    cyrillic: int = 0
    lines: int = 1
    nonblank: bool = False
    cut_character: bool = False
    last: str = ""
    invalid: bool = False


def inspect_text(stream: BinaryIO, *, file: str) -> TextSource:
    """Check the bounds and the encoding of the text in ``stream``; fail with a DocumentError."""
    stream.seek(0)
    head = stream.read(4)
    if head.startswith(_UTF16_BOMS):
        scan = _scan(stream, "utf-16", file=file)
        if scan.invalid:
            raise DocumentError("the file is not valid UTF-16 text", file=file)
    else:
        scan = _scan(stream, "utf-8-sig" if head.startswith(_UTF8_BOM) else "utf-8", file=file)
        if scan.invalid:
            scan = _scan(stream, "cp1251", file=file)
            if scan.invalid:
                raise DocumentError("the file is neither UTF-8 nor Windows-1251 text", file=file)
            if not scan.letters or scan.cyrillic / scan.letters < 0.5:
                raise DocumentError(
                    "the file is not UTF-8 and does not look like Russian text", file=file
                )
    if not scan.nonblank:
        raise DocumentError("the file is empty", file=file)
    if scan.controls > max(2, scan.chars * _MAX_CONTROL_SHARE):
        raise DocumentError("the file looks binary (control characters), not a text", file=file)
    return TextSource(
        encoding=scan.encoding,
        sha256=scan.digest.hexdigest(),
        size=scan.size,
        cut_character=scan.cut_character,
        ends_with_break=scan.last in ("\n", "\r") and not scan.cut_character,
    )


def _scan(stream: BinaryIO, encoding: str, *, file: str) -> _Scan:
    """One pass over the bytes: bounds, digest and the counts that decide the encoding."""
    stream.seek(0)
    scan = _Scan(encoding=encoding, digest=hashlib.sha256())
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    eight_bit = encoding != "utf-16"
    while chunk := stream.read(READ_CHUNK):
        scan.size += len(chunk)
        if scan.size > MAX_TEXT_BYTES:
            raise DocumentError(
                f"the file is more than {MAX_TEXT_BYTES // 2**20} MiB, more than a decree's "
                "text can be (is it the right file?)",
                file=file,
            )
        scan.digest.update(chunk)
        if eight_bit and b"\x00" in chunk:
            raise DocumentError(_BINARY, file=file)
        if scan.invalid:
            continue  # only the digest is still wanted
        try:
            _count(scan, decoder.decode(chunk), file=file)
        except UnicodeDecodeError:
            scan.invalid = True
    if not scan.invalid:
        try:
            _count(scan, decoder.decode(b"", final=True), file=file)
        except UnicodeDecodeError:
            scan.cut_character = True  # valid up to an incomplete character at the very end
    return scan


def _count(scan: _Scan, text: str, *, file: str) -> None:
    if not text:
        return
    if "\x00" in text:  # in UTF-16; 8-bit files are checked on their bytes
        raise DocumentError("the file contains NUL characters: not a text", file=file)
    scan.chars += len(text)
    scan.controls += _CONTROL_RE.subn("", text)[1]
    if scan.encoding == "cp1251":
        scan.letters += _LETTER_RE.subn("", text)[1]
        scan.cyrillic += _CYRILLIC_RE.subn("", text)[1]
    scan.lines += text.count("\n") + text.count("\r") - text.count("\r\n")
    if scan.lines > MAX_TEXT_LINES:
        raise DocumentError(
            f"the file has more than {MAX_TEXT_LINES:,} lines: too many for a decree's text",
            file=file,
        )
    scan.nonblank = scan.nonblank or bool(text.strip())
    scan.last = text[-1]


def text_lines(stream: BinaryIO, source: TextSource, *, file: str) -> Iterator[str]:
    """The lines of the text (split on CRLF, CR and LF, as ``str.split`` would leave them)."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(source.encoding)(errors="strict")
    pending = ""
    left = source.size
    try:
        while left > 0 and (chunk := stream.read(min(READ_CHUNK, left))):
            left -= len(chunk)
            text = pending + decoder.decode(chunk)
            hold = 1 if text.endswith("\r") else 0  # the first half of a CRLF, maybe
            parts = _BREAK_RE.split(text[: len(text) - hold])
            pending = parts.pop() + text[len(text) - hold :]
            yield from parts
        pending += decoder.decode(b"", final=not source.cut_character)
    except UnicodeDecodeError:
        raise DocumentError("the file changed while it was being read", file=file) from None
    yield from _BREAK_RE.split(pending)
