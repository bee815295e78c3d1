"""``var/demo.pid``: one demo per folder, and the pid of the one that runs.

The file is locked with ``flock`` for the life of the process that wrote its pid in it. The
kernel drops the lock when that process ends, however it ends, so a pid file left by a killed
demo is never a reason to refuse: only a live holder of the lock is. The file is not deleted
on exit (a second demo could be waiting on the old file while a third makes a new one); the
next demo overwrites it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path

from kontrol.errors import KontrolError


class PidLock:
    """Held from :meth:`acquire` until :meth:`release` or the end of the process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Lock the file and write our pid, or refuse naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by children
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self._holder()
            raise KontrolError(
                f"another kontrol demo (pid {holder}) is running on {self.path.parent}: stop it "
                f"first (Ctrl-C in its terminal, or `kill {holder}`), or give this one another "
                "--var"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _holder(self) -> str:
        """The pid the holder wrote (it writes right after locking: wait a moment for it)."""
        for _ in range(20):
            with contextlib.suppress(OSError):
                text = self.path.read_text(encoding="ascii").strip()
                if text.isdigit():
                    return text
            time.sleep(0.05)
        return "unknown"
