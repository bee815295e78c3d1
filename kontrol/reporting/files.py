"""Writing output files all-or-nothing: a temp file in the target directory, then a rename.

A reader (or the mail attaching the workbook) never sees half a file, and a failure leaves no
stray file behind; a directory that is missing or not writable is one clear ``KontrolError``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from kontrol.errors import KontrolError


def check_target(path: Path, suffixes: tuple[str, ...] | None = None) -> Path:
    """Fail early (before any work) on a bad suffix or a directory we cannot write to."""
    path = Path(path)
    if suffixes and path.suffix.lower() not in suffixes:
        raise KontrolError(
            f"cannot write {path}: the file name must end with {' or '.join(suffixes)}"
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise KontrolError(f"cannot write {path}: directory {parent} does not exist")
    if path.is_dir():
        raise KontrolError(f"cannot write {path}: it is a directory")
    if not os.access(parent, os.W_OK):
        raise KontrolError(f"cannot write {path}: directory {parent} is not writable")
    return path


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temp_path)`` then rename onto ``path``; the temp file goes on any error."""
    path = check_target(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise KontrolError(f"cannot write {path}: {exc.strerror}") from None
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise KontrolError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))
