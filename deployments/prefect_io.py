"""Talking to Prefect: runner deployments from specs, registration, serving, catch-up runs.

Everything is checked before anything is written (API reachable, work pool exists), so a
failed deploy leaves nothing half-deployed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from kontrol.context import App
from kontrol.deployments.compile import DeploymentSpec
from kontrol.deployments.dispatch import synchronous
from kontrol.errors import KontrolError

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments.runner import RunnerDeployment

    from kontrol.deployments.registration import Registered

CYCLE_FLOW = "kontrol-cycle"
CATCH_UP_ATTEMPTS = 5  # runs of one occurrence's catch-up, when the earlier ones were stopped


def api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise KontrolError(
            "no Prefect API configured: set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api) "
            "or run `scripts/demo`, which starts a local server"
        )
    return url


def check_api() -> str:
    """The configured Prefect API answers its health check, or a clear error."""
    url = api_url()
    try:
        response = httpx.get(url.rstrip("/") + "/health", timeout=5)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise KontrolError(f"the Prefect API at {url} cannot be reached ({exc})") from None
    return url


def check_work_pool(name: str) -> None:
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            raise KontrolError(
                f"work pool «{name}» does not exist: create it with "
                f"`prefect work-pool create {name} --type process`"
            ) from None


def runner_deployments(specs: Sequence[DeploymentSpec]) -> list[RunnerDeployment]:
    """One deployment of the cycle flow per spec. Its entrypoint is the module path
    (``kontrol.flows.cycle.issue_cycle``), never a file path: a worker or ``kontrol serve``
    imports the flow from the installed package, wherever it runs and from whatever folder."""
    from prefect.events import DeploymentEventTrigger
    from prefect.schedules import RRule
    from prefect.types.entrypoint import EntrypointType

    from kontrol.flows.cycle import issue_cycle

    made = _schema_once()
    return [
        made.from_flow(
            flow=issue_cycle,
            name=spec.name,
            schedules=[RRule(r, timezone=spec.timezone) for r in spec.rrules()],
            parameters=spec.parameters,
            description=spec.description,
            tags=list(spec.tags),
            version=f"{spec.roadmap}:{spec.obligation}",
            entrypoint_type=EntrypointType.MODULE_PATH,
            triggers=[DeploymentEventTrigger(**spec.trigger)] if spec.trigger else None,
        )
        for spec in specs
    ]


@functools.cache
def _schema_once() -> type[RunnerDeployment]:
    """Prefect's ``RunnerDeployment``, but the flow's parameter schema worked out once per
    flow: ``from_flow`` builds it anew for each deployment (pydantic models made and thrown
    away, ~35 ms), which was most of the time a portfolio's 2,000 took to compile. Were the
    hook renamed in a later Prefect, this is Prefect's own class again: slower, the same."""
    from prefect.deployments.runner import RunnerDeployment

    schemas: dict[str, Any] = {}

    class SchemaOnce(RunnerDeployment):
        def _set_defaults_from_flow(self, flow: Any) -> None:
            known = schemas.get(flow.name)
            if known is None:
                super()._set_defaults_from_flow(flow)
                schemas[flow.name] = self._parameter_openapi_schema
                return
            self._parameter_openapi_schema = known
            self.version = self.version or flow.version
            self.description = self.description or flow.description

    return SchemaOnce


def extra_deployments(app: App) -> list[RunnerDeployment]:
    """The daily sweep, the annual monitoring report and (with a mailbox) the replies by mail,
    beside the roadmap's own."""
    from kontrol.deployments.mailbox import mailbox_deployment
    from kontrol.deployments.monitoring import monitoring_deployment
    from kontrol.deployments.sweep import sweep_deployment

    mailbox = mailbox_deployment(app)
    return [sweep_deployment(app), monitoring_deployment(app), *([mailbox] if mailbox else [])]


def serve(
    deployments: Sequence[RunnerDeployment],
    *,
    limit: int = 4,
    done: Callable[[int], None] | None = None,
    registered: Callable[[Registered], None] | None = None,
) -> None:
    """Register all of them and serve them in this process until SIGTERM or Ctrl-C, which
    stop it at once (:mod:`deployments.serving`); ``registered`` is called in between.

    ``limit`` bounds the flow-run subprocesses at once: a catch-up of dozens of occurrences
    on a small machine would otherwise start them all together.
    """
    from kontrol.deployments.serving import serve as serve_prompt

    serve_prompt(deployments, limit=limit, done=done, registered=registered)


def register(
    deployments: Sequence[RunnerDeployment],
    *,
    work_pool: str | None,
    done: Callable[[int], None] | None = None,
) -> Registered:
    """Create or update each deployment the server does not already have as it is
    (:mod:`kontrol.deployments.registration`); their ids in order, and how many were written."""
    import asyncio

    from kontrol.deployments.registration import register_each, unchanged

    known = unchanged(deployments, work_pool)
    # schedules=None: the deployment's own schedules replace whatever the server had
    return asyncio.run(
        register_each(deployments, lambda d: d.aapply(work_pool_name=work_pool), done, known)
    )


def prune(wanted: Mapping[str, set[str]]) -> list[str]:
    """Delete the cycle deployments a roadmap no longer has: ``wanted`` maps a roadmap's tag
    to the names it keeps (none for a void decree). A withdrawn item, a renamed one or a
    retired decree leaves nothing on the server to fire. Returns the names deleted."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterTags,
        FlowFilter,
        FlowFilterName,
    )

    from kontrol.deployments.registration import read_every_deployment

    deleted = []
    with get_client(sync_client=True) as client:
        for tag, names in wanted.items():
            found = read_every_deployment(
                client,
                flow_filter=FlowFilter(name=FlowFilterName(any_=[CYCLE_FLOW])),
                deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=[tag])),
            )
            for dep in found:
                if dep.name not in names:
                    client.delete_deployment(dep.id)
                    deleted.append(dep.name)
    return deleted


def catch_up_keys(spec: DeploymentSpec, key: str) -> list[str]:
    """The idempotency keys of the catch-up runs of one occurrence, first attempt first."""
    base = f"catch-up:{spec.roadmap}:{spec.obligation}:{key}"
    return [base] + [f"{base}#{n}" for n in range(2, CATCH_UP_ATTEMPTS + 1)]


def trigger_catch_up(specs: Sequence[DeploymentSpec]) -> int:
    """Create a run now for each occurrence already issued on paper but not yet due.

    Once per occurrence (an idempotency key): a later start finds the run it made — unless
    that run was stopped from outside before it ended (crashed, or cancelled by a stopping
    ``kontrol serve``), and then it makes another, at most :data:`CATCH_UP_ATTEMPTS` in all.
    """
    from prefect.deployments import run_deployment

    count = 0
    for spec in specs:
        for key in spec.catch_up:
            for idempotency_key in catch_up_keys(spec, key):
                run = synchronous(
                    run_deployment(
                        name=f"{CYCLE_FLOW}/{spec.name}",
                        parameters={**spec.parameters, "period": key},
                        timeout=0,
                        idempotency_key=idempotency_key,
                    )
                )
                if not stopped_from_outside(run):
                    break
            count += 1
    return count


def stopped_from_outside(run: FlowRun) -> bool:
    """Crashed, or cancelled by a stopping ``kontrol serve``: not an end of its own."""
    from prefect.client.schemas.objects import StateType

    from kontrol.deployments.serving import SERVE_STOPPED

    state = run.state
    if state is None:
        return False
    return state.type == StateType.CRASHED or (
        state.type == StateType.CANCELLED and state.message == SERVE_STOPPED
    )
