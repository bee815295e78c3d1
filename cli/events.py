"""``kontrol event emit`` (report an event from the console), ``kontrol event list`` and
``kontrol event forward`` (forward what is recorded but not yet in Prefect, now)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from kontrol.cli.common import app_of
from kontrol.errors import KontrolError


class DateTimeParam(click.ParamType):
    name = "DATETIME"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%Y"):
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                pass
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"«{value}» is not a date-time (ISO 8601, or DD.MM.YYYY [HH:MM])", param, ctx)


@click.group("event")
def event_group() -> None:
    """Events that start event-relative obligations («… со дня заключения контракта»)."""


@event_group.command("emit")
@click.argument("event_id")
@click.option("--body", help="The body the event concerns (directory id).")
@click.option("--at", type=DateTimeParam(), help="When it happened (default: now; local time).")
@click.option("--ref", help="Your reference (the same reference again is recorded once).")
@click.option("--note", help="A remark shown with the assignments.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def emit_cmd(
    ctx: click.Context,
    event_id: str,
    body: str | None,
    at: dt.datetime | None,
    ref: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Record an event and forward it to Prefect, which runs the obligations counted from it."""
    from kontrol.config import load_rules
    from kontrol.events import CLI_SENDER, accept_event, require_catalogue
    from kontrol.models.base import utc
    from kontrol.output import console, print_json

    app = app_of(ctx)
    app.require_schema()
    catalogue = require_catalogue(app.settings)
    policy = load_rules(app.settings).policy
    accepted = accept_event(
        app,
        catalogue,
        policy,
        sender=CLI_SENDER,
        event=event_id,
        body=body,
        at=at,
        ref=ref,
        note=note,
        at_name="--at",
    )
    if as_json:
        print_json(accepted.to_json())
    else:
        state = "recorded" if accepted.new else "already recorded (same reference)"
        local = utc(accepted.occurred_at).astimezone(policy.zone)  # as the person gave it
        console.print(
            f"event #{accepted.id} {accepted.event} at {local:%d.%m.%Y %H:%M} ({policy.timezone})"
            f"{' for ' + accepted.body if accepted.body else ''}: {state}; "
            + ("forwarded to Prefect" if accepted.forwarded else "NOT forwarded to Prefect")
        )
    if not accepted.forwarded:
        raise KontrolError(
            f"event #{accepted.id} is recorded but Prefect did not get it "
            f"({accepted.forward_error}); the daily sweep forwards it, or run the same command "
            f"again (or `kontrol event forward`)",
            exit_code=1,
        )


@event_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Every recorded event, newest first (the audit trail)."""
    from rich.table import Table
    from sqlalchemy import select

    from kontrol.config import load_rules
    from kontrol.models.base import utc
    from kontrol.models.event import EventRecord
    from kontrol.output import console, print_json

    app = app_of(ctx)
    app.require_schema()
    with app.reading() as session:
        rows: list[dict[str, Any]] = [  # JSON-shaped
            {
                "id": r.id,
                "event": r.event,
                "sender": r.sender,
                "ref": r.sender_ref,
                "body": r.body_id,
                "occurred_at": utc(r.occurred_at).isoformat(),
                "received_at": utc(r.received_at).isoformat(),
                "forwarded": r.forwarded_at is not None,
                "forward_attempts": r.forward_attempts,
                "forward_error": r.forward_error,
                "note": r.note,
            }
            for r in session.scalars(select(EventRecord).order_by(EventRecord.id.desc()))
        ]
    if as_json:
        print_json(rows)
        return
    zone = load_rules(app.settings).policy.zone
    table = Table("#", "event", "sender", "ref", "body", f"occurred ({zone.key})", "forwarded")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["event"],
            r["sender"],
            r["ref"],
            r["body"] or "—",
            f"{dt.datetime.fromisoformat(r['occurred_at']).astimezone(zone):%d.%m.%Y %H:%M}",
            "yes" if r["forwarded"] else f"NO: {r['forward_error'] or 'not yet tried'}",
        )
    console.print(table)


@event_group.command("forward")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def forward_cmd(ctx: click.Context, as_json: bool) -> None:
    """Forward to Prefect every event recorded but not yet forwarded (the daily sweep does it
    too); exit 1 if some are still pending."""
    from kontrol.event_forwarding import forward_pending
    from kontrol.events import load_catalogue
    from kontrol.output import console, print_json

    app = app_of(ctx)
    app.require_schema()
    report = forward_pending(app, load_catalogue(app.settings))
    if as_json:
        print_json(report.to_json())
    else:
        console.print(
            f"forwarded {len(report.forwarded)} event(s); still pending {len(report.pending)}"
        )
        for p in report.pending:
            console.print(f"  #{p.id} {p.event} ({p.sender}, {p.ref}): {p.error or 'not tried'}")
    if report.pending:
        raise KontrolError(
            f"{len(report.pending)} event(s) still not in Prefect: see `kontrol event list`",
            exit_code=1,
        )
