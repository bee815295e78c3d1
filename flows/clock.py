"""The moment a flow run stands for: when it was scheduled to start.

Prefect gives it as a pendulum ``DateTime``, whose ``.date()`` is a pendulum ``Date`` that
sqlite3 refuses to bind («type 'Date' is not supported»): the daily sweep failed on SQLite every
time a worker ran it on schedule. Here it becomes a plain aware ``datetime``.
"""

from __future__ import annotations

import datetime as dt

from prefect.runtime import flow_run

from kontrol.models.base import utc


def plain(moment: dt.datetime) -> dt.datetime:
    """``moment`` as a ``datetime.datetime`` in UTC (a naive one is taken as UTC)."""
    return dt.datetime.fromtimestamp(utc(moment).timestamp(), dt.UTC)


def scheduled_start(now: dt.datetime) -> dt.datetime:
    """When this run was scheduled to start (``now`` outside a run), as a plain datetime."""
    return plain(flow_run.get_scheduled_start_time() or now)
