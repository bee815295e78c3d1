"""``kontrol demo``: the README's one command — the whole system on embedded defaults."""

from __future__ import annotations

import click

from kontrol.cli import EXAMPLE_DIRECTORY, SEED


@click.command("demo")
@click.pass_context
def demo_cmd(ctx: click.Context) -> None:
    """Create the database, import the seed decree with the example directory, show the roadmap."""
    from kontrol.commands.importing import import_cmd, items_cmd, show_report  # noqa: F401

    ctx.invoke(
        import_cmd, file=SEED, directory=EXAMPLE_DIRECTORY, strict=True, update=False, as_json=False
    )
    ctx.invoke(items_cmd, as_json=False)


def register(cli: click.Group) -> None:
    cli.add_command(demo_cmd)
