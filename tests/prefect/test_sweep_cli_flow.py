"""`kontrol sweep --flow`: what a supervisor then sees in the Prefect UI (artifacts, events)."""

from __future__ import annotations

import json

import pytest
from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_sweep_as_a_flow_publishes_the_overdue_table_and_the_summary(seeded, capsys):
    assert run(capsys, "run", "1.3", "--period", "2021-01").code == 0
    result = run(capsys, "sweep", "--as-of", "2021-02-15", "--flow", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["via"] == "prefect" and data["working_day"] is True
    with get_client(sync_client=True) as client:
        [overdue] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["kontrol-overdue"])),
            limit=1,
        )
        summary = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["kontrol-summary"])),
            limit=1,
        )
    rows = json.loads(overdue.data)
    assert any("1.3" in json.dumps(r, ensure_ascii=False) for r in rows)
    assert summary


def test_sweep_as_a_flow_without_a_prefect_server_is_a_clear_error(seeded, capsys):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = run(capsys, "sweep", "--as-of", "2021-02-15", "--flow")
    assert result.code == 2 and "cannot be reached" in result.err
