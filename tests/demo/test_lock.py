"""``var/demo.pid``: a live demo holds the folder; the file a killed one left behind does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kontrol.errors import KontrolError
from kontrol.pidlock import PidLock

HOLD = (
    "import sys, time; from pathlib import Path; from kontrol.pidlock import PidLock; "
    "PidLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(600)"
)


def test_a_live_holder_is_named_and_a_killed_one_leaves_no_lock(tmp_path: Path) -> None:
    path = tmp_path / "var" / "demo.pid"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(KontrolError) as refused:
            PidLock(path).acquire()
        assert f"another kontrol demo (pid {holder.pid}) is running on {path.parent}" in str(
            refused.value
        )
        assert "\n" not in str(refused.value)
    finally:
        holder.kill()  # as a crash would: no clean-up of its own
        holder.wait()
    assert path.read_text() == f"{holder.pid}\n"  # the stale pid file stays …

    lock = PidLock(path)
    lock.acquire()  # … and is no reason to refuse
    assert path.read_text() == f"{os.getpid()}\n"
    lock.release()
