"""The obligation cycle: a scheduled run issues the occurrence its start time falls in.

One flow for every obligation; each deployment names its obligation in the parameters. The
run is idempotent: run it twice, on two workers, or again after a crash — same assignments.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run

from kontrol import faults
from kontrol.config import load_rules
from kontrol.issuing import IssueSummary
from kontrol.naming import ROLE_WORDS, STATUS_WORDS, ascii_key, item_artifact_key
from kontrol.settings import load_settings
from tasks.delivery import deliver_outbox
from tasks.issuing import issue_task


@flow(name="kontrol-cycle", log_prints=False)
def issue_cycle(
    roadmap: str,
    obligation: str,
    period: str | None = None,
    event: str | None = None,
    event_time: str | None = None,
    body: str | None = None,
    ref: str | None = None,
    note: str | None = None,
) -> dict[str, object]:
    """Issue the assignments of one occurrence of an obligation and mail them.

    ``event`` (set by the deployment trigger of an on_event obligation): the recorded event
    whose occurrence to issue; ``event_time``, ``body``, ``ref`` and ``note`` show its payload
    in the run's parameters — the recorded row is what counts.
    """
    settings = load_settings()
    rules = load_rules(settings)
    now = dt.datetime.now(dt.UTC)
    started = flow_run.get_scheduled_start_time() or now
    on = started.astimezone(ZoneInfo(rules.policy.timezone)).date()
    actor = f"flow-run:{flow_run.get_id() or 'local'}"
    if event:
        from tasks.events import issue_event_task

        summary = issue_event_task(roadmap, obligation, event, now, actor)
    else:
        summary = issue_task(roadmap, obligation, period, None if period else on, now, actor)
    faults.point("after-issue")
    deliver(now)
    publish(summary)
    get_run_logger().info(
        "%s %s: %d assignment(s), %d new",
        summary.obligation,
        summary.occurrence,
        len(summary.rows),
        summary.created,
    )
    return {
        "occurrence": summary.occurrence,
        "assignments": len(summary.rows),
        "created": summary.created,
    }


def deliver(now: dt.datetime) -> None:
    """Send what the issue put in the outbox (the delivery task is shared by every flow)."""
    deliver_outbox(now=now)


def publish(summary: IssueSummary) -> None:
    """A table artifact per obligation and an event per new assignment."""
    create_table_artifact(
        key=item_artifact_key(summary.roadmap, summary.obligation),
        table=[
            {
                "Исполнитель": r.body_name,
                "Роль": ROLE_WORDS[r.role],
                "Срок": r.due_on.strftime("%d.%m.%Y"),
                "Статус": STATUS_WORDS.get(r.status, r.status),
                "Поручение": r.assignment_id,
            }
            for r in summary.rows
        ],
        description=f"**{summary.name}** — период {summary.occurrence} "
        f"({summary.period_start:%d.%m.%Y}–{summary.period_end:%d.%m.%Y})",
    )
    for r in summary.rows:
        if not r.new:
            continue
        emit_event(
            event="kontrol.assignment.issued",
            resource={
                "prefect.resource.id": f"kontrol.body.{r.body_id}",
                "prefect.resource.name": r.body_name,
            },
            related=[
                {
                    "prefect.resource.id": f"kontrol.item.{ascii_key(summary.roadmap)}."
                    f"{summary.item}",
                    "prefect.resource.role": "item",
                    "prefect.resource.name": summary.name,
                }
            ],
            payload={
                "assignment": r.assignment_id,
                "occurrence": summary.occurrence,
                "role": r.role,
                "due_on": r.due_on.isoformat(),
            },
        )
