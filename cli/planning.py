"""``kontrol schedule`` (one phrase explained) and ``kontrol plan`` (the compiled calendar)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kontrol.cli.common import DATE, app_of, roadmaps_option
from kontrol.errors import KontrolError

# each command imports what it uses when it runs: ``kontrol --help`` loads this module
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kontrol.config import Rules
    from kontrol.models import Roadmap
    from kontrol.planning import PlanRow
    from kontrol.reporting.files import Written

STATE_WORDS = {"before_adoption": "до принятия", "scheduled": "по плану"}


@click.command("schedule")
@click.argument("phrase")
@click.option(
    "--adopted",
    type=DATE,
    default="2020-07-27",
    show_default=True,
    help="Adoption date of the roadmap.",
)
@click.option("--horizon", type=int, default=2030, show_default=True, help="Last year.")
@click.option("--json", "as_json", is_flag=True, help="Print the meaning as JSON.")
@click.pass_context
def schedule_cmd(
    ctx: click.Context, phrase: str, adopted: dt.date, horizon: int, as_json: bool
) -> None:
    """Explain one schedule phrase: phases, kind, frequency, bounds, flags, rule, occurrences."""
    from rich.table import Table

    from kontrol.config import load_rules
    from kontrol.output import console, print_json
    from kontrol.roadmap.explain import explain
    from kontrol.roadmap.occurrences import occurrences
    from kontrol.roadmap.rrule import rrule_texts
    from kontrol.roadmap.schedule import parse_schedule

    rules = load_rules(app_of(ctx).settings)
    if horizon < adopted.year:
        raise KontrolError(f"--horizon {horizon} is before the adoption year {adopted.year}")
    schedule = parse_schedule(phrase)
    data = explain(
        schedule,
        adopted=adopted,
        horizon_year=horizon,
        policy=rules.policy,
        calendar=rules.calendar,
    )
    plans = occurrences(
        schedule,
        adopted=adopted,
        horizon_year=horizon,
        policy=rules.policy,
        calendar=rules.calendar,
    )
    for phase_json, (phase, occs) in zip(data["phases"], plans, strict=True):
        phase_json["rrule"] = rrule_texts(phase, occs, rules.policy)
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]«{phrase}»[/]")
    for i, ph in enumerate(data["phases"], 1):
        bounds = f"{ph['year_from'] or 'adoption'}–{ph['year_to'] or horizon}"
        console.print(
            f"phase {i}{' «' + ph['label'] + '»' if ph['label'] else ''}: kind={ph['kind']}, "
            f"frequency={ph['frequency'] or '—'}, qualifier={ph['qualifier'] or '—'}, "
            f"years={bounds}, flags={', '.join(ph['flags']) or '—'}"
            + (f", time={ph['time']}" if ph["time"] else "")
        )
        if ph["years"]:  # a bare month or deadline: yearly, or once in a one-year plan
            console.print(f"  {ph['years']}")
        for text in ph["rrule"]:
            console.print(f"[dim]{text}[/]")
        table = Table("key", "period", "issue", "due", "state")
        for o in ph["occurrences"]:
            table.add_row(
                o["key"],
                f"{_d(o['period_start'])}–{_d(o['period_end'])}",
                _d(o["issue_on"]),
                _d(o["due_on"]),
                STATE_WORDS[o["state"]],
            )
        console.print(table)


def _d(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d.%m.%Y")


@click.command("plan")
@click.option("--from", "start", type=DATE, help="Only periods ending on or after this date.")
@click.option("--to", "end", type=DATE, help="Only periods starting on or before this date.")
@roadmaps_option
@click.option("--item", help="Only this item (and its sub-items); with one roadmap.")
@click.option("--body", help="Only occurrences that reach this body (directory id).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option(
    "--ics",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write an iCalendar file: one entry per occurrence on its due date.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draw the roadmap timeline (.svg or .png): items over the years, today marked, "
    "past occurrences never issued in a colour of their own («не выдано»).",
)
@click.option(
    "--workload",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draw assignments falling due per month (.svg or .png); --body narrows it.",
)
@click.option(
    "--table",
    is_flag=True,
    help="Print the table too when --ics, --chart or --workload writes a file.",
)
@click.pass_context
def plan_cmd(
    ctx: click.Context,
    start: dt.date | None,
    end: dt.date | None,
    item: str | None,
    body: str | None,
    as_json: bool,
    ics: Path | None,
    chart: Path | None,
    workload: Path | None,
    table: bool,
    roadmaps: tuple[str, ...] = (),
) -> None:
    """The calendar of every roadmap in force (or of those named): every occurrence with its
    dates and bodies; --workload shows which body is loaded in which month over them all.

    With --ics, --chart or --workload it writes the files and prints one line for each;
    the table only with --table, the JSON with --json (then the lines go to stderr).
    """
    from kontrol.choosing import check_item
    from kontrol.config import load_rules
    from kontrol.lookup import select_roadmaps
    from kontrol.models import Body
    from kontrol.output import console, err_console, print_json
    from kontrol.planning import plan_rows, to_ics
    from kontrol.reporting.files import Written, check_target, write_bytes_atomic

    app = app_of(ctx)
    app.require_schema()
    if start and end and end < start:
        raise KontrolError(f"--to {end} is before --from {start}")
    for path in (ics, chart, workload):
        if path is not None:
            check_target(path, None if path is ics else (".svg", ".png"))
    rules = load_rules(app.settings)
    today = app.now.astimezone(rules.policy.zone).date()
    written: list[Written] = []
    with app.reading() as session:
        chosen = select_roadmaps(session, roadmaps, on=today)
        if body is not None and session.get(Body, body) is None:
            raise KontrolError(f"no body {body!r} in the directory")
        check_item(chosen, item)
        rows = []
        for roadmap in chosen:
            rows += plan_rows(session, roadmap, rules, start=start, end=end, item=item, body=body)
        if ics:
            write_bytes_atomic(ics, to_ics(rows, chosen, now=app.now, zone=rules.policy.zone))
            written.append(Written(ics, f"{len(rows)} occurrences, one calendar entry each"))
        written += _pictures(session, chosen, rules, chart, workload, body, start, end, today)
    if as_json:
        print_json([r.to_json() for r in rows])
    elif table or not written:
        show_plan(rows, several=len(chosen) > 1)
    for w in written:
        (err_console if as_json else console).print(str(w), soft_wrap=True)


def _pictures(
    session: Session,
    chosen: list[Roadmap],
    rules: Rules,
    chart: Path | None,
    workload: Path | None,
    body: str | None,
    start: dt.date | None,
    end: dt.date | None,
    today: dt.date,
) -> list[Written]:
    """The timeline and the workload over the roadmaps covered (default: this year to the
    farthest horizon)."""
    if not (chart or workload):
        return []
    from kontrol.reporting.charts import write_timeline, write_workload

    written = []
    if chart:
        written.append(write_timeline(session, chosen, rules, chart, today=today))
    if workload:
        horizon = max(r.horizon_year or today.year for r in chosen)
        written.append(
            write_workload(
                session,
                chosen,
                rules,
                workload,
                body_id=body,
                start=start or dt.date(today.year, 1, 1),
                end=end or dt.date(horizon, 12, 31),
            )
        )
    return written


def show_plan(rows: list[PlanRow], *, several: bool = False) -> None:
    from rich.table import Table

    from kontrol.output import console

    table = Table("№", "этап", "период", "выдача", "срок", "состояние", "исполнители")
    if several:
        table.columns[0].header = "документ · №"
    for r in rows:
        who = "; ".join(
            f"[b]{e.name}[/b]" if e.role == "lead" else f"{e.name} (до {e.due_on:%d.%m})"
            for e in r.executors
        )
        table.add_row(
            f"{r.roadmap_number} · {r.item}" if several else r.item,
            r.phase or "",
            f"{r.period_start:%d.%m.%Y}–{r.period_end:%d.%m.%Y}"
            + (f" {r.time_words}" if r.time else ""),
            f"{r.issue_on:%d.%m.%Y}",
            f"{r.due_on:%d.%m.%Y}",
            STATE_WORDS[r.state],
            who,
        )
    console.print(table)
    console.print(f"{len(rows)} occurrences")
