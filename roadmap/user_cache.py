"""The user's cache folder, and files written into it whole or not at all.

What kontrol keeps there (the schedule grammar's built parser, the production calendar's years)
is a cache and nothing else: a folder that cannot be written costs the time to build again,
never an answer. The folder is ``$XDG_CACHE_HOME/kontrol`` (``~/.cache/kontrol``): the user's
own, since what is read back from it is trusted.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["cache_dir", "write_whole"]


def cache_dir() -> Path | None:
    """The user's cache folder for kontrol, or None when there is no home to put it in."""
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        return (Path(base) if base else Path.home() / ".cache") / "kontrol"
    except RuntimeError:  # no home directory
        return None


def write_whole(path: Path, write: Callable[[BinaryIO], object]) -> bool:
    """``write`` into a temporary file beside ``path``, renamed over it when done; False (and
    nothing left behind) when the folder or the disk refuses, or ``write`` raises. Two
    processes writing at once leave one whole file, never a mixture."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except Exception:  # a disk full or a value that will not serialise: no cache, same answer
        Path(tmp).unlink(missing_ok=True)
        return False
    return True
