"""The daily sweep flow: reminders, overdue notices, escalations, then delivery and artifacts.

It acts as of its scheduled start time in the policy time zone, so a late or re-run flow
still sweeps the day it was meant for. On a non-working day it sends nothing and returns.
First, on every day, it forwards to Prefect the events recorded but not forwarded yet and
publishes those still pending (``kontrol-events-pending``), so none waits for a person.
The logic is in ``kontrol.sweep`` and ``kontrol.event_forwarding`` (tested without Prefect);
this module only orchestrates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_image_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.runtime import flow_run

from kontrol import assignment_events
from kontrol.config import Rules, load_rules
from kontrol.context import App
from kontrol.dashboard import dashboard
from kontrol.dashboard import markdown as dashboard_markdown
from kontrol.errors import KontrolError
from kontrol.event_forwarding import ForwardReport, forward_pending
from kontrol.events import load_catalogue
from kontrol.flows.clock import scheduled_start
from kontrol.flows.cycle import deliver
from kontrol.flows.names import rename, sweep_first_name
from kontrol.lookup import roadmap_ref, select_roadmaps
from kontrol.mail.mailer import Mailer
from kontrol.models import Roadmap
from kontrol.models.db import session_factory
from kontrol.naming import ascii_key, sweep_run_name
from kontrol.report import overdue_table, summary_tables
from kontrol.roadmap.errors import RoadmapError
from kontrol.settings import Settings, load_settings
from kontrol.sweep import Action, SweepReport, run_sweep, transactions
from kontrol.version import database_stamp, stamped


@task(name="sweep", task_run_name="обход", retries=2, retry_delay_seconds=10)
def sweep_task(settings: Settings, as_of: dt.date, now: dt.datetime, actor: str) -> SweepReport:
    """One sweep; a retry after a crash finishes the work without repeating a step."""
    app = App(settings, now=now)
    rules = load_rules(app.settings)
    return run_sweep(
        transactions(session_factory(app.engine)),
        as_of=as_of,
        rules=rules,
        mailer=Mailer.of(app.settings),
        now=now,
        actor=actor,
    )


@task(name="forward-events", task_run_name="передача событий")
def forward_events_task(settings: Settings, now: dt.datetime) -> ForwardReport:
    """Forward the pending events; a broken catalogue is each one's reason, not a failed sweep."""
    app = App(settings, now=now)
    try:
        catalogue, problem = load_catalogue(app.settings), None
    except (KontrolError, RoadmapError) as exc:
        catalogue, problem = None, f"the event catalogue cannot be read: {exc}"
    if problem is None:
        return forward_pending(app, catalogue)
    return forward_pending(app, None, no_catalogue=problem)


@flow(name="kontrol-sweep", flow_run_name=sweep_first_name, log_prints=False)
def daily_sweep(as_of: dt.date | None = None) -> dict[str, Any]:
    """Sweep the open assignments as of the run's scheduled day; mail, publish, emit events."""
    settings = load_settings()
    rules = load_rules(settings)
    now = dt.datetime.now(dt.UTC)
    started = scheduled_start(now)
    day = as_of or started.astimezone(rules.policy.zone).date()
    rename(sweep_run_name(day))
    logger = get_run_logger()
    stamp = database_stamp(settings.database_url)
    events = forward_events_task(settings, now)
    publish_events(events, rules, now, stamp)
    in_use = (  # events in use: what this sweep forwarded and what is still pending
        {"events": {"forwarded": len(events.forwarded), "pending": len(events.pending)}}
        if events.recorded
        else {}
    )
    if events.pending:
        logger.warning("%d event(s) still not forwarded to Prefect", len(events.pending))
    if not rules.calendar.is_working_day(day):
        logger.info("%s — нерабочий день: ничего не отправлено", f"{day:%d.%m.%Y}")
        return {"as_of": day.isoformat(), "working_day": False, **in_use}
    actor = f"flow-run:{flow_run.get_id() or 'local'}"
    report = sweep_task(settings, day, now, actor)
    deliver(settings, now)
    publish(App(settings, now=now), rules, day, stamp)
    emit(report.actions)
    counts = report.to_json()["counts"]
    logger.info(
        "%s: проверено поручений %d; стали просроченными %d, напоминаний %d, уведомлений о "
        "просрочке %d, эскалаций %d, сводок %d, еженедельных сводок %d",
        sweep_run_name(day),
        report.candidates,
        *(
            counts[k]
            for k in ("status", "reminder", "overdue_notice", "escalation", "digest", "weekly")
        ),
    )
    return {"as_of": day.isoformat(), "working_day": True, "counts": counts, **in_use}


def publish(app: App, rules: Rules, as_of: dt.date, stamp: str) -> None:
    """Keyed artifacts: each run adds a version, the key always shows the latest state;
    ``stamp`` (the version and schema) under each."""
    with app.reading() as session:
        overdue = overdue_table(session, rules, as_of)
        by_body, by_item = summary_tables(session, rules, as_of, app.now)
        board = dashboard(session, rules, as_of=as_of, now=app.now)
        per_roadmap = [
            (r, overdue_table(session, rules, as_of, roadmap_ids=[r.id]))
            for r in select_roadmaps(session, on=as_of)
        ]
    create_markdown_artifact(
        key="kontrol-portfolio",
        markdown=dashboard_markdown(board),
        description=stamped(
            f"Портфель на {as_of:%d.%m.%Y}: по документам и исполнителям, худшие пять", stamp
        ),
    )
    pictures(app, [r for r, _ in per_roadmap], as_of, stamp)
    for roadmap, rows in per_roadmap:
        create_table_artifact(
            key=ascii_key("kontrol-overdue", roadmap.number, str(roadmap.adopted_on.year)),
            table=rows or [{"п.": "—", "Исполнитель": "просроченных поручений нет"}],
            description=stamped(
                f"№ {roadmap_ref(roadmap)}: просроченные поручения на {as_of:%d.%m.%Y}", stamp
            ),
        )
    create_table_artifact(
        key="kontrol-overdue",
        table=overdue or [{"п.": "—", "Исполнитель": "просроченных поручений нет"}],
        description=stamped(
            f"Просроченные поручения на {as_of:%d.%m.%Y}, самые давние первыми; "
            "просрочка — в рабочих днях после срока. Номера: `kontrol status --overdue`.",
            stamp,
        ),
    )
    create_table_artifact(
        key="kontrol-summary",
        table=by_body + by_item,
        description=stamped(
            f"Итоги на {as_of:%d.%m.%Y}: по исполнителям, затем по пунктам. "
            "Просрочено + в работе + в срок + с опозданием = выдано (без отменённых).",
            stamp,
        ),
    )


def pictures(app: App, roadmaps: list[Roadmap], as_of: dt.date, stamp: str) -> None:
    """The workload and each roadmap's timeline as image artifacts: Prefect shows an image by
    its URL, so they point at the portal, which draws them when the page is opened."""
    from kontrol.mail.links import chart_url, make_link_for

    token = make_link_for(app.settings).charts()
    base = app.settings.portal_base_url
    create_image_artifact(
        image_url=chart_url(base, token, "workload.svg"),
        key="kontrol-workload",
        description=stamped(
            f"Нагрузка: поручения по месяцам срока, год с {as_of:%m.%Y}, все документы в силе",
            stamp,
        ),
    )
    for roadmap in roadmaps:
        create_image_artifact(
            image_url=chart_url(base, token, f"timeline-{roadmap.id}.svg"),
            key=ascii_key("kontrol-timeline", roadmap.number, str(roadmap.adopted_on.year)),
            description=stamped(f"№ {roadmap_ref(roadmap)}: сроки мероприятий", stamp),
        )


def pending_table(report: ForwardReport, rules: Rules) -> list[dict[str, str]]:
    """The rows of ``kontrol-events-pending``: each event Prefect does not have, and why."""
    zone = rules.policy.zone
    return [
        {
            "№": str(p.id),
            "Событие": p.event,
            "Орган": p.body or "—",
            "Отправитель": p.sender,
            "Ссылка": p.ref,
            "Произошло": f"{p.occurred_at.astimezone(zone):%d.%m.%Y %H:%M}",
            "Принято": f"{p.received_at.astimezone(zone):%d.%m.%Y %H:%M}",
            "Попыток": str(p.attempts),
            "Причина": p.error or "ещё не передавалось",
        }
        for p in report.pending
    ]


def publish_events(report: ForwardReport, rules: Rules, now: dt.datetime, stamp: str) -> None:
    """``kontrol-events-pending``: once events are in use, every sweep shows what Prefect has
    not got (an empty table when all is forwarded, so the key never shows a stale list)."""
    if not report.recorded:
        return
    create_table_artifact(
        key="kontrol-events-pending",
        table=pending_table(report, rules)
        or [{"№": "—", "Событие": "все принятые события переданы в Prefect"}],
        description=stamped(
            f"События, принятые, но не переданные в Prefect, на "
            f"{now.astimezone(rules.policy.zone):%d.%m.%Y %H:%M}: {len(report.pending)}; "
            f"передано этим запуском: {len(report.forwarded)}",
            stamp,
        ),
    )


EVENT_KINDS = {"status": "overdue", "escalation": "escalated"}


def events(actions: list[Action]) -> list[assignment_events.Event]:
    """``kontrol.assignment.overdue`` / ``.escalated`` about the body, related to the item."""
    return [
        assignment_events.assignment_event(
            EVENT_KINDS[a.kind],
            body_id=a.body_id,
            body_name=a.body_name or a.body_id,
            roadmap=a.roadmap or "",
            item=a.item or "",
            item_name=a.obligation_name or a.item or "",
            payload={
                "assignment": a.assignment_id,
                "due_on": a.due_on.isoformat() if a.due_on else None,
                "days_overdue": a.days,
                "level": a.step if a.kind == "escalation" else None,
                "recipient": a.recipient_id,
            },
        )
        for a in actions
        if a.kind in EVENT_KINDS and a.body_id is not None
    ]


def emit(actions: list[Action]) -> None:
    assignment_events.emit(events(actions))
