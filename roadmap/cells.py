"""Turn a raw table cell (plain text or an HTML fragment) into clean text.

Roadmaps are often exported from web portals, so a cell can hold ``<p>``, ``<ul>`` and
``-entry`` lines.  The clean text keeps the structure a person needs: paragraphs on their own
lines and list entries each on a line starting with «– ».  Quotes are never rebalanced: the
executors cells of real decrees carry stray «»» and must stay as written.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

LIST_MARK = "– "

_TAG_RE = re.compile(
    r"</?(?:p|ul|ol|li|br|div|span|b|i|u|em|strong|font|table|tr|td|th|h[1-6]|sup|sub)\b[^>]*>",
    re.IGNORECASE,
)
_ENTITY_RE = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_BLOCK_TAGS = frozenset({"p", "div", "br", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_LIST_TAGS = frozenset({"ul", "ol"})
# A list entry written as text inside <ul>: «-создание», or any dash after «;», «,», «:», «.».
_INLINE_MARK_RE = re.compile(r"(?:^|(?<=[;,:.]))\s*[-–—•]\s*(?=[^\W\d_])|(?<=\s)[-•](?=[^\W\d_])")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")


def normalize_line(text: str) -> str:
    """Collapse runs of spaces inside one line and strip it."""
    return _SPACES_RE.sub(" ", text).strip()


def normalize_block(text: str) -> str:
    """Normalise every line of a multi-line text and drop empty lines."""
    lines = (normalize_line(line) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def looks_like_html(text: str) -> bool:
    """True when the cell contains markup we know how to read."""
    return bool(_TAG_RE.search(text))


def clean_cell(raw: str) -> str:
    """Return the cell's text: HTML rendered as lines, entities unescaped, spaces collapsed."""
    if looks_like_html(raw):
        parser = _CellParser()
        parser.feed(raw)
        parser.close()
        return parser.text()
    if _ENTITY_RE.search(raw):
        raw = html.unescape(raw)
    return normalize_block(raw)


class _CellParser(HTMLParser):
    """Collects blocks (paragraphs and list entries) from a cell's HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._current: list[str] = []
        self._current_is_entry = False
        self._list_depth = 0

    def _flush(self) -> None:
        text = normalize_line(" ".join(self._current))
        if text:
            self._lines.append(LIST_MARK + text if self._current_is_entry else text)
        self._current = []
        self._current_is_entry = False

    def _start_entry(self) -> None:
        self._flush()
        self._current_is_entry = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LIST_TAGS:
            self._flush()
            self._list_depth += 1
        elif tag == "li":
            self._start_entry()
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _LIST_TAGS:
            self._flush()
            self._list_depth = max(0, self._list_depth - 1)
        elif tag == "li" or tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._list_depth == 0 or (self._current_is_entry and not _INLINE_MARK_RE.search(data)):
            self._current.append(data)
            return
        # Inside a list without <li>: split the text on its own entry marks.
        pos = 0
        for match in _INLINE_MARK_RE.finditer(data):
            self._current.append(data[pos : match.start()])
            self._start_entry()
            pos = match.end()
        self._current.append(data[pos:])

    def text(self) -> str:
        self._flush()
        return "\n".join(self._lines)
