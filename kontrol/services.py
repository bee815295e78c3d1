"""Child processes of the demo: start, wait until they answer, stop them all on exit.

Each child writes its output to a log file under ``var/log`` so Prefect's own noise
(telemetry without a network, shutdown tracebacks) never reaches the user's screen.
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
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kontrol.errors import KontrolError


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


@dataclass
class Services:
    log_dir: Path
    env: dict[str, str]
    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(
        self, name: str, argv: list[str], ready: Callable[[], bool], *, timeout: float = 120
    ) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
            start_new_session=True,
        )
        self.children.append((name, proc))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise KontrolError(
                    f"{name} exited with code {proc.returncode}; see {self.log_dir / name}.log"
                )
            if ready():
                return
            time.sleep(0.5)
        raise KontrolError(
            f"{name} did not start in {timeout:.0f} s; see {self.log_dir}/{name}.log"
        )

    def stop(self) -> None:
        """Ctrl-C to each child's process group (newest first), then SIGKILL what is left.

        SIGINT is what Prefect's runner and server shut down cleanly on.
        """
        for _, proc in reversed(self.children):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.children.clear()


def python_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]
