"""The annual monitoring flow (roadmap item 6.3): last year's execution report, published and
mailed.

Thin by design: the figures are ``kontrol.reporting`` (tested without Prefect). The flow works
as of its *scheduled* start, so a late or repeated run reports the same year, and a re-run adds
no second mail (outbox keys ``report:<roadmap>:<year>:<body>``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from kontrol.config import Rules, load_rules
from kontrol.context import App
from kontrol.flows.clock import scheduled_start
from kontrol.flows.cycle import deliver
from kontrol.flows.names import rename, report_first_name
from kontrol.lookup import roadmap_by_number, roadmap_ref, select_roadmaps
from kontrol.mail.outbox import Postmark
from kontrol.naming import ascii_key, report_run_name
from kontrol.reporting import (
    NothingIssued,
    enqueue_report,
    execution_report,
    markdown_report,
    workbook_bytes,
    year_range,
)
from kontrol.settings import load_settings
from kontrol.version import database_stamp, stamped

MONITORING_MONTH = 2  # February: the report on the year before (item 6.3: «1 квартал»)
MONITORING_DAY = 1


def monitoring_schedule(
    rules: Rules,
    years: range | list[int],
    *,
    month: int = MONITORING_MONTH,
    day: int = MONITORING_DAY,
) -> list[dt.datetime]:
    """The first working day on or after ``day.month`` of each year, at the send hour, local.

    (Policy fields to come: ``monitoring_month`` / ``monitoring_day``; until then, arguments.)
    """
    out = []
    for year in years:
        on = rules.calendar.first_working_day_on_or_after(dt.date(year, month, day))
        out.append(dt.datetime.combine(on, rules.policy.send_hour, tzinfo=rules.policy.zone))
    return out


def monitoring(
    app: App, rules: Rules, *, year: int, as_of: dt.date, roadmap: str | None = None
) -> dict[str, Any]:
    """Build, mail (via the outbox) and return the report of ``year``; no Prefect here."""
    start, end = year_range(year)
    with app.transaction() as session:
        rm = roadmap_by_number(session, roadmap)
        report = execution_report(
            session,
            rm,
            start=start,
            end=end,
            as_of=as_of,
            calendar=rules.calendar,
            timezone=rules.policy.timezone,
        )
        created = enqueue_report(
            session,
            rm,
            report,
            workbook=workbook_bytes(report),
            postmark=Postmark.of(app.settings),
            now=app.now,
        )
        number = rm.number
    return {"roadmap": number, "report": report, "mails": created}


@flow(name="kontrol-annual-monitoring", flow_run_name=report_first_name, log_prints=False)
def annual_monitoring(year: int | None = None) -> dict[str, Any]:
    """Report on the year before the scheduled start (or ``year``); artifact + mails."""
    settings = load_settings()
    rules = load_rules(settings)
    now = dt.datetime.now(dt.UTC)
    started = scheduled_start(now)
    today = started.astimezone(rules.policy.zone).date()
    year = year or today.year - 1
    rename(report_run_name(year))
    stamp = database_stamp(settings.database_url)
    app = App(settings, now=now)
    with app.reading() as session:
        refs = [(roadmap_ref(r), r.number) for r in select_roadmaps(session, on=today)]
    done = [
        _one_report(app, rules, ref, number, year=year, as_of=today, stamp=stamp)
        for ref, number in refs
    ]
    deliver(settings, now)
    issued = sum(d["issued"] for d in done)
    mails = sum(d["mails"] for d in done)
    get_run_logger().info(
        "%s: поручений %d, писем в очереди %d", report_run_name(year), issued, mails
    )
    return {
        "year": year,
        "issued": issued,
        "discipline": done[0].get("discipline") if len(done) == 1 else None,
        "mails": mails,
        "roadmaps": done,
    }


def _one_report(
    app: App, rules: Rules, ref: str, number: str, *, year: int, as_of: dt.date, stamp: str
) -> dict[str, Any]:
    """One roadmap's report of ``year``: its artifact (its own key) and its mails."""
    key = ascii_key("kontrol-report", number, str(year))
    try:
        result = monitoring(app, rules, year=year, as_of=as_of, roadmap=ref)
    except NothingIssued as exc:
        create_markdown_artifact(
            key=key,
            markdown=f"# № {number}: отчёт за {year}\n\n{exc}\n",
            description=stamped(str(exc), stamp),
        )
        get_run_logger().warning("№ %s: %s", number, exc)
        return {"roadmap": ref, "issued": 0, "mails": 0}
    report = result["report"]
    create_markdown_artifact(
        key=key,
        markdown=markdown_report(report),
        description=stamped(f"Исполнение дорожной карты № {number} за {year}", stamp),
    )
    return {
        "roadmap": ref,
        "issued": report.total.issued,
        "discipline": report.total.discipline,
        "mails": len(result["mails"]),
    }
