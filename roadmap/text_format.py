"""Reading a decree saved as plain text: the preamble, then a tab-separated plan table.

Text exports of decrees (like the seed) keep one table row per line with cells separated by
tabs; a row broken by a page break continues on lines starting with a tab, and section rows
may lose their tabs altogether («3. Формирование …»).  Lines come one at a time
(:mod:`roadmap.text_source`), so only the preamble and the plan's cells are ever kept.

Besides the items, the reader notes how the table ends (:class:`TableEnd`): whether the file
stops inside the last row, whether that row is shorter than every other one, and the lines
after the table, so that :mod:`roadmap.completeness` can tell a whole decree from a cut one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kontrol.roadmap.cells import normalize_line
from kontrol.roadmap.completeness import TableEnd
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.limits import MAX_CELLS, MAX_PREAMBLE_LINES, MAX_REPORTED_LINES
from kontrol.roadmap.plan_table import (
    Columns,
    FoundPlan,
    RowDraft,
    build_items,
    header_columns,
    is_column_numbers_row,
    new_draft,
    require_columns,
    role_text,
    split_number,
)
from kontrol.roadmap.preamble import parse_preamble

_KEPT_AFTER = 200  # lines after the table kept for the completeness checks
_KEPT_CHARS = 200  # of each
_KEPT_EXTRA = 5_000  # cells of columns that are not the item's (results, notes)


def read_text(
    lines: Iterable[str], *, file: str, ends_with_break: bool = True, cut_character: bool = False
) -> FoundPlan:
    """Parse a decree's lines (line i is the i-th yielded, 1-based).

    ``ends_with_break`` and ``cut_character`` describe the file's last bytes (see
    :class:`roadmap.text_source.TextSource`).
    """
    source = iter(lines)
    header_line, columns, width, before = _find_header(source, file=file)
    preamble = parse_preamble(before, file=file)
    rows = _Rows(columns, width, file=file)
    for line_no, line in enumerate(source, start=header_line + 1):
        rows.feed(line_no, line)
    end = rows.finish(ends_with_break=ends_with_break, cut_character=cut_character)
    items, item_warnings = build_items(rows.drafts, file=file)
    return FoundPlan(
        preamble=preamble,
        preamble_lines=tuple(before),
        items=items,
        warnings=[*preamble.warnings, *rows.warnings(), *item_warnings],
        end=end,
    )


def _find_header(source: Iterable[str], *, file: str) -> tuple[int, Columns, int, list[str]]:
    """Line number, columns and width of the plan's header row, and the lines before it.

    The width counts the header's cells up to its last named one, so a stray tab at its end
    does not make every row look short.
    """
    before: list[str] = []
    for line_no, line in enumerate(source, start=1):
        if "\t" in line and line.count("\t") < MAX_CELLS:
            cells = line.split("\t")
            columns = header_columns(cells)
            if columns is not None:
                columns = require_columns(columns, file=file, line=line_no, text=line)
                width = max(i + 1 for i, cell in enumerate(cells) if cell.strip())
                return line_no, columns, width, before
        if line_no > MAX_PREAMBLE_LINES:
            raise DocumentError(
                f"no plan table found in the first {MAX_PREAMBLE_LINES:,} lines", file=file
            )
        before.append(line)
    raise DocumentError(
        "no plan table found: expected a tab-separated header row such as "
        "«№ п/п<TAB>Наименование мероприятия<TAB>Сроки реализации<TAB>Ответственные исполнители»",
        file=file,
    )


@dataclass
class _Rows:
    """Groups the lines after the header into item drafts, one line at a time."""

    columns: Columns
    header_width: int
    file: str
    drafts: list[RowDraft] = field(default_factory=list)
    ignored: list[tuple[int, str]] = field(default_factory=list)  # reported
    ignored_count: int = 0
    after: list[tuple[int, str]] = field(default_factory=list)  # non-row lines since the last row
    after_count: int = 0
    short_lines: int = 0  # row lines with fewer cells than the header's columns
    last_row_line: int | None = None
    last_row_short: bool = False
    last_row_cells: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # cells of other columns, for completeness
    last_line: str = ""  # the last non-blank line, raw
    final_no: int = 0  # number of the file's last line, blank or not
    final_raw: str = ""  # and that line

    def __post_init__(self) -> None:
        self.number_index = self.columns["number"][0]
        self.roles = {i for indexes in self.columns.values() for i in indexes}
        self.width = max(1 + max(self.roles), self.header_width)

    def feed(self, line_no: int, line: str) -> None:
        self.final_no, self.final_raw = line_no, line
        if not line.strip():
            return
        self.last_line = line
        if line.count("\t") >= MAX_CELLS:
            self._not_a_row(line_no, line)
            return
        cells = line.split("\t") if "\t" in line else [line]
        if len(cells) > 1 and (header_columns(cells) or is_column_numbers_row(cells)):
            return
        if len(cells) == 1:
            number_cell, rest_cells = cells[0], None
        else:
            number_cell = cells[self.number_index] if self.number_index < len(cells) else ""
            rest_cells = cells
        parsed = split_number(number_cell)
        if parsed is not None:
            draft = new_draft(self.drafts, parsed[0], line_no, file=self.file)
            draft.add("title", parsed[1])
            if rest_cells is not None:
                self._add_cells(draft, rest_cells)
        elif rest_cells is not None and not normalize_line(number_cell) and self.drafts:
            draft = self.drafts[-1]
            draft.goes_on(line_no, file=self.file, unit="line")
            self._add_cells(draft, rest_cells)
        else:
            self._not_a_row(line_no, line)
            return
        self._row_line(line_no, cells)

    def _add_cells(self, draft: RowDraft, cells: list[str]) -> None:
        for role in ("title", "schedule", "executors"):
            draft.add(role, role_text(cells, self.columns, role))

    def _row_line(self, line_no: int, cells: list[str]) -> None:
        """A line of a row: lines skipped since the previous row were inside the table."""
        for skipped in self.after:
            self._report(*skipped)
        self.ignored_count += self.after_count - len(self.after)
        self.after, self.after_count = [], 0
        short = 1 < len(cells) < self.width
        self.short_lines += short
        if len(self.extra) < _KEPT_EXTRA:  # the line before this one is whole: keep its others
            previous = self.last_row_cells
            self.extra.extend(
                c[:_KEPT_CHARS] for i, c in enumerate(previous) if i not in self.roles
            )
        self.last_row_line, self.last_row_short, self.last_row_cells = line_no, short, cells

    def _not_a_row(self, line_no: int, line: str) -> None:
        self.after_count += 1
        if len(self.after) < _KEPT_AFTER:
            self.after.append((line_no, line[:_KEPT_CHARS]))

    def _report(self, line_no: int, line: str) -> None:
        self.ignored_count += 1
        if len(self.ignored) < MAX_REPORTED_LINES:
            self.ignored.append((line_no, line))

    def warnings(self) -> list[str]:
        found = [
            f"{self.file}:{n}: line outside the plan rows ignored: «{line[:80]}»"
            for n, line in self.ignored
        ]
        if self.ignored_count > len(self.ignored):
            found.append(
                f"{self.file}: {self.ignored_count - len(self.ignored):,} more lines outside "
                "the plan rows ignored"
            )
        return found

    def _last_cell(self) -> str:
        """The last cell of the last row line, with a tab if the line ends in one."""
        cells = self.last_row_cells
        return cells[-1] if len(cells) < 2 or cells[-1] else cells[-2] + "\t"

    def finish(self, *, ends_with_break: bool, cut_character: bool) -> TableEnd:
        """How the table ends; a bare number the file stops in is not made an item."""
        inside_row = not ends_with_break and self.last_row_line == self.final_no
        raw = self.final_raw
        blank_tab = "\t" in raw and not raw.strip() and raw.count("\t") < MAX_CELLS
        if not ends_with_break and self.drafts and not self.after_count and blank_tab:
            # the file stops where a continuation line of the last row begins
            self._row_line(self.final_no, self.final_raw.split("\t"))
            inside_row = True
        dropped = None
        last = self.drafts[-1] if self.drafts else None
        if inside_row and last is not None and last.is_bare() and len(last.lines) == 1:
            dropped = normalize_line(self.last_line)
            self.drafts.pop()
        return TableEnd(
            last_line=self.last_row_line,
            short_row=self.last_row_short and self.short_lines == 1,
            inside_row=inside_row,
            cut_character=cut_character,
            last_cell=self._last_cell() if inside_row else "",
            dropped=dropped,
            after=tuple(line for _, line in self.after),
            extra=tuple(self.extra),
        )
