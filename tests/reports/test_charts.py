"""The timeline and the workload: data first, then what the figure and the SVG contain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree
from matplotlib.collections import PathCollection

from kontrol.errors import KontrolError
from kontrol.issuing import obligation_occurrences, recipients
from kontrol.lookup import obligations_of
from kontrol.reporting.charts import workload, write_timeline, write_workload
from kontrol.reporting.timeline import timeline_figure, timeline_rows
from tests.reports.conftest import World

TODAY = dt.date(2021, 12, 1)
SVG = "{http://www.w3.org/2000/svg}"


def test_timeline_has_one_row_per_item_and_every_occurrence(world: World) -> None:
    with world.session() as s:
        rm = world.roadmap(s)
        rows = timeline_rows(s, rm, world.rules, today=TODAY)
        assert [r.number for r in rows] == [i.number for i in rm.items]
        expected_marks = expected_bars = 0
        for ob in obligations_of(s, rm):
            n = len(obligation_occurrences(ob, world.rules))
            if ob.kind == "once":
                expected_bars += n
            else:
                expected_marks += n
    assert sum(len(r.bars) for r in rows) == expected_bars
    assert sum(len(r.marks) for r in rows) == expected_marks
    by = {r.number: r for r in rows}
    status = {m.key: m.status for m in by["6.2"].marks}
    assert status["2020"] == "overdue" and status["2021"] == "open"
    assert status["2022"] == "planned"
    assert [m.status for m in by["1.3"].marks if m.key == "2021-01"] == ["done"]
    assert [b.status for b in by["3.1.2"].bars] == ["overdue"]  # the worst of its bodies
    assert [b.status for b in by["3.3.1"].bars] == ["done"]  # cancelled co-executor ignored
    assert {m.phase for m in by["3.1.4"].marks} == {1} and by["3.1.4"].bars[0].phase == 0


def test_timeline_axes_draw_each_mark_bar_and_today(world: World) -> None:
    with world.session() as s:
        rows = timeline_rows(s, world.roadmap(s), world.rules, today=TODAY)
    fig = timeline_figure(rows, first_year=2020, last_year=2030, today=TODAY, title="t")
    ax = fig.axes[0]
    in_range = [m for r in rows for m in r.marks if m.on.year <= 2030 and m.on.year >= 2020]
    drawn = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert drawn == len(in_range)
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("bar-")]
    assert len(bars) == sum(len(r.bars) for r in rows)
    assert len(ax.get_yticklabels()) == len(rows)
    assert any(line.get_gid() == "today" for line in ax.lines)


def test_timeline_svg_carries_ids(world: World, tmp_path: Path) -> None:
    with world.session() as s:
        rm = world.roadmap(s)
        path = write_timeline(s, [rm], world.rules, tmp_path / "t.svg", today=TODAY).path
        rows = timeline_rows(s, rm, world.rules, today=TODAY)
    tree = etree.parse(str(path))
    ids = set(tree.xpath("//@id"))
    assert "today" in ids and "bar-3-1-2-2021-Q1" in ids
    marks = tree.xpath("//*[local-name()='g'][starts-with(@id, 'marks-')]")
    uses = sum(len(g.findall(f".//{SVG}use")) for g in marks)
    assert uses == sum(1 for r in rows for m in r.marks if 2020 <= m.on.year <= 2030)


def test_timeline_png_of_the_seed(world: World, tmp_path: Path) -> None:
    with world.session() as s:
        written = write_timeline(
            s, [world.roadmap(s)], world.rules, tmp_path / "t.png", today=TODAY
        )
    path = written.path
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_workload_counts_every_planned_assignment(world: World) -> None:
    with world.session() as s:
        rm = world.roadmap(s)
        planned = sum(
            len([o for o in obligation_occurrences(ob, world.rules) if o.state == "scheduled"])
            * len(recipients(s, ob.item))
            for ob in obligations_of(s, rm)
        )
        w = workload(s, [rm], world.rules, start=rm.adopted_on, end=dt.date(2030, 12, 31))
        assert w.total == planned == 2442
        assert len(w.series) <= 10 and len(w.months) == 6 + 12 * 10
        mo = workload(
            s,
            [rm],
            world.rules,
            start=dt.date(2022, 1, 1),
            end=dt.date(2022, 12, 31),
            body_id="municipal-authorities",
        )
        assert len(mo.series) == 10 and any(k.startswith("прочие (9)") for k in mo.series)
        one = workload(
            s,
            [rm],
            world.rules,
            start=dt.date(2022, 1, 1),
            end=dt.date(2022, 12, 31),
            body_id="mo-luzhsky",
        )
        assert len(one.series) == 1 and one.total * 18 == mo.total


def test_workload_errors(world: World, tmp_path: Path) -> None:
    with world.session() as s:
        rm = world.roadmap(s)
        with pytest.raises(KontrolError, match="no body 'nobody'"):
            workload(
                s,
                [rm],
                world.rules,
                start=dt.date(2022, 1, 1),
                end=dt.date(2022, 2, 1),
                body_id="nobody",
            )
        with pytest.raises(KontrolError, match="nothing falls due"):
            write_workload(
                s,
                [rm],
                world.rules,
                tmp_path / "w.svg",
                start=dt.date(2040, 1, 1),
                end=dt.date(2040, 2, 1),
            )
        with pytest.raises(KontrolError, match=r"must end with \.svg or \.png"):
            write_workload(
                s,
                [rm],
                world.rules,
                tmp_path / "w.pdf",
                start=dt.date(2022, 1, 1),
                end=dt.date(2022, 12, 1),
            )
        path = write_workload(
            s,
            [rm],
            world.rules,
            tmp_path / "w.svg",
            start=dt.date(2022, 1, 1),
            end=dt.date(2022, 12, 31),
        ).path
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("kontrol.db")) == [
        path.name
    ]


def test_a_past_occurrence_never_issued_is_not_issued_not_planned(world: World) -> None:
    """Issue date before today and no assignment in the database: «не выдано», a colour and a
    legend entry of its own; issue date today or later: «запланировано»."""
    from sqlalchemy import select

    from kontrol.models import Assignment

    with world.session() as s:
        rm = world.roadmap(s)
        rows = timeline_rows(s, rm, world.rules, today=TODAY)
        issued = {(a.obligation.key, a.occurrence_key) for a in s.scalars(select(Assignment))}
        expected = {
            (ob.key, occ.key): "not_issued" if occ.issue_on < TODAY else "planned"
            for ob in obligations_of(s, rm)
            for occ in obligation_occurrences(ob, world.rules)
            if occ.state == "scheduled" and (ob.key, occ.key) not in issued
        }
    drawn = {(x.obligation, x.key): x.status for r in rows for x in (*r.bars, *r.marks)}
    assert {k: drawn[k] for k in expected} == expected
    assert set(expected.values()) == {"not_issued", "planned"}
    by = {r.number: r for r in rows}
    assert [b.status for b in by["1.1"].bars] == ["not_issued"]  # 4th quarter 2020, never issued
    assert {m.key: m.status for m in by["6.2"].marks}["2022"] == "planned"

    from kontrol.reporting.timeline import STATUS_COLOURS

    colour, words = STATUS_COLOURS["not_issued"]
    assert words == "не выдано"
    others = [c for k, (c, _) in STATUS_COLOURS.items() if k != "not_issued"]
    assert colour not in others


def test_the_timeline_legend_names_not_issued(world: World, tmp_path: Path) -> None:
    with world.session() as s:
        written = write_timeline(
            s, [world.roadmap(s)], world.rules, tmp_path / "t.svg", today=TODAY
        )
    tree = etree.parse(str(written.path))
    texts = {t.strip() for t in tree.xpath("//*[local-name()='text']//text()")}
    assert {"не выдано", "запланировано"} <= texts
    for gid in ("marks-not_issued-p1", "marks-planned-p1"):
        assert tree.xpath(f"//*[@id='{gid}']"), gid
    assert "not issued" in written.what and f"as of {TODAY:%d.%m.%Y}" in written.what
