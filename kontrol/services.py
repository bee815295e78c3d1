"""Child processes of the demo: start them, wait until they answer, stop every one of them.

Each child runs in a process group of its own (so a Ctrl-C in the terminal reaches the demo
alone, which stops the children in order) and writes its output to a log file under
``var/log``, so Prefect's own noise never reaches the user's screen. On Linux a child also
gets SIGTERM from the kernel when the demo dies, even by SIGKILL: a killed demo leaves nothing
holding its ports.

Stopping goes newest first: SIGTERM to the child (``kontrol serve`` cancels its flow runs, the
servers close their sockets), a few seconds to finish, then SIGKILL to whatever is left of its
process group (a flow run, a hung server); then it waits until the ports are free.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kontrol.errors import KontrolError

# the signals that stop the demo: none may land between starting a child and recording it
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def port_open(host: str, port: int) -> bool:
    """Something accepts connections on the port."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def port_free(host: str, port: int) -> bool:
    """A server could listen on the port now (as uvicorn and aiosmtpd do: SO_REUSEADDR, so the
    closed connections an old server leaves in TIME_WAIT do not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def wait_ports_free(host: str, ports: Iterable[int], *, timeout: float) -> list[int]:
    """The ports still taken after ``timeout`` seconds (none, normally)."""
    deadline = time.monotonic() + timeout
    busy = [p for p in ports if not port_free(host, p)]
    while busy and time.monotonic() < deadline:
        time.sleep(0.2)
        busy = [p for p in busy if not port_free(host, p)]
    return busy


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


class Stopped(BaseException):
    """A stop signal arrived (Ctrl-C, SIGTERM, SIGHUP). A BaseException, like
    KeyboardInterrupt, so no ``except Exception`` on the way swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """Turn the first stop signal into :class:`Stopped`, and ignore the ones after it, so
    that the stopping of the children is never itself interrupted."""

    def stop(signum: int, _frame: object) -> None:
        for s in STOP_SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(signum)

    old = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def ignore_stop_signals() -> None:
    """From now on (the children are being stopped) a stop signal changes nothing."""
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    ports: tuple[int, ...]
    grace: float  # seconds between SIGTERM and SIGKILL

    @property
    def running(self) -> bool:
        return self.proc.poll() is None


@dataclass
class Services:
    log_dir: Path
    env: dict[str, str]
    host: str = "127.0.0.1"
    keep_fds: tuple[int, ...] = ()  # descriptors every child inherits (the demo's lock)
    children: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: list[str],
        ready: Callable[[], bool],
        *,
        ports: tuple[int, ...] = (),
        timeout: float = 120,
        grace: float = 5,
        env: dict[str, str] | None = None,
    ) -> None:
        """Start ``argv`` as ``name`` and wait until ``ready()`` (or it exits: an error)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{name}.log").open("ab") as log, _signals_held():
            proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**self.env, **(env or {})},
                start_new_session=True,
                pass_fds=self.keep_fds,
                preexec_fn=_child_setup(os.getpid()),
            )
            self.children.append(Child(name, proc, ports, grace))
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

    def check(self) -> None:
        """Every child is still running, or an error naming the one that stopped."""
        for child in self.children:
            if not child.running:
                raise KontrolError(
                    f"{child.name} stopped (code {child.proc.returncode}); "
                    f"see {self.log_dir / child.name}.log"
                )

    def stop(self, *, port_timeout: float = 10) -> list[int]:
        """Stop every child, newest first; returns the ports still taken after that."""
        ports = [p for child in self.children for p in child.ports]
        for child in reversed(self.children):
            _stop(child)
        self.children.clear()
        return wait_ports_free(self.host, ports, timeout=port_timeout)


def _stop(child: Child) -> None:
    """SIGTERM to the child, ``grace`` seconds, then SIGKILL to what is left of its group.

    The group id is the child's pid (``start_new_session``); while any process of the group
    is alive the kernel gives that number to no other process, so the SIGKILL cannot hit a
    stranger."""
    proc = child.proc
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=child.grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Block the stop signals meanwhile: they arrive, and stop the demo, once the new child
    is in ``children`` — never between its start and its record."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _child_setup(parent: int) -> Callable[[], None]:
    """Runs in the child before exec: unblock the signals the demo held while starting it
    (a signal mask survives exec), and on Linux ask for SIGTERM when the demo's thread dies
    (PR_SET_PDEATHSIG). Prepared in the demo: nothing is imported after the fork."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None

    def setup() -> None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
            if os.getppid() != parent:  # the demo died before the line above: go with it
                os._exit(1)

    return setup


def python_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]
