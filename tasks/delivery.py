"""``deliver_outbox``: the one Prefect task that sends the outbox, used by every flow.

The logic is ``kontrol.mail.delivery.deliver_pending`` (tested without Prefect); this wrapper
opens the database, passes the clock in, and — inside a flow run — leaves a small table
artifact (key ``kontrol-mail-delivery``): this run's counts and the outbox's totals, so a mail
that could not be delivered stays visible in the UI until someone acts on it. No Prefect
retries here: a failed message stays in the outbox with its reason and the next run picks it
up after its backoff.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
from collections.abc import Coroutine
from typing import Any, TypeVar

from prefect import task
from prefect.cache_policies import NONE
from prefect.context import FlowRunContext

from kontrol.mail import outbox
from kontrol.mail.delivery import DeliveryStats, deliver_pending
from kontrol.models.db import make_engine, session_factory
from kontrol.settings import Settings
from kontrol.version import engine_stamp, stamped

ARTIFACT_KEY = "kontrol-mail-delivery"
T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also from a thread that already runs an event loop (an async flow)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


COUNT_COLUMN, RUN_COLUMN = "Почта", "Писем"


def counts_table(stats: DeliveryStats, totals: dict[str, int]) -> list[dict[str, Any]]:
    """This run's outcomes, then what the whole outbox holds, as the supervisors read them.

    One row per figure (two narrow columns): a row of seven wide headers ran off the page.
    """
    figures = (
        ("отправлено", stats.sent),
        ("отложено до повтора", stats.retried),
        ("не доставлено", stats.failed),
        ("не начато (вернулись в очередь)", stats.released),
        # the server unreachable, our login or sender refused: nothing fails, so say why
        ("почему остановлено", stats.stopped or "—"),
        ("ждут отправки — всего в очереди", totals.get("pending", 0) + totals.get("sending", 0)),
        ("не доставлено — всего в очереди", totals.get("failed", 0)),
    )
    return [{COUNT_COLUMN: what, RUN_COLUMN: n} for what, n in figures]


def publish_counts(stats: DeliveryStats, totals: dict[str, int], stamp: str) -> bool:
    """A table artifact of the counts (``stamp``: the version and schema under it) when
    running inside a flow run; False outside one."""
    if FlowRunContext.get() is None:
        return False
    from prefect.artifacts import create_table_artifact

    create_table_artifact(
        table=counts_table(stats, totals),
        key=ARTIFACT_KEY,
        description=stamped(
            "Доставка почты: этот запуск и вся очередь. Причины недоставки: "
            "`kontrol mail list --status failed`.",
            stamp,
        ),
    )
    return True


@task(name="deliver-outbox", task_run_name="доставка почты", cache_policy=NONE)
def deliver_outbox(
    now: dt.datetime,
    *,
    settings: Settings,
    concurrency: int = 4,
    max_attempts: int = 5,
) -> DeliveryStats:
    """Send every due outbox message once; returns the counts (the flow gives the settings)."""
    moment = now
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    try:
        stats = _run(
            deliver_pending(
                sessions,
                settings,
                now=moment,
                concurrency=concurrency,
                max_attempts=max_attempts,
            )
        )
        with sessions() as session:
            totals = outbox.counts(session)
        stamp = engine_stamp(engine) if FlowRunContext.get() is not None else ""
    finally:
        engine.dispose()
    publish_counts(stats, totals, stamp)
    return stats
