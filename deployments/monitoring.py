"""The annual monitoring report's deployment: first working day of February (policy) yearly."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from kontrol.config import load_rules
from kontrol.context import App
from kontrol.deployments.compile import RDATES_PER_RULE
from kontrol.deployments.dispatch import synchronous
from kontrol.deployments.sweep import schedule_window

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

DEPLOYMENT_NAME = "annual-monitoring"
DESCRIPTION = (
    "Мониторинг исполнения плана мероприятий (п. 6.3): отчёт за прошедший год — "
    "артефакт Prefect и письмо контролёру и кураторам с книгой Excel."
)


def monitoring_deployment(app: App) -> RunnerDeployment:
    """``flows.monitoring.annual_monitoring`` scheduled from now to the roadmap's horizon."""
    from prefect.schedules import RRule
    from prefect.types.entrypoint import EntrypointType

    from kontrol.flows.monitoring import annual_monitoring, monitoring_schedule

    rules = load_rules(app.settings)
    start, end = schedule_window(app)
    times = [
        t
        for t in monitoring_schedule(
            rules,
            range(start.year, end.year + 2),
            month=rules.policy.monitoring_month,
            day=rules.policy.monitoring_day,
        )
        if t >= app.now.astimezone(dt.UTC)
    ]
    stamps = [t.strftime("%Y%m%dT%H%M%S") for t in times][:RDATES_PER_RULE]
    return synchronous(
        annual_monitoring.to_deployment(
            name=DEPLOYMENT_NAME,
            schedules=[RRule("RDATE:" + ",".join(stamps), timezone=rules.policy.timezone)]
            if stamps
            else [],
            description=DESCRIPTION,
            tags=["kontrol", "мониторинг"],
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
    )
