"""Pictures of the plan: the roadmap timeline and the workload forecast (SVG or PNG).

Library: **matplotlib** (Agg backend, through ``Figure`` — no pyplot, no global state), not
plotly. The committee needs files to print, attach to mail and put in the annual report; with
matplotlib SVG and PNG come straight from ``savefig`` with no browser or Kaleido/Chrome to
install on a worker, the output is deterministic (``svg.hashsalt``), and every artist can carry
a ``gid`` that becomes an SVG ``id`` — which is how the tests check the content. Cyrillic needs
nothing: DejaVu Sans, matplotlib's default font, ships with the package and covers it.

The data (``timeline.timeline_rows``, ``workload``) are computed first as plain values, then
drawn, so they are tested without looking at pixels. ``today`` is always passed in. The
timeline's rows and drawing are in ``kontrol.reporting.timeline``; the workload forecast, saving
and the ``write_*`` commands' functions are here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure
from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.config import Rules
from kontrol.errors import KontrolError
from kontrol.issuing import obligation_occurrences, recipients
from kontrol.lookup import obligations_of
from kontrol.models import Body, Roadmap
from kontrol.naming import body_label
from kontrol.reporting.files import Written, check_target, write_atomic
from kontrol.reporting.timeline import gid, timeline_figure, timeline_rows
from kontrol.roadmap.occurrences import co_executor_due

FORMATS = (".svg", ".png")
TOP_SERIES = 9


@dataclass(frozen=True)
class Workload:
    months: list[dt.date]  # first day of each month in range
    series: dict[str, list[int]]  # label → count per month, largest first
    total: int


def workload(
    session: Session,
    roadmaps: Sequence[Roadmap],
    rules: Rules,
    *,
    start: dt.date,
    end: dt.date,
    body_id: str | None = None,
) -> Workload:
    """Assignments the plan makes fall due per month; groups expanded to their members.

    Without ``body_id`` a member of a group is counted under its group (18 municipal bodies are
    one band); with ``body_id`` (a body or a group) only its assignments, one band per body.
    Over several roadmaps a body's band counts what it owes under every one of them.
    """
    if end < start:
        raise KontrolError(f"empty range: {start:%d.%m.%Y} is after {end:%d.%m.%Y}")
    if body_id is not None and session.get(Body, body_id) is None:
        raise KontrolError(f"no body {body_id!r} in the directory")
    names: dict[str, str] = {b.id: body_label(b) for b in session.scalars(select(Body))}
    counts: dict[str, Counter[dt.date]] = defaultdict(Counter)
    for ob in (ob for rm in roadmaps for ob in obligations_of(session, rm)):
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
            gid=gid("workload", str(i)),
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
    session: Session,
    roadmaps: Sequence[Roadmap],
    rules: Rules,
    path: Path,
    *,
    today: dt.date,
) -> Written:
    """``kontrol plan --chart FILE``: the roadmaps' timeline as SVG or PNG (over several, each
    item's label starts with its decree's number)."""
    check_target(path, FORMATS)
    rows = []
    for rm in roadmaps:
        mine = timeline_rows(session, rm, rules, today=today)
        if len(roadmaps) > 1:
            mine = [replace(r, number=f"{rm.number} · {r.number}") for r in mine]
        rows += mine
    first = min([r.adopted_on.year for r in roadmaps] + [today.year])
    last = max([r.horizon_year or r.adopted_on.year for r in roadmaps] + [first])
    if len(roadmaps) == 1:
        rm = roadmaps[0]
        title = f"Дорожная карта № {rm.number} от {rm.adopted_on:%d.%m.%Y}: сроки"
    else:
        title = "Дорожные карты " + ", ".join(f"№ {r.number}" for r in roadmaps) + ": сроки"
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
    roadmaps: Sequence[Roadmap],
    rules: Rules,
    path: Path,
    *,
    start: dt.date,
    end: dt.date,
    body_id: str | None = None,
) -> Written:
    """``kontrol plan --workload FILE [--body ID]``: assignments falling due per month."""
    check_target(path, FORMATS)
    w = workload(session, roadmaps, rules, start=start, end=end, body_id=body_id)
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
