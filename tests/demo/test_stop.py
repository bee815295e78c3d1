"""Stopping the demo (issue 14): SIGTERM stops every child and frees every port; a second demo
on the same folder, or a port another program holds, is one line and exit code 2.

These start the real demo — a Prefect server, the SMTP sink, the portal, ``kontrol serve``
with its flow runs — on ports chosen here and a folder of the test's own.
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest

from kontrol.deployments.serving import SERVE_STOPPED
from tests.demo.processes import (
    bindable,
    demo_argv,
    demo_env,
    free_ports,
    kill_all,
    listening,
    processes_of,
    start_demo,
    wait_for,
)

CHILDREN = ("prefect server start", "kontrol mail sink", "kontrol portal", "kontrol serve")


def _running(var: Path, *commands: str) -> bool:
    lines = processes_of(var).values()
    return all(any(c in line for line in lines) for c in commands)


def test_sigterm_stops_every_child_and_its_flow_runs_and_frees_every_port(tmp_path: Path):
    var, ports = tmp_path / "var", free_ports(3)
    demo = start_demo(tmp_path, var, ports)
    try:
        # the catch-up under way: `kontrol serve` has flow runs in flight
        wait_for("flow run", lambda: _running(var, *CHILDREN, "prefect.engine"), demo, 300)
        started = processes_of(var)
        demo.send_signal(signal.SIGTERM)
        code = demo.wait(timeout=120)
    finally:
        kill_all(demo, var)
    out = (tmp_path / "demo.out").read_text()
    assert code == 0, out + (tmp_path / "demo.err").read_text()
    assert "stopped: every process of the demo has ended, its ports are free" in out
    assert processes_of(var) == {}, f"still alive: {processes_of(var)} (of {started})"
    for port in ports:
        assert not listening(port) and bindable(port), port

    # `kontrol serve` stopped its runs itself: none is left running in Prefect, each one it
    # stopped says why, none that had completed was turned into a cancelled one, and no
    # schedule was paused
    with sqlite3.connect(var / "prefect" / "prefect.db") as db:
        states = db.execute(
            "SELECT r.state_type, s.message FROM flow_run r JOIN flow_run_state s "
            "ON s.id = r.state_id"
        ).fetchall()
        completed_then = db.execute(
            "SELECT r.state_type FROM flow_run r WHERE EXISTS (SELECT 1 FROM flow_run_state s "
            "WHERE s.flow_run_id = r.id AND s.type = 'COMPLETED')"
        ).fetchall()
        paused = db.execute("SELECT count(*) FROM deployment WHERE paused").fetchone()[0]
    assert {t for t, _ in states} <= {"SCHEDULED", "COMPLETED", "CANCELLED"}, states
    assert {m for t, m in states if t == "CANCELLED"} <= {SERVE_STOPPED}
    assert {t for (t,) in completed_then} <= {"COMPLETED"}
    assert paused == 0


def test_a_second_demo_on_the_same_folder_refuses_naming_the_first(tmp_path: Path):
    var = tmp_path / "var"
    first = start_demo(tmp_path, var, free_ports(3))
    try:
        pid_file = var / "demo.pid"
        wait_for(
            "demo.pid",
            lambda: pid_file.exists() and pid_file.read_text() == f"{first.pid}\n",
            first,
            60,
        )
        second = subprocess.run(
            demo_argv(var, free_ports(3)),
            env=demo_env(var),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 2, second.stdout + second.stderr
        assert second.stdout == ""
        assert second.stderr.splitlines() == [
            f"kontrol: error: another kontrol demo (pid {first.pid}) is running on {var}: "
            f"stop it first (Ctrl-C in its terminal, or `kill {first.pid}`), or give this one "
            "another --var"
        ]

        # the first, stopped while its Prefect server is still starting, leaves nothing behind
        wait_for("Prefect server", lambda: _running(var, CHILDREN[0]), first, 60)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
    finally:
        kill_all(first, var)
    assert processes_of(var) == {}


@pytest.mark.parametrize(
    ("option", "no_serve"), [("--smtp-port", ["--no-serve"]), ("--prefect-port", [])]
)
def test_a_port_another_program_holds_is_named_with_its_option(
    tmp_path: Path, option: str, no_serve: list[str]
):
    """Not silently used as if it were the demo's own server: one line, exit code 2, before
    anything is made (no database, no key, no mail folder)."""
    var = tmp_path / "var"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        ports = dict(
            zip(("--prefect-port", "--smtp-port", "--portal-port"), free_ports(3), strict=True)
        )
        ports[option] = port
        done = subprocess.run(
            demo_argv(var, list(ports.values()), *no_serve),
            env=demo_env(var),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        f"kontrol: error: port {port} ({option}) is in use by another program: stop that "
        f"program, or choose another port with {option}"
    ]
    assert sorted(p.name for p in var.iterdir()) == ["demo.pid"]
