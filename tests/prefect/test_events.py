"""Event-driven obligations (issue 9) against a real Prefect server and a real database.

Items 1.3 and 2.2 of the seed are rewritten to event-relative terms; their deployments carry a
trigger on ``kontrol.event.<id>`` and are served by a runner subprocess, so an emitted event
runs the cycle flow through Prefect's own triggers and actions services.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kontrol.config import load_rules
from kontrol.context import App
from kontrol.events import accept_event, parse_senders
from kontrol.events_api import events_router
from kontrol.models import Assignment
from kontrol.models.event import EventRecord
from kontrol.roadmap.events import load_events
from kontrol.settings import load_settings
from tests.cli_runner import run
from tests.conftest import REPO
from tests.prefect.conftest import EVENTS, MSK

pytestmark = pytest.mark.usefixtures("prefect_server")


def _assignments(db_url: str) -> list[tuple[str, str, str, str]]:
    with Session(create_engine(db_url)) as s:
        rows = s.scalars(select(Assignment).order_by(Assignment.id))
        return [(a.occurrence_key, a.body_id, a.role, a.due_on.isoformat()) for a in rows]


def _events(db_url: str) -> int:
    with Session(create_engine(db_url)) as s:
        return s.scalar(select(func.count()).select_from(EventRecord)) or 0


def _specs(obligations: set[str]):  # type: ignore[no-untyped-def]
    from kontrol.deployments.compile import compile_roadmap
    from kontrol.events import load_catalogue
    from kontrol.lookup import roadmap_by_number

    app = App(load_settings())
    rules = load_rules(app.settings)
    with app.reading() as session:
        roadmap, events = roadmap_by_number(session), load_catalogue(app.settings)
        specs = compile_roadmap(session, roadmap, rules, now=app.now, events=events)
    return [s for s in specs if s.obligation in obligations]


def test_on_event_obligations_compile_to_triggered_deployments(event_items):
    specs = _specs({"1.3", "2.2"})
    assert [(s.kind, s.event, s.issue_times) for s in specs] == [
        ("on_event", "contract_signed", ()),
        ("on_event", "request_received", ()),
    ]
    trigger = specs[0].trigger
    assert trigger is not None and trigger["expect"] == ["kontrol.event.contract_signed"]
    assert trigger["parameters"]["event"] == "{{ event.payload.event_id }}"
    assert "по событию" in specs[0].tags


def _serve(specs, db_url: str, tmp_path: Path) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    # the server is shared by the session: a deployment of the same name registered by another
    # test (e.g. on a work pool, with its storage) must not be what the trigger runs
    with get_client(sync_client=True) as client:
        for spec in specs:
            with contextlib.suppress(ObjectNotFound):
                client.delete_deployment(
                    client.read_deployment_by_name(f"kontrol-cycle/{spec.name}").id
                )
    blob = tmp_path / "specs.pickle"
    blob.write_bytes(pickle.dumps(specs))
    code = (
        "import pickle, sys; from kontrol.deployments import prefect_io; "
        f"specs = pickle.load(open({str(blob)!r}, 'rb')); "
        "prefect_io.serve(prefect_io.runner_deployments(specs), limit=2)"
    )
    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "KONTROL_DATABASE_URL": db_url,
        "KONTROL_EVENTS": str(EVENTS),
        "PYTHONPATH": str(REPO),
    }
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        stdout=open(tmp_path / "serve.log", "wb"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(db_url: str, predicate, timeout: float = 90) -> list:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = _assignments(db_url)
        if predicate(rows):
            return rows
        time.sleep(1)
    return _assignments(db_url)


def _deployments_ready(names: list[str], timeout: float = 60) -> None:
    from prefect import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            try:
                found = [client.read_deployment_by_name(f"kontrol-cycle/{n}") for n in names]
                if all(found):
                    time.sleep(6)  # the triggers service reloads automations every 5 s
                    return
            except Exception:
                pass
            time.sleep(1)
    raise AssertionError("the served deployments did not appear")


def test_an_emitted_event_runs_the_triggered_deployment(event_items, capsys, tmp_path):
    specs = _specs({"1.3", "2.2"})
    server = _serve(specs, event_items, tmp_path)
    try:
        _deployments_ready([s.name for s in specs])
        # contract signed 28.12.2021: 10 working days cross the New Year holidays → 19.01.2022
        result = run(
            capsys,
            "event",
            "emit",
            "contract_signed",
            "--at",
            "2021-12-28T11:00:00+03:00",
            "--ref",
            "ГК-117",
            "--body",
            "committee",
            "--json",
        )
        assert result.code == 0, result.err
        first = result.json()
        assert (first["status"], first["forwarded"]) == ("recorded", True)
        # a request received by one municipal authority: it alone (and the lead) is issued;
        # 10 calendar days from 28.12.2021 = 07.01.2022, a holiday → 30.12.2021
        app = App(load_settings())
        req = accept_event(
            app,
            load_events(EVENTS),
            load_rules(app.settings).policy,
            sender="cli",
            event="request_received",
            body="mo-boksitogorsky",
            at=dt.datetime(2021, 12, 28, 15, 0, tzinfo=MSK),
            ref="ЗАПРОС-1",
        )
        assert req.forwarded
        rows = _wait_for(event_items, lambda r: len(r) >= 3)
        assert sorted(rows) == sorted(
            [
                (f"event:{first['id']}", "committee", "lead", "2022-01-19"),
                (f"event:{req.id}", "committee", "lead", "2021-12-30"),
                (f"event:{req.id}", "mo-boksitogorsky", "co_executor", "2021-12-28"),
            ]
        ), rows

        # the same event again (same reference): recorded once, forwarded once, nothing new
        again = run(
            capsys,
            "event",
            "emit",
            "contract_signed",
            "--at",
            "2021-12-28T11:00:00+03:00",
            "--ref",
            "ГК-117",
            "--body",
            "committee",
            "--json",
        )
        assert again.code == 0, again.err
        assert (again.json()["status"], again.json()["id"]) == ("duplicate", first["id"])
        # unknown event, a body not allowed, a future date: refused, nothing recorded
        for args in (
            ("no_such_event",),
            ("contract_signed", "--body", "media"),
            ("contract_signed", "--at", (dt.datetime.now(MSK) + dt.timedelta(days=1)).isoformat()),
        ):
            refused = run(capsys, "event", "emit", *args, "--ref", "X-" + args[0])
            assert refused.code == 2, refused.err
        assert _events(event_items) == 2
        time.sleep(8)  # a replayed or refused event would have run by now
        assert sorted(_assignments(event_items)) == sorted(rows)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_http_endpoint_checks_token_event_and_payload(event_items, monkeypatch):
    senders = parse_senders(
        '{"procurement": {"token": "proc-token-0123456789", "events": ["contract_signed"]},'
        ' "edo": {"token": "edo-token-0123456789", "events": ["request_received"],'
        ' "bodies": ["committee"]}}'
    )
    import warnings

    with warnings.catch_warnings():  # Starlette prefers the httpx2 fork; the project has httpx
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    forwarded: list[int] = []
    api = FastAPI()
    api.include_router(
        events_router(
            lambda: App(load_settings()),
            senders=lambda: senders,
            forward=lambda row, _ev: forwarded.append(row.id),
        )
    )
    client = TestClient(api)
    ok = {"event": "contract_signed", "ref": "ГК-5", "at": "2022-03-01T10:00:00+03:00"}

    def post(body: dict, token: str | None = "proc-token-0123456789"):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.post("/api/events", json=body, headers=headers)

    assert post(ok, token=None).status_code == 401
    assert post(ok, token="wrong-token-0123456789").status_code == 401
    assert post({**ok, "event": "request_received"}).status_code == 403  # not its event
    assert post({**ok, "event": "nope"}).status_code == 422
    assert post({**ok, "at": "yesterday"}).status_code == 422
    assert post({**ok, "colour": "red"}).status_code == 422
    assert post({**ok, "body": "unknown-body"}).status_code == 422
    edo = "edo-token-0123456789"
    assert post({"event": "request_received", "ref": "1", "body": "loiro"}, edo).status_code == 403
    assert _events(event_items) == 0 and forwarded == []

    first = post(ok)
    assert first.status_code == 201, first.text
    replay = post(ok)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    conflict = post({**ok, "at": "2022-03-02T10:00:00+03:00"})
    assert conflict.status_code == 409
    assert _events(event_items) == 1 and forwarded == [first.json()["id"]]
