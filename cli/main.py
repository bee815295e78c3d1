"""``kontrol``: the command line of the committee staff (people) and of scripts (``--json``).

Every user mistake ends as one line on stderr and exit code 2; a traceback means a bug.

The commands live in the modules beside this one and are loaded when they are asked for (click's
lazily loaded group): a command imports what it needs, nothing above it imports the command line,
and ``kontrol schedule …`` does not load Prefect or the portal.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from kontrol.errors import KontrolError
from kontrol.roadmap.errors import RoadmapError

# command name → "module:attribute" under kontrol.cli
COMMANDS = {
    "init": "importing:init_cmd",
    "example": "importing:example_cmd",
    "import": "importing:import_cmd",
    "items": "importing:items_cmd",
    "roadmaps": "roadmaps:roadmaps_cmd",
    "retire": "retiring:retire_cmd",
    "amendments": "amending:amendments_cmd",
    "bodies": "bodies:bodies_group",
    "schedule": "planning:schedule_cmd",
    "plan": "planning:plan_cmd",
    "deployments": "orchestrate:deployments_group",
    "serve": "orchestrate:serve_cmd",
    "deploy": "orchestrate:deploy_cmd",
    "run": "orchestrate:run_cmd",
    "sweep": "sweep:sweep_cmd",
    "status": "sweep:status_cmd",
    "done": "sweep:done_cmd",
    "extend": "sweep:extend_cmd",
    "cancel": "sweep:cancel_cmd",
    "event": "events:event_group",
    "mail": "mail:mail_group",
    "report": "report:report_cmd",
    "simulate": "report:simulate_cmd",
    "portal": "portal:portal_cmd",
    "demo": "demo:demo_cmd",
}


def load_command(name: str) -> click.Command:
    """The command ``name`` from its module (an import error is a bug: it propagates)."""
    module, attribute = COMMANDS[name].split(":")
    command = getattr(importlib.import_module(f"kontrol.cli.{module}"), attribute)
    if not isinstance(command, click.Command) or command.name != name:
        raise TypeError(f"kontrol.cli.{COMMANDS[name]} is not the command {name!r}")
    return command


class KontrolGroup(click.Group):
    """The command group: its commands are loaded by name when they are used (``COMMANDS``).

    A database the environment makes unusable (server down, folder missing, file read-only…)
    is one line naming KONTROL_DATABASE_URL, whichever command met it. Any other database error
    is a bug and keeps its traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not _a_database_error(exc):
                raise
            from kontrol.context import App
            from kontrol.models.db import unavailable
            from kontrol.settings import shown

            app = ctx.find_object(App)
            url = app.settings.database_url if app is not None else None
            problem = unavailable(exc, url)
            if problem is None:
                raise
            name = "KONTROL_DATABASE_URL"
            where = f"{name}={shown(name, url)!r}" if url else "the database"
            raise KontrolError(f"{where}: cannot use the database: {problem}") from None


def _a_database_error(exc: Exception) -> bool:
    """SQLAlchemy's, or a driver's (`kontrol status` reads through sqlite3 or psycopg): each
    module is looked for among those loaded, as the commands import them, not this group."""
    kinds = (
        ("sqlalchemy.exc", "DBAPIError"),
        ("sqlite3", "Error"),
        ("psycopg", "Error"),
    )
    for module, name in kinds:
        found = sys.modules.get(module)
        if found is not None and isinstance(exc, getattr(found, name)):
            return True
    return False


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``kontrol --version``: the package and the schema revision this code migrates to (no
    database is opened: ``kontrol init`` says which revision a database has)."""
    if not value or ctx.resilient_parsing:
        return
    from kontrol.models.db import head_revision
    from kontrol.version import version

    click.echo(f"kontrol {version()} (database schema {head_revision()})")
    ctx.exit()


@click.group(
    cls=KontrolGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the database schema it needs, and exit.",
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """kontrol: a decree's roadmap («дорожная карта») as scheduled, watched work.

    The database is KONTROL_DATABASE_URL (default: SQLite file kontrol.db here).
    """
    from kontrol.context import App
    from kontrol.settings import load_settings

    ctx.obj = App(load_settings())


def _error(message: str) -> None:
    """One line on stderr (rich is loaded only when there is something to say)."""
    from rich.markup import escape

    from kontrol.output import err_console

    err_console.print(
        f"[bold red]kontrol: error:[/] {escape(message)}", markup=True, soft_wrap=True
    )


def main(argv: list[str] | None = None) -> None:
    try:
        # without standalone mode click returns ctx.exit()'s code instead of exiting
        code = cli.main(args=argv, prog_name="kontrol", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except (KontrolError, RoadmapError) as exc:
        _error(str(exc))
        sys.exit(getattr(exc, "exit_code", 2))
    except click.exceptions.Abort:
        from kontrol.output import err_console

        err_console.print("aborted")
        sys.exit(130)
    except click.UsageError as exc:
        # a mistake on the command line is one line, like every other (click prints three)
        where = exc.ctx.command_path if exc.ctx is not None else "kontrol"
        _error(f"{exc.format_message()} (see {where} --help)")
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
