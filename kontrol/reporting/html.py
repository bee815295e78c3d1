"""The report as one printable HTML page (Jinja2, autoescaped) with an inline SVG chart.

The chart is drawn here rather than by matplotlib: a few rectangles per body, exact, tiny,
selectable text, and it prints crisply at any scale with no image file to carry along.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kontrol.mail.russian import percent
from kontrol.reporting.figures import ROLE_WORDS, Report
from kontrol.reporting.files import check_target, write_atomic
from kontrol.resources import resource

if TYPE_CHECKING:
    from matplotlib.textpath import TextToPath

TEMPLATES = resource("kontrol.templates", "report")
SEGMENTS = (  # (field of Counts, label, colour)
    ("done_on_time", "исполнено в срок", "#2e7d32"),
    ("done_late", "исполнено с нарушением срока", "#ef8c00"),
    ("overdue", "просрочено", "#c62828"),
    ("open", "в работе, срок не наступил", "#1e88e5"),
)
FONT_PX = 11  # ``svg text`` in the template's style
BAR_W, ROW_H, BAR_H, GAP, LINE_H = 420, 22, 15, 8, 13
LABEL_MAX = 380  # a longer name is wrapped to this width (A4 landscape holds the chart)
MAX_LINES = 3  # beyond that the name is shortened; the row's tooltip keeps it whole
SWATCH, LEGEND_H, LEGEND_GAP = 12, 18, 22


@lru_cache(maxsize=1024)
def text_width(text: str, px: float = FONT_PX) -> float:
    """Pixels ``text`` takes in DejaVu Sans — the page's first font and wider than its
    fallbacks (Segoe UI, Arial), so a label measured with it fits in any of them. Measured
    with the copy of the font matplotlib ships: no browser needed."""
    from matplotlib.font_manager import FontProperties

    width, _, _ = _measure().get_text_width_height_descent(
        text, FontProperties(family="DejaVu Sans", size=px), ismath=False
    )
    return float(width)


@lru_cache(maxsize=1)
def _measure() -> TextToPath:
    from matplotlib.textpath import TextToPath

    return TextToPath()


def wrap(text: str, width: float, max_lines: int = MAX_LINES) -> tuple[str, ...]:
    """``text`` in lines no wider than ``width`` px, broken between words; what does not fit
    in ``max_lines`` ends the last line with «…»."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines[max_lines - 1 :] = [" ".join(lines[max_lines - 1 :])]
    return tuple(fit(line, width) for line in lines)


def fit(text: str, width: float) -> str:
    """``text`` as is if it fits in ``width`` px, else cut at a word with «…»."""
    if text_width(text) <= width:
        return text
    words = text.split()
    while len(words) > 1 and text_width(" ".join(words) + "…") > width:
        words.pop()
    cut = " ".join(words)
    while len(cut) > 1 and text_width(cut + "…") > width:  # one word wider than the column
        cut = cut[:-1]
    return cut.rstrip(" ,;:«") + "…"


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
    name: str  # whole, for the tooltip
    lines: tuple[str, ...]  # what is printed: the name wrapped to the name column
    y: float  # top of the row
    height: float
    total: int
    rects: tuple[Rect, ...]

    @property
    def bar_y(self) -> float:
        return self.y + (self.height - BAR_H) / 2

    @property
    def text_y(self) -> float:
        """Baseline of the first line: the lines centred on the bar."""
        return self.y + (self.height - len(self.lines) * LINE_H) / 2 + 10


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_right: float  # the names end here (text-anchor: end), the bars start after GAP
    rows: tuple[ChartRow, ...]
    legend: tuple[LegendEntry, ...]
    scale_max: int
    line_h: int = LINE_H
    bar_h: int = BAR_H


def legend_entries(width: float) -> tuple[tuple[LegendEntry, ...], float]:
    """The legend laid out by the measured width of each label, wrapping to a new line
    rather than running into the next entry; returns the entries and the height taken."""
    entries, x, y = [], 0.0, 0.0
    for _, label, colour in SEGMENTS:
        w = SWATCH + 4 + text_width(label)
        if x and x + w > width:
            x, y = 0.0, y + LEGEND_H
        entries.append(LegendEntry(label, colour, x, y))
        x += w + LEGEND_GAP
    return tuple(entries), y + LEGEND_H


def body_chart(report: Report) -> Chart:
    """Geometry of the on-time / late / overdue / open stacked bars, one row per body.

    The name column is as wide as the widest name (up to ``LABEL_MAX``, then names wrap
    between words), measured, so no name runs off the left edge; the legend wraps within the
    chart's width.
    """
    scale = (
        max((sum(getattr(r.counts, f) for f, _, _ in SEGMENTS) for r in report.by_body), default=0)
        or 1
    )
    label_w = min(max((text_width(r.name) for r in report.by_body), default=0.0), LABEL_MAX)
    label_right = 4 + label_w
    bars_left = label_right + GAP
    width = int(bars_left + BAR_W + 8 + text_width(str(scale)) + 4)
    legend, legend_h = legend_entries(width - 4)
    top = 4 + legend_h + 10
    rows = []
    y = top
    for r in report.by_body:
        x = bars_left
        rects = []
        for field, label, colour in SEGMENTS:
            value = getattr(r.counts, field)
            if value:
                w = value / scale * BAR_W
                rects.append(Rect(f"bar-{r.key}-{field}", field, x, w, value, colour, label))
                x += w
        total = sum(rc.value for rc in rects)
        lines = wrap(r.name, label_w)
        height = max(ROW_H, len(lines) * LINE_H + 8)
        rows.append(ChartRow(r.key, r.name, lines, y, height, total, tuple(rects)))
        y += height
    height = int(y + 10)
    legend = tuple(LegendEntry(e.label, e.colour, e.x + 4, e.y + 4) for e in legend)
    return Chart(width, height, label_right, tuple(rows), legend, scale)


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
    env.filters["pct"] = percent
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
