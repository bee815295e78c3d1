"""Flow run names a supervisor can read in the Runs list: «1.3 · январь 2027», «обход
20.01.2027», «отчёт за 2026 год» — never Prefect's «ordinary-dinosaur».

A run gets a first name from its parameters and scheduled start when it starts (the
``flow_run_name`` callables below: no database, and they never raise, since an exception there
would crash the run before it does anything); once the flow knows its occurrence, day or year
it calls ``rename`` with the exact name (same words as every other place: ``kontrol.naming``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect.context import FlowRunContext
from prefect.runtime import flow_run

from kontrol.flows.clock import scheduled_start
from kontrol.naming import BANNED, RUN_SEPARATOR, report_run_name, sweep_run_name


def _parameters() -> dict[str, Any]:
    try:
        return dict(flow_run.parameters or {})
    except Exception:
        return {}


def _scheduled() -> dt.datetime:
    try:
        return scheduled_start(dt.datetime.now(dt.UTC))
    except Exception:
        return dt.datetime.now(dt.UTC)


def _date(value: object) -> dt.date | None:
    """A date parameter as the run holds it: a date, a datetime or its ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


def cycle_first_name() -> str:
    """«1302-б · 1.3 · 2027-01» (period given), «1302-б · 1.3 · по событию 28.12.2021»,
    «1302-б · 1.3 · 11.01.2027» (scheduled); the flow renames the run to the occurrence's words
    once it knows them."""
    p = _parameters()
    what = str(p.get("obligation") or "?")
    if p.get("event"):
        day = _date(p.get("event_time"))
        tail = f"по событию {day:%d.%m.%Y}" if day else "по событию"
    elif p.get("period"):
        tail = str(p["period"])
    else:
        tail = f"{_scheduled():%d.%m.%Y}"
    number = str(p.get("roadmap") or "").split(" от ")[0].strip()
    head = f"{number}{RUN_SEPARATOR}" if number else ""
    return f"{head}{what}{RUN_SEPARATOR}{tail}".translate(BANNED)


def sweep_first_name() -> str:
    """«обход 20.01.2027»: the day asked for, else the scheduled day (UTC; the flow corrects it
    to the policy's time zone)."""
    return sweep_run_name(_date(_parameters().get("as_of")) or _scheduled().date())


def report_first_name() -> str:
    """«отчёт за 2026 год»: the year asked for, else the year before the scheduled start."""
    year = _parameters().get("year")
    return report_run_name(int(year) if year else _scheduled().year - 1)


def rename(name: str) -> None:
    """Give the current flow run ``name`` (nothing outside a flow run, nothing if it has it).

    A name is not worth a failed run: the work done so far (assignments issued) still needs its
    mail, so an API that refuses the rename is only a warning in the run's log.
    """
    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None or ctx.flow_run.name == name:
        return
    from prefect import get_client, get_run_logger

    try:
        with get_client(sync_client=True) as client:
            client.set_flow_run_name(ctx.flow_run.id, name)
    except Exception as exc:
        get_run_logger().warning("запуск не переименован в «%s»: %s", name, exc)
        return
    ctx.flow_run.name = name
