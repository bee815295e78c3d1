"""Prefect task: issue the occurrence a recorded event starts (``kontrol.event_issuing``)."""

from __future__ import annotations

import datetime as dt

from prefect import task

from kontrol.context import App
from kontrol.event_issuing import issue_event
from kontrol.events import require_catalogue
from kontrol.issuing import IssueSummary
from kontrol.settings import Settings


@task(
    name="issue-event-occurrence",
    task_run_name="выдача по событию",
    retries=2,
    retry_delay_seconds=5,
)
def issue_event_task(
    settings: Settings,
    roadmap: str | None,
    obligation: str,
    event: str,
    now: dt.datetime,
    actor: str,
) -> IssueSummary:
    app = App(settings, now=now)
    return issue_event(
        app, roadmap, obligation, event, catalogue=require_catalogue(settings), actor=actor
    )
