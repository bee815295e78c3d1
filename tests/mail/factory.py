"""Rows for mail tests: the seed's committee, units and institute, one roadmap, a few items.

Names and e-mails follow examples/lenobl/directory.yaml (reserved example domains).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kontrol.mail.message import message_id_for
from kontrol.models import (
    Assignment,
    Body,
    Item,
    ItemExecutor,
    Obligation,
    OutboxContent,
    OutboxMessage,
    Roadmap,
)
from kontrol.models.db import make_engine, migrate, session_factory
from kontrol.settings import Settings

NOW = dt.datetime(2021, 1, 11, 6, 0, tzinfo=dt.UTC)


@dataclass
class World:
    engine: Engine
    sessions: sessionmaker[Session]
    roadmap_id: int = 0
    items: dict[str, int] = field(default_factory=dict)
    obligations: dict[str, int] = field(default_factory=dict)
    assignments: list[int] = field(default_factory=list)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session


def settings_for(port: int, **extra: object) -> Settings:
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_tls": "none",
        "mail_from": "kontrol@edu.lenobl.example",
        "portal_base_url": "https://kontrol.edu.lenobl.example",
        "secret_key": "mail-test-secret-0123456789-abcdefghij",
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


BODIES = [
    (
        "deputy-chair",
        "Заместитель председателя комитета общего и профессионального образования "
        "Ленинградской области",
        "official",
        ["deputy-chair@edu.lenobl.example"],
        None,
    ),
    (
        "dept-general",
        "Отдел общего и дополнительного образования",
        "unit",
        ["general@edu.lenobl.example"],
        "deputy-chair",
    ),
    (
        "committee",
        "Комитет общего и профессионального образования Ленинградской области",
        "committee",
        ["office@edu.lenobl.example"],
        "deputy-chair",
    ),
    (
        "loiro",
        "ГАОУ ДПО «Ленинградский областной институт развития образования»",
        "institution",
        ["loiro@loiro.example", "priemnaya@loiro.example"],
        "dept-general",
    ),
    (
        "mo-luga",
        "Пример: комитет образования администрации Лужского муниципального района",
        "municipal",
        ["edu@luga.example"],
        "dept-general",
    ),
]


def make_world(db_url: str) -> World:
    engine = make_engine(db_url)
    migrate(engine)
    world = World(engine, session_factory(engine))
    with world.transaction() as s:
        for body_id, name, kind, emails, up in BODIES:
            s.add(
                Body(
                    id=body_id,
                    name=name,
                    kind=kind,
                    aliases=[],
                    emails=emails,
                    escalates_to_id=up,
                    example=True,
                )
            )
            s.flush()
        roadmap = Roadmap(
            kind="распоряжение",
            number="1302-б",
            adopted_on=dt.date(2020, 7, 27),
            authority="Комитет общего и профессионального образования Ленинградской области",
            title="Об утверждении плана мероприятий («дорожной карты») по развитию системы "
            "профориентационной работы",
            plan_title="План мероприятий",
            horizon_year=2030,
            source_name="seed.txt",
            source_sha256="0" * 64,
            encoding="utf-8",
            controller_position=None,
            controller_person=None,
            controller_body_id="deputy-chair",
            imported_at=NOW,
            updated_at=NOW,
        )
        s.add(roadmap)
        s.flush()
        world.roadmap_id = roadmap.id
    add_item(
        world,
        "3.1.2",
        "Создание регионального «ресурсного центра» методического "
        "обеспечения и координации деятельности организаций",
        ["committee", "loiro"],
    )
    return world


def add_item(
    world: World,
    number: str,
    title: str,
    executors: list[str],
    *,
    flags: list[str] | None = None,
    label: str | None = None,
) -> int:
    """An activity item with one obligation; returns the obligation id."""
    with world.transaction() as s:
        item = Item(
            roadmap_id=world.roadmap_id,
            number=number,
            position=len(world.items) + 1,
            kind="activity",
            title=title,
            schedule_text="1 квартал 2021 г.",
            executors_text=", ".join(executors),
            source_lines=[1],
        )
        s.add(item)
        s.flush()
        for pos, body_id in enumerate(executors):
            s.add(
                ItemExecutor(
                    item_id=item.id,
                    position=pos,
                    body_id=body_id,
                    role="lead" if pos == 0 else "co_executor",
                )
            )
        ob = Obligation(
            item_id=item.id,
            phase_index=0,
            label=label,
            kind="once",
            frequency=None,
            flags=flags or [],
        )
        s.add(ob)
        s.flush()
        world.items[number] = item.id
        world.obligations[number] = ob.id
        return ob.id


def add_assignment(
    world: World,
    number: str,
    body_id: str,
    *,
    period: tuple[dt.date, dt.date] = (dt.date(2021, 1, 1), dt.date(2021, 3, 31)),
    due_on: dt.date = dt.date(2021, 3, 31),
    role: str | None = None,
    key: str | None = None,
) -> int:
    with world.transaction() as s:
        a = Assignment(
            obligation_id=world.obligations[number],
            occurrence_key=key or f"{period[0]:%Y-%m}-{len(world.assignments)}",
            body_id=body_id,
            role=role or ("lead" if body_id == "committee" else "co_executor"),
            period_start=period[0],
            period_end=period[1],
            issue_on=period[0],
            original_due_on=due_on,
            due_on=due_on,
            status="issued",
            issued_at=NOW,
            issued_by="test",
        )
        s.add(a)
        s.flush()
        world.assignments.append(a.id)
        return a.id


def enqueue_every_kind(world: World, settings: Settings) -> dict[str, int]:
    """One mail of each kind for realistic rows; returns kind → outbox id."""
    from kontrol.mail.digest import NEW
    from kontrol.mail.mailer import Mailer
    from kontrol.oversight import Overdue

    add_item(
        world,
        "3.2.4",
        "Организация и проведение родительского всеобуча по вопросам профессиональной ориентации",
        ["committee", "mo-luga", "loiro"],
        flags=["по отдельному плану"],
    )
    lead = add_assignment(world, "3.1.2", "committee", role="lead")
    co = add_assignment(
        world,
        "3.2.4",
        "mo-luga",
        period=(dt.date(2020, 7, 27), dt.date(2020, 12, 31)),
        due_on=dt.date(2020, 12, 24),
    )
    late = add_assignment(world, "3.2.4", "loiro", due_on=dt.date(2020, 12, 30))
    ids: dict[str, int] = {}
    mailer = Mailer.of(settings)
    with world.transaction() as s:
        a_lead, a_co, a_late = (s.get(Assignment, i) for i in (lead, co, late))
        assert a_lead and a_co and a_late
        # the supervisor's mail: mo-luga's assignment became overdue today (it escalates to
        # dept-general), ЛОИРО's was escalated to dept-general as its curator
        lines = [
            Overdue(a_co, 2, frozenset({"overdue"}), "overdue").line({NEW}),
            Overdue(a_late, 7, frozenset({"overdue", "curator"}), "curator").line({"curator"}),
        ]
        rows = {
            "assignment_issued": mailer.assignment_issued(s, a_co, now=NOW),
            "reminder": mailer.reminder(s, a_lead, days_left=1, now=NOW),
            "overdue_notice": mailer.overdue_notice(s, a_late, days_overdue=3, now=NOW),
            "supervisor_digest": mailer.digest(
                s,
                s.get(Body, "dept-general"),  # type: ignore[arg-type]
                as_of=NOW.date(),
                lines=lines,
                news=lines,
                weekly=False,
                now=NOW,
            ),
        }
        old_due = a_lead.due_on
        a_lead.due_on = dt.date(2021, 4, 30)
        rows["extension_decision"] = mailer.extension_decision(
            s,
            a_lead,
            approved=True,
            old_due_on=old_due,
            decision_key="request-1",
            comment="Продлить в связи с поздним поступлением данных",
            now=NOW,
        )
        for kind, row in rows.items():
            assert row is not None, kind
            ids[kind] = row.id
    return ids


def legacy_row(
    session: Session,
    *,
    key: str,
    kind: str,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    now: dt.datetime,
) -> OutboxMessage:
    """A row as an earlier version wrote some mails (the portal's, the annual report's, the
    weekly summaries): without its bytes, to be built when sent."""
    row = OutboxMessage(
        key=key,
        kind=kind,
        to_addrs=to,
        cc_addrs=[],
        subject=subject,
        message_id=message_id_for(key),
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    row.content = OutboxContent(body_text=text, body_html=html, attachments=[])
    session.add(row)
    session.flush()
    return row
