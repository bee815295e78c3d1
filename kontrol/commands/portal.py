"""``kontrol portal``: serve the executor page (the links in the mails) with uvicorn.

The links are signed with KONTROL_SECRET_KEY; a portal on the public demo key would accept
links anyone can forge, so it refuses to start without a real key — unless ``--demo`` is given
or the key is the demo key ``kontrol demo`` sets for a machine-local run.
"""

from __future__ import annotations

import click

from kontrol.cli import app_of
from kontrol.errors import KontrolError
from kontrol.mail.links import DEMO_KEY
from kontrol.output import console


@click.command("portal")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Allow the public demo key (local demos only).")
@click.pass_context
def portal_cmd(ctx: click.Context, host: str, port: int, demo: bool) -> None:
    """Serve the executor page: reports, files, extension requests, curators' decisions."""
    import uvicorn

    from portal.app import create_app

    app = app_of(ctx)
    settings = app.settings
    if not settings.secret_key and not demo:
        raise KontrolError(
            "KONTROL_SECRET_KEY is not set: the portal's links would be signed with the public "
            "demo key. Set a long random key, or pass --demo for a local demo."
        )
    if demo and not settings.secret_key:
        settings = settings.model_copy(update={"secret_key": DEMO_KEY})
    app.require_schema()
    if settings.secret_key == DEMO_KEY:
        console.print("[yellow]warning[/] the portal runs on the demo key: local use only")
    console.print(f"executor page on http://{host}:{port} (links: {settings.portal_base_url})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


def register(cli: click.Group) -> None:
    cli.add_command(portal_cmd)
