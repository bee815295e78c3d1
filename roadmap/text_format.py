"""Reading a decree saved as plain text: the preamble, then a tab-separated plan table.

Text exports of decrees (like the seed) keep one table row per line with cells separated by
tabs; a row broken by a page break continues on lines starting with a tab, and section rows
may lose their tabs altogether («3. Формирование …»).
"""

from __future__ import annotations

from roadmap.cells import normalize_line
from roadmap.document import SourceItem
from roadmap.errors import DocumentError
from roadmap.plan_table import (
    Columns,
    RowDraft,
    build_items,
    header_columns,
    is_column_numbers_row,
    require_columns,
    role_text,
    split_number,
)
from roadmap.preamble import Preamble, parse_preamble

_CONTROL_OK = frozenset("\t\n\r\f\v")
_MAX_CONTROL_SHARE = 0.01


def decode_text(data: bytes, *, file: str) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1251; name the encoding.

    Windows-1251 is accepted only when the text is mostly Cyrillic, because almost any bytes
    decode as cp1251 and we must not read a binary file as a roadmap.
    """
    if not data.strip():
        raise DocumentError("the file is empty", file=file)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _check_text(data.decode("utf-16"), file=file), "utf-16"
        except UnicodeDecodeError:
            raise DocumentError("the file is not valid UTF-16 text", file=file) from None
    if b"\x00" in data:
        raise DocumentError("the file is binary (contains NUL bytes), not a text", file=file)
    try:
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return _check_text(data.decode(encoding), file=file), encoding
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        raise DocumentError("the file is neither UTF-8 nor Windows-1251 text", file=file) from None
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    if not letters or cyrillic / len(letters) < 0.5:
        raise DocumentError("the file is not UTF-8 and does not look like Russian text", file=file)
    return _check_text(text, file=file), "cp1251"


def _check_text(text: str, *, file: str) -> str:
    controls = sum(1 for c in text if ord(c) < 32 and c not in _CONTROL_OK)
    if controls > max(2, len(text) * _MAX_CONTROL_SHARE):
        raise DocumentError("the file looks binary (control characters), not a text", file=file)
    if not text.strip():
        raise DocumentError("the file is empty", file=file)
    return text


def split_lines(text: str) -> list[str]:
    """Lines of the text; line i (1-based) is ``lines[i - 1]``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def find_header(lines: list[str], *, file: str) -> tuple[int, Columns]:
    """Index and columns of the plan's header row; fail if the file has none."""
    for index, line in enumerate(lines):
        if "\t" not in line:
            continue
        columns = header_columns(line.split("\t"))
        if columns is not None:
            return index, require_columns(columns, file=file, line=index + 1, text=line)
    raise DocumentError(
        "no plan table found: expected a tab-separated header row such as "
        "«№ п/п<TAB>Наименование мероприятия<TAB>Сроки реализации<TAB>Ответственные исполнители»",
        file=file,
    )


def read_rows(
    lines: list[str], start: int, columns: Columns, *, file: str
) -> tuple[list[RowDraft], list[str]]:
    """Group the table lines after the header into item drafts (0-based ``start``)."""
    drafts: list[RowDraft] = []
    warnings: list[str] = []
    number_index = columns["number"][0]
    for index in range(start, len(lines)):
        line, line_no = lines[index], index + 1
        if not line.strip():
            continue
        cells = line.split("\t") if "\t" in line else [line]
        if len(cells) > 1 and (header_columns(cells) or is_column_numbers_row(cells)):
            continue
        if len(cells) == 1:
            number_cell, rest_cells = cells[0], None
        else:
            number_cell = cells[number_index] if number_index < len(cells) else ""
            rest_cells = cells
        parsed = split_number(number_cell)
        if parsed is not None:
            draft = RowDraft(number=parsed[0], line=line_no, lines=[line_no])
            draft.add("title", parsed[1])
            if rest_cells is not None:
                for role in ("title", "schedule", "executors"):
                    draft.add(role, role_text(rest_cells, columns, role))
            drafts.append(draft)
        elif rest_cells is not None and not normalize_line(number_cell) and drafts:
            draft = drafts[-1]
            draft.lines.append(line_no)
            for role in ("title", "schedule", "executors"):
                draft.add(role, role_text(rest_cells, columns, role))
        else:
            warnings.append(f"{file}:{line_no}: line outside the plan rows ignored: «{line[:80]}»")
    return drafts, warnings


def read_text(text: str, *, file: str) -> tuple[Preamble, tuple[SourceItem, ...], list[str]]:
    """Parse a decree's text: (preamble, items, warnings)."""
    lines = split_lines(text)
    header_index, columns = find_header(lines, file=file)
    preamble = parse_preamble(lines[:header_index], file=file)
    drafts, warnings = read_rows(lines, header_index + 1, columns, file=file)
    items, item_warnings = build_items(drafts, file=file)
    return preamble, items, [*preamble.warnings, *warnings, *item_warnings]
