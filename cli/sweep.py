"""``kontrol sweep``, ``kontrol status``, ``kontrol done``, ``kontrol extend``, ``kontrol cancel``.

Dates are typed as YYYY-MM-DD and checked here — their form, then the imported roadmaps'
date window (``kontrol.windows``) — so a wrong one is one clear line (exit 2), never a
traceback. A dry-run sweep runs in one transaction that is rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING

import click

from kontrol.cli.common import app_of, parse_date, roadmaps_option
from kontrol.context import App
from kontrol.errors import KontrolError

if TYPE_CHECKING:
    from kontrol.config import Rules
    from kontrol.listing import Row
    from kontrol.sweep import SweepReport

ACTOR = "cli"


def _rules(app: App) -> Rules:

    from kontrol.config import load_rules

    try:
        return load_rules(app.settings)
    except ValueError as exc:  # a policy the ladder refuses
        raise KontrolError(f"policy: {exc}") from None


def _today(app: App, rules: Rules) -> dt.date:

    return app.now.astimezone(rules.policy.zone).date()


@click.command("sweep")
@click.option("--as-of", "as_of", metavar="DATE", help="Sweep as of this day (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--flow",
    "as_flow",
    is_flag=True,
    help="Run it as the Prefect flow on PREFECT_API_URL: its run, artifacts (overdue table, "
    "summary), events and mail delivery appear in the Prefect UI.",
)
@click.pass_context
def sweep_cmd(
    ctx: click.Context, as_of: str | None, dry_run: bool, as_json: bool, as_flow: bool
) -> None:
    """Send due reminders, overdue notices and escalations (the daily flow does it on schedule)."""
    from kontrol.mail.mailer import Mailer
    from kontrol.models.db import session_factory
    from kontrol.output import print_json
    from kontrol.sweep import one_transaction, run_sweep, transactions
    from kontrol.windows import check_option

    app = app_of(ctx)
    rules = _rules(app)
    day = parse_date(as_of, "--as-of") if as_of else _today(app, rules)
    app.require_schema()
    if as_of:
        with app.reading() as session:
            check_option(session, day, "--as-of")
    try:
        from kontrol.ladder import check_policy

        check_policy(rules.policy)
    except ValueError as exc:
        raise KontrolError(f"policy: {exc}") from None
    mailer = Mailer.of(app.settings)  # a missing or weak secret key stops here, one line
    if as_flow and not dry_run:
        _run_as_flow(day, as_json)
        return
    sweep = functools.partial(
        run_sweep, as_of=day, rules=rules, mailer=mailer, now=app.now, actor=ACTOR
    )
    if dry_run:
        with session_factory(app.engine)() as session:
            session.begin()
            try:
                report = sweep(one_transaction(session))
            finally:
                session.rollback()
    else:
        report = sweep(transactions(session_factory(app.engine)))
    if as_json:
        print_json({**report.to_json(), "dry_run": dry_run})
    else:
        show_sweep(report, dry_run)


def _run_as_flow(day: dt.date, as_json: bool) -> None:
    """The same flow the schedule runs: the UI gets its run, artifacts and events."""
    from kontrol.naming import sweep_counts
    from kontrol.output import console, print_json

    _require_prefect()
    from kontrol.flows.sweep import daily_sweep

    result = daily_sweep(as_of=day)
    if as_json:
        print_json({**result, "dry_run": False, "via": "prefect"})
    else:
        words = sweep_counts(result["counts"]) if "counts" in result else "not a working day"
        console.print(f"{day}: sweep run as a Prefect flow run: {words}")


def _require_prefect() -> None:
    """``--flow`` needs the Prefect server the supervisors look at, not a throw-away one."""
    from kontrol.deployments.prefect_io import check_api

    check_api()


def show_sweep(report: SweepReport, dry_run: bool) -> None:
    from rich.table import Table

    from kontrol.naming import SWEEP_WORDS, sweep_counts
    from kontrol.output import console

    for ref in report.retired:
        console.print(
            f"№ {ref} is void from {report.as_of:%d.%m.%Y} or earlier: its open assignments "
            + ("would be" if dry_run else "were")
            + " cancelled and its executors told"
        )
    if not report.working_day:
        console.print(f"{report.as_of}: not a working day — nothing is sent")
        return
    verb = "would send" if dry_run else "sent"
    counts = report.to_json()["counts"]
    console.print(
        f"sweep {report.as_of}: {report.candidates} open assignment(s) near or past due; "
        + sweep_counts(counts)
    )
    if not report.actions:
        return
    table = Table(title=f"{'dry run: ' if dry_run else ''}{verb} as of {report.as_of}")
    for col in ("what", "assignment", "item", "body", "to", "subject"):
        table.add_column(col)
    for a in report.actions:
        table.add_row(
            SWEEP_WORDS.get(a.kind, a.kind) + (f" ({a.step})" if a.step else ""),
            str(a.assignment_id or ", ".join(map(str, a.entries))),
            a.item or "",
            a.body_name or "",
            a.recipient_name or "",
            a.subject or "",
        )
    console.print(table)


@click.command("status")
@click.option("--overdue", is_flag=True, help="Only overdue assignments.")
@click.option("--all", "show_all", is_flag=True, help="Also done and cancelled ones.")
@click.option("--body", metavar="ID", help="Only this body's assignments.")
@click.option("--item", metavar="N", help="Only this item's assignments (e.g. 1.3).")
@click.option(
    "--as-of", "as_of", metavar="DATE", help="Where assignments stand on this day (default today)."
)
@roadmaps_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def status_cmd(
    ctx: click.Context,
    roadmaps: tuple[str, ...],
    as_of: str | None,
    overdue: bool,
    show_all: bool,
    body: str | None,
    item: str | None,
    as_json: bool,
) -> None:
    """Open assignments (or --overdue, --all) as they stand on a day: due date, working days
    overdue, ladder step. The same standing as `kontrol report` and the artifacts."""
    from kontrol.choosing import check_item
    from kontrol.listing import listing
    from kontrol.output import print_json
    from kontrol.plain_reads import choose_among, imported_window, roadmaps_of
    from kontrol.windows import check_day

    app = app_of(ctx)
    rules = _rules(app)
    today = parse_date(as_of, "--as-of") if as_of else _today(app, rules)
    with app.plain_reading() as db:
        every = roadmaps_of(db)
        if as_of:
            check_day(imported_window(every), today, "--as-of")
        chosen = choose_among(every, roadmaps, today)
        check_item(chosen, item)
        rows = listing(
            db,
            rules=rules,
            as_of=today,
            overdue_only=overdue,
            open_only=not show_all,
            body=body,
            item=item,
            roadmap_ids=[r.id for r in chosen],
        )
    several = len(chosen) > 1
    if as_json:
        print_json({"as_of": today, "assignments": [r.__dict__ for r in rows]})
        return
    _show_status(rows, today, several=several)


def _show_status(rows: list[Row], today: dt.date, *, several: bool) -> None:
    from rich.table import Table

    from kontrol import standing
    from kontrol.ladder import STEP_WORDS
    from kontrol.output import console

    table = Table(title=f"Поручения на {today:%d.%m.%Y}: {len(rows)}")
    for col in ("№", "документ · п." if several else "п.", "период", "исполнитель", "срок"):
        table.add_column(col)
    for col in ("статус", "просрочка", "ступень"):
        table.add_column(col)
    for r in rows:
        moved = f" (было {r.original_due_on:%d.%m})" if r.due_on != r.original_due_on else ""
        table.add_row(
            str(r.id),
            f"{r.roadmap} · {r.obligation}" if several else r.obligation,
            r.period,
            r.body_name,
            f"{r.due_on:%d.%m.%Y}{moved}",
            standing.WORDS[r.status],
            str(r.days_overdue or ""),
            STEP_WORDS.get(r.step or "", r.step or ""),
        )
    console.print(table)


@click.command("done")
@click.argument("assignment")
@click.option("--note", help="What was done (kept with the assignment).")
@click.pass_context
def done_cmd(ctx: click.Context, assignment: str, note: str | None) -> None:
    """Mark an assignment done: its ladder stops."""
    from kontrol.assignments import mark_done
    from kontrol.output import console

    app = app_of(ctx)
    app.require_schema()
    with app.transaction() as session:
        a, changed = mark_done(session, assignment, note=note, now=app.now, actor=ACTOR)
        aid, completed = a.id, a.completed_at
    if changed:
        console.print(f"assignment {aid}: done")
    else:
        console.print(f"assignment {aid}: already done ({completed:%d.%m.%Y}) — unchanged")


@click.command("extend")
@click.argument("assignment")
@click.option("--to", "to", required=True, metavar="DATE", help="New due date (YYYY-MM-DD).")
@click.option("--reason", required=True, help="Why (kept in the audit, sent to the executor).")
@click.pass_context
def extend_cmd(ctx: click.Context, assignment: str, to: str, reason: str) -> None:
    """Approve a later due date: the ladder restarts for it."""
    from kontrol.assignments import extend
    from kontrol.mail.mailer import Mailer
    from kontrol.output import console
    from kontrol.windows import OutOfWindow

    app = app_of(ctx)
    rules = _rules(app)
    new_due = parse_date(to, "--to")
    app.require_schema()
    try:
        with app.transaction() as session:
            a, old = extend(
                session,
                assignment,
                to=new_due,
                reason=reason,
                rules=rules,
                mailer=Mailer.of(app.settings),
                now=app.now,
                actor=ACTOR,
            )
            aid = a.id
    except OutOfWindow as exc:
        raise KontrolError(f"--to: {exc}") from None
    console.print(f"assignment {aid}: due {old:%d.%m.%Y} → {new_due:%d.%m.%Y}")


@click.command("cancel")
@click.argument("assignment")
@click.option("--reason", required=True, help="Why (kept in the audit).")
@click.pass_context
def cancel_cmd(ctx: click.Context, assignment: str, reason: str) -> None:
    """Cancel an assignment: its ladder stops."""
    from kontrol.assignments import cancel
    from kontrol.output import console

    app = app_of(ctx)
    app.require_schema()
    with app.transaction() as session:
        a, changed = cancel(session, assignment, reason=reason, now=app.now, actor=ACTOR)
        aid = a.id
    console.print(f"assignment {aid}: {'cancelled' if changed else 'already cancelled'}")
