"""The cycle flow against a real Prefect server and a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from prefect import get_client
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kontrol.flows.cycle import issue_cycle
from kontrol.models import Assignment, AuditEvent, OutboxMessage

pytestmark = pytest.mark.usefixtures("prefect_server")


def _assignments(db_url: str) -> list[tuple[str, str, str, str]]:
    with Session(create_engine(db_url)) as s:
        rows = s.scalars(select(Assignment).order_by(Assignment.id))
        return [(a.occurrence_key, a.body_id, a.role, a.due_on.isoformat()) for a in rows]


def _outbox(db_url: str) -> list[str]:
    with Session(create_engine(db_url)) as s:
        return sorted(s.scalars(select(OutboxMessage.key)))


def test_cycle_issues_the_lead_with_the_plan_due_date(seeded):
    result = issue_cycle(roadmap="1302-б", obligation="1.3", period="2021-01")
    assert result["created"] == 1
    assert _assignments(seeded) == [("2021-01", "committee", "lead", "2021-01-29")]


def test_group_fans_out_and_co_executors_are_due_earlier(seeded):
    issue_cycle(roadmap="1302-б", obligation="2.2", period="2021")
    rows = _assignments(seeded)
    lead = [r for r in rows if r[2] == "lead"]
    co = [r for r in rows if r[2] == "co_executor"]
    assert lead == [("2021", "committee", "lead", "2021-12-30")]
    assert len(co) >= 1 + 18  # ЛОИРО, 18 municipal authorities, the schools' examples
    assert {r[3] for r in co} == {"2021-12-23"}  # 5 working days before 30.12.2021


def test_running_the_same_occurrence_twice_changes_nothing(seeded):
    issue_cycle(roadmap="1302-б", obligation="2.2", period="2022")
    first, mails = _assignments(seeded), _outbox(seeded)
    again = issue_cycle(roadmap="1302-б", obligation="2.2", period="2022")
    assert again["created"] == 0
    assert _assignments(seeded) == first and _outbox(seeded) == mails
    with Session(create_engine(seeded)) as s:
        issued = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "issued")
        )
    assert issued == len(first)


def test_two_runs_at_once_issue_each_assignment_once(seeded):
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(
                lambda _: issue_cycle(roadmap="1302-б", obligation="2.2", period="2023"), range(2)
            )
        )
    rows = _assignments(seeded)
    assert len(rows) == len(set(rows))
    assert len([r for r in rows if r[0] == "2023"]) >= 20


def _kontrol(db_url: str, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KONTROL_DATABASE_URL": db_url}
    env.pop("KONTROL_FAULT", None)
    if fault:
        env["KONTROL_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "kontrol", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_two_processes_at_once_issue_each_assignment_once(seeded):
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "kontrol", "run", "2.2", "--period", "2024"],
            env={**os.environ, "KONTROL_DATABASE_URL": seeded},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    rows = [r for r in _assignments(seeded) if r[0] == "2024"]
    assert len(rows) == len(set(rows)) >= 20
    keys = _outbox(seeded)
    assert len(keys) == len(set(keys))


def test_a_run_killed_after_issuing_then_run_again_ends_the_same(seeded):
    crashed = _kontrol(seeded, "run", "2.2", "--period", "2025", fault="after-issue")
    assert crashed.returncode == 137
    after_crash, mails = _assignments(seeded), _outbox(seeded)
    assert after_crash
    again = _kontrol(seeded, "run", "2.2", "--period", "2025")
    assert again.returncode == 0, again.stderr
    assert _assignments(seeded) == after_crash and _outbox(seeded) == mails


def test_an_occurrence_outside_the_plan_is_refused(seeded, capsys):
    from tests.cli_runner import run

    result = run(capsys, "run", "1.3", "--period", "2020-01")
    assert result.code == 2 and "before the adoption" in result.err
    result = run(capsys, "run", "1.3", "--period", "2031-01")
    assert result.code == 2 and "not an occurrence" in result.err
    assert _assignments(seeded) == []


def test_the_artifact_lists_the_assignments(seeded):
    issue_cycle(roadmap="1302-б", obligation="6.3", period="2022-Q1")
    with get_client(sync_client=True) as client:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["kontrol-1302-b-item-6-3"]))
        )
    import json

    [row] = json.loads(arts[0].data)
    assert row["Исполнитель"] == "Комитет общего и профессионального…"
    assert (row["Роль"], row["Срок"], row["Статус"]) == (
        "ответственный",
        "31.03.2022",
        "просрочено",  # issued today, due in 2022: where it stands today, as status says
    )


def test_the_delivery_artifact_counts_what_was_not_delivered(seeded, monkeypatch):
    """550 for the committee: the row is failed, and the run's artifact says so in Russian."""
    import json

    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    from kontrol.mail.sink import start_sink
    from tests.mail.conftest import Recorder

    recorder = Recorder(refuse=("office@edu.lenobl.example",))
    with start_sink(handler=recorder) as smtp:
        monkeypatch.setenv("KONTROL_SMTP_PORT", str(smtp.port))
        state = issue_cycle(roadmap="1302-б", obligation="6.3", period="2022-Q1", return_state=True)
    assert state.is_completed()
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["kontrol-mail-delivery"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            )
        )
    rows = {r["Почта"]: r["Писем"] for r in json.loads(artifact.data)}
    assert (rows["отправлено"], rows["не доставлено"], rows["не доставлено — всего в очереди"]) == (
        0,
        1,
        1,
    )
    assert rows["ждут отправки — всего в очереди"] == 0
    with Session(create_engine(seeded)) as s:
        [mail] = s.scalars(select(OutboxMessage))
    assert mail.status == "failed" and mail.last_error.startswith("office@edu.lenobl.example: 550")
    assert recorder.received == []
