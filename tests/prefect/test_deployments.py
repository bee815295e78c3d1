"""Compiled deployments on a real Prefect server: upcoming runs ARE the plan's issue times."""

from __future__ import annotations

import datetime as dt

import pytest
from prefect import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

from kontrol.config import load_rules
from kontrol.context import App
from kontrol.deployments import prefect_io
from kontrol.deployments.compile import compile_roadmap
from kontrol.events import load_catalogue
from kontrol.lookup import roadmap_by_number
from kontrol.settings import load_settings

pytestmark = pytest.mark.usefixtures("prefect_server")


def _specs(now: dt.datetime):  # type: ignore[no-untyped-def]
    app = App(load_settings(), now=now)
    rules = load_rules(app.settings)
    with app.reading() as session:
        roadmap, events = roadmap_by_number(session), load_catalogue(app.settings)
        return compile_roadmap(session, roadmap, rules, now=now, events=events)


def test_seed_compiles_to_38_named_deployments(seeded):
    specs = _specs(dt.datetime(2020, 7, 27, tzinfo=dt.UTC))
    assert len(specs) == 38
    names = [s.name for s in specs]
    assert len(set(names)) == 38
    assert names[2].startswith("1302-б · 1.3 Разработка и утверждение ежегодного единого плана")
    phased = [s for s in specs if s.obligation.startswith("3.1.4")]
    assert [s.name.split(" — ")[0] for s in phased] == [
        "1302-б · 3.1.4 Разработка",
        "1302-б · 3.1.4 Реализация",
    ]
    one = next(s for s in specs if s.obligation == "3.2.1")
    assert "по отдельному плану" in one.tags and "ежегодно" in one.tags
    assert "по отдельному плану конкурсных мероприятий" in one.description


def test_names_are_stable_across_reimport(seeded, capsys, seed_path, directory_path):
    from tests.cli_runner import run

    now = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    before = [s.name for s in _specs(now)]
    run(capsys, "import", str(seed_path), "--directory", str(directory_path), "--update")
    assert [s.name for s in _specs(now)] == before


def test_upcoming_runs_in_the_prefect_api_equal_the_plan(seeded):
    now = dt.datetime.now(dt.UTC)
    specs = [s for s in _specs(now) if s.obligation in {"1.3", "2.3", "3.1.5", "6.3"}]
    deployments = prefect_io.runner_deployments(specs)
    ids = prefect_io.register(deployments, work_pool=None).ids
    with get_client(sync_client=True) as client:
        for spec, dep_id in zip(specs, ids, strict=True):
            response = client._client.post(
                f"/deployments/{dep_id}/schedule",
                json={
                    "start_time": now.isoformat(),
                    "end_time": "2031-12-31T00:00:00+00:00",
                    "max_runs": 1000,
                    "min_runs": 1000,  # the API stops at min_runs otherwise
                    "min_time": (dt.datetime(2031, 12, 31, tzinfo=dt.UTC) - now).total_seconds(),
                },
            )
            response.raise_for_status()
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep_id]))
            )
            got = sorted(r.expected_start_time for r in runs if r.state and r.state.is_scheduled())
            assert got == sorted(spec.issue_times), spec.name
            assert all(t.astimezone(dt.UTC).hour == 6 for t in got)  # 09:00 Moscow


def test_on_demand_obligation_gets_a_deployment_without_schedule():
    from kontrol.deployments.compile import DeploymentSpec

    spec = DeploymentSpec(
        name="9.9 По мере необходимости",
        obligation="9.9",
        roadmap="1",
        kind="on_demand",
        description="",
        tags=(),
        timezone="Europe/Moscow",
    )
    [dep] = prefect_io.runner_deployments([spec])
    assert dep.schedules in (None, [])
