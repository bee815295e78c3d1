"""The command line: ``kontrol`` (``main``) and its commands, one module per group of them."""

from kontrol.cli.main import cli, main

__all__ = ["cli", "main"]
