"""Every kind goes through a real SMTP server and reads back as it was meant."""

from __future__ import annotations

import datetime as dt
import email
from email.header import decode_header, make_header

import icalendar

from kontrol.mail.links import read_token
from kontrol.mail.sink import SinkHandle
from kontrol.models import OutboxMessage
from kontrol.settings import Settings
from tests.mail.conftest import Recorder, deliver
from tests.mail.factory import World, enqueue_every_kind


def test_every_kind_is_delivered_and_reads_back(
    world: World, settings: Settings, smtp: SinkHandle, recorder: Recorder
) -> None:
    ids = enqueue_every_kind(world, settings)
    stats = deliver(world, settings)
    assert (stats.sent, stats.retried, stats.failed) == (len(ids), 0, 0)
    with world.transaction() as s:
        rows = {kind: s.get(OutboxMessage, i) for kind, i in ids.items()}
        assert all(r is not None and r.status == "sent" for r in rows.values())
        by_id = {r.message_id: r for r in rows.values() if r is not None}

    messages = {str(m["Message-ID"]): m for m in recorder.messages()}
    assert set(messages) == set(by_id)
    for message_id, msg in messages.items():
        row = by_id[message_id]
        assert msg["Subject"] == row.subject
        assert msg.get_content_type() in ("multipart/alternative", "multipart/mixed")
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        assert plain is not None and html is not None
        assert plain.get_content().replace("\r\n", "\n") == row.body_text
        assert "<!DOCTYPE html>" in html.get_content()
        assert msg["List-Id"] == "<roadmap-1302-b.kontrol>"
        assert msg["From"].addresses[0].addr_spec == "kontrol@edu.lenobl.example"
        if row.assignment_id is not None:
            assert msg["X-Kontrol-Assignment"] == str(row.assignment_id)
        if row.kind == "supervisor_digest":  # read-only, naming the supervisor
            from kontrol.mail.links import OVERVIEW, serializer

            assert settings.portal_base_url + "/a/" not in plain.get_content()
            token = plain.get_content().split(settings.portal_base_url + "/o/")[1].split()[0]
            assert serializer(settings.secret_key, OVERVIEW).loads(token) == [row.recipient_body_id]
        else:
            token = plain.get_content().split(settings.portal_base_url + "/a/")[1].split()[0]
            assignment_id, _body = read_token(token, secret_key=settings.secret_key)
            assert assignment_id == row.assignment_id

    issued = messages[rows["assignment_issued"].message_id]  # type: ignore[union-attr]
    row = rows["assignment_issued"]
    assert row is not None
    assert issued["Subject"].startswith("Поручение: п. 3.2.4 Организация и проведение")
    to = [a.addr_spec for a in issued["To"].addresses]
    assert to == ["edu@luga.example"]
    raw = next(
        email.message_from_bytes(data)  # compat32: header values as sent
        for _, _, data in recorder.received
        if row.message_id.encode() in data
    )
    assert str(make_header(decode_header(raw["To"]))) == (
        "Пример: комитет образования администрации Лужского муниципального района "
        "<edu@luga.example>"
    )
    assert issued["Reply-To"].addresses[0].addr_spec == "general@edu.lenobl.example"
    attachments = list(issued.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"assignment-{row.assignment_id}.ics"]
    assert attachments[0].get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(attachments[0].get_content())
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"assignment-{row.assignment_id}@kontrol"
    assert event.decoded("DTSTART") == dt.date(2020, 12, 24)
    assert settings.portal_base_url + "/a/" in str(event["URL"])

    overdue = messages[rows["overdue_notice"].message_id]  # type: ignore[union-attr]
    assert overdue["Cc"] is None  # the supervisor hears of it in their digest, without the link
    assert [a.addr_spec for a in overdue["To"].addresses] == [
        "loiro@loiro.example",
        "priemnaya@loiro.example",
    ]
    assert "О просрочке сообщено: Отдел общего" in overdue.get_body(("plain",)).get_content()

    extension = messages[rows["extension_decision"].message_id]  # type: ignore[union-attr]
    (att,) = list(extension.iter_attachments())
    (event,) = icalendar.Calendar.from_ical(att.get_content()).walk("VEVENT")
    assert event.decoded("DTSTART") == dt.date(2021, 4, 30)
    assert int(event["SEQUENCE"]) == 1

    digest = messages[rows["supervisor_digest"].message_id]  # type: ignore[union-attr]
    assert [a.addr_spec for a in digest["To"].addresses] == ["general@edu.lenobl.example"]
    assert digest["Subject"].startswith("Просрочено 2 поручения")


def test_a_long_russian_subject_keeps_its_spaces(
    world: World, settings: Settings, smtp: SinkHandle, recorder: Recorder
) -> None:
    enqueue_every_kind(world, settings)
    deliver(world, settings)
    for msg in recorder.messages():
        assert "  " not in msg["Subject"]
        for word in msg["Subject"].split():
            assert len(word) < 40, msg["Subject"]


def test_a_second_run_sends_nothing_more(
    world: World, settings: Settings, smtp: SinkHandle, recorder: Recorder
) -> None:
    ids = enqueue_every_kind(world, settings)
    deliver(world, settings)
    again = deliver(world, settings, now=dt.datetime(2021, 2, 1, tzinfo=dt.UTC))
    assert (again.sent, again.retried, again.failed) == (0, 0, 0)
    assert len(recorder.received) == len(ids)
