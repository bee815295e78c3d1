"""A real temporary Prefect server for the tests of this package (Prefect's own test harness)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import REPO

EVENTS = REPO / "examples" / "lenobl" / "events.yaml"
MSK = dt.timezone(dt.timedelta(hours=3))
PHRASES = {
    "1.3": "не позднее 10 рабочих дней со дня заключения контракта",  # committee (lead)
    "2.2": "в течение 10 дней с момента поступления запроса",  # committee + co-executors
}


@pytest.fixture(scope="package")
def prefect_server() -> Iterator[str]:
    """Started once for tests/prefect and stopped after them: its threads must not outlive the
    package (they use the global ``random``, which Hypothesis watches in later tests)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def seeded(kontrol_env: str, capsys: pytest.CaptureFixture[str], seed_path, directory_path) -> str:
    """A database with the seed imported against the example directory."""
    from tests.cli_runner import run

    result = run(capsys, "import", str(seed_path), "--directory", str(directory_path), "--strict")
    assert result.code == 0, result.err
    return kontrol_env


@pytest.fixture
def event_items(seeded: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The seed with 1.3 and 2.2 counted from events, and the catalogue configured."""
    from sqlalchemy import create_engine, select, update
    from sqlalchemy.orm import Session

    from kontrol.models import Item
    from kontrol.obligations import sync_obligations

    monkeypatch.setenv("KONTROL_EVENTS", str(EVENTS))
    with Session(create_engine(seeded)) as s, s.begin():
        for number, phrase in PHRASES.items():
            s.execute(update(Item).where(Item.number == number).values(schedule_text=phrase))
        roadmap_id = s.scalar(select(Item.roadmap_id).limit(1))
        sync_obligations(s, roadmap_id)
    return seeded


DEAD_API = "http://127.0.0.1:9/api"  # nothing listens there: a real refused connection


def prefect_down() -> Any:
    """Settings under which forwarding to Prefect really fails (connection refused)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings({PREFECT_API_URL: DEAD_API})


class Prefect:
    """The forwarding of the events API in a test: to the test server, or — ``up = False`` —
    to a port where nothing listens. The URL is taken here, in the test's thread: the API
    runs the forwarding in a worker thread, which does not see the test's settings."""

    def __init__(self, *, up: bool = True) -> None:
        from prefect.settings import PREFECT_API_URL

        self.url, self.up, self.calls = str(PREFECT_API_URL.value()), up, 0

    def __call__(self, row: Any, event: Any) -> None:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from kontrol.events import forward_to_prefect

        self.calls += 1
        with temporary_settings({PREFECT_API_URL: self.url if self.up else DEAD_API}):
            forward_to_prefect(row, event)


SENDERS = (
    '{"procurement": {"token": "proc-token-0123456789", "events": ["contract_signed"]},'
    ' "edo": {"token": "edo-token-0123456789", "events": ["request_received", "appeal_received"],'
    ' "bodies": ["committee"]}}'
)


def events_client(forward: Any, now: dt.datetime | None = None) -> Any:
    """A client of ``POST /api/events`` (senders ``procurement`` and ``edo``); ``now`` fixes
    the clock of every request."""
    import warnings

    from fastapi import FastAPI

    from kontrol.context import App
    from kontrol.events import parse_senders
    from kontrol.events_api import events_router
    from kontrol.settings import load_settings

    with warnings.catch_warnings():  # Starlette prefers the httpx2 fork; the project has httpx
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    senders = parse_senders(SENDERS)
    api = FastAPI()
    api.include_router(
        events_router(
            (lambda: App(load_settings(), now=now)) if now else (lambda: App(load_settings())),
            senders=lambda: senders,
            forward=forward,
        )
    )
    return TestClient(api)


def in_prefect(event_id: str, timeout: float = 60) -> bool:
    """Whether the Prefect server has stored the event (its event writer works in batches)."""
    import time
    import uuid

    from prefect import get_client
    from prefect.events.filters import EventFilter, EventIDFilter

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            wanted = EventFilter(id=EventIDFilter(id=[uuid.UUID(event_id)]))
            page = client.read_events(wanted, limit=10)
            if page.total:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)


def db_rows(url: str, statement: Any) -> list[Any]:
    """What ``statement`` selects (ORM objects detached), on an engine that is closed after:
    a property test reads hundreds of times, and PostgreSQL's connections are few."""
    from sqlalchemy.orm import Session

    from kontrol.models.db import make_engine

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            rows = list(s.execute(statement))
            s.expunge_all()
            return [row[0] if len(row) == 1 else tuple(row) for row in rows]
    finally:
        engine.dispose()
