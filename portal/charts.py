"""The portfolio's pictures for the Prefect UI: its image artifacts show a URL, so the portal
draws them on request (``/charts/{token}/workload.svg``,
``/charts/{token}/timeline-{id}.svg``) behind a
signed link the sweep puts in the artifact. They show the plan's shape, never a person."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from kontrol.errors import KontrolError
from kontrol.lookup import select_roadmaps
from kontrol.models import Roadmap
from kontrol.portal import tokens
from kontrol.portal.state import PortalDep
from kontrol.reporting.charts import write_timeline, write_workload

router = APIRouter()
SVG = "image/svg+xml"
MONTHS_AHEAD = 12


def _svg(draw: Callable[[Path], object]) -> bytes:
    """The drawing functions write files (atomically, for the command line): here a scratch
    folder holds the one the answer carries."""
    with tempfile.TemporaryDirectory(prefix="kontrol-chart-") as folder:
        path = Path(folder) / "chart.svg"
        draw(path)
        return path.read_bytes()


def _answer(content: bytes) -> Response:
    return Response(content, media_type=SVG, headers={"Cache-Control": "private, max-age=300"})


@router.get("/charts/{token}/workload.svg")
def workload(token: str, portal: PortalDep) -> Response:
    """Assignments falling due per month over the next year, every roadmap in force."""
    tokens.read_charts(token, secret_key=portal.keys, now=portal.clock(), ttl=portal.config.ttl)
    today = portal.today()
    start = today.replace(day=1)
    end = dt.date(start.year + 1, start.month, 1) - dt.timedelta(days=1)
    with portal.sessions() as session:
        chosen = select_roadmaps(session, on=today)
        try:
            return _answer(
                _svg(
                    lambda p: write_workload(session, chosen, portal.rules, p, start=start, end=end)
                )
            )
        except KontrolError:  # nothing falls due: an empty picture says so
            return _answer(_empty(f"Нет поручений со сроком {start:%m.%Y}–{end:%m.%Y}"))


@router.get("/charts/{token}/timeline-{roadmap_id}.svg")
def timeline(token: str, roadmap_id: int, portal: PortalDep) -> Response:
    """One roadmap's timeline, today marked."""
    tokens.read_charts(token, secret_key=portal.keys, now=portal.clock(), ttl=portal.config.ttl)
    with portal.sessions() as session:
        roadmap = session.get(Roadmap, roadmap_id) if 0 < roadmap_id <= tokens.MAX_ID else None
        if roadmap is None:
            return Response("no such roadmap", status_code=404, media_type="text/plain")
        today = portal.today()
        return _answer(
            _svg(lambda p: write_timeline(session, [roadmap], portal.rules, p, today=today))
        )


def _empty(words: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="60">'
        f'<text x="10" y="35" font-family="sans-serif" font-size="16">{words}</text></svg>'
    ).encode()
