"""``kontrol retire``: a decree declared void."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from kontrol.cli.common import DATE, app_of, today_of

if TYPE_CHECKING:
    from kontrol.retirement import Retired


@click.command("retire")
@click.argument("roadmap", metavar="ROADMAP")
@click.option("--reason", required=True, help="Which decree declared it void (kept, mailed).")
@click.option(
    "--on",
    "on",
    type=DATE,
    help="Void from this day (default today); a later day keeps it in force until then.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def retire_cmd(
    ctx: click.Context, roadmap: str, reason: str, on: dt.date | None, as_json: bool
) -> None:
    """Declare a roadmap void («утратило силу»): its plan ends the day before --on, its open
    assignments are cancelled with the reason and each executor is told once, its Prefect
    deployments are removed. History and reports keep it.

    ROADMAP is its number («1302-б»), or «1302-б от 27.07.2020» when numbers repeat.
    Run again, it changes nothing; a day ahead is applied by the daily sweep when it comes.
    """
    from kontrol.cli.building import prune_or_warn
    from kontrol.cli.orchestrate import deliver_now
    from kontrol.lookup import roadmap_by_number
    from kontrol.mail.mailer import Mailer
    from kontrol.output import console, print_json
    from kontrol.retirement import declare_void

    app = app_of(ctx)
    app.require_schema()
    today = today_of(app)
    with app.transaction() as session:
        result = declare_void(
            session,
            roadmap_by_number(session, roadmap),
            on=on or today,
            reason=reason,
            today=today,
            now=app.now,
            mailer=Mailer.of(app.settings),
            actor="cli:retire",
        )
    removed = prune_or_warn(app) if result.applied else None
    if result.told:
        deliver_now(app, as_json=as_json)
    if as_json:
        print_json({**result.to_json(), "deployments_removed": removed})
    else:
        console.print(words(result), soft_wrap=True)


def words(result: Retired) -> str:
    if not result.changed:
        return f"№ {result.roadmap}: already void from {result.retired_on:%d.%m.%Y}"
    when = f"void from {result.retired_on:%d.%m.%Y}"
    if result.applied:
        return (
            f"№ {result.roadmap}: {when}; {len(result.cancelled)} open assignment"
            f"{'' if len(result.cancelled) == 1 else 's'} cancelled, "
            f"{len(result.told)} executor{'' if len(result.told) == 1 else 's'} told"
        )
    return (
        f"№ {result.roadmap}: {when}; in force until then (its plan ends the day before; the "
        "sweep of that day cancels what is still open; run `kontrol deploy` or `kontrol serve` "
        "again so the Prefect schedules end then too)"
    )
