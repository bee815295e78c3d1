"""``kontrol deployments build`` writes what ``kontrol deploy`` registers, and Prefect's own
``prefect deploy --all`` takes it: module-path entrypoints, nothing to pull."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prefect import get_client
from prefect.client.schemas.actions import WorkPoolCreate

from tests.cli_runner import run

POOL = "kontrol-yaml"
ENTRYPOINTS = {
    "kontrol.flows.cycle.issue_cycle",
    "kontrol.flows.sweep.daily_sweep",
    "kontrol.flows.monitoring.annual_monitoring",
}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the file is the same on both
def test_prefect_deploy_registers_the_built_yaml_with_module_path_entrypoints(
    seeded: str, prefect_server: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "prefect.yaml"
    result = run(capsys, "deployments", "build", "--output", str(target), "--work-pool", POOL)
    assert result.code == 0, result.err
    doc = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert doc["pull"] == []
    entries = doc["deployments"]
    assert len(entries) == len({e["name"] for e in entries}) == 40  # 38 + sweep + monitoring
    assert {e["entrypoint"] for e in entries} == ENTRYPOINTS
    assert {e["work_pool"]["name"] for e in entries} == {POOL}

    with get_client(sync_client=True) as client, contextlib.suppress(Exception):
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all",
         "--prefect-file", str(target)],
        cwd=tmp_path,
        env={**os.environ, "PREFECT_API_URL": prefect_server},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    with get_client(sync_client=True) as client:
        registered = {d.name: d for d in client.read_deployments() if d.work_pool_name == POOL}
    assert set(registered) == {e["name"] for e in entries}
    for entry in entries:
        dep = registered[entry["name"]]
        assert dep.entrypoint == entry["entrypoint"] and not dep.pull_steps
        assert dep.parameters == entry["parameters"]
        assert len(dep.schedules) == len(entry["schedules"])
