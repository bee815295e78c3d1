"""Prefect task: issue one occurrence in one transaction (logic in ``kontrol.issuing``).

The flow reads the settings and hands them over: a task reads nothing from the environment.
"""

from __future__ import annotations

import datetime as dt

from prefect import task

from kontrol.context import App
from kontrol.issuing import IssueSummary, issue
from kontrol.settings import Settings


@task(name="issue-occurrence", task_run_name="выдача поручений", retries=2, retry_delay_seconds=5)
def issue_task(
    settings: Settings,
    roadmap: str | None,
    obligation: str,
    period: str | None,
    on: dt.date | None,
    now: dt.datetime,
    actor: str,
) -> IssueSummary:
    app = App(settings, now=now)
    return issue(app, roadmap, obligation, period=period, on=on, actor=actor)
