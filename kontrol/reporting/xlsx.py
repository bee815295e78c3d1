"""The report as an Excel workbook: one sheet per view, the way the committee's staff file it.

Frozen header rows, autofilter, sized columns and real dates/percentages (number formats), so
the workbook sorts and filters in Excel or LibreOffice without any fixing by hand.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kontrol.reporting.figures import ROLE_WORDS, Counts, Report, Row
from kontrol.reporting.files import check_target, write_bytes_atomic

DATE = "DD.MM.YYYY"
PERCENT = "0.0%"
HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
SHEETS = ("Сводка", "По мероприятиям", "По исполнителям", "Просроченные", "Отчёты исполнителей")
COUNT_HEADINGS = (
    "Выдано поручений",
    "Исполнено в срок",
    "Исполнено с нарушением срока",
    "Нарушение срока, раб. дн. (всего)",
    "В работе, срок не наступил",
    "Просрочено",
    "Отменено",
    "Продлений срока",
    "Исполнительская дисциплина",
)


def _counts(c: Counts) -> list[Any]:
    pct = None if c.discipline is None else c.discipline / 100
    return [
        c.issued,
        c.done_on_time,
        c.done_late,
        c.late_working_days,
        c.open,
        c.overdue,
        c.cancelled,
        c.extensions,
        pct,
    ]


def _table(
    ws: Worksheet,
    headings: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[int],
    formats: dict[int, str] | None = None,
) -> None:
    ws.append(list(headings))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(list(row))
    for col, fmt in (formats or {}).items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = fmt
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, width in enumerate(widths, start=1):
        if width >= 40:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = wrap
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    ws.print_title_rows = "1:1"


def _summary(ws: Worksheet, report: Report) -> None:
    c = report.total
    pairs: list[tuple[str, Any, str | None]] = [
        (
            "Дорожная карта",
            f"№ {report.roadmap_number} от {report.roadmap_adopted_on:%d.%m.%Y}",
            None,
        ),
        ("Наименование", report.roadmap_title, None),
        ("Период (выдача поручений) с", report.start, DATE),
        ("по", report.end, DATE),
        ("Состояние на", report.as_of, DATE),
    ]
    pairs += [
        (h, v, PERCENT if h == COUNT_HEADINGS[-1] else None)
        for h, v in zip(COUNT_HEADINGS, _counts(c), strict=True)
    ]
    pairs.append(("Формула", report.formula, None))
    ws.append(["Показатель", "Значение"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
    for name, value, fmt in pairs:
        ws.append([name, value])
        if fmt:
            ws.cell(ws.max_row, 2).number_format = fmt
        ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, horizontal="left")
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 90
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _rows(rows: list[Row]) -> list[list[Any]]:
    return [[r.key, r.name, *_counts(r.counts)] for r in rows]


def build_workbook(report: Report) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEETS[0]
    _summary(ws, report)
    pct_col = {2 + len(COUNT_HEADINGS): PERCENT}
    count_widths = [14] * len(COUNT_HEADINGS)
    _table(
        wb.create_sheet(SHEETS[1]),
        ("№", "Мероприятие", *COUNT_HEADINGS),
        _rows(report.by_item),
        [8, 60, *count_widths],
        pct_col,
    )
    _table(
        wb.create_sheet(SHEETS[2]),
        ("Код", "Исполнитель", *COUNT_HEADINGS),
        _rows(report.by_body),
        [22, 50, *count_widths],
        pct_col,
    )
    _overdue_sheet(wb.create_sheet(SHEETS[3]), report)
    _reports_sheet(wb.create_sheet(SHEETS[4]), report)
    return wb


def _overdue_sheet(ws: Worksheet, report: Report) -> None:
    _table(
        ws,
        (
            "№",
            "Мероприятие",
            "Исполнитель",
            "Роль",
            "Период",
            "Первоначальный срок",
            "Срок (действующий)",
            "Просрочка, раб. дн.",
            "Достигнутая ступень",
            "Поручение",
        ),
        [
            [
                o.item,
                o.title,
                o.body,
                ROLE_WORDS.get(o.role, o.role),
                o.period,
                o.original_due_on,
                o.due_on,
                o.working_days_overdue,
                o.step_words,
                o.assignment_id,
            ]
            for o in report.overdue
        ],
        [8, 50, 40, 14, 24, 14, 14, 12, 28, 10],
        {6: DATE, 7: DATE},
    )


def _reports_sheet(ws: Worksheet, report: Report) -> None:
    _table(
        ws,
        (
            "№",
            "Мероприятие",
            "Исполнитель",
            "Срок",
            "Дата исполнения",
            "В срок",
            "Отчёт",
            "Поручение",
        ),
        [
            [
                e.item,
                e.title,
                e.body,
                e.due_on,
                e.completed_on,
                "да" if e.on_time else "нет",
                e.note,
                e.assignment_id,
            ]
            for e in report.executor_reports
        ],
        [8, 45, 40, 14, 14, 8, 80, 10],
        {4: DATE, 5: DATE},
    )


def workbook_bytes(report: Report) -> bytes:
    buf = io.BytesIO()
    build_workbook(report).save(buf)
    return buf.getvalue()


def write_xlsx(report: Report, path: Path) -> Path:
    check_target(path, (".xlsx",))
    return write_bytes_atomic(path, workbook_bytes(report))
