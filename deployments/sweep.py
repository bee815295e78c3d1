"""The daily sweep's schedule, taken from the production calendar rather than a cron line.

A cron «every weekday at 09:00» would run on holidays and miss worked Saturdays; an RDATE
list of the working days at the send hour is exactly the calendar, and Prefect shows it as
the upcoming runs. Times are local (Prefect localises RDATEs to the schedule's time zone).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from kontrol.config import Rules, load_rules
from kontrol.context import App
from kontrol.deployments.compile import RDATES_PER_RULE
from kontrol.deployments.dispatch import synchronous
from kontrol.errors import NotFound
from kontrol.lookup import roadmap_by_number

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

FLOW_NAME = "kontrol-sweep"
DEPLOYMENT_NAME = "daily-sweep"


def sweep_issue_times(rules: Rules, start: dt.date, end: dt.date) -> list[dt.datetime]:
    """Every working day in [start, end] at the send hour, aware in the policy time zone."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    tz = ZoneInfo(rules.policy.timezone)
    out: list[dt.datetime] = []
    day = start
    while day <= end:
        if rules.calendar.is_working_day(day):
            out.append(dt.datetime.combine(day, rules.policy.send_hour, tzinfo=tz))
        day += dt.timedelta(days=1)
    return out


def sweep_rrules(rules: Rules, start: dt.date, end: dt.date) -> list[str]:
    """``RDATE:20270111T090000,…`` lines of at most ``RDATES_PER_RULE`` local times each."""
    stamps = [t.strftime("%Y%m%dT%H%M%S") for t in sweep_issue_times(rules, start, end)]
    return [
        "RDATE:" + ",".join(stamps[i : i + RDATES_PER_RULE])
        for i in range(0, len(stamps), RDATES_PER_RULE)
    ]


def schedule_window(app: App) -> tuple[dt.date, dt.date]:
    """From today to the end of the latest roadmap's horizon (next year when there is none)."""
    zone = load_rules(app.settings).policy.zone
    today = app.now.astimezone(zone).date()
    try:
        with app.reading() as session:
            horizon = roadmap_by_number(session).horizon_year
    except (NotFound, DBAPIError):  # no roadmap or no schema yet: a year ahead still serves
        horizon = None
    return today, dt.date(max(horizon or today.year + 1, today.year), 12, 31)


def sweep_deployment(app: App) -> RunnerDeployment:
    """The ``daily-sweep`` deployment of ``flows.sweep.daily_sweep`` (for ``prefect_io``)."""
    from prefect.schedules import RRule
    from prefect.types.entrypoint import EntrypointType

    from kontrol.flows.sweep import daily_sweep

    rules = load_rules(app.settings)
    start, end = schedule_window(app)
    return synchronous(
        daily_sweep.to_deployment(
            name=DEPLOYMENT_NAME,
            schedules=[
                RRule(r, timezone=rules.policy.timezone) for r in sweep_rrules(rules, start, end)
            ],
            description="Reminders, overdue notices and escalations: every working day at the "
            "send hour (production calendar).",
            tags=["kontrol", "sweep"],
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
    )
