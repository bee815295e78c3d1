"""The seed imported, item 3.1.2 (1 квартал 2021) issued, and the portal app on that database.

Item 3.1.2: the committee is the lead, the institute (ЛОИРО) a co-executor; neither has a
curator up its escalates_to chain, so both go to the roadmap's first curator (dept-general).
The clock is injected and can be moved (``env.clock.now = …``); Prefect events are recorded.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from kontrol.config import Rules
from kontrol.events import Forward
from kontrol.importing import import_roadmap
from kontrol.issuing import issue_occurrence, obligation_occurrences
from kontrol.lookup import obligation_by_key, roadmap_by_number
from kontrol.mail.mailer import Mailer
from kontrol.models import Assignment, AuditEvent, OutboxMessage
from kontrol.models.db import make_engine, migrate, session_factory
from kontrol.models.report import Attachment, ExtensionRequest, Report
from kontrol.obligations import is_referenced, sync_obligations
from kontrol.portal import tokens
from kontrol.portal.app import create_app
from kontrol.portal.pages import PortalSettings
from kontrol.roadmap.directory import load_directory
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.reader import read_document
from kontrol.roadmap.workcalendar import WorkCalendar
from kontrol.settings import Settings
from tests.conftest import DIRECTORY, SEED

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 fork for its TestClient; httpx is what the project has.
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from starlette.testclient import TestClient

MSK = ZoneInfo("Europe/Moscow")
RULES = Rules(Policy(), WorkCalendar())
KEY = "portal-test-secret-0123456789-abcdefghij"
ISSUED_AT = dt.datetime(2021, 1, 11, 9, 0, tzinfo=MSK)
TODAY = dt.datetime(2021, 2, 1, 10, 0, tzinfo=MSK)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class PortalEnv:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    settings: Settings
    upload_dir: Path
    clock: Clock
    lead: int
    co: int
    client: TestClient
    events: list[tuple[str, dict[str, str], list[dict[str, str]], dict[str, Any]]] = field(
        default_factory=list
    )

    def token(self, assignment_id: int, body_id: str | None = None) -> str:
        """A view link signed at the current clock (as a mail sent now would carry)."""
        with self.sessions() as s:
            a = s.get(Assignment, assignment_id)
            assert a is not None
            body = body_id or a.body_id
        return tokens.view_token(assignment_id, body, secret_key=KEY, clock=self.clock)

    def assignment(self, assignment_id: int) -> Assignment:
        with self.sessions() as s:
            a = s.get(Assignment, assignment_id)
            assert a is not None
            s.expunge(a)
            return a

    def outbox(self, kind: str | None = None) -> list[OutboxMessage]:
        with self.sessions() as s:
            q = select(OutboxMessage).order_by(OutboxMessage.id)
            if kind:
                q = q.where(OutboxMessage.kind == kind)
            return list(s.scalars(q))

    def audit(self, assignment_id: int) -> list[AuditEvent]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.assignment_id == assignment_id)
                    .order_by(AuditEvent.id)
                )
            )

    def rows(self, model: Any) -> list[Any]:
        with self.sessions() as s:
            return list(s.scalars(select(model).order_by(model.id)))

    def snapshot(self) -> tuple[Any, ...]:
        """Everything an action could change: compared before and after a refused request."""
        with self.sessions() as s:
            counts = tuple(
                int(s.scalar(select(func.count()).select_from(m)) or 0)
                for m in (AuditEvent, OutboxMessage, Report, Attachment, ExtensionRequest)
            )
            states = tuple(
                s.execute(
                    select(
                        Assignment.id,
                        Assignment.status,
                        Assignment.due_on,
                        Assignment.completed_at,
                        Assignment.completion_note,
                    ).order_by(Assignment.id)
                ).all()
            )
            requests = tuple(s.execute(select(ExtensionRequest.id, ExtensionRequest.status)).all())
            reviews = tuple(s.execute(select(Report.id, Report.review_status)).all())
        files = tuple(sorted(str(p) for p in self.upload_dir.rglob("*") if p.is_file()))
        return counts, states, requests, reviews, files


def build_world(url: str, settings: Settings | None = None) -> tuple[Engine, int, int]:
    """Import the seed, add the portal's tables, issue 3.1.2 for 2021-Q1: (engine, lead, co)."""
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as s, s.begin():
        report = import_roadmap(
            s,
            read_document(SEED),
            load_directory(DIRECTORY),
            now=ISSUED_AT,
            update=False,
            strict=True,
            is_referenced=is_referenced,
        )
        sync_obligations(s, report.roadmap_id)
    settings = settings or settings_for(url, Path("unused"))
    with Session(engine) as s, s.begin():
        ob = obligation_by_key(s, roadmap_by_number(s), "3.1.2")
        occ = next(o for o in obligation_occurrences(ob, RULES) if o.key == "2021-Q1")
        result = issue_occurrence(
            s, ob, occ, rules=RULES, now=ISSUED_AT, actor="test", mailer=Mailer.of(settings)
        )
        by_role = {a.role: a.id for a in result.assignments}
    return engine, by_role["lead"], by_role["co_executor"]


def settings_for(url: str, upload_dir: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "secret_key": KEY,
        "portal_base_url": "https://kontrol.edu.lenobl.example",
        "upload_dir": upload_dir,
        "mail_from": "kontrol@edu.lenobl.example",
    }
    values.update(extra)
    return Settings(**values)


def make_env(
    url: str,
    tmp_path: Path,
    *,
    settings_extra: dict[str, Any] | None = None,
    forward: Forward | None = None,
    **config: Any,
) -> Iterator[PortalEnv]:
    engine, lead, co = build_world(url)
    upload_dir = tmp_path / "uploads"
    settings = settings_for(url, upload_dir, **(settings_extra or {}))
    clock = Clock(TODAY)
    events: list[Any] = []
    app = create_app(
        settings,
        now=clock,
        emit=lambda *event: events.append(event),
        config=PortalSettings(**config),
        rules=RULES,
        **({"forward": forward} if forward is not None else {}),
    )
    with TestClient(app, follow_redirects=False) as client:
        env = PortalEnv(
            url, engine, session_factory(engine), settings, upload_dir, clock, lead, co, client
        )
        env.events = events
        yield env
    app.state.portal.engine.dispose()
    engine.dispose()


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[PortalEnv]:
    yield from make_env(db_url, tmp_path)


def csrf_of(html: str, form_id: str) -> str:
    """The CSRF token of the form ``form_id`` in a page."""
    start = html.index(f'id="{form_id}"')
    marker = 'name="csrf" value="'
    at = html.index(marker, start) + len(marker)
    return html[at : html.index('"', at)]
