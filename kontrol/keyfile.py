"""The demo's secret key: made once, random, kept in a file only its owner can read.

``kontrol demo`` signs real links (the mails in ``var/mail`` open the portal), so it needs a
real key, and the same one on every run — the links already in the mail folder must keep
working. The file is written under a temporary name opened with mode 0600 (``O_EXCL``: never
someone else's file) and then linked into place, which fails if another run got there first: a
key file is either absent or whole, never half-written, and never replaced.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from kontrol.errors import KontrolError
from kontrol.mail.links import MIN_KEY_LENGTH


def load_or_create(path: Path) -> str:
    """The key in ``path``, made first if there is none (``secrets.token_urlsafe(48)``)."""
    if not path.exists():
        _create(path, secrets.token_urlsafe(48))
    return _read(path)


def _create(path: Path, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another run made it first: theirs counts
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KontrolError(
            f"{path} is open to other users (mode {mode:04o}): the key in it signs the portal "
            f"links; run `chmod 600 {path}`, or delete it to make a new key (old links stop "
            "working)"
        )
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_KEY_LENGTH:
        raise KontrolError(
            f"{path} holds no usable key ({len(key)} characters, at least {MIN_KEY_LENGTH} "
            "needed): delete it and a new one is made"
        )
    return key
