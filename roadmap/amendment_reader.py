"""Reading an amending decree file (text or ``.docx``) into an :class:`AmendmentDocument`.

The file becomes a run of blocks — paragraphs and table rows (tab-separated lines in a text
file, rows of Word tables) — in the order they stand.  The paragraphs before the first row are
the decree's own preamble (:func:`parse_preamble`, as for a plan); each instruction that brings
new text («изложить в следующей редакции:», «дополнить пунктом …:») takes the rows that follow
it, read with the plan table's own row logic, so a fragment starting at item 1.3 is a table
too.  A whole new redaction is read by the plan reader, the amendment's text as its preamble.
"""

from __future__ import annotations

import io
import os
import pathlib
import re
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import BinaryIO, NoReturn

from kontrol.roadmap.amendment import (
    AmendmentDocument,
    Instruction,
    find_target,
    instructions_in,
    is_amending_title,
)
from kontrol.roadmap.cells import normalize_line
from kontrol.roadmap.document import SourceItem
from kontrol.roadmap.errors import DocumentError, RoadmapError
from kontrol.roadmap.limits import MAX_CELLS, MAX_PREAMBLE_LINES
from kontrol.roadmap.plan_table import (
    Columns,
    RowDraft,
    build_items,
    header_columns,
    is_column_numbers_row,
    new_draft,
    require_columns,
    role_text,
    split_number,
)
from kontrol.roadmap.preamble import Preamble, parse_preamble

_ZIP_MAGIC = b"PK\x03\x04"
_TITLE_LINES = 8  # lines a title goes on over at most
_STARTS_RE = re.compile(
    r"^(?:в целях|в соответствии|во исполнение|на основании|в связи|\d+[.)])", re.I
)
# a fragment without its header has the seed's columns: №, title, schedule, executors
_DEFAULT_COLUMNS: Columns = {"number": [0], "title": [1], "schedule": [2], "executors": [3]}


@dataclass(frozen=True)
class Block:
    line: int  # line of a text file; paragraph-or-row count of a .docx
    cells: tuple[str, ...] | None  # None for a paragraph
    text: str


@dataclass(frozen=True)
class _Source:
    blocks: tuple[Block, ...]
    sha256: str
    unit: str  # line | block


def read_amendment(path: pathlib.Path) -> AmendmentDocument:
    """Read the amending decree at ``path``; anything unreadable is a DocumentError."""
    with _opened(path) as (stream, size):
        return read_amendment_stream(stream, path.name, size=size)


def looks_like_amendment(path: pathlib.Path) -> bool:
    """Whether the file's own title is «О внесении изменений …» (a plan is read otherwise);
    only the text before the first table row is read."""
    try:
        with _opened(path) as (stream, _):
            source = _source(stream, path.name, preamble_only=True)
            return is_amending_title(_preamble(source, path.name).title)
    except RoadmapError:
        return False


@contextmanager
def _opened(path: pathlib.Path) -> Iterator[tuple[BinaryIO, int]]:
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # before opening: a FIFO would block
            raise DocumentError("not a regular file (a device, a pipe?)", file=path.name)
        with path.open("rb") as stream:
            yield stream, os.fstat(stream.fileno()).st_size
    except OSError as exc:
        raise DocumentError(f"cannot read the file ({exc.strerror})", file=path.name) from None


def read_amendment_bytes(data: bytes, name: str) -> AmendmentDocument:
    return read_amendment_stream(io.BytesIO(data), name, size=len(data))


def read_amendment_stream(stream: BinaryIO, name: str, *, size: int) -> AmendmentDocument:
    """Read an amending decree from a seekable binary stream of ``size`` bytes."""
    source = _source(stream, name)
    preamble = _preamble(source, name)
    if not is_amending_title(preamble.title):
        raise DocumentError(
            "not an amending decree: its title does not start with «О внесении изменений»",
            file=name,
            text=preamble.title or None,
        )
    instructions, full = _pair(source, file=name)
    new_plan: tuple[SourceItem, ...] | None = None
    warnings = list(preamble.warnings)
    if full:
        from kontrol.roadmap.reader import read_document_stream  # the plan reader, whole

        stream.seek(0)
        plan = read_document_stream(stream, name, size=size)
        new_plan = plan.items
        warnings += [w for w in plan.warnings if w not in warnings]
        if instructions:
            warnings.append(f"{name}: a new redaction of the whole plan: the other changes named")
            instructions = []
    if not instructions and not full:
        raise DocumentError(
            "no changes found: expected «пункт N изложить в следующей редакции:», «дополнить "
            "пунктом N», «пункт N признать утратившим силу» or «план мероприятий изложить в "
            "новой редакции согласно приложению»",
            file=name,
        )
    target = find_target([preamble.title, *preamble.points])
    return AmendmentDocument(
        source_name=name, sha256=source.sha256, kind=preamble.kind, number=preamble.number,
        adopted_on=preamble.adopted_on, authority=preamble.authority, title=preamble.title,
        target_number=target[0] if target else None, target_date=target[1] if target else None,
        instructions=tuple(instructions), new_plan=new_plan, warnings=tuple(warnings),
    )  # fmt: skip


def _source(stream: BinaryIO, name: str, *, preamble_only: bool = False) -> _Source:
    head = stream.read(4)
    stream.seek(0)
    if not head:
        raise DocumentError("the file is empty", file=name)
    if head.startswith(_ZIP_MAGIC) or name.lower().endswith(".docx"):
        return _docx_source(stream, name)
    from kontrol.roadmap.text_source import inspect_text, text_lines

    found = inspect_text(stream, file=name)
    blocks: list[Block] = []
    for block in _text_blocks(text_lines(stream, found, file=name)):
        if preamble_only and block.cells is not None:
            break
        blocks.append(block)
    return _Source(tuple(blocks), found.sha256, "line")


def _text_blocks(lines: Iterator[str]) -> Iterator[Block]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            yield Block(number, None, "")  # a blank line ends a title, not a table
        elif "\t" in line and line.count("\t") < MAX_CELLS:
            yield Block(number, tuple(line.split("\t")), line)
        else:
            yield Block(number, None, line)


def _docx_source(stream: BinaryIO, name: str) -> _Source:
    import hashlib

    from docx.table import Table

    from kontrol.roadmap.docx_format import load_docx, row_cells

    document = load_docx(stream, file=name)
    blocks: list[Block] = []
    try:
        for part in document.iter_inner_content():
            if isinstance(part, Table):
                for row in part.rows:
                    cells = row_cells(row)
                    blocks.append(Block(len(blocks) + 1, tuple(cells), "\t".join(cells)))
            else:
                for text in part.text.split("\n"):
                    if text.strip():
                        blocks.append(Block(len(blocks) + 1, None, text))
    except Exception as exc:  # python-docx raises many types for damaged XML
        raise DocumentError(f"the .docx body cannot be read ({exc})", file=name) from None
    stream.seek(0)
    return _Source(tuple(blocks), hashlib.sha256(stream.read()).hexdigest(), "block")


def _preamble(source: _Source, name: str) -> Preamble:
    """The decree's own preamble; its title names the amended decree, so it holds a «№» the
    plan's preamble reader would take for the date line: it is found here."""
    before: list[str] = []
    for block in source.blocks:
        if block.cells is not None or len(before) >= MAX_PREAMBLE_LINES:
            break
        before.append(block.text)
    found = parse_preamble(before, file=name, unit="paragraph")
    title = found.title if is_amending_title(found.title) else _amending_title(before)
    kept = tuple(w for w in found.warnings if "kind of act" in w or "authority" in w)
    return replace(found, title=title or found.title, warnings=kept)


def _amending_title(lines: list[str]) -> str:
    """«О внесении изменений …» and the lines that go on with it, up to a blank line."""
    start = next((i for i, x in enumerate(lines) if is_amending_title(x)), None)
    if start is None:
        return ""
    parts = [normalize_line(lines[start])]
    for line in lines[start + 1 : start + _TITLE_LINES]:
        text = normalize_line(line)
        if not text or _STARTS_RE.match(text):
            break
        parts.append(text)
    return " ".join(parts)


def _pair(source: _Source, *, file: str) -> tuple[list[Instruction], bool]:
    """The instructions in order, each «изложить …:» / «дополнить …:» with its rows."""
    done: list[Instruction] = []
    waiting: list[Instruction] = []
    full = False
    rows: list[Block] = []

    def take_rows() -> None:
        if not rows:
            return
        if waiting:
            instruction = waiting.pop(0)
            done[done.index(instruction)] = _with_rows(instruction, rows, file=file)
        elif not full:
            raise DocumentError(
                "table rows that no instruction («пункт … изложить в следующей редакции:», "
                "«дополнить пунктом …:») introduces",
                file=file, line=rows[0].line, text=rows[0].text,
            )  # fmt: skip
        rows.clear()

    for block in source.blocks:
        if block.cells is not None:
            rows.append(block)
            continue
        if not block.text.strip():
            continue
        take_rows()
        found, whole = instructions_in(block.text, block.line)
        if found and waiting:
            _no_rows(waiting[0], file=file)
        full = full or whole
        done += found
        waiting += [i for i in found if i.action != "withdraw"]
    take_rows()
    if waiting:
        _no_rows(waiting[0], file=file)
    return done, full


def _no_rows(instruction: Instruction, *, file: str) -> NoReturn:
    raise DocumentError(
        "the instruction is not followed by its new row(s) (a table)",
        file=file, line=instruction.line, text=instruction.text,
    )  # fmt: skip


def _with_rows(instruction: Instruction, rows: Sequence[Block], *, file: str) -> Instruction:
    items = fragment_items(rows, file=file)
    numbers = [i.number for i in items]
    named = instruction.numbers
    missing = [n for n in named if n not in numbers]
    stray = [n for n in numbers if not any(n == m or n.startswith(m + ".") for m in named)]
    if missing or stray:
        raise DocumentError(
            f"the rows after the instruction are numbered {', '.join(numbers)}, but it names "
            f"{', '.join(named)}",
            file=file, line=rows[0].line, text=instruction.text,
        )  # fmt: skip
    return Instruction(instruction.action, named, instruction.line, instruction.text, items)


def fragment_items(rows: Sequence[Block], *, file: str) -> tuple[SourceItem, ...]:
    """Rows of a table fragment (header optional) as items, in the plan table's terms."""
    columns = _DEFAULT_COLUMNS
    first = rows[0].cells or ()
    found = header_columns(first)
    if found is not None:
        columns = require_columns(found, file=file, line=rows[0].line, text=rows[0].text)
    drafts: list[RowDraft] = []
    index = columns["number"][0]
    for row in rows:
        cells = list(row.cells or ())
        if not any(c.strip() for c in cells) or header_columns(cells):
            continue
        if is_column_numbers_row(cells):
            continue
        number_cell = cells[index] if index < len(cells) else ""
        parsed = split_number(number_cell)
        if parsed is not None:
            draft = new_draft(drafts, parsed[0], row.line, file=file)
            draft.add("title", parsed[1])
        elif not normalize_line(number_cell) and drafts:
            draft = drafts[-1]
            draft.goes_on(row.line, file=file, unit="line")
        else:
            raise DocumentError(
                "a row of the amendment's table without an item number",
                file=file, line=row.line, text=row.text,
            )  # fmt: skip
        for role in ("title", "schedule", "executors"):
            draft.add(role, role_text(cells, columns, role))
    items, _ = build_items(drafts, file=file)
    return items
