"""``kontrol serve``'s runner: Prefect's, stopping at once on SIGTERM or Ctrl-C.

Prefect's runner, told to stop, cancels its flow runs one after another — each cancellation
waits at least 3 s before it looks whether the process has gone — and then pauses every
deployment it served, one API call each: 20 s and more with a few runs in flight. Ours
cancels them all at once and pauses nothing:

- a flow run stopped halfway is safe: an assignment and its mail are written in one
  transaction under unique keys, a delivery holds its rows under a lease — a run made again
  adds only what is missing and sends no mail twice;
- the occurrence of a run cancelled here is issued at the next start (catch-up, see
  :data:`SERVE_STOPPED`);
- the schedules stay as they are, so the runs falling due while nothing serves them wait, and
  run when serving starts again (Prefect's pause would drop them).

A stop takes at most :data:`STOP_DEADLINE`: when the Prefect API is gone (the demo's server
dies with the demo) there is nobody to report the cancellations to, and Prefect's client
would retry for minutes; then the flow-run processes are killed and the process ends.

Cancelling uses two of the runner's own methods (``_cancel_run``, the process table), and
serving a deployment without applying it again its registry (:meth:`PromptRunner.adopt`); if
a Prefect release renames them, the runner falls back to Prefect's slower way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from prefect.runner import Runner

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

    from kontrol.deployments.registration import Registered

# the message of the Cancelled state of a run this runner stopped: such a catch-up run is made
# again at the next start (deployments.prefect_io.trigger_catch_up)
SERVE_STOPPED = "kontrol serve stopped; the occurrence is issued again at its next start"
STOP_WAIT = 10.0  # seconds to wait for runs still being started when the stop came
# seconds a stop may take: past that (the Prefect API gone with the demo that started us, a
# run that will not die) the flow-run processes are killed and the process ends
STOP_DEADLINE = 15.0


class PromptRunner(Runner):
    """A runner whose stop cancels every run in flight at once and pauses no schedule."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(pause_on_shutdown=False, **kwargs)

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        """Stop cleanly, within :data:`STOP_DEADLINE`; a second signal stops at once."""
        if self.stopping:
            _force_exit("a second signal")
        if self.started and self._loop is not None:
            timer = threading.Timer(STOP_DEADLINE, _force_exit, (f"{STOP_DEADLINE:.0f} s",))
            timer.daemon = True
            timer.start()
        super().handle_sigterm(*args, **kwargs)

    async def cancel_all(self) -> None:
        processes = getattr(self, "_process_manager", None)
        if processes is None or not hasattr(self, "_cancel_run"):
            await super().cancel_all()
            return
        cancelled: set[uuid.UUID] = set()
        deadline = time.monotonic() + STOP_WAIT
        while True:
            new = processes.flow_run_ids() - cancelled
            if new:
                async with anyio.create_task_group() as group:
                    for flow_run_id in new:
                        group.start_soon(self._cancel_unfinished, flow_run_id)
                cancelled |= new
            # a run the poller was starting when the stop came gets its process a moment later
            if not self._starting() - cancelled or time.monotonic() > deadline:
                return
            await anyio.sleep(0.1)

    async def _cancel_unfinished(self, flow_run_id: uuid.UUID) -> None:
        """Cancel the run unless it has already ended and its process is only exiting:
        Prefect's cancellation would turn a Completed run into a Cancelled one. A failure is
        logged and stops nothing else: the runner must stop."""
        try:
            client = getattr(self, "_client", None)
            flow_run = await client.read_flow_run(flow_run_id) if client else flow_run_id
            state = getattr(flow_run, "state", None)
            if state is None or not state.is_final():
                await self._cancel_run(flow_run, SERVE_STOPPED)
        except Exception:
            self._logger.exception("could not cancel flow run %s", flow_run_id)

    def adopt(self, deployment: RunnerDeployment, deployment_id: str) -> bool:
        """Serve a deployment the server already has as it is, without applying it again
        (Prefect's ``add_deployment`` minus the write); False when this Prefect's runner
        keeps its deployments elsewhere, or the deployment has storage to pull."""
        registry = getattr(self, "_deployment_registry", None)
        if registry is None or deployment.storage is not None:
            return False
        registry.register_deployment(uuid.UUID(deployment_id), deployment.name)
        return True

    def _starting(self) -> set[uuid.UUID]:
        """Runs the poller has taken and not yet seen end (empty if it cannot tell)."""
        poller = getattr(self, "_scheduled_run_poller", None)
        return set(getattr(poller, "_submitting_flow_run_ids", ()))


def _force_exit(after: str) -> None:
    """Kill the flow-run processes (children of this one) and end, with a line saying so."""
    sys.stderr.write(f"kontrol serve: stopped by force after {after}; its flow runs killed\n")
    sys.stderr.flush()
    children = _children()
    for pid in children:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    for pid in children:  # reaped here: none is left a zombie for init to collect
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
    os._exit(1)


def _children() -> list[int]:
    """The pids of this process's children (Linux; none elsewhere)."""
    pids: list[int] = []
    for task in Path("/proc/self/task").glob("*/children"):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in task.read_text().split()]
    return pids


def serve(
    deployments: Sequence[RunnerDeployment],
    *,
    limit: int,
    done: Callable[[int], None] | None = None,
    registered: Callable[[Registered], None] | None = None,
) -> None:
    """Register ``deployments`` (``done`` counts them), call ``registered`` (catch-up, the
    line saying it serves), then serve them in this process until SIGTERM, SIGINT (Ctrl-C)
    or SIGHUP."""
    import asyncio

    from kontrol.deployments.registration import register_each, unchanged

    runner = PromptRunner(limit=limit)
    # the runner takes SIGTERM itself when it starts; Ctrl-C and a closed terminal stop it the
    # same way instead of interrupting whatever the event loop was doing
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, runner.handle_sigterm)

    known = unchanged(deployments, None)

    async def main() -> None:
        done_ = await register_each(deployments, runner.aadd_deployment, done, known, runner.adopt)
        if registered is not None:
            await asyncio.to_thread(registered, done_)  # Prefect's sync client: off the loop
        await runner.start()

    asyncio.run(main())
