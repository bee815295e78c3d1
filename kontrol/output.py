"""Printing for people (rich tables) and for machines (``--json``, UTF-8, stable keys)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

from rich.console import Console


def _width(stream: object) -> int | None:
    """Rich's own width on a terminal; a wide page when piped (logs, files, less)."""
    isatty = getattr(stream, "isatty", None)
    return None if isatty and isatty() else 160


console = Console(highlight=False, width=_width(sys.stdout))
err_console = Console(stderr=True, highlight=False, width=_width(sys.stderr))


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")
    sys.stdout.flush()
