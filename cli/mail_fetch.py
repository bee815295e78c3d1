"""``kontrol mail fetch``: read the replies waiting in kontrol's mailbox once, now."""

from __future__ import annotations

from dataclasses import asdict

import click

from kontrol.cli.common import app_of


@click.command("fetch")
@click.option("--json", "as_json", is_flag=True, help="Print what was done with each message.")
@click.pass_context
def fetch_cmd(ctx: click.Context, as_json: bool) -> None:
    """Read the replies in kontrol's mailbox (KONTROL_IMAP_*): reports and extension requests
    by mail, acted on like the portal's; every message is moved to «processed» or «rejected».

    The mails it causes (the curator's, the short answers) wait in the outbox for
    `kontrol mail deliver` (the `mail-fetch` deployment delivers them itself). Exit code 2
    when the mailbox cannot be reached or refuses the login.
    """
    from rich.table import Table

    from kontrol.config import load_rules
    from kontrol.flows.mailbox import OUTCOME_WORDS
    from kontrol.models.db import session_factory
    from kontrol.output import console, print_json
    from kontrol.portal.reply_fetch import fetch_replies

    app = app_of(ctx)
    app.require_schema()
    handled = fetch_replies(
        session_factory(app.engine), app.settings, load_rules(app.settings), now=app.now
    )
    if as_json:
        print_json([asdict(h) for h in handled])
        return
    table = Table(title=f"{app.settings.imap_host}: {len(handled)} message(s)")
    for column in ("uid", "from", "assignment", "outcome", "reason", "folder"):
        table.add_column(column)
    for h in handled:
        outcome = OUTCOME_WORDS.get(h.outcome, h.outcome) + (" (ранее)" if h.again else "")
        table.add_row(
            str(h.uid),
            h.sender,
            str(h.assignment_id or "—"),
            outcome,
            h.reason or "—",
            h.folder,
        )
    console.print(table)
