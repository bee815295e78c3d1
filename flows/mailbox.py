"""The mailbox flow: read the replies waiting in kontrol's mailbox, act on them, send what
they caused (the curator's review or extension mail, the short answers), publish the list.

The work is ``portal.reply_fetch.fetch_replies`` (tested without Prefect); here it is only run,
delivered and shown: ``kontrol-mail-replies`` lists every message of the run with what was done
with it and why — the committee's view of the replies that changed nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact

from kontrol.config import Rules, load_rules
from kontrol.context import App
from kontrol.flows.cycle import deliver
from kontrol.models.db import session_factory
from kontrol.portal.action_context import prefect_emitter
from kontrol.portal.reply_fetch import Handled, fetch_replies
from kontrol.settings import Settings, load_settings
from kontrol.version import database_stamp, stamped

OUTCOME_WORDS = {
    "done": "отчёт принят",
    "extension_requested": "просьба о переносе срока передана куратору",
    "bounce": "возврат нашего письма",
    "rejected": "не принято",
    "ignored": "пропущено",
}


@task(name="fetch-replies", task_run_name="чтение ответов")
def fetch_task(settings: Settings, rules: Rules, now: dt.datetime) -> list[Handled]:
    """One pass; a crash midway is safe to run again (each message is acted on once)."""
    app = App(settings, now=now)
    return fetch_replies(
        session_factory(app.engine), settings, rules, now=now, emit=prefect_emitter
    )


def replies_table(handled: list[Handled]) -> list[dict[str, str]]:
    return [
        {
            "От": h.sender or "—",
            "Тема": h.subject or "—",
            "Поручение": str(h.assignment_id) if h.assignment_id else "—",
            "Итог": OUTCOME_WORDS.get(h.outcome, h.outcome) + (" (ранее)" if h.again else ""),
            "Причина": h.reason or "—",
            "Папка": h.folder,
        }
        for h in handled
    ]


@flow(name="kontrol-mail-fetch", flow_run_name="ответы по почте", log_prints=False)
def mail_fetch() -> dict[str, Any]:
    """Read kontrol's mailbox once; deliver and publish what it brought."""
    settings = load_settings()
    rules = load_rules(settings)
    now = dt.datetime.now(dt.UTC)
    handled = fetch_task(settings, rules, now)
    deliver(settings, now)
    counts: dict[str, int] = {}
    for h in handled:
        counts[h.outcome] = counts.get(h.outcome, 0) + 1
    if handled:
        create_table_artifact(
            key="kontrol-mail-replies",
            table=replies_table(handled),
            description=stamped(
                f"Письма в ящике kontrol на {now.astimezone(rules.policy.zone):%d.%m.%Y %H:%M}: "
                f"{len(handled)}. Отклонённые ничего не изменили (папка «rejected»).",
                database_stamp(settings.database_url),
            ),
        )
    get_run_logger().info("ответов по почте: %d %s", len(handled), counts)
    return {"messages": len(handled), "counts": counts}
