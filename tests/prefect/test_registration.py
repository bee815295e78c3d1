"""Registration writes only what changed (kontrol.deployments.registration): on a real
Prefect server, a second ``register`` of the same deployments writes none, a changed one is
written alone, one deleted on the server comes back, and a supervisor's pause survives a
registration that had nothing to change."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
from prefect import get_client

from kontrol.cli.building import build_specs
from kontrol.context import App
from kontrol.deployments import prefect_io
from kontrol.deployments.compile import DeploymentSpec
from kontrol.deployments.serving import PromptRunner
from kontrol.settings import load_settings

pytestmark = pytest.mark.usefixtures("prefect_server")


def _specs() -> list[DeploymentSpec]:
    return [s for s in build_specs(App(load_settings())).specs if s.rrules()][:4]


def _on_server(ids: list[str]) -> list[tuple[str, dt.datetime, bool]]:
    """(version, updated, paused) of each deployment."""
    with get_client(sync_client=True) as client:
        found = [client.read_deployment(i) for i in ids]
    return [(d.version or "", d.updated, d.paused) for d in found]  # type: ignore[misc]


def test_a_second_registration_writes_nothing_and_a_change_writes_only_itself(seeded) -> None:
    specs = _specs()
    ids = prefect_io.register(prefect_io.runner_deployments(specs), work_pool=None).ids
    first = _on_server(ids)
    assert all(re.fullmatch(r".+:.+ · [0-9a-f]{10}", version) for version, _, _ in first)

    again = prefect_io.register(prefect_io.runner_deployments(specs), work_pool=None)
    assert (again.ids, again.written, again.words()) == (ids, 0, "0 written, 4 unchanged")
    assert _on_server(ids) == first

    changed = [replace(specs[0], description=specs[0].description + " (изменено)"), *specs[1:]]
    done = prefect_io.register(prefect_io.runner_deployments(changed), work_pool=None)
    assert (done.ids, done.written) == (ids, 1)
    after = _on_server(ids)
    assert after[1:] == first[1:]
    assert after[0][0] != first[0][0] and after[0][1] > first[0][1]
    with get_client(sync_client=True) as client:
        assert client.read_deployment(ids[0]).description.endswith("(изменено)")


def test_a_deleted_deployment_comes_back_and_a_pause_survives(seeded) -> None:
    specs = _specs()
    ids = prefect_io.register(prefect_io.runner_deployments(specs), work_pool=None).ids
    with get_client(sync_client=True) as client:
        client.delete_deployment(ids[0])
        client.pause_deployment(ids[1])
    again = prefect_io.register(prefect_io.runner_deployments(specs), work_pool=None).ids
    assert again[0] != ids[0] and again[1:] == ids[1:]
    with get_client(sync_client=True) as client:
        assert client.read_deployment(again[0]).name == specs[0].name
        assert client.read_deployment(ids[1]).paused  # the supervisor's, not undone


def test_the_runner_serves_an_unchanged_deployment_without_applying_it(seeded) -> None:
    specs = _specs()
    [dep] = prefect_io.runner_deployments(specs[:1])
    [deployment_id] = prefect_io.register([dep], work_pool=None).ids
    runner = PromptRunner(limit=1)
    assert runner.adopt(dep, deployment_id)
    assert [str(i) for i in runner._deployment_registry.get_deployment_ids()] == [deployment_id]


def test_deployments_made_with_the_schema_once_are_prefect_s_own(seeded) -> None:
    """The shortcut in ``runner_deployments`` (the flow's parameter schema worked out once)
    gives what ``to_deployment`` gives, field for field and schema for schema."""
    from prefect.schedules import RRule
    from prefect.types.entrypoint import EntrypointType

    from kontrol.deployments.registration import fingerprint
    from kontrol.flows.cycle import issue_cycle

    specs = _specs()
    ours = prefect_io.runner_deployments(specs)
    for spec, dep in zip(specs, ours, strict=True):
        theirs = issue_cycle.to_deployment(
            name=spec.name,
            schedules=[RRule(r, timezone=spec.timezone) for r in spec.rrules()],
            parameters=spec.parameters,
            description=spec.description,
            tags=list(spec.tags),
            version=f"{spec.roadmap}:{spec.obligation}",
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        assert dep.model_dump() == theirs.model_dump()  # type: ignore[union-attr]
        assert dep._parameter_openapi_schema == theirs._parameter_openapi_schema  # type: ignore[union-attr]
        assert fingerprint(dep, None) == fingerprint(theirs, None)  # type: ignore[arg-type]
