"""``kontrol demo``: the README's one command — the whole system on embedded defaults.

Starts a local Prefect server on 127.0.0.1, the local SMTP sink that stores mail as files and
the executor page, imports the seed decree with the example directory, serves every deployment
(``kontrol serve``, which at once issues the occurrences running today: the catch-up), and
says how the catch-up and the mail go until both are finished, then only what changes.

One demo per ``--var`` folder: ``var/demo.pid`` is locked while it runs, and a second one
refuses, naming the first. A port taken by another program is an error naming the port and
its option, never a server to reuse. Ctrl-C, SIGTERM and SIGHUP stop every child, newest
first, and the demo waits until their ports are free (:mod:`kontrol.services`).

The links in the demo's mails are real signed links: the key is KONTROL_SECRET_KEY when set,
else a random key made on the first run and kept in ``var/secret_key`` (mode 0600), reused
later so the links already in ``var/mail`` keep working; every child process gets it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kontrol.cli.common import app_of
from kontrol.errors import KontrolError

if TYPE_CHECKING:
    from kontrol.cli.demo_watch import Watch
    from kontrol.context import App
    from kontrol.progress import Progress
    from kontrol.services import Services

HOST = "127.0.0.1"
SERVE_LIMIT = 4  # flow runs at once: the catch-up's two dozen runs on a 2-core machine
# The catch-up queues its runs behind SERVE_LIMIT. Prefect's late-runs service marks a run
# waiting over 15 s «Late», in transactions of their own that read first and write after:
# on the demo's SQLite the writes that overlap fail at once with «database is locked» (110
# tracebacks in the server log over one catch-up). Nothing is late here: the runs wait for
# a slot, and the demo's runner takes every run that is due.
PREFECT_SERVER_ENV = {"PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false"}


@click.command("demo")
@click.option(
    "--var",
    "var_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var"),
    show_default=True,
    help="Folder for the database, mail, logs.",
)
@click.option("--prefect-port", default=4200, show_default=True, type=click.IntRange(1, 65535))
@click.option("--smtp-port", default=8025, show_default=True, type=click.IntRange(1, 65535))
@click.option("--portal-port", default=8080, show_default=True, type=click.IntRange(1, 65535))
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
    """Run kontrol on the seed decree: Prefect UI, mail folder, everything on this machine.

    Ctrl-C (or SIGTERM) stops every process it started.
    """
    from kontrol.output import console, err_console
    from kontrol.pidlock import PidLock
    from kontrol.services import Services, Stopped, ignore_stop_signals, stop_signals

    var_dir = var_dir.resolve()
    lock = PidLock(var_dir / "demo.pid")
    lock.acquire()  # a second demo on this folder stops here, naming the first
    # the children hold the lock too: while one is left running, no demo starts beside it
    services = Services(var_dir / "log", {}, host=HOST, keep_fds=(lock.fd,))
    try:
        with stop_signals():
            stopped = False
            try:
                _run(ctx, services, var_dir, (prefect_port, smtp_port, portal_port), no_serve)
            except Stopped:
                stopped = True
                console.print("stopping …")
            finally:
                ignore_stop_signals()
                busy = services.stop()
            for port in busy:
                err_console.print(f"[yellow]warning[/] port {port} is still taken")
            if stopped and not busy:
                console.print("stopped: every process of the demo has ended, its ports are free")
    finally:
        lock.release()


def _run(
    ctx: click.Context,
    services: Services,
    var_dir: Path,
    ports: tuple[int, int, int],
    no_serve: bool,
) -> None:
    from kontrol.cli.demo_watch import Watch, catch_up_of
    from kontrol.cli.importing import import_cmd
    from kontrol.progress import Progress
    from kontrol.resources import EXAMPLE_DIRECTORY, SEED
    from kontrol.services import python_argv
    from kontrol.settings import load_settings

    app = app_of(ctx)
    prefect_port, smtp_port, portal_port = ports
    _check_free(
        {
            "--prefect-port": None if no_serve else prefect_port,
            "--smtp-port": smtp_port,
            "--portal-port": portal_port,
        }
    )
    env = _demo_env(app, var_dir, ports)
    mail_dir, api = Path(env["KONTROL_MAIL_DIR"]), env["PREFECT_API_URL"]
    os.environ.update(env)  # this process issues with the same settings (`--no-serve`)
    app.settings = load_settings()  # key, SMTP port, …
    services.env = env
    if not no_serve:
        _start_prefect(services, prefect_port, api)
    _start_sink(services, smtp_port, mail_dir)
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
    catch_up = catch_up_of(app)
    services.start(
        "serve",
        python_argv("kontrol", "serve", "--limit", str(SERVE_LIMIT)),
        lambda: True,
        timeout=5,
        grace=20,  # it cancels its flow runs: a few seconds
    )
    _banner(prefect_port, mail_dir, portal_port, var_dir)
    _watch(services, Watch(app, api, catch_up), Progress(_shown(mail_dir)))


def _demo_env(app: App, var_dir: Path, ports: tuple[int, int, int]) -> dict[str, str]:
    """The environment of the demo's processes (also written to ``var/env.sh`` for a second
    terminal); its database and key are the demo folder's unless the environment names them."""
    from kontrol.keyfile import load_or_create
    from kontrol.mail.links import signing_keys
    from kontrol.resources import EXAMPLE_DIRECTORY, EXAMPLE_EVENTS

    prefect_port, smtp_port, portal_port = ports
    database_url = app.settings.database_url
    if "KONTROL_DATABASE_URL" not in os.environ:  # the demo's data lives in its own folder
        database_url = f"sqlite:///{var_dir / 'kontrol.db'}"
    given_key = app.settings.secret_key
    key = given_key or load_or_create(var_dir / "secret_key")
    signing_keys(dataclasses.replace(app.settings, secret_key=key))  # a weak one stops here
    api = f"http://{HOST}:{prefect_port}/api"
    env = {
        **os.environ,
        "KONTROL_DATABASE_URL": database_url,
        "KONTROL_MAIL_DIR": str(var_dir / "mail"),
        "KONTROL_SMTP_HOST": HOST,
        "KONTROL_SMTP_PORT": str(smtp_port),
        "KONTROL_SMTP_TLS": "none",
        "KONTROL_PORTAL_BASE_URL": f"http://{HOST}:{portal_port}",
        "KONTROL_SECRET_KEY": key,
        # the seed's events and bodies, so `event emit` and `bodies check` work as shown
        "KONTROL_EVENTS": os.environ.get("KONTROL_EVENTS") or str(EXAMPLE_EVENTS),
        "KONTROL_DIRECTORY": os.environ.get("KONTROL_DIRECTORY") or str(EXAMPLE_DIRECTORY),
        "PREFECT_API_URL": api,
        "PREFECT_HOME": str(var_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": api,
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    write_shell_env(var_dir / "env.sh", env, key_file=None if given_key else var_dir / "secret_key")
    return env


def _start_prefect(services: Services, port: int, api: str) -> None:
    from kontrol.output import console
    from kontrol.services import http_ok, python_argv

    console.print("starting the Prefect server (the first start takes ~20 s) …")
    services.start(
        "prefect-server",
        python_argv("prefect", "server", "start", "--host", HOST, "--port", str(port)),
        lambda: http_ok(api + "/health"),
        ports=(port,),
        env=PREFECT_SERVER_ENV,
    )
    console.print(f"  Prefect server: http://{HOST}:{port} ✓")


def _start_sink(services: Services, port: int, mail_dir: Path) -> None:
    from kontrol.output import console
    from kontrol.services import port_open, python_argv

    argv = ["mail", "sink", "--host", HOST, "--port", str(port), "--dir", str(mail_dir)]
    services.start(
        "smtp-sink",
        python_argv("kontrol", *argv),
        lambda: port_open(HOST, port),
        ports=(port,),
        timeout=30,
    )
    console.print(f"  SMTP sink: {HOST}:{port}, mail into {_shown(mail_dir)} ✓")


def _check_free(ports: dict[str, int | None]) -> None:
    """Every port the demo is to listen on is free: one taken by another program (an old
    Prefect server, another demo on another folder) is never silently used instead."""
    from kontrol.services import port_free

    for option, port in ports.items():
        if port is not None and not port_free(HOST, port):
            raise KontrolError(
                f"port {port} ({option}) is in use by another program: stop that program, or "
                f"choose another port with {option}"
            )


def _watch(services: Services, watch: Watch, progress: Progress) -> None:
    """Say how the catch-up and the mail go, and when each is finished; then speak only when
    something changes. Until a stop signal (or a child dies: an error)."""
    from kontrol.output import console

    while True:
        services.check()
        for line in progress.lines(watch.snapshot()):
            console.print("  " + line)
        time.sleep(2)


def _shown(path: Path) -> str:
    """``var/mail`` under the current folder, the full path elsewhere."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _start_portal(services: Services, port: int) -> None:
    from kontrol.output import console
    from kontrol.services import port_open, python_argv

    services.start(
        "portal",
        python_argv("kontrol", "portal", "--host", HOST, "--port", str(port)),
        lambda: port_open(HOST, port),
        ports=(port,),
        timeout=30,
    )
    console.print(f"  executor page: http://{HOST}:{port} ✓")


# what a second terminal needs to work on the demo's data, its mail sink and its Prefect server
SHELL_SETTINGS = (
    "KONTROL_DATABASE_URL",
    "KONTROL_MAIL_DIR",
    "KONTROL_SMTP_HOST",
    "KONTROL_SMTP_PORT",
    "KONTROL_SMTP_TLS",
    "KONTROL_PORTAL_BASE_URL",
    "KONTROL_EVENTS",
    "KONTROL_DIRECTORY",
    "PREFECT_API_URL",
)


def write_shell_env(path: Path, env: dict[str, str], *, key_file: Path | None) -> None:
    """``var/env.sh``: ``source`` it in another terminal to use the running demo. The key is
    read from its owner-only file when sourced, never copied into this one."""
    lines = ["# written by `kontrol demo`: source it to work on the running demo"]
    lines += [f"export {name}={shlex.quote(env[name])}" for name in SHELL_SETTINGS]
    if key_file is not None:
        lines.append(f'export KONTROL_SECRET_KEY="$(cat {shlex.quote(str(key_file))})"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _issue_one(ctx: click.Context) -> None:
    from kontrol.cli.orchestrate import run_cmd

    year = dt.date.today().year
    ctx.invoke(run_cmd, item="1.3", phase=None, period=f"{year}-01", as_json=False)


def _banner(prefect_port: int, mail_dir: Path, portal_port: int, var_dir: Path) -> None:
    from kontrol.output import console

    console.print(
        "\n[bold]kontrol is running[/]\n"
        f"  Prefect UI:   http://127.0.0.1:{prefect_port}  (Deployments, Runs, Artifacts, "
        "Events)\n"
        f"  Mail folder:  {mail_dir}  (one .eml file per message)\n"
        f"  Executor page: http://127.0.0.1:{portal_port}  (links are in the mails)\n"
        f"  Logs:         {var_dir / 'log'}\n"
        "  To see escalation now, in another terminal:\n"
        f"    source {_shown(var_dir / 'env.sh')}\n"
        "    .venv/bin/kontrol sweep --as-of 2027-01-20 --flow\n"
        "  Ctrl-C stops everything.\n"
    )
