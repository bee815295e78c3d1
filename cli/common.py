"""What the commands share: the application of the invocation, paths and their fallbacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kontrol.context import App
from kontrol.errors import KontrolError

F = TypeVar("F", bound=Callable[..., Any])
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class DateParam(click.ParamType):
    name = "DATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                return dt.datetime.strptime(str(value), fmt).date()
            except ValueError:
                pass
        self.fail(f"«{value}» is not a date (YYYY-MM-DD or DD.MM.YYYY)", param, ctx)


DATE = DateParam()


def app_of(ctx: click.Context) -> App:
    """The ``App`` the group built for this invocation (settings, database, clock)."""
    app = ctx.find_object(App)
    assert app is not None, "a command runs under the kontrol group"
    return app


HOW_TO_NAME = {
    "directory of bodies": "pass --directory FILE or set KONTROL_DIRECTORY (the YAML file)",
}


def resolve_path(path: Path | None, fallback: Path | None, what: str) -> Path:
    """The path given as an option, else the one from the settings; neither is one line."""
    chosen = path or fallback
    if chosen is None:
        raise KontrolError(f"no {what}: {HOW_TO_NAME.get(what, 'pass it as an option')}")
    return chosen


ROADMAP_HELP = "its number («1302-б»), or «1302-б от 27.07.2020» when two decrees share the number"


def roadmaps_option(command: F) -> F:
    """``--roadmap`` of a reading command: repeatable, default every roadmap in force."""
    return click.option(
        "--roadmap",
        "roadmaps",
        multiple=True,
        metavar="NUMBER",
        help=f"Only this roadmap: {ROADMAP_HELP}. Repeatable; default: every roadmap in force.",
    )(command)


def roadmap_option(command: F) -> F:
    """``--roadmap`` of a changing command: needed when more than one roadmap is in force."""
    return click.option(
        "--roadmap",
        metavar="NUMBER",
        help=f"The roadmap, needed when more than one is in force: {ROADMAP_HELP}.",
    )(command)


def parse_date(text: str, what: str) -> dt.date:
    """A date as people type it on the command line: YYYY-MM-DD only (no guessing)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise KontrolError(f"{what}: {text!r} is not a date (expected YYYY-MM-DD)") from None


def today_of(app: App) -> dt.date:
    """Today in the policy's time zone (the day the committee lives by)."""
    from kontrol.config import mail_zone

    return app.now.astimezone(mail_zone(app.settings)).date()
