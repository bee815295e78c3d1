"""The roadmap timeline: one row per item, once-phases as bars, recurring and ongoing
occurrences as marks, coloured by where they stand (drawn with matplotlib, see ``charts``).

The rows (``timeline_rows``) are computed first as plain values, then drawn, so they are tested
without looking at pixels; every artist carries a ``gid`` (an SVG ``id``). ``today`` is always
passed in.

Statuses: an issued occurrence takes the worst state of its assignments; one not issued is
«запланировано» while its issue date is ahead, and «не выдано» once the date has passed with no
assignment in the database — a gap to look into, never to be mistaken for the future.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

import matplotlib.dates as mdates
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol import standing
from kontrol.config import Rules
from kontrol.issuing import obligation_occurrences
from kontrol.lookup import obligations_of
from kontrol.models import Assignment, Item, Obligation, Roadmap
from kontrol.naming import short_title

STATUS_COLOURS = {
    "done": ("#2e7d32", "исполнено в срок"),
    "late": ("#ef8c00", "исполнено с нарушением срока"),
    "overdue": ("#c62828", "просрочено"),
    "open": ("#1e88e5", "в работе"),
    "not_issued": ("#8e24aa", "не выдано"),
    "planned": ("#9e9e9e", "запланировано"),
    "before_adoption": ("#e0e0e0", "до принятия распоряжения"),
}
PHASE_MARKERS = ("o", "D", "^", "s")
PHASE_HATCHES = ("", "////", "xxxx", "....")


def gid(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", "-".join(parts)).strip("-")


@dataclass(frozen=True)
class Mark:
    obligation: str
    phase: int
    key: str
    on: dt.date  # the due date
    status: str


@dataclass(frozen=True)
class Bar:
    obligation: str
    phase: int
    key: str
    start: dt.date
    end: dt.date
    status: str


@dataclass
class TimelineRow:
    number: str
    title: str
    kind: str  # section | activity
    bars: list[Bar] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    @property
    def statuses(self) -> list[str]:
        return [b.status for b in self.bars] + [m.status for m in self.marks]


# the colours of the timeline: a standing (``kontrol.standing``) in the picture's words
CHART_STATE = {"done_on_time": "done", "done_late": "late", "open": "open", "overdue": "overdue"}


def _status_of(rows: list[Assignment], today: dt.date, rules: Rules) -> str:
    """One colour for an issued occurrence: the worst standing among its assignments at
    ``today`` («planned» when every one of them is cancelled)."""
    states = {
        CHART_STATE[kind]
        for a in rows
        if (kind := standing.of(a, today, calendar=rules.calendar, zone=rules.policy.zone).kind)
        in CHART_STATE
    }
    for s in ("overdue", "open", "late", "done"):
        if s in states:
            return s
    return "planned"


def timeline_rows(
    session: Session, roadmap: Roadmap, rules: Rules, *, today: dt.date
) -> list[TimelineRow]:
    """Every item in order: once-phases as bars, recurring/ongoing occurrences as marks."""
    issued: dict[tuple[int, str], list[Assignment]] = defaultdict(list)
    for a in session.scalars(
        select(Assignment).join(Obligation).join(Item).where(Item.roadmap_id == roadmap.id)
    ):
        issued[(a.obligation_id, a.occurrence_key)].append(a)
    rows = {i.id: TimelineRow(i.number, i.title, i.kind) for i in roadmap.items if not i.withdrawn}
    for ob in obligations_of(session, roadmap):
        row = rows.get(ob.item_id)
        if row is None:
            continue
        for occ in obligation_occurrences(ob, rules):
            assignments = issued.get((ob.id, occ.key))
            if occ.state == "before_adoption":
                status = "before_adoption"
            elif assignments:
                status = _status_of(assignments, today, rules)
            else:
                status = "not_issued" if occ.issue_on < today else "planned"
            if ob.kind == "once":
                row.bars.append(
                    Bar(ob.key, ob.phase_index, occ.key, occ.period_start, occ.period_end, status)
                )
            else:
                row.marks.append(Mark(ob.key, ob.phase_index, occ.key, occ.due_on, status))
    return list(rows.values())


def timeline_figure(
    rows: list[TimelineRow], *, first_year: int, last_year: int, today: dt.date, title: str
) -> Figure:
    """One row per item over [first_year, last_year]; y grows downwards like the decree."""
    x0, x1 = dt.date(first_year, 1, 1), dt.date(last_year + 1, 1, 1)
    fig = Figure(figsize=(16, 1.6 + 0.27 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    ax.set_gid("timeline")
    _draw_rows(ax, rows, x0, x1)
    if x0 <= today < x1:
        _draw_today(ax, today)
    _timeline_axes(ax, rows, x0, x1, title)
    fig.legend(
        handles=_timeline_legend(), loc="outside lower center", ncol=5, fontsize=8, frameon=False
    )
    return fig


def _draw_rows(ax: Axes, rows: list[TimelineRow], x0: dt.date, x1: dt.date) -> None:
    """Sections shaded, once-phases as bars, then every mark, one scatter per status and phase."""
    groups: dict[tuple[str, int], list[tuple[float, float]]] = defaultdict(list)
    for y, row in enumerate(rows):
        if row.kind == "section":
            ax.axhspan(y - 0.5, y + 0.5, color="#eef2f7", zorder=0, gid=gid("section", row.number))
        for b in row.bars:
            if b.end < x0 or b.start >= x1:
                continue
            start, end = max(b.start, x0), min(b.end, x1)
            ax.barh(
                y,
                mdates.date2num(end + dt.timedelta(days=1)) - mdates.date2num(start),
                left=mdates.date2num(start),
                height=0.55,
                color=STATUS_COLOURS[b.status][0],
                edgecolor="#333333",
                linewidth=0.5,
                hatch=PHASE_HATCHES[b.phase % 4],
                zorder=2,
                gid=gid("bar", b.obligation, b.key),
            )
        for m in row.marks:
            if x0 <= m.on < x1:
                groups[(m.status, m.phase)].append((mdates.date2num(m.on), y))
    for (status, phase), points in sorted(groups.items()):
        xs, ys = zip(*points, strict=True)
        ax.scatter(
            xs,
            ys,
            s=22,
            marker=PHASE_MARKERS[phase % 4],
            color=STATUS_COLOURS[status][0],
            edgecolors="#333333",
            linewidths=0.4,
            zorder=3,
            gid=f"marks-{status}-p{phase + 1}",
        )


def _draw_today(ax: Axes, today: dt.date) -> None:
    x = mdates.date2num(today)
    ax.axvline(x, color="#c62828", linestyle="--", linewidth=1.2, zorder=4, gid="today")
    ax.text(
        x,
        -0.9,
        f"сегодня {today:%d.%m.%Y}",
        color="#c62828",
        ha="center",
        va="bottom",
        fontsize=8,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        zorder=5,
    )


def _timeline_axes(ax: Axes, rows: list[TimelineRow], x0: dt.date, x1: dt.date, title: str) -> None:
    n = len(rows)
    ax.set_ylim(n - 0.5, -1.2)
    ax.set_xlim(mdates.date2num(x0), mdates.date2num(x1))
    ax.set_yticks(range(n))
    ax.set_yticklabels([f"{r.number} {short_title(r.title, 55)}" for r in rows], fontsize=7.5)
    for label, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row.kind == "section":
            label.set_fontweight("bold")
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
    ax.grid(axis="x", which="major", color="#cccccc", linewidth=0.6)
    ax.tick_params(axis="x", labeltop=True)
    ax.set_title(title, fontsize=11, loc="left")


def _timeline_legend() -> list[Artist]:
    handles: list[Artist] = [
        Patch(facecolor=c, edgecolor="#333333", label=w) for c, w in STATUS_COLOURS.values()
    ]
    handles += [
        Patch(
            facecolor="white", edgecolor="#333333", hatch=PHASE_HATCHES[1], label="период: 2-я фаза"
        ),
        Line2D([], [], marker="o", ls="", color="#555555", label="срок: 1-я фаза"),
        Line2D([], [], marker="D", ls="", color="#555555", label="срок: 2-я фаза"),
    ]
    return handles
