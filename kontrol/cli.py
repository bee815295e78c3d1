"""``kontrol``: the command line of the committee staff (people) and of scripts (``--json``).

Every user mistake ends as one line on stderr and exit code 2; a traceback means a bug.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from sqlalchemy.exc import DBAPIError

from kontrol.context import App
from kontrol.errors import KontrolError
from kontrol.models.db import unavailable
from kontrol.output import err_console
from kontrol.roadmap.errors import RoadmapError
from kontrol.settings import load_settings, shown


class KontrolGroup(click.Group):
    """The command group; a database the environment makes unusable (server down, folder
    missing, file read-only…) is one line naming KONTROL_DATABASE_URL, whichever command met
    it. Any other database error is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            app = ctx.find_object(App)
            url = app.settings.database_url if app is not None else None
            problem = unavailable(exc, url)
            if problem is None:
                raise
            name = "KONTROL_DATABASE_URL"
            where = f"{name}={shown(name, url)!r}" if url else "the database"
            raise KontrolError(f"{where}: cannot use the database: {problem}") from None


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
    ctx.obj = App(load_settings())


def app_of(ctx: click.Context) -> App:
    app = ctx.find_object(App)
    assert app is not None
    return app


def register() -> None:
    from kontrol.commands import (
        bodies,
        demo,
        events,
        importing,
        mail,
        orchestrate,
        planning,
        portal,
        report,
        sweep,
    )

    for module in (
        importing,
        bodies,
        planning,
        orchestrate,
        sweep,
        events,
        mail,
        report,
        portal,
        demo,
    ):
        module.register(cli)


def main(argv: list[str] | None = None) -> None:
    register()
    try:
        # without standalone mode click returns ctx.exit()'s code instead of exiting
        code = cli.main(args=argv, prog_name="kontrol", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except (KontrolError, RoadmapError) as exc:
        err_console.print(
            f"[bold red]kontrol: error:[/] {escape(str(exc))}", markup=True, soft_wrap=True
        )
        sys.exit(getattr(exc, "exit_code", 2))
    except click.exceptions.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except click.UsageError as exc:
        # a mistake on the command line is one line, like every other (click prints three)
        where = exc.ctx.command_path if exc.ctx is not None else "kontrol"
        err_console.print(
            f"[bold red]kontrol: error:[/] {escape(exc.format_message())} "
            f"(see {escape(where)} --help)",
            markup=True,
            soft_wrap=True,
        )
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


def resolve_path(path: Path | None, fallback: Path | None, what: str) -> Path:
    chosen = path or fallback
    if chosen is None:
        raise KontrolError(f"no {what}: pass it as an option or set it in the environment")
    return chosen
