"""Prefect task: issue one occurrence in one transaction (logic in ``kontrol.issuing``)."""

from __future__ import annotations

import datetime as dt

from prefect import task

from kontrol.context import App
from kontrol.issuing import IssueSummary, issue
from kontrol.settings import load_settings


@task(name="issue-occurrence", task_run_name="выдача поручений", retries=2, retry_delay_seconds=5)
def issue_task(
    roadmap: str | None,
    obligation: str,
    period: str | None,
    on: dt.date | None,
    now: dt.datetime,
    actor: str,
) -> IssueSummary:
    app = App(load_settings(), now=now)
    return issue(app, roadmap, obligation, period=period, on=on, actor=actor)
