"""``var/demo.pid``: a live demo holds the folder, and so do the children of a killed one; the
file a killed demo left behind, alone, does not."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kontrol.errors import KontrolError
from kontrol.pidlock import PidLock

# a demo: takes the lock, starts a child that inherits it (as the demo's children do), waits
HOLD = (
    "import subprocess, sys, time; from pathlib import Path; from kontrol.pidlock import PidLock;"
    " lock = PidLock(Path(sys.argv[1])); lock.acquire();"
    " child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],"
    " pass_fds=(lock.fd,));"
    " print(child.pid, flush=True); time.sleep(600)"
)


def _refusal(path: Path) -> str:
    with pytest.raises(KontrolError) as refused:
        PidLock(path).acquire()
    assert "\n" not in str(refused.value)
    return str(refused.value)


def test_a_live_demo_and_the_children_of_a_killed_one_hold_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "var" / "demo.pid"
    demo = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE)
    child = None
    try:
        assert demo.stdout is not None
        child = int(demo.stdout.readline())
        assert _refusal(path) == (
            f"another kontrol demo (pid {demo.pid}) is running on {path.parent}: stop it first "
            f"(Ctrl-C in its terminal, or `kill {demo.pid}`), or give this one another --var"
        )
        demo.kill()  # as a crash would: no clean-up of its own; its child runs on
        demo.wait()
        assert _refusal(path) == (
            f"the processes of a kontrol demo that was killed (pid {demo.pid}) still run on "
            f"{path.parent} (pids {child}): they end within a minute, or `kill {child}`"
        )
    finally:
        demo.kill()
        if child is not None:
            os.kill(child, 9)
            _reap(child)
    assert path.read_text() == f"{demo.pid}\n"  # the stale pid file stays …

    lock = PidLock(path)
    lock.acquire()  # … and is no reason to refuse
    assert path.read_text() == f"{os.getpid()}\n"
    lock.release()


def _reap(pid: int) -> None:
    """Wait until the killed child is gone (it is init's to reap, not ours)."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}").exists() else ""
        if ") Z " in stat:  # a zombie holds no descriptors
            return
        time.sleep(0.05)
