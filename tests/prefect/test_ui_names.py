"""What the Prefect UI lists, read back from a real server: run and task names in Russian, one
name per body in every artifact and event, artifact tables of at most five columns.

(The browser test, ``test_ui_screenshots``, looks at the same things on the screen.)
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import httpx
import pytest
from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from kontrol.flows.cycle import issue_cycle
from kontrol.flows.monitoring import annual_monitoring
from kontrol.flows.sweep import daily_sweep
from kontrol.models import Body
from kontrol.naming import body_cells, body_label

pytestmark = pytest.mark.usefixtures("prefect_server")


def _run_name(state: Any) -> tuple[str, set[str]]:
    """The flow run's name and its task runs' names."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    return run.name, {t.name for t in tasks}


def _table(key: str) -> list[dict[str, Any]]:
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort="CREATED_DESC",
            limit=1,
        )
    return json.loads(artifact.data)


def _events(api: str, run_id: object, count: int) -> list[dict[str, Any]]:
    """The ``kontrol.*`` events of one flow run once the server holds ``count`` of them (the
    client sends them in the background)."""
    query = {
        "event": {"prefix": ["kontrol."]},
        "any_resource": {"id": [f"prefect.flow-run.{run_id}"]},
    }
    deadline = time.monotonic() + 60
    while True:
        page = httpx.post(
            f"{api}/events/filter", json={"filter": query, "limit": 50}, timeout=10
        ).json()
        events = list(page["events"])
        while page.get("next_page"):
            page = httpx.get(page["next_page"], timeout=10).json()
            events += page["events"]
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.5)


def test_runs_are_named_after_what_they_do(seeded: str) -> None:
    cycle = issue_cycle(roadmap="1302-б", obligation="1.3", period="2021-01", return_state=True)
    assert _run_name(cycle) == (
        "1302-б · 1.3 · январь 2021",
        {"выдача поручений", "доставка почты"},
    )
    quarter = issue_cycle(roadmap="1302-б", obligation="2.3", period="2021-Q1", return_state=True)
    assert _run_name(quarter)[0] == "1302-б · 2.3 · I квартал 2021"
    sweep = daily_sweep(as_of=dt.date(2021, 2, 15), return_state=True)
    assert _run_name(sweep) == (
        "обход 15.02.2021",
        {"передача событий", "обход", "доставка почты"},
    )
    report = annual_monitoring(year=2021, return_state=True)
    assert _run_name(report)[0] == "отчёт за 2021 год"


def test_a_body_has_one_name_in_every_artifact_and_event(seeded: str, prefect_server: str) -> None:
    issue_cycle(roadmap="1302-б", obligation="2.2", period="2021")
    sweep = daily_sweep(as_of=dt.date(2022, 1, 20), return_state=True)
    engine = create_engine(seeded)
    with Session(engine) as s:
        bodies = list(s.scalars(select(Body)))
        names = {b.id: body_label(b) for b in bodies}
        cells = body_cells(bodies)
    engine.dispose()
    assert names["committee"] == "Комитет общего и профессионального образования"

    item, overdue, summary = (
        _table("kontrol-1302-b-item-2-2"),
        _table("kontrol-overdue"),
        _table("kontrol-summary"),
    )
    for table in (item, overdue, summary):
        assert all(len(row) <= 5 for row in table), table[0]
    assert list(overdue[0]) == ["п.", "Исполнитель", "Срок", "Просрочка", "Ступень"]
    shown = {r["Исполнитель"] for r in item + overdue} | {
        r["Исполнитель / пункт"] for r in summary if not r["Исполнитель / пункт"].startswith("п. ")
    }
    assert shown <= set(cells.values())
    committee = cells["committee"]
    assert committee in {r["Исполнитель"] for r in item} & {r["Исполнитель"] for r in overdue}
    assert committee in {r["Исполнитель / пункт"] for r in summary}

    events = _events(prefect_server, sweep.state_details.flow_run_id, len(overdue))
    assert {e["event"] for e in events} == {
        "kontrol.assignment.overdue",
        "kontrol.assignment.escalated",
    }
    for e in events:
        body = e["resource"]["prefect.resource.id"].removeprefix("kontrol.body.")
        assert e["resource"]["prefect.resource.name"] == names[body]
        assert e["related"][0]["prefect.resource.name"].startswith("2.2 Мониторинг")
