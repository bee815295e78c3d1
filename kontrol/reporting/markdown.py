"""The report as a Prefect Markdown artifact: the summary, the bodies and the worst overdue.

Artifacts are read in the Prefect UI beside the run, so this is the short version; the full
views are in the workbook mailed with it.
"""

from __future__ import annotations

from kontrol.mail.russian import percent
from kontrol.naming import BODY_CELL, cells
from kontrol.reporting.figures import Counts, Report

OVERDUE_SHOWN = 30


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _pct(c: Counts) -> str:
    return percent(c.discipline)


def _counts_row(name: str, c: Counts) -> str:
    # five columns, the most telling first, as every artifact: the table fits a 1366-pixel
    # screen beside the run's details; the other counts are in the total above and the workbook
    return f"| {_cell(name)} | {_pct(c)} | {c.overdue} | {c.done_late} | {c.issued} |"


HEAD = "| {what} | Дисциплина | Просрочено | С нарушением | Выдано |\n|---|---:|---:|---:|---:|"


def markdown_report(report: Report) -> str:
    t = report.total
    names = cells({r.name: r.name for r in report.by_body}, BODY_CELL)  # one cut, both ends kept
    lines = [
        f"# Исполнение дорожной карты № {report.roadmap_number} за {report.label}",
        "",
        f"Поручения, выданные с {report.start:%d.%m.%Y} по {report.end:%d.%m.%Y}; "
        f"состояние на {report.as_of:%d.%m.%Y}.",
        "",
        f"> {report.formula}",
        "",
        f"**Исполнительская дисциплина: {_pct(t)}** — выдано {t.issued}, исполнено в срок "
        f"{t.done_on_time}, с нарушением срока {t.done_late} "
        f"(всего {t.late_working_days} раб. дн.), в работе {t.open}, просрочено {t.overdue}, "
        f"отменено {t.cancelled}, продлений срока {t.extensions}.",
        "",
        "## По исполнителям",
        "",
        HEAD.format(what="Исполнитель"),
        *(_counts_row(names[r.name], r.counts) for r in report.by_body),
        "",
        "## По мероприятиям",
        "",
        HEAD.format(what="№"),
        *(_counts_row(r.key, r.counts) for r in report.by_item if r.counts.issued),
        "",
        f"## Просроченные поручения: {len(report.overdue)}",
        "",
    ]
    if report.overdue:
        lines += [
            "| № | Исполнитель | Срок | Просрочка, раб. дн. | Ступень |",
            "|---|---|---|---:|---|",
            *(
                f"| {o.item} | {_cell(o.body)} | {o.due_on:%d.%m.%Y} | "
                f"{o.working_days_overdue} | {o.step_words} |"
                for o in report.overdue[:OVERDUE_SHOWN]
            ),
        ]
        if len(report.overdue) > OVERDUE_SHOWN:
            lines.append(
                f"\n…и ещё {len(report.overdue) - OVERDUE_SHOWN} (полный список — в "
                "рабочей книге Excel)."
            )
    else:
        lines.append("Просроченных поручений нет.")
    lines += ["", f"Отчётов исполнителей: {len(report.executor_reports)}.", ""]
    return "\n".join(lines)
