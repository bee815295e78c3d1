"""Reading a decree saved as an HTML page (a legal portal, a regional site, «Save as HTML»).

The page is parsed by lxml's HTML parser (libxml2), never by patterns over the markup.  Its
encoding is the one the page declares (``<meta charset>`` or ``http-equiv``, or a byte-order
mark); a page that declares none is UTF-8 when it decodes as UTF-8 and Windows-1251 otherwise.
Navigation, scripts, styles and forms' controls are skipped.  What is left becomes
:mod:`roadmap.blocks`: a line per paragraph, heading, list entry or ``<br>``, and a grid per
table (``colspan`` counts once, ``rowspan`` is repeated below as ``Spanned``).  A table that
holds other tables lays the page out and is read through, not as a table.

The walk is iterative (a page of 100,000 nested tags cannot exhaust the stack) and libxml2
refuses nesting deeper than 256 levels without ``huge_tree``; the bytes are bounded by
:data:`roadmap.limits.MAX_HTML_BYTES` before parsing and the tables by the plan's bounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from lxml import etree

from kontrol.roadmap.blocks import Block, Spanned, TableBlock, read_blocks
from kontrol.roadmap.cells import normalize_block, normalize_line
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.limits import MAX_CELLS, MAX_HTML_BYTES, MAX_ROW_LINES, MAX_TABLE_ROWS
from kontrol.roadmap.plan_table import FoundPlan

_SKIPPED = frozenset(
    {"head", "script", "style", "noscript", "template", "nav", "iframe", "object", "embed",
     "svg", "math", "select", "button", "textarea", "input", "option", "map", "canvas"}
)  # fmt: skip
_BLOCKS = frozenset(
    {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
     "tr", "table", "blockquote", "pre", "section", "article", "main", "header", "footer",
     "center", "address", "hr", "form", "body", "caption", "td", "th", "fieldset", "figure"}
)  # fmt: skip
_CHARSET_XPATH = etree.XPath(
    "//meta[@charset]/@charset | //meta[translate(@http-equiv, 'CONTEYP', 'conteyp')"
    " = 'content-type']/@content"
)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def read_html(stream: BinaryIO, *, file: str) -> FoundPlan:
    """Parse an HTML page holding a decree."""
    return read_blocks(html_blocks(stream, file=file), file=file, kind="HTML page")


def html_blocks(stream: BinaryIO, *, file: str) -> Iterator[Block]:
    """The page's lines and tables, in order (also used for other formats turned into HTML)."""
    stream.seek(0)
    data = stream.read(MAX_HTML_BYTES + 1)
    if len(data) > MAX_HTML_BYTES:
        raise DocumentError(
            f"the HTML page is more than {MAX_HTML_BYTES // 2**20} MiB, more than a decree "
            "can be (is it the right file?)",
            file=file,
        )
    root = _parse(data, file=file)
    body = root.find("body")
    yield from _Walker(file).blocks(body if body is not None else root)


def _parse(data: bytes, *, file: str) -> Any:
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is not None:
        data = data[len(next(b for b, n in _BOMS if n == encoding)) :]
    root = _fromstring(data, encoding, file=file)
    if encoding is None and not _CHARSET_XPATH(root):
        try:
            data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1251"
        root = _fromstring(data, encoding, file=file)
    return root


def _fromstring(data: bytes, encoding: str | None, *, file: str) -> Any:
    parser = etree.HTMLParser(
        encoding=encoding, remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError, LookupError) as exc:
        raise DocumentError(f"the HTML page cannot be parsed ({exc})", file=file) from None
    if root is None:
        raise DocumentError("the HTML page is empty", file=file)
    return root


def _flat(text: str) -> str:
    """Text as HTML shows it: a line break in the source is a space."""
    return text.replace("\r", " ").replace("\n", " ")


def _tag(element: Any) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


class _Walker:
    """Walks the body once, iteratively, turning it into lines and tables."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.line: list[str] = []

    def _flush(self) -> Iterator[str]:
        text = normalize_line(" ".join(self.line))
        self.line = []
        if text:
            yield text

    def blocks(self, body: Any) -> Iterator[Block]:
        walk = etree.iterwalk(body, events=("start", "end"))
        for event, element in walk:
            tag = _tag(element)
            if event == "start":
                if tag in _SKIPPED or element.get("hidden") is not None:
                    walk.skip_subtree()
                    self.line.append("")  # its tail still comes, at its end
                    continue
                if tag in _BLOCKS:
                    yield from self._flush()
                if tag == "table" and element.find(".//table") is None:
                    yield _table(element, file=self.file)
                    walk.skip_subtree()
                    continue
                if tag == "pre" and element.text:
                    yield from (normalize_line(x) for x in element.text.split("\n") if x.strip())
                elif element.text and tag:
                    self.line.append(_flat(element.text))
            else:
                if tag in _BLOCKS:
                    yield from self._flush()
                if element.tail and element is not body:
                    self.line.append(_flat(element.tail))
        yield from self._flush()


def _table(table: Any, *, file: str) -> TableBlock:
    """The table's grid: colspan counts once, rowspan repeats below as Spanned."""
    block = TableBlock()
    pending: dict[int, tuple[int, str]] = {}  # column → (rows still spanned, text)
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    if len(rows) > MAX_TABLE_ROWS:
        raise DocumentError(
            f"a table of the HTML page has {len(rows):,} rows, more than a plan can have "
            f"({MAX_TABLE_ROWS:,})",
            file=file,
        )
    for tr in rows:
        cells: list[str] = []
        for td in tr.xpath("./td | ./th")[:MAX_CELLS]:
            _fill_spanned(cells, pending)
            text = _cell_text(td)
            colspan = _span(td.get("colspan"), MAX_CELLS)
            rowspan = _span(td.get("rowspan"), MAX_ROW_LINES)
            for offset in range(colspan):
                if len(cells) >= MAX_CELLS:
                    break
                if rowspan > 1:
                    pending[len(cells)] = (rowspan - 1, "" if offset else text)
                cells.append("" if offset else text)
        _fill_spanned(cells, pending, to_end=True)
        block.rows.append(cells)
    return block


def _fill_spanned(
    cells: list[str], pending: dict[int, tuple[int, str]], to_end: bool = False
) -> None:
    """Put the cells merged down from above in their columns, before the next own cell."""
    while len(cells) in pending or (to_end and any(c >= len(cells) for c in pending)):
        column = len(cells)
        if column not in pending:
            cells.append("")
            continue
        left, text = pending.pop(column)
        if left > 1:
            pending[column] = (left - 1, text)
        cells.append(Spanned(text))


def _span(value: str | None, limit: int) -> int:
    try:
        number = int((value or "1").strip())
    except ValueError:
        return 1
    return min(max(number, 1), limit)


def _cell_text(cell: Any) -> str:
    """The cell's text with a line per paragraph, ``<br>`` or list entry."""
    lines: list[str] = []
    current: list[str] = []
    walk = etree.iterwalk(cell, events=("start", "end"))
    for event, element in walk:
        tag = _tag(element)
        if event == "start":
            if tag in _SKIPPED:
                walk.skip_subtree()
                continue
            if tag in _BLOCKS and element is not cell:
                lines.append(" ".join(current))
                current = []
            if element.text and tag:
                current.append(_flat(element.text))
        else:
            if tag in _BLOCKS and element is not cell:
                lines.append(" ".join(current))
                current = []
            if element.tail and element is not cell:
                current.append(_flat(element.tail))
    lines.append(" ".join(current))
    return normalize_block("\n".join(normalize_line(line) for line in lines))
