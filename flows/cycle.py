"""The obligation cycle: a scheduled run issues the occurrence its start time falls in.

One flow for every obligation; each deployment names its obligation in the parameters. The
run is idempotent: run it twice, on two workers, or again after a crash — same assignments.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run

from kontrol import assignment_events, faults
from kontrol.config import load_rules
from kontrol.flows.clock import scheduled_start
from kontrol.flows.names import cycle_first_name, rename
from kontrol.issuing import IssueSummary
from kontrol.naming import cycle_run_name, item_artifact_key, occurrence_title
from kontrol.report import item_table
from kontrol.settings import Settings, load_settings
from kontrol.tasks.delivery import deliver_outbox
from kontrol.tasks.issuing import issue_task
from kontrol.version import database_stamp, stamped


@flow(name="kontrol-cycle", flow_run_name=cycle_first_name, log_prints=False)
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
    started = scheduled_start(now)
    on = started.astimezone(ZoneInfo(rules.policy.timezone)).date()
    actor = f"flow-run:{flow_run.get_id() or 'local'}"
    if event:
        from kontrol.tasks.events import issue_event_task

        summary = issue_event_task(settings, roadmap, obligation, event, now, actor)
    else:
        day = None if period else on
        summary = issue_task(settings, roadmap, obligation, period, day, now, actor)
    rename(run_name(summary))
    faults.point("after-issue")
    deliver(settings, now)
    publish(summary, database_stamp(settings.database_url))
    get_run_logger().info(
        "%s: поручений %d, из них новых %d", run_name(summary), len(summary.rows), summary.created
    )
    return {
        "occurrence": summary.occurrence,
        "assignments": len(summary.rows),
        "created": summary.created,
    }


def deliver(settings: Settings, now: dt.datetime) -> None:
    """Send what the flow put in the outbox (the delivery task is shared by every flow)."""
    deliver_outbox(now=now, settings=settings)


def run_name(summary: IssueSummary) -> str:
    """«1302-б · 1.3 · январь 2027», «1302-б · 3.1.4 Разработка · I квартал 2021»: the decree
    first, since the Runs list holds the runs of every roadmap."""
    return cycle_run_name(
        summary.item,
        summary.period_start,
        summary.period_end,
        label=summary.label,
        event=summary.from_event,
        roadmap=summary.roadmap,
    )


def publish(summary: IssueSummary, stamp: str) -> None:
    """A table artifact per obligation (``stamp``: the version and schema under it) and an
    event per new assignment."""
    title = occurrence_title(summary.period_start, summary.period_end, event=summary.from_event)
    create_table_artifact(
        key=item_artifact_key(summary.roadmap, summary.obligation),
        table=item_table(summary),
        description=stamped(
            f"**{summary.name}** — {title} "
            f"({summary.period_start:%d.%m.%Y}–{summary.period_end:%d.%m.%Y})",
            stamp,
        ),
    )
    assignment_events.emit(
        assignment_events.assignment_event(
            "issued",
            body_id=r.body_id,
            body_name=r.body_name,
            roadmap=summary.roadmap,
            item=summary.item,
            item_name=summary.name,
            payload={
                "assignment": r.assignment_id,
                "occurrence": summary.occurrence,
                "role": r.role,
                "due_on": r.due_on.isoformat(),
            },
        )
        for r in summary.rows
        if r.new
    )
