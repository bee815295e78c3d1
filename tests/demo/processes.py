"""The demo as a user runs it: a real process on free ports, and what it leaves behind.

Every process the demo starts, and every process those start (flow runs), carries the demo's
``PREFECT_HOME`` (``<var>/prefect``) in its environment: that is how a test finds them all,
including any that escaped their parent.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports nothing listens on (all held at once while choosing)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(n)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


def demo_env(var: Path) -> dict[str, str]:
    """The environment of a fresh shell: no KONTROL_ or PREFECT_ settings but the database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KONTROL_", "PREFECT_"))}
    env["KONTROL_DATABASE_URL"] = f"sqlite:///{var / 'kontrol.db'}"
    return env


def demo_argv(var: Path, ports: list[int], *extra: str) -> list[str]:
    prefect, smtp, portal = ports
    return [
        *(sys.executable, "-m", "kontrol", "demo", "--var", str(var)),
        *("--prefect-port", str(prefect), "--smtp-port", str(smtp)),
        *("--portal-port", str(portal), *extra),
    ]


def start_demo(tmp_path: Path, var: Path, ports: list[int]) -> subprocess.Popen[bytes]:
    """``kontrol demo`` in a session of its own (a signal to it reaches it alone)."""
    return subprocess.Popen(
        demo_argv(var, ports),
        env=demo_env(var),
        cwd=tmp_path,
        stdout=(tmp_path / "demo.out").open("wb"),
        stderr=(tmp_path / "demo.err").open("wb"),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def processes_of(var: Path) -> dict[int, str]:
    """pid → command line of every live process started for the demo on ``var``."""
    marker = f"PREFECT_HOME={var / 'prefect'}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
    return {pid: cmd.decode(errors="replace") for pid, cmd in found.items()}


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def bindable(port: int) -> bool:
    """A new server could listen there (SO_REUSEADDR, as uvicorn and aiosmtpd bind)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for(
    what: str, predicate: Callable[[], bool], demo: subprocess.Popen[bytes], timeout: float
) -> None:
    """Until ``predicate()``; fails at once if the demo exits first."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if demo.poll() is not None:
            raise AssertionError(f"the demo exited ({demo.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout:.0f} s")
        time.sleep(0.5)


def kill_all(demo: subprocess.Popen[bytes], var: Path) -> None:
    """After a failed test: nothing of it may outlive the test."""
    if demo.poll() is None:
        demo.kill()
        demo.wait()
    for pid in processes_of(var):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
