"""Writing output files all-or-nothing: a temp file in the target directory, then a rename.

A reader (or the mail attaching the workbook) never sees half a file, and a failure leaves no
stray file behind; a directory that is missing or not writable is one clear ``KontrolError``.
The file gets the permissions any program of the user's would give it (0666 less the umask):
a report is made to be shared, so it is not created private the way ``mkstemp`` would.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kontrol.errors import KontrolError


@dataclass(frozen=True)
class Written:
    """A file written and what it holds, for the one line a command prints about it."""

    path: Path
    what: str  # "timeline of 44 items, 327 occurrences as of 01.12.2026"

    def __str__(self) -> str:
        return f"wrote {self.path}: {self.what}"


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


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temp_path)`` then rename onto ``path``; the temp file goes on any error.
    What ``write`` returns (a byte count, say) is ignored."""
    path = check_target(path)
    tmp = _create_temp(path)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise KontrolError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _create_temp(path: Path) -> str:
    """An empty new file beside ``path``, mode 0666 as filtered by the umask (O_EXCL: never
    someone else's file)."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}{path.suffix}"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except OSError as exc:
            raise KontrolError(f"cannot write {path}: {exc.strerror}") from None
        return str(tmp)
    raise KontrolError(f"cannot write {path}: no free temporary name in {path.parent}")


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))
