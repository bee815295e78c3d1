"""A decree saved from a legal portal as HTML: encodings, spans, <br> and <p> in cells, chrome.

The page is written here from the seed's text: the decree's paragraphs among a portal's
navigation, scripts and styles, and the plan as a table with a <th> header, a «1 2 3 4» row,
section rows spanning every column, an item whose number spans its two rows, two items sharing
one executors cell (rowspan), and titles broken by <br> or split into <p>.
"""

from __future__ import annotations

import html
import pathlib

import pytest

from kontrol.roadmap.document import RoadmapDocument, SourceItem
from kontrol.roadmap.reader import read_document, read_document_bytes

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "lenobl" / "000_e3bc991062043600.txt"
SHARED = ("1.1", "1.2")  # same executors: one cell spanning both rows
TWO_ROWS = "2.1"  # its number spans two rows; the title's second half is in the second
CHROME = """<nav><ul><li><a href="/">Главная</a></li><li>1.1 Документы</li></ul></nav>
<script>var rows = "1.1\\tЛожная строка\\t2020\\tНикто";</script>
<style>td { border: 1px solid }</style><noscript>Включите JavaScript</noscript>"""


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _row(item: SourceItem, items: dict[str, SourceItem]) -> str:
    if item.kind == "section":
        return f'<tr><td colspan="4"><b>{_e(item.number)}. {_e(item.title)}</b></td></tr>'
    words = item.title.split(" ")
    half = len(words) // 2
    first, second = " ".join(words[:half]), " ".join(words[half:])
    schedule = f"<p>{_e(item.schedule_text)}</p>"
    executors = f"<td>{_e(item.executors_text)}</td>"
    if item.number == SHARED[0]:
        executors = f'<td rowspan="2"><p>{_e(item.executors_text)}</p></td>'
    elif item.number == SHARED[1]:
        executors = ""
    if item.number == TWO_ROWS:
        return (
            f'<tr><td rowspan="2">{item.number}.</td><td>{_e(first)}</td>'
            f"<td>{_e(item.schedule_text)}</td>{executors}</tr>"
            f"<tr><td>{_e(second)}</td><td></td><td></td></tr>"
        )
    title = f"{_e(first)}<br>\n{_e(second)}" if half else _e(item.title)
    return f"<tr><td>{item.number}</td><td><p>{title}</p></td><td>{schedule}</td>{executors}</tr>"


def build_html(text_doc: RoadmapDocument, charset: str | None) -> str:
    lines = [x for x in SEED.read_text(encoding="utf-8").split("\n")[:28] if "\t" not in x]
    items = {i.number: i for i in text_doc.items}
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    paragraphs = "\n".join(f"<p>{_e(line)}</p>" for line in lines if line.strip())
    rows = "\n".join(_row(item, items) for item in text_doc.items)
    return f"""<!DOCTYPE html>
<html><head>{head if charset else ""}<title>Распоряжение № 1302-б</title></head>
<body>{CHROME}<div class="doc">{paragraphs}
<table border="1"><thead><tr><th>№ п/п</th><th>Наименование мероприятия</th>
<th>Сроки реализации</th><th>Ответственные исполнители</th></tr></thead>
<tbody><tr><td>1</td><td>2</td><td>3</td><td>4</td></tr>
{rows}</tbody></table></div><footer>© Портал 2020</footer></body></html>"""


@pytest.fixture(scope="module")
def text_doc() -> RoadmapDocument:
    return read_document(SEED)


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [("windows-1251", "windows-1251"), ("utf-8", "utf-8"), ("windows-1251", None), ("utf-8", None)],
)
def test_the_page_reads_as_the_text(
    text_doc: RoadmapDocument, encoding: str, declared: str | None
) -> None:
    page = build_html(text_doc, declared).encode(encoding)
    doc = read_document_bytes(page, "decree.htm")
    assert doc.encoding == "html"
    assert [i.number for i in doc.items] == [i.number for i in text_doc.items]
    for ours, theirs in zip(doc.items, text_doc.items, strict=True):
        assert ours.title.split() == theirs.title.split(), ours.number
        assert ours.schedule_text == theirs.schedule_text, ours.number
        assert ours.executors_text == theirs.executors_text, ours.number
        assert (ours.kind, ours.parent) == (theirs.kind, theirs.parent), ours.number
    for name in ("number", "adopted_on", "title", "points", "curators", "controller"):
        assert getattr(doc, name) == getattr(text_doc, name), name
    assert doc.warnings == ()


def test_a_br_in_a_cell_is_a_new_line(text_doc: RoadmapDocument) -> None:
    doc = read_document_bytes(build_html(text_doc, "utf-8").encode(), "decree.html")
    item = next(i for i in doc.items if i.number == "1.3")
    assert "\n" in item.title


def test_a_page_with_a_bom_and_a_comment_before_the_doctype_is_html(
    text_doc: RoadmapDocument,
) -> None:
    page = b"\xef\xbb\xbf\n<!-- saved -->\n" + build_html(text_doc, None).encode()
    assert read_document_bytes(page, "decree.txt").encoding == "html"
