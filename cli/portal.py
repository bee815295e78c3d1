"""``kontrol portal``: serve the executor page (the links in the mails) with uvicorn.

The links are signed with KONTROL_SECRET_KEY (older links also verify with
KONTROL_SECRET_KEYS_PREVIOUS); there is no built-in key to fall back on, so without a real key
the portal does not start (one line naming the setting, exit 2). ``kontrol demo`` makes a
random key of its own and passes it here.
"""

from __future__ import annotations

import click

from kontrol.cli.common import app_of


@click.command("portal")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def portal_cmd(ctx: click.Context, host: str, port: int) -> None:
    """Serve the executor page: reports, files, extension requests, curators' decisions."""
    import uvicorn

    from kontrol.mail.links import signing_keys
    from kontrol.output import console
    from kontrol.portal.app import create_app

    app = app_of(ctx)
    signing_keys(app.settings)
    app.require_schema()
    console.print(f"executor page on http://{host}:{port} (links: {app.settings.portal_base_url})")
    uvicorn.run(create_app(app.settings), host=host, port=port, log_level="info", access_log=False)
