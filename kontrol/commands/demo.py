"""``kontrol demo``: the README's one command — the whole system on embedded defaults.

Starts (or reuses) a local Prefect server on 127.0.0.1, the local SMTP sink that stores mail
as files, imports the seed decree with the example directory, registers and serves every
deployment, issues one occurrence at once, and prints where to look. Ctrl-C stops it all.

The links in the demo's mails are real signed links: the key is KONTROL_SECRET_KEY when set,
else a random key made on the first run and kept in ``var/secret_key`` (mode 0600), reused
later so the links already in ``var/mail`` keep working; every child process gets it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import click

from kontrol.cli import EXAMPLE_DIRECTORY, SEED, app_of
from kontrol.context import App
from kontrol.errors import KontrolError
from kontrol.keyfile import load_or_create
from kontrol.mail.links import signing_keys
from kontrol.output import console
from kontrol.services import Services, http_ok, port_open, python_argv
from kontrol.settings import load_settings


@click.command("demo")
@click.option(
    "--var",
    "var_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var"),
    show_default=True,
    help="Folder for the database, mail, logs.",
)
@click.option("--prefect-port", default=4200, show_default=True)
@click.option("--smtp-port", default=8025, show_default=True)
@click.option("--portal-port", default=8080, show_default=True)
@click.option("--no-serve", is_flag=True, help="Import and issue once, then exit (no Prefect).")
@click.pass_context
def demo_cmd(
    ctx: click.Context,
    var_dir: Path,
    prefect_port: int,
    smtp_port: int,
    portal_port: int,
    no_serve: bool,
) -> None:
    """Run kontrol on the seed decree: Prefect UI, mail folder, everything on this machine."""
    from kontrol.commands.importing import import_cmd

    app = app_of(ctx)
    var_dir = var_dir.resolve()
    key = app.settings.secret_key or load_or_create(var_dir / "secret_key")
    signing_keys(app.settings.model_copy(update={"secret_key": key}))  # a weak one stops here
    mail_dir = var_dir / "mail"
    api = f"http://127.0.0.1:{prefect_port}/api"
    env = {
        **os.environ,
        "KONTROL_DATABASE_URL": app.settings.database_url,
        "KONTROL_MAIL_DIR": str(mail_dir),
        "KONTROL_SMTP_HOST": "127.0.0.1",
        "KONTROL_SMTP_PORT": str(smtp_port),
        "KONTROL_SMTP_TLS": "none",
        "KONTROL_PORTAL_BASE_URL": f"http://127.0.0.1:{portal_port}",
        "KONTROL_SECRET_KEY": key,
        "PREFECT_API_URL": api,
        "PREFECT_HOME": str(var_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": api,
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    os.environ.update(env)  # this process serves the deployments with the same settings
    app.settings = load_settings()  # and issues with them (`--no-serve`): key, SMTP port, …
    services = Services(var_dir / "log", env)
    try:
        if not no_serve:
            if http_ok(api + "/health"):
                console.print(f"Prefect server: reusing the one at {api}")
            else:
                console.print("starting a local Prefect server (first start takes ~20 s) …")
                services.start(
                    "prefect-server",
                    python_argv(
                        "prefect",
                        "server",
                        "start",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(prefect_port),
                    ),
                    lambda: http_ok(api + "/health"),
                )
        if not port_open("127.0.0.1", smtp_port):
            services.start(
                "smtp-sink",
                python_argv(
                    "kontrol",
                    "mail",
                    "sink",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(smtp_port),
                    "--dir",
                    str(mail_dir),
                ),
                lambda: port_open("127.0.0.1", smtp_port),
                timeout=30,
            )
        ctx.invoke(
            import_cmd,
            file=SEED,
            directory=EXAMPLE_DIRECTORY,
            strict=True,
            update=False,
            as_json=False,
        )
        _start_portal(services, portal_port)
        if no_serve:
            _issue_one(ctx)
            return
        services.start(
            "serve", python_argv("kontrol", "serve", "--limit", "4"), lambda: True, timeout=5
        )
        _banner(prefect_port, mail_dir, portal_port, var_dir)
        _watch(app, mail_dir, services)
    except KeyboardInterrupt:
        console.print("stopping …")
    finally:
        services.stop()


def _watch(app: App, mail_dir: Path, services: Services) -> None:
    """Report what the served flows do until Ctrl-C (or a child dies)."""
    from sqlalchemy import func, select

    from models import Assignment

    last = (-1, -1)
    while True:
        for name, proc in services.children:
            if proc.poll() is not None:
                raise KontrolError(
                    f"{name} stopped (code {proc.returncode}); see var/log/{name}.log"
                )
        with app.reading() as session:
            issued = session.scalar(select(func.count()).select_from(Assignment)) or 0
        mails = len(list(mail_dir.glob("*.eml"))) if mail_dir.exists() else 0
        if (issued, mails) != last:
            console.print(f"  {issued} assignments issued, {mails} mails in {mail_dir}")
            last = (issued, mails)
        time.sleep(5)


def _start_portal(services: Services, port: int) -> None:
    try:
        import portal.app  # noqa: F401
    except ImportError:
        return
    if not port_open("127.0.0.1", port):
        services.start(
            "portal",
            python_argv("kontrol", "portal", "--host", "127.0.0.1", "--port", str(port)),
            lambda: port_open("127.0.0.1", port),
            timeout=30,
        )


def _issue_one(ctx: click.Context) -> None:
    from kontrol.commands.orchestrate import run_cmd

    year = dt.date.today().year
    ctx.invoke(run_cmd, item="1.3", phase=None, period=f"{year}-01", as_json=False)


def _banner(prefect_port: int, mail_dir: Path, portal_port: int, var_dir: Path) -> None:
    console.print(
        "\n[bold]kontrol is running[/]\n"
        f"  Prefect UI:   http://127.0.0.1:{prefect_port}  (Deployments, Runs, Artifacts, "
        "Events)\n"
        f"  Mail folder:  {mail_dir}  (one .eml file per message)\n"
        f"  Executor page: http://127.0.0.1:{portal_port}  (links are in the mails)\n"
        f"  Logs:         {var_dir / 'log'}\n"
        "  To see escalation now, in another terminal:\n"
        f"    export KONTROL_DATABASE_URL=sqlite:///{var_dir / 'kontrol.db'} "
        f"PREFECT_API_URL=http://127.0.0.1:{prefect_port}/api\n"
        "    .venv/bin/kontrol sweep --as-of 2027-01-20 --flow\n"
        "  Ctrl-C stops everything.\n"
    )


def register(cli: click.Group) -> None:
    cli.add_command(demo_cmd)
