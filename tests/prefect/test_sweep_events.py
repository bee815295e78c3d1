"""The daily sweep forwards the events recorded but not forwarded — once, however many sweeps
run — and its ``kontrol-events-pending`` artifact shows supervisors what is still pending and why.

Prefect is the real test server; «Prefect down» is a real refused connection."""

from __future__ import annotations

import json

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import select

from kontrol.models.event import EventRecord
from tests.cli_runner import run
from tests.prefect.conftest import EVENTS, db_rows, in_prefect, prefect_down

pytestmark = pytest.mark.usefixtures("prefect_server")


def _row(url: str, row_id: int) -> EventRecord:
    (row,) = db_rows(url, select(EventRecord).where(EventRecord.id == row_id))
    return row


def test_the_daily_sweep_forwards_what_is_pending_once_and_shows_what_is_left(
    event_items, capsys, tmp_path, monkeypatch
):
    with prefect_down():
        contract = run(capsys, "event", "emit", "contract_signed", "--ref", "ГК-1", "--json")
        appeal = run(capsys, "event", "emit", "appeal_received", "--ref", "ОБР-1", "--json")
    assert (contract.code, appeal.code) == (1, 1)
    # the appeal's event leaves the catalogue before the sweep: it cannot be forwarded now
    text = EVENTS.read_text(encoding="utf-8")
    start = text.index("  - id: appeal_received")
    smaller = tmp_path / "events.yaml"
    smaller.write_text(text[:start] + text[text.index("  - id: agreement_signed") :], "utf-8")
    monkeypatch.setenv("KONTROL_EVENTS", str(smaller))

    first = run(capsys, "sweep", "--as-of", "2021-02-15", "--flow", "--json")

    assert first.code == 0, first.err
    assert first.json()["events"] == {"forwarded": 1, "pending": 1}
    assert in_prefect(contract.json()["event_id"])
    artifact = Artifact.get("kontrol-events-pending")
    assert artifact is not None and artifact.description is not None
    (shown,) = json.loads(str(artifact.data))
    assert (shown["№"], shown["Событие"], shown["Ссылка"], shown["Попыток"]) == (
        str(appeal.json()["id"]),
        "appeal_received",
        "ОБР-1",
        "2",
    )
    assert "«appeal_received» is not in the event catalogue" in shown["Причина"]
    assert "не переданные в Prefect" in artifact.description
    assert "передано этим запуском: 1" in artifact.description

    second = run(capsys, "sweep", "--as-of", "2021-02-16", "--flow", "--json")

    assert second.json()["events"] == {"forwarded": 0, "pending": 1}
    forwarded = _row(event_items, contract.json()["id"])
    assert forwarded.forward_attempts == 2  # the failed emit and the first sweep: not again
    # back in the catalogue, the next sweep forwards it and the artifact says all is sent
    monkeypatch.setenv("KONTROL_EVENTS", str(EVENTS))
    third = run(capsys, "sweep", "--as-of", "2021-02-17", "--flow", "--json")
    assert third.json()["events"] == {"forwarded": 1, "pending": 0}
    artifact = Artifact.get("kontrol-events-pending")
    assert artifact is not None
    assert json.loads(str(artifact.data)) == [
        {"№": "—", "Событие": "все принятые события переданы в Prefect"}
    ]
