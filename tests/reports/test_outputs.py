"""The workbook, the HTML page and the Markdown carry the same figures as the report."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path

import lxml.html
import openpyxl
import pytest

from kontrol.errors import KontrolError
from kontrol.reporting import (
    DISCIPLINE_FORMULA,
    execution_report,
    markdown_report,
    write_html,
    write_xlsx,
)
from kontrol.reporting.figures import Report
from kontrol.reporting.xlsx import SHEETS
from tests.reports.conftest import AS_OF, World


@pytest.fixture
def report(world: World) -> Report:
    with world.session() as s:
        return execution_report(
            s,
            world.roadmap(s),
            start=dt.date(2021, 1, 1),
            end=dt.date(2021, 12, 31),
            as_of=AS_OF,
            calendar=world.rules.calendar,
        )


def test_workbook_reads_back_with_every_figure(report: Report, tmp_path: Path) -> None:
    path = write_xlsx(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    summary = {row[0]: row[1] for row in wb["Сводка"].iter_rows(min_row=2, values_only=True)}
    assert summary["Выдано поручений"] == 7
    assert summary["Исполнено в срок"] == 2
    assert summary["Исполнено с нарушением срока"] == 1
    assert summary["Нарушение срока, раб. дн. (всего)"] == 3
    assert summary["В работе, срок не наступил"] == 2
    assert summary["Просрочено"] == 1
    assert summary["Продлений срока"] == 1
    assert summary["Исполнительская дисциплина"] == pytest.approx(0.667)
    assert summary["Формула"] == DISCIPLINE_FORMULA
    assert summary["Состояние на"] == dt.datetime(2021, 12, 1)  # a real date, not text

    ws = wb["По исполнителям"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    head = [c.value for c in ws[1]]
    rows = {
        r[0]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
    }
    assert rows["committee"]["Исполнительская дисциплина"] == 0.75
    assert ws.cell(2, len(head)).number_format == "0.0%"
    assert rows["loiro"]["Просрочено"] == 1 and rows["loiro"]["Отменено"] == 1

    items = wb["По мероприятиям"]
    assert items.max_row == 1 + 34
    overdue = wb["Просроченные"]
    assert overdue.max_row == 2
    row = {c.value: v.value for c, v in zip(overdue[1], overdue[2], strict=True)}
    assert row["Срок (действующий)"] == dt.datetime(2021, 3, 24)
    assert overdue.cell(2, 7).number_format == "DD.MM.YYYY"
    assert row["Достигнутая ступень"] == "доклад куратору"
    assert row["Просрочка, раб. дн."] == report.overdue[0].working_days_overdue
    notes = [r[6] for r in wb["Отчёты исполнителей"].iter_rows(min_row=2, values_only=True)]
    assert "Ресурсный центр создан <приказ № 5>." in notes and len(notes) == 3


def test_html_page_holds_the_figures_and_the_chart(report: Report, tmp_path: Path) -> None:
    path = write_html(report, tmp_path / "r.html")
    raw = path.read_text(encoding="utf-8")
    assert "&lt;приказ № 5&gt;" in raw  # autoescaped
    doc = lxml.html.fromstring(raw)
    total = doc.get_element_by_id("total")
    cells = {td.get("data-f"): td.text_content() for td in total.findall("td") if td.get("data-f")}
    assert cells == {
        "issued": "7",
        "done_on_time": "2",
        "done_late": "1",
        "late_working_days": "3",
        "open": "2",
        "overdue": "1",
        "cancelled": "1",
        "extensions": "1",
        "discipline": "66,7 %",
    }
    assert doc.get_element_by_id("formula").text_content() == DISCIPLINE_FORMULA
    loiro = doc.xpath('//section[@id="by-body"]//tr[@data-key="loiro"]')[0]
    assert loiro.xpath('td[@data-f="discipline"]')[0].text_content() == "50,0 %"
    assert len(doc.xpath('//section[@id="by-item"]/table/tbody/tr')) == 34
    overdue = doc.xpath('//section[@id="overdue"]/table/tbody/tr')
    assert len(overdue) == 1
    assert overdue[0].xpath('td[@data-f="step"]')[0].text_content() == "доклад куратору"
    assert len(doc.xpath('//section[@id="reports"]/table/tbody/tr')) == 3
    # the chart: one row per body, segments sized by the counts
    rows = doc.xpath('//svg[@id="body-chart"]/g[@class="body-row"]')
    assert [g.get("id") for g in rows] == ["row-committee", "row-loiro"]
    values = {r.get("id"): int(r.get("data-value")) for r in doc.xpath("//svg//rect[@id]")}
    assert values == {
        "bar-committee-done_on_time": 2,
        "bar-committee-done_late": 1,
        "bar-committee-open": 1,
        "bar-loiro-overdue": 1,
        "bar-loiro-open": 1,
    }
    assert "@media print" in raw and "table-header-group" in raw


def test_markdown_states_formula_and_figures(report: Report) -> None:
    text = markdown_report(report)
    assert DISCIPLINE_FORMULA in text
    assert "Исполнительская дисциплина: 66,7 %" in text
    assert "| 3.1.2 | ЛОИРО | 24.03.2021 |" in text
    # the artifact sits beside the run's details in the Prefect UI: at most five columns
    # (eight overlapped the sidebar at 1366 px), the most telling first
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows and max(line.count("|") - line.count("\\|") - 1 for line in rows) <= 5
    assert "| Исполнитель | Дисциплина | Просрочено | С нарушением | Выдано |" in text


@pytest.mark.parametrize("writer", [write_xlsx, write_html])
def test_a_missing_directory_is_a_clear_error(report: Report, tmp_path: Path, writer) -> None:
    target = tmp_path / "nope" / ("r.xlsx" if writer is write_xlsx else "r.html")
    with pytest.raises(KontrolError, match="does not exist"):
        writer(report, target)
    assert not (tmp_path / "nope").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_directory_is_a_clear_error(report: Report, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    with pytest.raises(KontrolError, match="not writable"):
        write_xlsx(report, ro / "r.xlsx")


def test_a_failed_write_leaves_no_file(report: Report, tmp_path: Path, monkeypatch) -> None:
    import kontrol.reporting.files as files

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", boom)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(KontrolError, match="No space left"):
        write_xlsx(report, out / "r.xlsx")
    assert list(out.iterdir()) == []


def _width(text: str) -> float:
    """The text's width in DejaVu Sans at the page's 11 px (the widest of the page's fonts)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    w, _, _ = TextToPath().get_text_width_height_descent(
        text, FontProperties(family="DejaVu Sans", size=11), ismath=False
    )
    return float(w)


def _chart(report: Report) -> lxml.html.HtmlElement:
    """The report's body chart drawn for the six longest names of the example directory."""
    import dataclasses

    from kontrol.reporting import render_html
    from kontrol.reporting.figures import Counts, Row
    from kontrol.roadmap.directory import load_directory
    from tests.conftest import DIRECTORY

    names = sorted((b.name for b in load_directory(DIRECTORY).bodies), key=len)[-6:]
    rows = [
        Row(f"b{i}", name, Counts(issued=4, done_on_time=2, done_late=1, overdue=1))
        for i, name in enumerate(names)
    ]
    doc = lxml.html.fromstring(render_html(dataclasses.replace(report, by_body=rows)))
    (svg,) = doc.xpath('//svg[@id="body-chart"]')
    return svg


def test_html_chart_draws_whole_body_names(report: Report) -> None:
    """Every body name is drawn whole inside the chart: none runs off its left edge, a long one
    is wrapped between words."""
    svg = _chart(report)
    groups = svg.xpath('g[@class="body-row"]')
    shown = []
    for g in groups:
        label = g.xpath("text")[0]
        assert label.get("text-anchor") == "end"
        lines = [(float(t.get("x")), t.text_content()) for t in label.xpath("tspan")] or [
            (float(label.get("x")), label.text_content())
        ]
        for right, line in lines:
            assert right - _width(line) >= 0, line  # nothing runs off the left edge
            assert right < min(float(r.get("x")) for r in g.xpath("rect"))
        shown.append(" ".join(line for _, line in lines))
    names = [g.xpath("title")[0].text_content() for g in groups]
    assert len(names) == 6 and all(len(n) > 90 for n in names)
    assert shown == names  # whole, wrapped between words


def test_html_chart_legend_entries_do_not_overlap(report: Report) -> None:
    svg = _chart(report)
    legend = svg.xpath("text[not(ancestor::g)]")
    assert [t.text_content() for t in legend] == [
        "исполнено в срок",
        "исполнено с нарушением срока",
        "просрочено",
        "в работе, срок не наступил",
    ]
    swatches = svg.xpath("rect[not(ancestor::g)]")
    assert len(swatches) == len(legend)
    boxes = [
        (float(r.get("x")), float(t.get("x")) + _width(t.text_content()), float(t.get("y")))
        for r, t in zip(swatches, legend, strict=True)
    ]
    for (_, end, y), (start, _, y2) in itertools.pairwise(boxes):
        assert y2 != y or end < start, (end, start)
    assert all(end <= float(svg.get("width")) for _, end, _ in boxes)
    assert max(y for _, _, y in boxes) < min(float(r.get("y")) for r in svg.xpath("g/rect"))
