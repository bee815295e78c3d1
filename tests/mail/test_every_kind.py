"""Every kind of mail, written through the code that writes it in production, is built whole
when its row is written: a delivery killed halfway and run again sends, for every kind, exactly
the stored bytes. And the registry of kinds and the templates folder agree."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from kontrol.config import Rules
from kontrol.context import App
from kontrol.event_issuing import issue_event
from kontrol.events import accept_event
from kontrol.flows.monitoring import monitoring
from kontrol.issuing import issue
from kontrol.mail.delivery import deliver_pending
from kontrol.mail.kinds import KINDS, STEMS
from kontrol.mail.mailer import Mailer
from kontrol.mail.render import TEMPLATES
from kontrol.mail.reply_message import read_message
from kontrol.mail.sink import start_sink
from kontrol.models import Assignment, Item, OutboxMessage
from kontrol.models.db import make_engine, session_factory
from kontrol.models.report import Report
from kontrol.obligations import sync_obligations
from kontrol.portal import service, tokens
from kontrol.portal.replies import Desk, handle
from kontrol.portal.reply_fetch import write_answer
from kontrol.roadmap.events import load_events
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.workcalendar import WorkCalendar
from kontrol.scratch import scratch_import
from kontrol.settings import Settings
from kontrol.sweep import run_sweep, transactions
from tests.conftest import DIRECTORY, REPO, SEED
from tests.mail.conftest import Recorder, kill_mid_run
from tests.mail.factory import settings_for

MSK = ZoneInfo("Europe/Moscow")
RULES = Rules(Policy(), WorkCalendar())
EVENTS = REPO / "examples" / "lenobl" / "events.yaml"
CONTRACT = "не позднее 10 рабочих дней со дня заключения контракта"  # item 1.3, the committee


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=MSK)


def test_the_registry_and_the_templates_folder_agree() -> None:
    """Every registered kind has its triple; every template is a kind's or a shared partial."""
    triples = {f"{stem}.{part}" for stem in STEMS for part in ("subject.txt", "txt", "html")}
    files = {p.name for p in Path(str(TEMPLATES)).iterdir() if p.is_file()}
    assert triples <= files, sorted(triples - files)
    assert {f for f in files - triples if not f.startswith("_")} == set()
    assert {kind.stem for kind in KINDS.values()} == set(STEMS)
    for kind in KINDS.values():
        assert kind.name and kind.written_by and callable(kind.compose), kind


class Written:
    """The outbox rows each step wrote, by the registry's name of their kind."""

    def __init__(self, app: App) -> None:
        self.app, self.last = app, 0
        self.names: dict[int, str] = {}

    def step(self, name: str | None = None) -> list[OutboxMessage]:
        """The rows written since the last step, all of kind ``name`` (if given)."""
        with self.app.reading() as s:
            rows = list(
                s.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.id > self.last)
                    .order_by(OutboxMessage.id)
                )
            )
        if rows:
            self.last = rows[-1].id
        if name is not None:
            assert rows, name
            for row in rows:
                assert row.kind == KINDS[name].stem, (name, row.key)
                self.names[row.id] = name
        return rows


def _grant(
    a: Assignment, body_id: str, purpose: str = "view", ref: int | None = None
) -> tokens.Grant:
    """What a checked link gives (the portal's routes check the token, then call the service)."""
    return tokens.Grant(a.id, body_id, f"t-{purpose}-{a.id}", purpose, ref)


def _portal(app: App, written: Written, tmp_path: Path) -> None:
    """The executors ask for more time and report; the curator decides on each."""

    def ctx(grant: tokens.Grant, day: dt.date) -> service.Context:
        return service.Context(app.settings, RULES, at(day), grant)

    with app.reading() as s:
        issued = s.scalars(select(Assignment).where(Assignment.occurrence_key == "2021-Q1"))
        by_role = {a.role: a for a in issued}
    lead, co = by_role["lead"], by_role["co_executor"]
    day = dt.date(2021, 2, 1)
    decisions = (
        (co, "2021-04-30", "approve", "extension_approved"),
        (lead, "2021-04-15", "reject", "extension_refused"),
    )
    for a, later, purpose, name in decisions:
        with app.transaction() as s:
            _, req = service.request_extension(s, ctx(_grant(a, a.body_id), day), later, "Данные")
            grant = _grant(a, str(req.curator_body_id), purpose, req.id)
        written.step("extension_request")
        with app.transaction() as s:
            service.decide_extension(s, ctx(grant, day), "Решение куратора")
        written.step(name)
    with app.transaction() as s:
        grant = _grant(lead, lead.body_id)
        service.submit_report(s, ctx(grant, day), "Сделано", [], upload_dir=tmp_path / "uploads")
    written.step("report_review")
    with app.transaction() as s:
        report = s.scalars(select(Report)).one()
        assert report.reviewer_body_id is not None
        grant = _grant(lead, report.reviewer_body_id, "return", report.id)
        service.review_report(s, ctx(grant, day), "Нет приложения")
    written.step("report_returned")


def _reply(app: App, written: Written) -> None:
    """A reply by mail that cannot be taken (a later date asked for, none named): its sender,
    the lead's own address, gets the short answer."""
    settings = dataclasses.replace(app.settings, imap_host="imap.example.org")
    now = at(dt.date(2021, 2, 2))
    with app.transaction() as s:
        lead = s.scalars(select(Assignment).where(Assignment.role == "lead")).first()
        assert lead is not None
        desk = Desk.of(s, settings, RULES)
        raw = (
            f"From: {lead.body.emails[0]}\r\nTo: {desk.replies.address(lead.id, lead.body_id)}"
            "\r\nSubject: Re: поручение\r\nMessage-ID: <r1@school.example.org>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nПрошу продлить срок.\r\n"
        ).encode()
        msg = read_message(raw)
        write_answer(s, desk, msg, handle(s, desk, msg, now=now), now)
    written.step("reply_answer")


def _sweep(app: App, written: Written) -> None:
    """Working days around the lead's due date (31.03.2021): reminders, the overdue notice,
    the supervisors' digests, and on Monday 05.04 the week's summary."""
    mailer = Mailer.of(app.settings)
    names = {
        "reminder": "reminder",
        "overdue_notice": "overdue_notice",
        "digest": "supervisor_digest",
        "weekly": "weekly_summary",
    }
    units = transactions(session_factory(app.engine))
    day = dt.date(2021, 3, 22)
    while day <= dt.date(2021, 4, 6):
        report = run_sweep(units, as_of=day, rules=RULES, mailer=mailer, now=at(day, 9), actor="t")
        keys = {a.mail_key: names[a.kind] for a in report.actions if a.mail_key}
        for row in written.step():
            written.names[row.id] = keys[row.key]
        day += dt.timedelta(days=1)


def _event(app: App, written: Written) -> None:
    """Item 1.3 counted from a signed contract: the event is recorded, its occurrence issued."""
    catalogue = load_events(EVENTS)
    with app.transaction() as s:
        s.execute(update(Item).where(Item.number == "1.3").values(schedule_text=CONTRACT))
        sync_obligations(s, s.scalars(select(Item.roadmap_id)).first())
    accepted = accept_event(
        app,
        catalogue,
        RULES.policy,
        sender="cli",
        event="contract_signed",
        body="committee",
        at=at(dt.date(2021, 3, 1)),
        ref="ГК-1",
        forward=lambda row, event: None,
    )
    issue_event(app, None, "1.3", str(accepted.id), catalogue=catalogue, actor="test")
    written.step("assignment_issued")


def _retire(app: App, written: Written) -> None:
    """The decree declared void: each executor still owing something is told once."""
    from kontrol.models import Roadmap
    from kontrol.retirement import declare_void

    day = dt.date(2022, 2, 1)
    with app.transaction() as s:
        declare_void(
            s,
            s.scalars(select(Roadmap)).one(),
            on=day,
            reason="распоряжение от 01.02.2022 № 1",
            today=day,
            now=app.now,
            mailer=Mailer.of(app.settings),
            actor="test",
        )
    written.step("roadmap_retired")


def _write_every_kind(settings: Settings, tmp_path: Path) -> dict[int, str]:
    """One mail (at least) of every registered kind, each through the code that writes it."""
    scratch_import(settings.database_url, SEED, DIRECTORY, at(dt.date(2021, 1, 11)))
    app = App(settings, now=at(dt.date(2021, 1, 11)))
    written = Written(app)
    issue(app, None, "3.1.2", period="2021-Q1", on=None, actor="test")
    written.step("assignment_issued")
    _portal(app, written, tmp_path)
    _reply(app, written)
    _event(App(settings, now=at(dt.date(2021, 3, 1))), written)
    _sweep(app, written)
    monitoring(
        App(settings, now=at(dt.date(2022, 2, 1))), RULES, year=2021, as_of=dt.date(2022, 2, 1)
    )
    written.step("annual_report")
    _retire(App(settings, now=at(dt.date(2022, 2, 1))), written)
    app.engine.dispose()
    return written.names


def test_every_kind_is_sent_as_the_bytes_stored_when_it_was_written(
    db_url: str, tmp_path: Path
) -> None:
    recorder = Recorder()
    with start_sink(handler=recorder) as smtp:
        settings = settings_for(smtp.port, database_url=db_url)
        names = _write_every_kind(settings, tmp_path)
        assert set(names.values()) == set(KINDS), set(KINDS) - set(names.values())
        engine = make_engine(db_url)
        sessions = session_factory(engine)
        with sessions() as s:
            rows = {r.message_id: r for r in s.scalars(select(OutboxMessage))}
        assert len(rows) == len(names)
        assert all(r.raw is not None and r.status == "pending" for r in rows.values())

        # killed halfway, then run again once the killed run's leases have run out
        recorder.hold_at = len(rows) // 2
        start = at(dt.date(2022, 2, 2))
        kill_mid_run(sessions, settings, recorder, now=start)
        assert 0 < len(recorder.received) < len(rows)
        again = asyncio.run(
            deliver_pending(sessions, settings, now=start + dt.timedelta(seconds=301))
        )
        with sessions() as s:
            states = Counter(s.scalars(select(OutboxMessage.status)))
        engine.dispose()
    assert states == {"sent": len(rows)}, (states, again)
    received = Counter(str(m["Message-ID"]) for m in recorder.messages())
    assert set(received) == set(rows)
    by_kind: Counter[str] = Counter()
    for (_, _, data), message in zip(recorder.received, recorder.messages(), strict=True):
        row = rows[str(message["Message-ID"])]
        assert data == row.raw, (names[row.id], row.key)
        by_kind[names[row.id]] += 1
    assert set(by_kind) == set(KINDS)
