"""Opening a ``.docx`` package safely: sizes checked before anything is decompressed.

A ``.docx`` is a zip of XML parts and media.  A hostile one can hold a 1 GiB ``document.xml``
in 1 MB (a zip bomb), thousands of entries, or XML that is small but deep or made of millions
of tiny elements; python-docx would read and parse all of it.  So before python-docx sees the
package:

1. the end-of-directory record bounds the central directory and the number of entries;
2. every entry's declared sizes are checked (``ZipInfo.file_size`` — zipfile never returns more
   than that, so it bounds what reading costs): per XML part, in total, and the compression
   ratio; names must be unique, plain (no «..», no absolute paths) and shallow;
3. every XML part is streamed through a pull parser that counts elements, attributes and depth,
   keeping
   nothing (a part that is not well-formed is left for python-docx to refuse, if it reads it);
4. a slim copy of the package is made in memory, holding the XML parts and an empty body for
   every other part (pictures, embedded files), which the plan never needs.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from typing import BinaryIO

from lxml import etree

from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.limits import (
    MAX_NAME_DEPTH,
    MAX_NAME_LENGTH,
    MAX_XML_DEPTH,
    MAX_XML_NODES,
    MAX_XML_PART,
    MAX_XML_RATIO,
    MAX_XML_TOTAL,
    MAX_ZIP_DIRECTORY,
    MAX_ZIP_ENTRIES,
    RATIO_FLOOR,
    READ_CHUNK,
    MiB,
)

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF
_CONTENT_TYPES = "[Content_Types].xml"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,  # an unknown compression method
    RuntimeError,  # an encrypted entry
    struct.error,
)


def slim_package(stream: BinaryIO, *, file: str) -> io.BytesIO:
    """Check the ``.docx`` in ``stream`` and return a copy holding only its XML parts."""
    _check_directory_record(stream, file=file)
    try:
        package = zipfile.ZipFile(stream)
        infos = [i for i in package.infolist() if not i.is_dir()]
    except _ZIP_ERRORS as exc:
        raise DocumentError(
            f"the .docx file is not a valid zip package ({exc})", file=file
        ) from None
    _check_entries(infos, file=file)
    xml_names = _xml_parts(package, infos, file=file)
    counter = _Counter(file=file)
    slim = io.BytesIO()
    with zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in infos:
            if info.filename not in xml_names:
                out.writestr(info.filename, b"")
                continue
            try:
                with package.open(info) as part, out.open(info.filename, "w") as copy:
                    counter.start(info.filename)
                    while chunk := part.read(READ_CHUNK):
                        copy.write(chunk)
                        counter.feed(chunk)
                    counter.close()
            except _ZIP_ERRORS as exc:
                raise DocumentError(
                    f"the .docx part {info.filename} cannot be read ({exc})", file=file
                ) from None
    slim.seek(0)
    return slim


def _check_directory_record(stream: BinaryIO, *, file: str) -> None:
    """Bound the central directory from the end record, before zipfile reads it."""
    size = stream.seek(0, io.SEEK_END)
    tail_start = max(0, size - _EOCD_SIZE - _MAX_COMMENT)
    stream.seek(tail_start)
    tail = stream.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        raise DocumentError("the .docx file is not a valid zip package", file=file)
    entries, directory = struct.unpack("<10xHL6x", tail[at : at + _EOCD_SIZE])
    locator = at - 20
    zip64 = entries == 0xFFFF or directory == 0xFFFFFFFF
    if zip64 and locator >= 0 and tail[locator : locator + 4] == _EOCD64_LOCATOR:
        (offset,) = struct.unpack("<8xQ4x", tail[locator : locator + 20])
        stream.seek(offset)
        record = stream.read(56)
        if len(record) == 56 and record[:4] == _EOCD64:
            entries, directory = struct.unpack("<32xQQ8x", record)
    if entries > MAX_ZIP_ENTRIES:
        raise DocumentError(
            f"the .docx package has {entries:,} entries, more than the {MAX_ZIP_ENTRIES:,} "
            "a document can need",
            file=file,
        )
    if directory > MAX_ZIP_DIRECTORY:
        raise DocumentError(
            f"the .docx package's directory is {directory:,} bytes, more than "
            f"{MAX_ZIP_DIRECTORY // MiB} MiB",
            file=file,
        )
    stream.seek(0)


def _check_entries(infos: list[zipfile.ZipInfo], *, file: str) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise DocumentError(
            f"the .docx package has {len(infos):,} entries, more than the {MAX_ZIP_ENTRIES:,} "
            "a document can need",
            file=file,
        )
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        parts = name.split("/")
        if name.startswith("/") or ".." in parts or "\x00" in name or "\\" in name:
            raise DocumentError(f"the .docx package has an unsafe part name «{name}»", file=file)
        if len(parts) > MAX_NAME_DEPTH or len(name) > MAX_NAME_LENGTH:
            raise DocumentError(
                f"the .docx package has a part nested too deep or named too long «{name[:80]}»",
                file=file,
            )
        if name.lower() in seen:
            raise DocumentError(f"the .docx package holds the part «{name}» twice", file=file)
        seen.add(name.lower())


def _xml_parts(package: zipfile.ZipFile, infos: list[zipfile.ZipInfo], *, file: str) -> set[str]:
    """Names of the XML parts (by extension or declared content type), within the size bounds."""
    types = _content_types(package, infos, file=file)
    names: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        base = posixpath.basename(name)
        extension = base.rpartition(".")[2].lower() if "." in base else ""  # «.rels» too
        declared = types.get("/" + name.lower()) or types.get(extension, "")
        if extension not in ("xml", "rels") and not declared.endswith("xml"):
            continue
        _check_part_size(info, file=file)
        total += info.file_size
        if total > MAX_XML_TOTAL:
            raise DocumentError(
                f"the .docx package's XML parts unpack to more than {MAX_XML_TOTAL // MiB} MiB",
                file=file,
            )
        names.add(name)
    return names


def _check_part_size(info: zipfile.ZipInfo, *, file: str) -> None:
    size, packed = info.file_size, max(info.compress_size, 1)
    if size > MAX_XML_PART:
        raise DocumentError(
            f"the .docx part {info.filename} unpacks to {size:,} bytes, more than "
            f"{MAX_XML_PART // MiB} MiB",
            file=file,
        )
    if size > RATIO_FLOOR and size / packed > MAX_XML_RATIO:
        raise DocumentError(
            f"the .docx part {info.filename} is compressed {size // packed:,} to 1 "
            "(a zip bomb, not a document)",
            file=file,
        )


def _content_types(
    package: zipfile.ZipFile, infos: list[zipfile.ZipInfo], *, file: str
) -> dict[str, str]:
    """Extension defaults and part overrides of ``[Content_Types].xml`` (lower-case keys)."""
    info = next((i for i in infos if i.filename == _CONTENT_TYPES), None)
    if info is None:
        return {}
    _check_part_size(info, file=file)
    try:
        root = etree.fromstring(package.read(info), _safe_parser())
    except (*_ZIP_ERRORS, etree.XMLSyntaxError) as exc:
        raise DocumentError(
            f"the .docx part {_CONTENT_TYPES} cannot be read ({exc})", file=file
        ) from None
    types: dict[str, str] = {}
    for element in root:
        if element.tag == _CT_NS + "Default":
            types[str(element.get("Extension", "")).lower()] = str(element.get("ContentType", ""))
        elif element.tag == _CT_NS + "Override":
            types[str(element.get("PartName", "")).lower()] = str(element.get("ContentType", ""))
    return types


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class _Counter:
    """Streams XML parts through a pull parser, counting nodes and depth, keeping nothing."""

    def __init__(self, *, file: str) -> None:
        self.file = file
        self.nodes = 0
        self.name = ""
        self.parser: etree.XMLPullParser | None = None
        self.depth = 0

    def start(self, name: str) -> None:
        self.name, self.depth = name, 0
        self.parser = etree.XMLPullParser(
            events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=False
        )

    def feed(self, chunk: bytes) -> None:
        if self.parser is None:
            return  # a broken part: python-docx will refuse it if it needs it
        try:
            self.parser.feed(chunk)
            self._drain(self.parser)
        except etree.XMLSyntaxError:
            self.parser = None

    def close(self) -> None:
        if self.parser is None:
            return
        try:
            self.parser.close()
            self._drain(self.parser)
        except etree.XMLSyntaxError:
            pass
        self.parser = None

    def _drain(self, parser: etree.XMLPullParser) -> None:
        for event, element in parser.read_events():
            # only start and end events are asked for: each carries an element
            assert isinstance(element, etree._Element)
            if event == "start":
                self.nodes += 1 + len(element.attrib)
                self.depth += 1
                if self.depth > MAX_XML_DEPTH:
                    raise DocumentError(
                        f"the .docx part {self.name} nests elements deeper than {MAX_XML_DEPTH}",
                        file=self.file,
                    )
                if self.nodes > MAX_XML_NODES:
                    raise DocumentError(
                        f"the .docx package has more than {MAX_XML_NODES:,} XML elements and "
                        "attributes: too many for a decree",
                        file=self.file,
                    )
            else:
                self.depth -= 1
                element.clear()
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
