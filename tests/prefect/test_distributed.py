"""The distributed set-up: a real Prefect server, a process worker, `kontrol deploy`, a run."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time

import pytest
from prefect import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments import run_deployment
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from kontrol.models import Assignment
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("prefect_server")
POOL = "kontrol-test"


@pytest.fixture
def worker(prefect_server: str, seeded: str, tmp_path):  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client, contextlib.suppress(Exception):
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_server,
        "KONTROL_DATABASE_URL": seeded,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
    }
    log = (tmp_path / "worker.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--type", "process"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_deploy_to_a_work_pool_and_a_worker_runs_the_triggered_deployment(worker, seeded, capsys):
    result = run(capsys, "deploy", "--work-pool", POOL, "--no-catch-up")
    assert result.code == 0, result.err
    assert "registered 40 deployments" in result.out  # 38 obligations, sweep, monitoring
    with get_client(sync_client=True) as client:
        names = [d.name for d in client.read_deployments()]
    name = next(n for n in names if n.startswith("1302-б · 1.3 "))
    flow_run = run_deployment(
        name=f"kontrol-cycle/{name}", parameters={"period": "2022-01"}, timeout=240
    )
    assert flow_run.state is not None and flow_run.state.is_completed(), flow_run.state
    deadline = time.monotonic() + 10
    rows: list[tuple[str, str]] = []
    while time.monotonic() < deadline and not rows:
        with Session(create_engine(seeded)) as s:
            rows = [(a.occurrence_key, a.body_id) for a in s.scalars(select(Assignment))]
        time.sleep(0.5)
    assert rows == [("2022-01", "committee")]


def test_deploy_to_a_missing_work_pool_is_refused_and_registers_nothing(seeded, capsys):
    result = run(capsys, "deploy", "--work-pool", "no-such-pool")
    assert result.code == 2 and "no-such-pool" in result.err
    with get_client(sync_client=True) as client:
        pools = {d.work_pool_name for d in client.read_deployments()}
    assert "no-such-pool" not in pools


def test_an_unreachable_prefect_api_is_a_clear_error(seeded, capsys, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = run(capsys, "deploy", "--work-pool", POOL)
    assert result.code == 2 and "cannot be reached" in result.err
