"""What the commands share: the application of the invocation, paths and their fallbacks."""

from __future__ import annotations

from pathlib import Path

import click

from kontrol.context import App
from kontrol.errors import KontrolError

EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def app_of(ctx: click.Context) -> App:
    """The ``App`` the group built for this invocation (settings, database, clock)."""
    app = ctx.find_object(App)
    assert app is not None, "a command runs under the kontrol group"
    return app


def resolve_path(path: Path | None, fallback: Path | None, what: str) -> Path:
    """The path given as an option, else the one from the settings; neither is one line."""
    chosen = path or fallback
    if chosen is None:
        raise KontrolError(f"no {what}: pass it as an option or set it in the environment")
    return chosen
