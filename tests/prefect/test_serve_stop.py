"""``kontrol serve`` on SIGTERM (issue 14): it cancels the flow runs it has in flight, pauses no
schedule and ends; a catch-up run it stopped is made again at the next start, one a person
cancelled is not. Against the real Prefect test server and real flow-run processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterIdempotencyKey,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.states import Cancelled, Crashed

from kontrol.cli.building import build_specs
from kontrol.context import App
from kontrol.deployments import prefect_io
from kontrol.deployments.compile import DeploymentSpec
from kontrol.deployments.serving import SERVE_STOPPED
from kontrol.settings import load_settings
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture
def silent_smtp() -> Iterator[int]:
    """A port that takes connections and never greets: a flow run waits there on its mail
    (30 s a try), so its run stays in flight until serve stops it, however fast the machine."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as listener:
        yield listener.getsockname()[1]


@pytest.fixture
def seeded_sqlite(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
    seed_path,
    directory_path,
    silent_smtp: int,
) -> str:
    """The seed on SQLite (the runner's stopping does not depend on the database)."""
    url = f"sqlite:///{tmp_path / 'kontrol.db'}"
    monkeypatch.setenv("KONTROL_DATABASE_URL", url)
    monkeypatch.setenv("KONTROL_SMTP_PORT", str(silent_smtp))  # no mail goes anywhere
    monkeypatch.delenv("KONTROL_DIRECTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "import", str(seed_path), "--directory", str(directory_path), "--strict")
    assert result.code == 0, result.err
    return url


def _no_runs_waiting() -> None:
    """Remove runs other tests left waiting on the shared server: a serve with ``--limit 2``
    would take those (the oldest first) instead of the two this test makes."""
    waiting = FlowRunFilter(
        state=FlowRunFilterState(
            type=FlowRunFilterStateType(any_=[StateType.SCHEDULED, StateType.PENDING])
        )
    )
    with get_client(sync_client=True) as client:
        for flow_run in client.read_flow_runs(flow_run_filter=waiting):
            client.delete_flow_run(flow_run.id)


def _in_flight(ids: list[uuid.UUID], serve: subprocess.Popen[bytes]) -> bool:
    """Both runs taken by this serve: each past Scheduled, two flow-run processes."""
    if sum("prefect.engine" in c for c in _children(serve.pid)) != len(ids):
        return False
    with get_client(sync_client=True) as client:
        states = [client.read_flow_run(i).state for i in ids]
    return all(s is not None and s.type in (StateType.PENDING, StateType.RUNNING) for s in states)


def _serve(api_url: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    """``kontrol serve`` of two runs at a time against ``api_url``, on a server with no run of
    another test waiting; its output in ``serve.log``."""
    _no_runs_waiting()
    env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(
        [sys.executable, "-m", "kontrol", "serve", "--no-catch-up", "--limit", "2"],
        env=env,
        cwd=tmp_path,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    _LOGS[serve.pid] = log
    return serve


_LOGS: dict[int, Path] = {}


def _two_runs_in_flight(
    specs: list[DeploymentSpec], serve: subprocess.Popen[bytes]
) -> list[uuid.UUID]:
    """A run of each deployment, once served, and back when ``serve`` has both in flight."""
    _until("serve's start", lambda: _serving(serve), serve)
    _until("deployments", lambda: _deployed([s.name for s in specs]), serve)
    ids = [
        run_deployment(
            name=f"kontrol-cycle/{s.name}",
            parameters={**s.parameters, "period": s.catch_up[0]},
            timeout=0,
            idempotency_key=str(uuid.uuid4()),
        ).id
        for s in specs
    ]
    _until("two flow runs in flight", lambda: _in_flight(ids, serve), serve)
    return ids


def _with_catch_up(n: int) -> list[DeploymentSpec]:
    return [s for s in build_specs(App(load_settings())).specs if s.catch_up][:n]


def _alive_in_group(pgid: int) -> list[str]:
    """The processes of a group still running (a zombie, dead but not yet reaped by init, is
    not); their command lines."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append((stat.parent / "cmdline").read_bytes().decode(errors="replace"))
    return alive


def _children(pid: int) -> list[str]:
    """The command lines of the processes ``pid`` started (flow runs)."""
    task = Path(f"/proc/{pid}/task/{pid}/children")
    lines = []
    with contextlib.suppress(OSError):
        for child in task.read_text().split():
            with contextlib.suppress(OSError):
                lines.append(Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace"))
    return lines


def _serving(serve: subprocess.Popen[bytes]) -> bool:
    """Serve has registered its deployments (not only found ones an earlier test left) and
    polls for runs."""
    return "\nserving " in "\n" + _log(serve)


def _log(serve: subprocess.Popen[bytes]) -> str:
    """What ``serve`` printed so far."""
    return _LOGS[serve.pid].read_text(errors="replace")


def _until(what: str, predicate, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        tail = _log(proc)[-3000:]
        assert proc.poll() is None, f"serve exited ({proc.returncode}) before {what}:\n{tail}"
        assert time.monotonic() < deadline, f"no {what} after {timeout:.0f} s; serve said:\n{tail}"
        time.sleep(0.3)


def _deployed(names: list[str]) -> bool:
    with get_client(sync_client=True) as client:
        try:
            return all(client.read_deployment_by_name(f"kontrol-cycle/{n}") for n in names)
        except Exception:
            return False


def test_sigterm_cancels_the_runs_in_flight_and_pauses_no_schedule(
    seeded_sqlite: str, prefect_server: str, tmp_path: Path
) -> None:
    specs = _with_catch_up(2)
    # registered already and unchanged: serve runs them without applying them again
    prefect_io.register(prefect_io.runner_deployments(specs), work_pool=None)
    serve = _serve(prefect_server, tmp_path)
    try:
        ids = _two_runs_in_flight(specs, serve)
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=120)
        left = _alive_in_group(serve.pid)  # before anything here kills the group
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(serve.pid, signal.SIGKILL)
        serve.wait()
    log = (tmp_path / "serve.log").read_text()
    assert code == 0, log
    assert left == []  # no flow-run process outlived it

    with get_client(sync_client=True) as client:
        for flow_run_id in ids:
            flow_run = client.read_flow_run(flow_run_id)
            state = flow_run.state
            assert state is not None and state.type.value in ("CANCELLED", "COMPLETED"), state
            if state.is_cancelled():
                assert state.message == SERVE_STOPPED
            history = [s.type.value for s in client.read_flow_run_states(flow_run_id)]
            assert "COMPLETED" not in history or history[-1] == "COMPLETED", history
        for spec in specs:
            deployment = client.read_deployment_by_name(f"kontrol-cycle/{spec.name}")
            assert not deployment.paused, spec.name


class Relay:
    """A TCP relay to the Prefect test server, to be cut as a server that dies is (the demo's,
    killed with the demo that started it and ``kontrol serve``)."""

    def __init__(self, url: str) -> None:
        parsed = urlsplit(url)
        self.target = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        self.url = urlunsplit(parsed._replace(netloc=f"127.0.0.1:{port}"))
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
                server = socket.create_connection(self.target)
            except OSError:
                return
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        """One direction; when it ends (the server closed an idle connection) both ends
        close, as a proxy's do: a client left holding a half-dead connection waits out its
        timeout on every request it sends there."""
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def test_sigterm_with_the_prefect_api_gone_still_ends_serve_and_its_flow_runs(
    seeded_sqlite: str, prefect_server: str, tmp_path: Path
) -> None:
    """Nothing to report the cancellations to: it stops anyway (by force after a deadline)
    instead of retrying for minutes, and leaves no flow-run process behind."""
    specs = _with_catch_up(2)
    relay = Relay(prefect_server)
    serve = _serve(relay.url, tmp_path)
    try:
        _two_runs_in_flight(specs, serve)
        relay.cut()
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=90)
        left = _alive_in_group(serve.pid)  # before anything here kills the group
    finally:
        relay.cut()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(serve.pid, signal.SIGKILL)
        serve.wait()
    assert left == []  # no flow-run process outlived it


@pytest.fixture
def catch_up_runs(seeded_sqlite: str) -> Iterator[tuple[DeploymentSpec, list[str]]]:
    """One registered deployment with one catch-up occurrence, and the idempotency keys of
    its runs — none made yet (the server is shared: other tests' runs are removed)."""
    spec = _with_catch_up(1)[0]
    spec = replace(spec, catch_up=spec.catch_up[:1])
    keys = prefect_io.catch_up_keys(spec, spec.catch_up[0])

    def remove() -> None:
        with get_client(sync_client=True) as client:
            for flow_run in _runs(keys):
                client.delete_flow_run(flow_run.id)

    remove()
    prefect_io.register(prefect_io.runner_deployments([spec]), work_pool=None)
    try:
        yield spec, keys
    finally:
        remove()  # no run left for another test's worker to pick up


def _runs(keys: list[str]) -> list:  # type: ignore[type-arg]
    wanted = FlowRunFilter(idempotency_key=FlowRunFilterIdempotencyKey(any_=keys))
    with get_client(sync_client=True) as client:
        return list(client.read_flow_runs(flow_run_filter=wanted))


def _made(keys: list[str]) -> dict[str, uuid.UUID]:
    return {str(r.idempotency_key): r.id for r in _runs(keys)}


def test_a_catch_up_run_serve_stopped_is_made_again_one_a_person_cancelled_is_not(
    catch_up_runs: tuple[DeploymentSpec, list[str]],
) -> None:
    spec, keys = catch_up_runs

    def set_state(key: str, state) -> None:  # type: ignore[no-untyped-def]
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(_made(keys)[key], state, force=True)

    assert prefect_io.trigger_catch_up([spec]) == 1
    assert prefect_io.trigger_catch_up([spec]) == 1
    assert sorted(_made(keys)) == keys[:1]  # once per occurrence

    set_state(keys[0], Cancelled(message=SERVE_STOPPED))
    prefect_io.trigger_catch_up([spec])
    assert sorted(_made(keys)) == keys[:2]

    set_state(keys[1], Cancelled(message="отменено вручную"))
    prefect_io.trigger_catch_up([spec])
    assert sorted(_made(keys)) == keys[:2]

    set_state(keys[1], Crashed())
    prefect_io.trigger_catch_up([spec])
    assert sorted(_made(keys)) == keys[:3]
