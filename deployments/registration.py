"""Registering deployments, and only what changed: a deployment carries a fingerprint of what
it was applied with, and one the server already has unchanged is not applied again.

A portfolio has thousands of deployments and each ``apply`` costs two API calls and about a
third of a CPU-second between client and server: ``deploy`` after a one-line amendment, and
every start of ``serve`` (Prefect's runner applies each deployment before it polls), took
minutes for work that changed nothing (``bench/README-portfolio.md``). The fingerprint covers
everything ``apply`` sends — schedules, parameters and their schema, description, tags,
triggers, entrypoint, work pool — so a deployment is skipped only when applying it would write
the same thing. It rides in the deployment's ``version`` («1302-б от 27.07.2020:1.3 ·
3f9c0a1b2e»), which the Prefect UI shows and nothing else reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uuid import UUID

    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.responses import DeploymentResponse
    from prefect.deployments.runner import RunnerDeployment

SEPARATOR = " · "
PAGE = 200  # deployments read at once (the server caps a page)


def stamp(dep: RunnerDeployment, work_pool: str | None) -> str:
    """Set ``dep.version`` to its base version and the fingerprint; returns the new version."""
    base = (dep.version or dep.flow_name or "kontrol").split(SEPARATOR)[0]
    dep.version = f"{base}{SEPARATOR}{fingerprint(dep, work_pool)}"
    return dep.version


def fingerprint(dep: RunnerDeployment, work_pool: str | None) -> str:
    """Ten hex digits of what applying ``dep`` to ``work_pool`` would write."""
    body: dict[str, Any] = dep.model_dump(mode="json", exclude={"version"})
    schema = getattr(dep, "_parameter_openapi_schema", None)
    body["parameter_schema"] = schema.model_dump(mode="json") if schema is not None else None
    body["work_pool"] = work_pool
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def on_server(deployments: Sequence[RunnerDeployment]) -> dict[tuple[str, str], tuple[str, str]]:
    """(flow name, deployment name) → (id, version) of what the server has for these flows."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    found: dict[tuple[str, str], tuple[str, str]] = {}
    with get_client(sync_client=True) as client:
        for flow in sorted({key(d)[0] for d in deployments}):
            only = FlowFilter(name=FlowFilterName(any_=[flow]))
            for dep in read_every_deployment(client, flow_filter=only):
                found[(flow, dep.name)] = (str(dep.id), dep.version or "")
    return found


def read_every_deployment(client: SyncPrefectClient, **filters: Any) -> list[DeploymentResponse]:
    """Every deployment the filters match, :data:`PAGE` at a time (the server caps a page)."""
    found: list[DeploymentResponse] = []
    while page := client.read_deployments(**filters, limit=PAGE, offset=len(found)):
        found += page
    return found


def unchanged(
    deployments: Sequence[RunnerDeployment], work_pool: str | None
) -> dict[tuple[str, str], str]:
    """Stamp every deployment; returns (flow name, name) → id of those the server already
    has as they are."""
    server = on_server(deployments)
    same = {}
    for dep in deployments:
        version = stamp(dep, work_pool)
        known = server.get(key(dep))
        if known is not None and known[1] == version:
            same[key(dep)] = known[0]
    return same


def key(dep: RunnerDeployment) -> tuple[str, str]:
    return (dep.flow_name or "", dep.name)


@dataclass(frozen=True)
class Registered:
    """The ids of the deployments, in order, and how many of them were written."""

    ids: list[str]
    written: int

    def words(self) -> str:
        """«2 written, 41 unchanged» — what a person wants to see after a registration."""
        return f"{self.written} written, {len(self.ids) - self.written} unchanged"


async def register_each(
    deployments: Sequence[RunnerDeployment],
    apply: Callable[[RunnerDeployment], Awaitable[UUID]],
    done: Callable[[int], None] | None = None,
    known: Mapping[tuple[str, str], str] | None = None,
    adopt: Callable[[RunnerDeployment, str], bool] | None = None,
) -> Registered:
    """``apply`` each deployment in turn, except those ``known`` unchanged on the server
    (``adopt`` is given those: a runner serves them without a write); ``done`` is told how
    many are registered after each (a progress bar). One at a time: on a 2-core machine four
    at once were no faster (bench/README-portfolio.md)."""
    ids, written = [], 0
    for dep in deployments:
        deployment_id = (known or {}).get(key(dep))
        if deployment_id is None or (adopt is not None and not adopt(dep, deployment_id)):
            deployment_id = str(await apply(dep))
            written += 1
        ids.append(deployment_id)
        if done is not None:
            done(len(ids))
    return Registered(ids, written)
