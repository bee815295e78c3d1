"""``kontrol report`` over several decrees in force: the portfolio dashboard."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from kontrol.errors import KontrolError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kontrol.config import Rules


def portfolio(
    session: Session,
    rules: Rules,
    judged: dt.date,
    now: dt.datetime,
    *,
    files: tuple[Path | None, ...],
    as_json: bool,
) -> None:
    """Over several decrees in force: the dashboard (per decree, per body, the worst five);
    the workbook, the page and the pictures are one decree's, so they need --roadmap."""
    from rich.markdown import Markdown

    from kontrol.dashboard import dashboard, markdown
    from kontrol.output import console, print_json

    if any(files):
        raise KontrolError(
            "the workbook, the page and the pictures are one roadmap's: name it with --roadmap "
            "(without files, `kontrol report` over several roadmaps prints the portfolio)"
        )
    board = dashboard(session, rules, as_of=judged, now=now)
    if as_json:
        print_json(board.to_json())
    else:
        console.print(Markdown(markdown(board)))
