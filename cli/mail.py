"""``kontrol mail deliver | check | retry | list | sink | fetch``: send the outbox, try the
server, requeue failed mail, look at the outbox, run a local SMTP sink, read the replies
(``mail_fetch``)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import click

from kontrol.cli.common import app_of
from kontrol.errors import KontrolError

# kontrol.models.outbox.OUTBOX_STATES, written out: --help must not load the models for it
# (tests/package/test_cli_imports.py holds the two equal)
OUTBOX_STATES = ("pending", "sending", "sent", "failed")


@click.group("mail")
def mail_group() -> None:
    """E-mail: the outbox, its delivery over SMTP (KONTROL_SMTP_*), a local sink."""


@mail_group.command("deliver")
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(min=1),
    help="SMTP connections at once.",
)
@click.option(
    "--max-attempts",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Then a message is failed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_context
def deliver_cmd(ctx: click.Context, concurrency: int, max_attempts: int, as_json: bool) -> None:
    """Send every due message of the outbox once, now; print what happened.

    Exit code 2 when the run stopped because the server cannot be reached or refuses kontrol
    (login, certificate, sender): every mail stays pending, with the reason, for a later run.
    """
    from kontrol.mail.delivery import deliver_pending
    from kontrol.models.db import session_factory
    from kontrol.output import console, print_json

    app = app_of(ctx)
    app.require_schema()
    stats = asyncio.run(
        deliver_pending(
            session_factory(app.engine),
            app.settings,
            now=app.now,
            concurrency=concurrency,
            max_attempts=max_attempts,
        )
    )
    server = f"{app.settings.smtp_host}:{app.settings.smtp_port}"
    if as_json:
        print_json(stats.as_dict())
    else:
        console.print(f"{server}: {stats.words()}")
    if stats.stopped:
        raise KontrolError(
            f"{server}: the run stopped: {stats.stopped}; the mail waits in the outbox "
            "(`kontrol mail check` tries the KONTROL_SMTP_* settings)"
        )


@mail_group.command("check")
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds to wait for the server.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def check_cmd(ctx: click.Context, timeout: float, as_json: bool) -> None:
    """Try the SMTP settings without sending: connect, TLS, login, goodbye.

    Exit code 0 when the server would take mail from kontrol, 1 when not (the reason is
    printed: refused connection, untrusted certificate, no STARTTLS, wrong password…).
    """
    from kontrol.mail.delivery import check_server
    from kontrol.output import console, print_json

    result = asyncio.run(check_server(app_of(ctx).settings, timeout=timeout))
    if as_json:
        print_json(result.as_dict())
    elif result.ok:
        console.print(f"[green]{result.server}: ready to send[/]")
        console.print(f"  TLS: {result.tls or 'none (plain text)'}")
        console.print(f"  login: {result.login or 'none'}")
        console.print(f"  server offers: {', '.join(result.extensions) or '—'}")
    else:
        console.print(f"[red]{result.server}: cannot send[/]: {result.error}")
    if not result.ok:
        ctx.exit(1)


@mail_group.command("retry")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**31 - 1))
@click.option("--all-failed", is_flag=True, help="Every failed message (instead of IDS).")
@click.option("--json", "as_json", is_flag=True, help="Print the requeued ids as JSON.")
@click.pass_context
def retry_cmd(ctx: click.Context, ids: tuple[int, ...], all_failed: bool, as_json: bool) -> None:
    """Put failed messages back in the queue, after fixing what failed them.

    For example a mistyped address corrected in the directory, or a server setting. The next
    `kontrol mail deliver` (or any flow run) sends them, with the same Message-ID as before.
    """
    from kontrol.mail import outbox
    from kontrol.output import console, print_json

    if bool(ids) == all_failed:
        raise KontrolError("name the failed messages by id, or pass --all-failed")
    app = app_of(ctx)
    app.require_schema()
    with app.transaction() as session:
        requeued = outbox.requeue_failed(session, now=app.now, ids=list(ids) if ids else None)
    missing = sorted(set(ids) - set(requeued))
    if as_json:
        print_json({"requeued": requeued, "not_failed": missing})
    else:
        console.print(f"requeued {len(requeued)} message(s): {', '.join(map(str, requeued))}")
        if missing:
            console.print(f"[yellow]not failed, left as they are: {', '.join(map(str, missing))}")
    if missing:
        ctx.exit(1)


@mail_group.command("list")
@click.option("--status", type=click.Choice(OUTBOX_STATES), help="Only messages in this state.")
@click.option(
    "--limit",
    default=200,
    show_default=True,
    type=click.IntRange(min=1),
    help="The newest N messages.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the messages as JSON.")
@click.pass_context
def list_cmd(ctx: click.Context, status: str | None, limit: int, as_json: bool) -> None:
    """The outbox: what was sent, what waits, what failed and why."""
    from rich.table import Table
    from sqlalchemy import select
    from sqlalchemy.orm import lazyload

    from kontrol.models import OutboxMessage
    from kontrol.output import console, print_json

    app = app_of(ctx)
    app.require_schema()
    query = (
        select(OutboxMessage)
        .options(lazyload(OutboxMessage.content))  # the list shows states, not the words
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(OutboxMessage.status == status)
    with app.reading() as session:
        rows: list[dict[str, Any]] = [  # JSON-shaped
            {
                "id": m.id,
                "key": m.key,
                "kind": m.kind,
                "to": m.to_addrs,
                "cc": m.cc_addrs,
                "subject": m.subject,
                "status": m.status,
                "attempts": m.attempts,
                "last_error": m.last_error,
                "message_id": m.message_id,
                "assignment_id": m.assignment_id,
                "created_at": m.created_at,
                "next_attempt_at": m.next_attempt_at,
                "sent_at": m.sent_at,
            }
            for m in reversed(session.scalars(query).all())
        ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"outbox: {len(rows)} message(s)")
    for name in ("id", "kind", "to", "subject", "status", "attempts", "last error"):
        table.add_column(name, overflow="fold")
    colour = {"sent": "green", "failed": "red", "pending": "yellow", "sending": "cyan"}
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"],
            ", ".join(r["to"]),
            r["subject"],
            f"[{colour.get(r['status'], 'white')}]{r['status']}[/]",
            str(r["attempts"]),
            r["last_error"] or "",
        )
    console.print(table)


@mail_group.command("sink")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    default=8025,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0: any free port.",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to store .eml files [default: KONTROL_MAIL_DIR or var/mail].",
)
@click.option("--discard", is_flag=True, help="Count messages, store nothing (benchmarks).")
@click.pass_context
def sink_cmd(
    ctx: click.Context, host: str, port: int, directory: Path | None, discard: bool
) -> None:
    """A local SMTP server keeping every message as an .eml file; runs until Ctrl-C."""
    from kontrol.mail.sink import serve_forever, start_sink
    from kontrol.output import console

    app = app_of(ctx)
    target = None if discard else (directory or app.settings.mail_dir)
    if target is not None:
        try:  # now, not at the first message: a folder that cannot be made is said at once
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KontrolError(f"cannot store mail in {target}: {exc.strerror}") from None
    try:
        handle = start_sink(host, port, target)
    except OSError as exc:
        words = os.strerror(exc.errno) if exc.errno else str(exc)  # no Python tuple in it
        raise KontrolError(f"cannot listen on {host}:{port}: {words}") from None
    where = "discarding messages" if target is None else f"storing .eml files in {target}"
    serve_forever(
        handle,
        lambda: console.print(
            f"listening on {handle.host}:{handle.port}, {where} (Ctrl-C to stop)"
        ),
    )
    console.print(f"stopped after {handle.handler.count} message(s)")


def _add_fetch() -> None:
    from kontrol.cli.mail_fetch import fetch_cmd

    mail_group.add_command(fetch_cmd)


_add_fetch()
