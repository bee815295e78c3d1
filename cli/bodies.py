"""``kontrol bodies check``: is the directory valid, and does every executor resolve?"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from kontrol.cli.common import EXISTING_FILE, app_of, resolve_path, roadmaps_option, today_of


@click.group("bodies")
def bodies_group() -> None:
    """The directory of bodies (organisations, units, groups)."""


@click.command("check")
@click.option("--directory", type=EXISTING_FILE, help="Directory of bodies (YAML).")
@roadmaps_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def check_cmd(
    ctx: click.Context, directory: Path | None, roadmaps: tuple[str, ...], as_json: bool
) -> None:
    """Validate the directory and resolve against it the executors of every roadmap in force
    (or of those named); over several, an item is named with its decree («637: 2»).

    Exit code 0: all resolve; 1: some executors do not resolve; 2: the directory is invalid.
    """
    from rich.table import Table
    from sqlalchemy import inspect

    from kontrol.choosing import active_items
    from kontrol.lookup import select_roadmaps
    from kontrol.output import console, print_json
    from kontrol.roadmap.directory import load_directory
    from kontrol.roadmap.resolve import resolve_executors

    app = app_of(ctx)
    path = resolve_path(directory, app.settings.directory, "directory of bodies")
    bodies = load_directory(path)
    unresolved: list[dict[str, Any]] = []  # JSON-shaped
    checked = 0
    if inspect(app.engine).has_table("roadmaps"):
        with app.reading() as session:
            chosen = select_roadmaps(session, roadmaps, on=today_of(app))
            items = [
                (f"{rm.number}: " if len(chosen) > 1 else "", item)
                for rm in chosen
                for item in active_items(rm)
                if item.kind == "activity"
            ]
        checked = len(items)
        for head, item in items:
            unresolved += [
                {"item": head + item.number, "text": u.text, "suggestions": list(u.suggestions)}
                for u in resolve_executors(item.executors_text, bodies).unresolved
            ]
    result = {
        "directory": str(path),
        "bodies": len(bodies.bodies),
        "groups": sum(1 for b in bodies.bodies if b.members),
        "items_checked": checked,
        "unresolved": unresolved,
    }
    if as_json:
        print_json(result)
    else:
        console.print(
            f"{path}: {result['bodies']} bodies, {result['groups']} groups — valid; "
            f"{checked} activity items checked"
        )
        if unresolved:
            table = Table("item", "name not in the directory", "closest names")
            for u in unresolved:
                table.add_row(str(u["item"]), str(u["text"]), "; ".join(u["suggestions"]))
            console.print(table)
        else:
            console.print("every executor resolves")
    if unresolved:
        sys.exit(1)


bodies_group.add_command(check_cmd)
