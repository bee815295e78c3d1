"""``kontrol report`` (annual execution report, charts) and ``kontrol simulate``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kontrol.cli.common import app_of
from kontrol.errors import KontrolError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kontrol.config import Rules
    from kontrol.models import Roadmap
    from kontrol.reporting.figures import Report
    from kontrol.reporting.files import Written

OUT = click.Path(dir_okay=False, path_type=Path)
EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
DATE = click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"])


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def report_range(
    year: int | None, start: dt.date | None, end: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """--year Y, or --from/--to, or by default the previous calendar year."""
    if year is not None and (start or end):
        raise KontrolError("give either --year or --from/--to, not both")
    if year is not None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if start or end:
        if not (start and end):
            raise KontrolError("--from and --to go together")
        if end < start:
            raise KontrolError(f"empty range: --from {start} is after --to {end}")
        return start, end
    return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)


@click.command("report")
@click.option(
    "--year",
    type=click.IntRange(1, 9999),
    help="Calendar year (default: the previous year).",
)
@click.option(
    "--all",
    "whole",
    is_flag=True,
    help="Everything issued: the roadmap's whole span, its adoption year to its horizon.",
)
@click.option("--from", "start", type=DATE, help="First issue date of the range.")
@click.option("--to", "end", type=DATE, help="Last issue date of the range.")
@click.option("--as-of", "as_of", type=DATE, help="Judge the state on this day (default today).")
@click.option(
    "--roadmap",
    metavar="NUMBER",
    help="The roadmap reported on («1302-б», or «1302-б от 27.07.2020» when numbers repeat); "
    "without it, over several roadmaps in force: the portfolio.",
)
@click.option("--xlsx", "xlsx_file", type=OUT, help="Write the Excel workbook here.")
@click.option("--html", "html_file", type=OUT, help="Write the printable HTML page here.")
@click.option("--markdown", "md_file", type=OUT, help="Write the Markdown text here.")
@click.option("--timeline", "timeline_file", type=OUT, help="Roadmap timeline (.svg/.png).")
@click.option(
    "--workload",
    "workload_file",
    type=OUT,
    help="Assignments falling due per month over the range (.svg/.png).",
)
@click.option("--body", "body_id", help="With --workload: one body or group only.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def report_cmd(
    ctx: click.Context,
    year: int | None,
    whole: bool,
    start: dt.datetime | None,
    end: dt.datetime | None,
    as_of: dt.datetime | None,
    roadmap: str | None,
    xlsx_file: Path | None,
    html_file: Path | None,
    md_file: Path | None,
    timeline_file: Path | None,
    workload_file: Path | None,
    body_id: str | None,
    as_json: bool,
) -> None:
    """The execution report of the roadmap (item 6.3): per item, per body, overdue, reports;
    over several roadmaps in force (no --roadmap), the portfolio, worst five bodies first.

    Discipline = (done on time + open and not yet due) / all assignments of the range × 100.
    """
    from kontrol.cli.portfolio_report import portfolio
    from kontrol.config import load_rules
    from kontrol.lookup import roadmap_by_number, select_roadmaps
    from kontrol.output import print_json
    from kontrol.reporting import execution_report

    app = app_of(ctx)
    app.require_schema()
    rules = load_rules(app.settings)
    today = app.now.astimezone(rules.policy.zone).date()
    first, last, judged = _dates(year, start, end, as_of, whole=whole, today=today)
    _check_targets(xlsx_file, html_file, md_file, timeline_file, workload_file)
    written: list[Path | Written] = []
    with app.reading() as session:
        if roadmap is None and len(select_roadmaps(session, on=today)) > 1:
            files = (xlsx_file, html_file, md_file, timeline_file, workload_file)
            return portfolio(session, rules, judged, app.now, files=files, as_json=as_json)
        rm = roadmap_by_number(session, roadmap, on=today)
        if as_of is None and year is None and not (start or end):
            whole, judged = _finished(rm, judged, whole=whole)
        first, last = _within_window(rm, first, last, judged, whole=whole)
        if timeline_file or workload_file:
            charts = Charts(timeline_file, workload_file, body_id)
            written += charts.write(session, rm, rules, first, last, judged)
            if not (xlsx_file or html_file or md_file or as_json):
                _written(written)
                return
        report = execution_report(
            session, rm, start=first, end=last, as_of=judged, calendar=rules.calendar,
            timezone=rules.policy.timezone,
        )  # fmt: skip
    written += _documents(report, xlsx_file, html_file, md_file)
    if as_json:
        return print_json(report.to_json())
    show(report)
    _written(written)


def _check_targets(*paths: Path | None) -> None:
    """Every output path is writable and has its format's suffix, before anything is computed
    (``paths``: the workbook, HTML page, Markdown text, timeline and workload pictures)."""
    from kontrol.reporting.files import check_target

    formats = ((".xlsx",), (".html", ".htm"), (".md",), (".svg", ".png"), (".svg", ".png"))
    for path, suffixes in zip(paths, formats, strict=True):
        if path is not None:
            check_target(path, suffixes)


def _dates(
    year: int | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    as_of: dt.datetime | None,
    *,
    whole: bool,
    today: dt.date,
) -> tuple[dt.date, dt.date, dt.date]:
    """The report's range and the day it is judged on, from the options."""
    if whole and (year is not None or start or end):
        raise KontrolError("give one of --all, --year and --from/--to")
    first, last = report_range(year, _date(start), _date(end), today)
    return first, last, _date(as_of) or today


def _finished(rm: Roadmap, today: dt.date, *, whole: bool) -> tuple[bool, dt.date]:
    """A roadmap whose years are over (a decree of 2007 reported today): its whole span,
    judged on its last day — not this year, which it never reached."""
    from kontrol.roadmap.datewindow import whole_years
    from kontrol.windows import roadmap_window

    years = whole_years(roadmap_window(rm))
    if today in years:
        return whole, today
    return True, years.last


def _within_window(
    rm: Roadmap, first: dt.date, last: dt.date, judged: dt.date, *, whole: bool
) -> tuple[dt.date, dt.date]:
    """The range (``--all``: the roadmap's whole years); a day outside them is one line."""
    from kontrol.roadmap.datewindow import DateOutOfRange, whole_years
    from kontrol.windows import roadmap_window

    # whole years of the roadmap's window: a report of its first year starts on 1 January
    years = whole_years(roadmap_window(rm))
    if whole:
        first, last = years.first, years.last
    for day, option in ((first, "--from"), (last, "--to"), (judged, "--as-of")):
        if day not in years:
            raise KontrolError(f"{option}: {DateOutOfRange(day, years)}")
    return first, last


@dataclass(frozen=True)
class Charts:
    timeline: Path | None
    workload: Path | None
    body_id: str | None

    def write(
        self,
        session: Session,
        rm: Roadmap,
        rules: Rules,
        first: dt.date,
        last: dt.date,
        judged: dt.date,
    ) -> list[Written]:

        from kontrol.reporting.charts import write_timeline, write_workload

        written = []
        if self.timeline:
            written.append(write_timeline(session, [rm], rules, self.timeline, today=judged))
        if self.workload:
            written.append(
                write_workload(
                    session, [rm], rules, self.workload, start=first, end=last, body_id=self.body_id
                )
            )
        return written


def _documents(
    report: Report, xlsx: Path | None, html: Path | None, md: Path | None
) -> list[Path | Written]:

    from kontrol.reporting import write_html, write_xlsx
    from kontrol.reporting.files import write_atomic
    from kontrol.reporting.markdown import markdown_report

    written: list[Path | Written] = []
    if xlsx:
        written.append(write_xlsx(report, xlsx))
    if html:
        written.append(write_html(report, html))
    if md:
        text = markdown_report(report)
        written.append(write_atomic(md, lambda t: _write_text(t, text)))
    return written


def _written(paths: list[Path | Written]) -> None:
    from kontrol.output import console
    from kontrol.reporting.files import Written

    for p in paths:
        if isinstance(p, Written):
            console.print(f"written: {p.path} — {p.what}", soft_wrap=True)
        else:
            console.print(f"written: {p}", soft_wrap=True)


def show(report: Report) -> None:
    from rich.table import Table

    from kontrol.mail.russian import percent
    from kontrol.output import console

    t = report.total
    pct = percent(t.discipline)
    console.print(
        f"[bold]Дорожная карта № {report.roadmap_number}, {report.label}[/] "
        f"(состояние на {report.as_of:%d.%m.%Y}): выдано {t.issued}, в срок {t.done_on_time}, "
        f"с нарушением {t.done_late}, в работе {t.open}, просрочено {t.overdue}, "
        f"продлений {t.extensions}; дисциплина [bold]{pct}[/]"
    )
    console.print(f"[dim]{report.formula}[/]")
    table = Table(title="По исполнителям")
    for col in (
        "Исполнитель",
        "Выдано",
        "В срок",
        "С нарушением",
        "В работе",
        "Просрочено",
        "Дисциплина",
    ):
        table.add_column(col, justify="left" if col == "Исполнитель" else "right")
    for r in report.by_body:
        c = r.counts
        table.add_row(
            r.name,
            str(c.issued),
            str(c.done_on_time),
            str(c.done_late),
            str(c.open),
            str(c.overdue),
            percent(c.discipline),
        )
    console.print(table)


@click.command("simulate")
@click.option("--from", "start", type=DATE, required=True, help="First simulated day.")
@click.option("--to", "end", type=DATE, required=True, help="Last simulated day.")
@click.option(
    "--completion",
    type=click.FloatRange(0, 1),
    default=0.8,
    show_default=True,
    help="Share of assignments completed on time (the rest: 1–25 working days late).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--roadmap-file", type=EXISTING, help="Decree to simulate (default: the seed).")
@click.option("--directory", type=EXISTING, help="Directory of bodies (default: the example).")
@click.option("--json", "as_json", is_flag=True, help="Print the totals as JSON.")
@click.pass_context
def simulate_cmd(
    ctx: click.Context,
    start: dt.datetime,
    end: dt.datetime,
    completion: float,
    seed: int,
    roadmap_file: Path | None,
    directory: Path | None,
    as_json: bool,
) -> None:
    """Run issue → sweep → completions day by day on a scratch SQLite database.

    The configured database is never touched; mails are counted in the scratch outbox.
    """
    from rich.table import Table

    from kontrol.config import load_rules
    from kontrol.output import console, print_json
    from kontrol.resources import EXAMPLE_DIRECTORY, SEED
    from kontrol.simulate import simulate

    app = app_of(ctx)
    rules = load_rules(app.settings)
    sim = simulate(
        start=start.date(),
        end=end.date(),
        roadmap_file=roadmap_file or SEED,
        directory_file=directory or app.settings.directory or EXAMPLE_DIRECTORY,
        rules=rules,
        settings=app.settings,
        completion=completion,
        seed=seed,
    )
    if as_json:
        print_json(sim.to_json())
        return
    kinds = sorted({k for m in sim.months.values() for k in m.mails})
    table = Table(
        title=f"Симуляция {sim.start:%d.%m.%Y}–{sim.end:%d.%m.%Y}, "
        f"в срок {completion:.0%}, seed {seed}"
    )
    for col in ("Месяц", "Выдано", "В срок", "С нарушением", "Эскалаций", *kinds):
        table.add_column(col, justify="left" if col == "Месяц" else "right")
    rows = [*sorted(sim.months.items()), ("всего", sim.totals())]
    for key, m in rows:
        table.add_row(
            key,
            str(m.issued),
            str(m.done_on_time),
            str(m.done_late),
            str(m.escalations),
            *(str(m.mails.get(k, 0)) for k in kinds),
        )
    console.print(table)
    console.print(
        f"issued {sim.issued} (plan predicts {sim.predicted}); mail: {sim.delivery}; "
        f"{sim.seconds:.1f} s"
    )


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
