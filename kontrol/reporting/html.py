"""The report as one printable HTML page (Jinja2, autoescaped) with an inline SVG chart.

The chart is drawn here rather than by matplotlib: a few rectangles per body, exact, tiny,
selectable text, and it prints crisply at any scale with no image file to carry along.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kontrol.reporting.figures import ROLE_WORDS, Report
from kontrol.reporting.files import check_target, write_atomic

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "report"
SEGMENTS = (  # (field of Counts, label, colour)
    ("done_on_time", "исполнено в срок", "#2e7d32"),
    ("done_late", "исполнено с нарушением срока", "#ef8c00"),
    ("overdue", "просрочено", "#c62828"),
    ("open", "в работе, срок не наступил", "#1e88e5"),
)
LABEL_W, BAR_W, ROW_H, BAR_H, TOP = 330, 420, 22, 15, 34


@dataclass(frozen=True)
class Rect:
    id: str
    kind: str
    x: float
    width: float
    value: int
    colour: str
    label: str


@dataclass(frozen=True)
class ChartRow:
    body_id: str
    name: str
    y: float
    total: int
    rects: tuple[Rect, ...]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rows: tuple[ChartRow, ...]
    legend: tuple[tuple[str, str], ...]
    scale_max: int


def body_chart(report: Report) -> Chart:
    """Geometry of the on-time / late / overdue / open stacked bars, one row per body."""
    scale = (
        max((sum(getattr(r.counts, f) for f, _, _ in SEGMENTS) for r in report.by_body), default=0)
        or 1
    )
    rows = []
    for i, r in enumerate(report.by_body):
        x = float(LABEL_W)
        rects = []
        for field, label, colour in SEGMENTS:
            value = getattr(r.counts, field)
            if value:
                w = value / scale * BAR_W
                rects.append(Rect(f"bar-{r.key}-{field}", field, x, w, value, colour, label))
                x += w
        total = sum(rc.value for rc in rects)
        rows.append(ChartRow(r.key, r.name, TOP + i * ROW_H, total, tuple(rects)))
    height = TOP + len(rows) * ROW_H + 10
    legend = tuple((label, colour) for _, label, colour in SEGMENTS)
    return Chart(LABEL_W + BAR_W + 60, height, tuple(rows), legend, scale)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["d"] = lambda d: f"{d:%d.%m.%Y}" if d else "—"
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.1f} %".replace(".", ",")
    env.filters["short"] = lambda s, n=60: s if len(s) <= n else s[: n - 1].rstrip() + "…"
    return env


def render_html(report: Report) -> str:
    return (
        environment()
        .get_template("report.html")
        .render(r=report, chart=body_chart(report), roles=ROLE_WORDS)
    )


def write_html(report: Report, path: Path) -> Path:
    check_target(path, (".html", ".htm"))
    text = render_html(report)
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
