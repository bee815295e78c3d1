"""Pictures of the plan: the roadmap timeline and the workload forecast (SVG or PNG).

Library: **matplotlib** (Agg backend, through ``Figure`` — no pyplot, no global state), not
plotly. The committee needs files to print, attach to mail and put in the annual report; with
matplotlib SVG and PNG come straight from ``savefig`` with no browser or Kaleido/Chrome to
install on a worker, the output is deterministic (``svg.hashsalt``), and every artist can carry
a ``gid`` that becomes an SVG ``id`` — which is how the tests check the content. Cyrillic needs
nothing: DejaVu Sans, matplotlib's default font, ships with the package and covers it.

The data (``timeline_rows``, ``workload``) are computed first as plain values, then drawn, so
they are tested without looking at pixels. ``today`` is always passed in.

Statuses of the timeline: an issued occurrence takes the worst state of its assignments; one
not issued is «запланировано» while its issue date is ahead, and «не выдано» once the date has
passed with no assignment in the database — a gap to look into, never to be mistaken for the
future.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol import standing
from kontrol.config import Rules
from kontrol.errors import KontrolError
from kontrol.issuing import obligation_occurrences, recipients
from kontrol.lookup import obligations_of
from kontrol.models import Assignment, Body, Item, Obligation, Roadmap
from kontrol.naming import body_label, short_title
from kontrol.reporting.files import Written, check_target, write_atomic
from kontrol.roadmap.occurrences import co_executor_due

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
FORMATS = (".svg", ".png")
TOP_SERIES = 9


def _gid(*parts: str) -> str:
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
    n = len(rows)
    groups: dict[tuple[str, int], list[tuple[float, float]]] = defaultdict(list)
    for y, row in enumerate(rows):
        if row.kind == "section":
            ax.axhspan(y - 0.5, y + 0.5, color="#eef2f7", zorder=0, gid=_gid("section", row.number))
        for b in row.bars:
            if b.end < x0 or b.start >= x1:
                continue
            start, end = max(b.start, x0), min(b.end, x1)
            colour = STATUS_COLOURS[b.status][0]
            ax.barh(
                y,
                mdates.date2num(end + dt.timedelta(days=1)) - mdates.date2num(start),
                left=mdates.date2num(start),
                height=0.55,
                color=colour,
                edgecolor="#333333",
                linewidth=0.5,
                hatch=PHASE_HATCHES[b.phase % 4],
                zorder=2,
                gid=_gid("bar", b.obligation, b.key),
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
    if x0 <= today < x1:
        ax.axvline(
            mdates.date2num(today),
            color="#c62828",
            linestyle="--",
            linewidth=1.2,
            zorder=4,
            gid="today",
        )
        ax.text(
            mdates.date2num(today),
            -0.9,
            f"сегодня {today:%d.%m.%Y}",
            color="#c62828",
            ha="center",
            va="bottom",
            fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            zorder=5,
        )
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
    handles = [Patch(facecolor=c, edgecolor="#333333", label=w) for c, w in STATUS_COLOURS.values()]
    handles += [
        Patch(
            facecolor="white", edgecolor="#333333", hatch=PHASE_HATCHES[1], label="период: 2-я фаза"
        ),
        Line2D([], [], marker="o", ls="", color="#555555", label="срок: 1-я фаза"),
        Line2D([], [], marker="D", ls="", color="#555555", label="срок: 2-я фаза"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8, frameon=False)
    return fig


@dataclass(frozen=True)
class Workload:
    months: list[dt.date]  # first day of each month in range
    series: dict[str, list[int]]  # label → count per month, largest first
    total: int


def workload(
    session: Session,
    roadmap: Roadmap,
    rules: Rules,
    *,
    start: dt.date,
    end: dt.date,
    body_id: str | None = None,
) -> Workload:
    """Assignments the plan makes fall due per month; groups expanded to their members.

    Without ``body_id`` a member of a group is counted under its group (18 municipal bodies are
    one band); with ``body_id`` (a body or a group) only its assignments, one band per body.
    """
    if end < start:
        raise KontrolError(f"empty range: {start:%d.%m.%Y} is after {end:%d.%m.%Y}")
    if body_id is not None and session.get(Body, body_id) is None:
        raise KontrolError(f"no body {body_id!r} in the directory")
    names: dict[str, str] = {b.id: body_label(b) for b in session.scalars(select(Body))}
    counts: dict[str, Counter[dt.date]] = defaultdict(Counter)
    for ob in obligations_of(session, roadmap):
        who = recipients(session, ob.item)
        for occ in obligation_occurrences(ob, rules):
            if occ.state != "scheduled":
                continue
            co_due = max(occ.issue_on, co_executor_due(occ.due_on, rules.policy, rules.calendar))
            for r in who:
                due = occ.due_on if r.role == "lead" else co_due
                if not start <= due <= end:
                    continue
                if body_id is not None and body_id not in (r.body_id, r.via_group_id):
                    continue
                label = r.body_id if body_id is not None else (r.via_group_id or r.body_id)
                counts[names.get(label, label)][due.replace(day=1)] += 1
    months, m = [], start.replace(day=1)
    while m <= end:
        months.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    series = {label: [c[m] for m in months] for label, c in ranked[:TOP_SERIES]}
    if len(ranked) > TOP_SERIES:
        rest = [sum(c[m] for _, c in ranked[TOP_SERIES:]) for m in months]
        series[f"прочие ({len(ranked) - TOP_SERIES})"] = rest
    return Workload(months, series, sum(sum(v) for v in series.values()))


def workload_figure(w: Workload, *, title: str) -> Figure:
    """Stacked bars per month; the legend goes under the plot in two columns, so long body
    names («образовательные организации высшего образования …») take no width from it."""
    rows = (len(w.series) + 1) // 2
    fig = Figure(
        figsize=(min(16.0, max(10.0, 0.22 * len(w.months) + 4)), 5.5 + 0.22 * rows),
        layout="constrained",
    )
    ax = fig.add_subplot()
    x = list(range(len(w.months)))
    bottom = [0] * len(w.months)
    cmap = mpl.colormaps["tab10"]
    for i, (label, values) in enumerate(w.series.items()):
        ax.bar(
            x,
            values,
            width=0.8,
            bottom=bottom,
            color=cmap(i % 10),
            label=label,
            gid=_gid("workload", str(i)),
        )
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if len(w.months) > 24:  # one tick a year, at January
        ticks = [i for i, m in enumerate(w.months) if m.month == 1 or i == 0]
        ax.set_xticks(ticks, [f"{w.months[i]:%Y}" for i in ticks])
    else:
        ax.set_xticks(x, [f"{m:%m.%Y}" for m in w.months], rotation=90)
    ax.set_xlim(-0.6, len(w.months) - 0.4)
    ax.set_ylabel("поручений со сроком в месяце")
    ax.set_title(f"{title}: всего {w.total}", fontsize=11, loc="left")
    ax.grid(axis="y", color="#dddddd")
    if w.series:
        fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return fig


def save_figure(fig: Figure, path: Path) -> Path:
    """SVG or PNG by suffix, written atomically; deterministic SVG ids."""
    check_target(path, FORMATS)
    fmt = path.suffix.lower().lstrip(".")
    with mpl.rc_context({"svg.hashsalt": "kontrol", "svg.fonttype": "none"}):
        return write_atomic(
            path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=110, metadata=_metadata(fmt))
        )


def _metadata(fmt: str) -> dict[str, str | None]:
    return {"Date": None} if fmt == "svg" else {}


def write_timeline(
    session: Session, roadmap: Roadmap, rules: Rules, path: Path, *, today: dt.date
) -> Written:
    """``kontrol plan --chart FILE``: the roadmap timeline as SVG or PNG."""
    check_target(path, FORMATS)
    rows = timeline_rows(session, roadmap, rules, today=today)
    first = min(roadmap.adopted_on.year, today.year)
    last = max(roadmap.horizon_year or roadmap.adopted_on.year, first)
    title = f"Дорожная карта № {roadmap.number} от {roadmap.adopted_on:%d.%m.%Y}: сроки"
    save_figure(
        timeline_figure(rows, first_year=first, last_year=last, today=today, title=title), path
    )
    statuses = [s for r in rows for s in r.statuses]
    gaps = statuses.count("not_issued")
    return Written(
        path,
        f"timeline of {len(rows)} items, {len(statuses)} occurrences as of {today:%d.%m.%Y}"
        + (f" ({gaps} past and not issued)" if gaps else ""),
    )


def write_workload(
    session: Session,
    roadmap: Roadmap,
    rules: Rules,
    path: Path,
    *,
    start: dt.date,
    end: dt.date,
    body_id: str | None = None,
) -> Written:
    """``kontrol plan --workload FILE [--body ID]``: assignments falling due per month."""
    check_target(path, FORMATS)
    w = workload(session, roadmap, rules, start=start, end=end, body_id=body_id)
    if not w.total:
        who = f" for {body_id}" if body_id else ""
        raise KontrolError(f"nothing falls due{who} between {start:%d.%m.%Y} and {end:%d.%m.%Y}")
    body = session.get(Body, body_id) if body_id else None
    who = f" — {body_label(body)}" if body is not None else ""
    title = f"Нагрузка по срокам поручений, {start:%m.%Y}–{end:%m.%Y}{who}"
    save_figure(workload_figure(w, title=title), path)
    return Written(
        path,
        f"workload of {w.total} assignments falling due {start:%d.%m.%Y}–{end:%d.%m.%Y}"
        + (f" for {body_id}" if body_id else ""),
    )
