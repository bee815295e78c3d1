"""``var/demo.pid``: one demo per folder, and the pid of the one that runs.

The file is locked with ``flock`` by the demo that wrote its pid in it, and the lock is shared
by the children it starts (they inherit the descriptor, :attr:`PidLock.fd`). The kernel drops
the lock when the last of them ends, however it ends: a pid file left by a killed demo is no
reason to refuse, while the children of a killed demo, still running (and serving), are — a
second demo would run beside them. The file is not deleted on exit (a second demo could be
waiting on the old file while a third makes a new one); the next demo overwrites it.
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
            raise KontrolError(self._refusal()) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    @property
    def fd(self) -> int:
        """The locked descriptor, for the children to inherit (``pass_fds``)."""
        assert self._fd is not None, "not acquired"
        return self._fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _refusal(self) -> str:
        folder, holder = self.path.parent, self._holder()
        if holder is None or _alive(holder):
            pid = holder if holder is not None else "unknown"
            return (
                f"another kontrol demo (pid {pid}) is running on {folder}: stop it first "
                f"(Ctrl-C in its terminal, or `kill {pid}`), or give this one another --var"
            )
        left = " ".join(str(p) for p in _openers(self.path)) or "unknown"
        return (
            f"the processes of a kontrol demo that was killed (pid {holder}) still run on "
            f"{folder} (pids {left}): they end within a minute, or `kill {left}`"
        )

    def _holder(self) -> int | None:
        """The pid the holder wrote (it writes right after locking: wait a moment for it)."""
        for _ in range(20):
            with contextlib.suppress(OSError):
                text = self.path.read_text(encoding="ascii").strip()
                if text.isdigit():
                    return int(text)
            time.sleep(0.05)
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _openers(path: Path) -> list[int]:
    """The processes that have ``path`` open (Linux's /proc; those we may look at)."""
    target = str(path.resolve())
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) == target for fd in (proc / "fd").iterdir()):
                pids.append(int(proc.name))
    return sorted(pids)
