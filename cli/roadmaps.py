"""``kontrol roadmaps``: the register of every imported decree."""

from __future__ import annotations

import click

from kontrol.cli.common import app_of, today_of

STATE_STYLE = {"действует": "green", "изменено": "yellow", "утратило силу": "dim"}


@click.command("roadmaps")
@click.option("--json", "as_json", is_flag=True, help="Print the register as JSON.")
@click.pass_context
def roadmaps_cmd(ctx: click.Context, as_json: bool) -> None:
    """Every imported roadmap: number, date, title, issuer, horizon, state (действует /
    изменено / утратило силу), obligations, open and overdue assignments.

    A roadmap is named in `--roadmap` by its number, or by «NUMBER от DD.MM.YYYY» when two
    decrees share a number."""
    from rich.table import Table

    from kontrol.naming import short_title
    from kontrol.output import console, print_json
    from kontrol.portfolio import register

    app = app_of(ctx)
    app.require_schema()
    with app.reading() as session:
        lines = register(session, today=today_of(app))
    if as_json:
        print_json([line.to_json() for line in lines])
        return
    table = Table(
        "№", "от", "наименование", "издал", "до", "состояние", "обяз.", "открыто", "просрочено"
    )
    for line in lines:
        style = STATE_STYLE.get(line.state, "")
        state = f"[{style}]{line.state}[/]"
        if line.retired_on:
            state += f" с {line.retired_on:%d.%m.%Y}"
        table.add_row(
            line.number,
            f"{line.adopted_on:%d.%m.%Y}",
            short_title(line.title, 70),
            short_title(line.issuer, 40),
            str(line.horizon_year or "—"),
            state,
            str(line.obligations),
            str(line.open),
            str(line.overdue),
        )
    console.print(table)
    console.print(f"{len(lines)} roadmaps")
