"""Every artifact of a flow run says which kontrol and which database schema made it."""

from __future__ import annotations

import datetime as dt

from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from kontrol.flows.cycle import issue_cycle
from kontrol.flows.monitoring import annual_monitoring
from kontrol.flows.sweep import daily_sweep
from kontrol.models.db import head_revision
from kontrol.version import version


def _descriptions(state) -> list[str]:  # type: ignore[no-untyped-def]
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    return [a.description or "" for a in found]


def test_each_flow_runs_artifacts_carry_the_version_and_the_schema_revision(
    seeded: str, prefect_server: str
) -> None:
    stamp = f"_kontrol {version()} · схема БД {head_revision()}_"
    assert version() != "0+unknown" and head_revision()
    runs = {
        "cycle": issue_cycle(
            roadmap="1302-б", obligation="1.3", period="2021-01", return_state=True
        ),
        "sweep": daily_sweep(as_of=dt.date(2021, 2, 5), return_state=True),
        "monitoring": annual_monitoring(year=2021, return_state=True),
    }
    for name, state in runs.items():
        assert state.is_completed(), (name, state)
        found = _descriptions(state)
        # cycle: the item's table and the delivery counts; sweep: overdue, summary, delivery;
        # monitoring: the report
        assert len(found) >= (2 if name == "cycle" else 3 if name == "sweep" else 1), name
        assert all(d.endswith("\n\n" + stamp) for d in found), (name, found)
