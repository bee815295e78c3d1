"""One event, one row — even from two sessions at once; no text can forge a header."""

from __future__ import annotations

import threading
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kontrol.mail import outbox
from kontrol.mail.mailer import Mailer
from kontrol.mail.outbox import Letter, Postmark
from kontrol.mail.render import Rendered
from kontrol.mail.sink import SinkHandle
from kontrol.models import Assignment, Body, Item, OutboxContent, OutboxMessage
from kontrol.settings import Settings
from tests.mail.conftest import Recorder, deliver
from tests.mail.factory import NOW, World, add_assignment

POSTMARK = Postmark("kontrol@example.org", ZoneInfo("Europe/Moscow"))


def enqueue_plain(session, key: str):  # type: ignore[no-untyped-def]
    return outbox.enqueue(
        session,
        Letter(
            key=key,
            kind="assignment_issued",
            to=["a@example.org"],
            rendered=Rendered("Тема", "текст", "<p>текст</p>"),
        ),
        postmark=POSTMARK,
        now=NOW,
    )


def count_rows(world: World) -> int:
    with world.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def test_enqueue_twice_with_the_same_key_is_one_row(world: World) -> None:
    with world.transaction() as s:
        first = enqueue_plain(s, "issued:1")
        second = enqueue_plain(s, "issued:1")
        assert first is not None and second is None
        assert first.message_id.startswith("<outbox-") and first.status == "pending"
    with world.transaction() as s:
        assert enqueue_plain(s, "issued:1") is None
    assert count_rows(world) == 1


def test_the_helpers_are_idempotent_per_event(world: World, settings: Settings) -> None:
    aid = add_assignment(world, "3.1.2", "loiro")
    for _ in range(2):
        with world.transaction() as s:
            a = s.get(Assignment, aid)
            assert a is not None
            Mailer.of(settings).assignment_issued(s, a, now=NOW)
            Mailer.of(settings).reminder(s, a, days_left=5, now=NOW)
    assert count_rows(world) == 2


def test_two_sessions_enqueueing_at_once_make_one_row(world: World) -> None:
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with world.sessions() as s, s.begin():
                barrier.wait(30)
                results.append(enqueue_plain(s, "reminder-5:7:2021-03-31"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(r is not None for r in results) == 1
    assert count_rows(world) == 1


def test_a_body_without_e_mail_leaves_a_failed_row(world: World) -> None:
    with world.transaction() as s:
        row = outbox.enqueue(
            s,
            Letter(key="x", kind="reminder", to=[], rendered=Rendered("s", "t", "h")),
            postmark=POSTMARK,
            now=NOW,
        )
        assert row is not None and row.status == "failed"
        assert row.last_error == "no e-mail address for the recipient"


def test_text_with_line_breaks_cannot_add_headers(
    world: World, settings: Settings, smtp: SinkHandle, recorder: Recorder
) -> None:
    evil = "\r\nBcc: evil@example.com\r\nX-Evil: 1"
    aid = add_assignment(world, "3.1.2", "loiro")
    with world.transaction() as s:
        body = s.get(Body, "loiro")
        assert body is not None
        body.name = f"Школа № 1{evil}"
        body.short_name = None
        up = s.get(Body, "dept-general")
        assert up is not None
        up.short_name = f"Отдел{evil}"
        item = s.scalars(select(Item).where(Item.number == "3.1.2")).one()
        item.title = f"Мероприятие{evil}"
        s.flush()
        a = s.get(Assignment, aid)
        assert a is not None
        Mailer.of(settings).assignment_issued(s, a, now=NOW)
    assert deliver(world, settings).sent == 1
    ((_, rcpts, data),) = recorder.received
    assert "evil@example.com" not in rcpts
    (msg,) = recorder.messages()
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    head = data.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in head and b"\r\nX-Evil:" not in head
    assert "Bcc: evil@example.com" in msg["Subject"]  # harmless text on one line
    assert [a.addr_spec for a in msg["To"].addresses] == [
        "loiro@loiro.example",
        "priemnaya@loiro.example",
    ]


def letter(key: str, to: tuple[str, ...] = ("a@example.org",)) -> Letter:
    return Letter(
        key=key,
        kind="reminder",
        to=to,
        rendered=Rendered(f"Тема {key}", f"текст {key}", f"<p>текст {key}</p>"),
    )


def test_many_mails_in_one_call_answer_in_their_order_and_skip_keys_already_there(
    world: World,
) -> None:
    with world.transaction() as s:
        assert enqueue_plain(s, "k2") is not None
    letters = [letter("k1"), letter("k2"), letter("k3"), letter("k1"), letter("k4", to=())]
    with world.transaction() as s:
        rows = outbox.enqueue_many(s, letters, postmark=POSTMARK, now=NOW)
        assert [r.key if r else None for r in rows] == ["k1", None, "k3", None, "k4"]
        assert [r.status if r else None for r in rows] == [
            "pending",
            None,
            "pending",
            None,
            "failed",
        ]
        ids = {r.key: r.id for r in rows if r}
    with world.transaction() as s:
        stored = {
            m.key: (m.id, m.subject, m.content.body_text, m.content.raw is not None)
            for m in s.scalars(select(OutboxMessage))
        }
    assert {k: v[0] for k, v in stored.items() if k != "k2"} == ids
    assert stored["k1"][1:] == ("Тема k1", "текст k1", True)
    assert stored["k3"][1:] == ("Тема k3", "текст k3", True)
    assert stored["k2"][1] == "Тема"  # the row there before is left as it was


def test_a_long_call_spans_several_statements_and_every_row_gets_its_own_words(
    world: World,
) -> None:
    letters = [letter(f"bulk:{i}") for i in range(1_200)]
    with world.transaction() as s:
        rows = outbox.enqueue_many(s, letters, postmark=POSTMARK, now=NOW)
        assert all(r is not None for r in rows)
        by_id = {r.id: r.key for r in rows if r}
    assert len(by_id) == 1_200
    with world.transaction() as s:
        for m in s.scalars(select(OutboxMessage)):
            assert by_id[m.id] == m.key
            assert m.content.body_text == f"текст {m.key}"
            assert m.content.raw is not None and m.message_id.encode() in m.content.raw


def test_a_row_written_without_its_bytes_keeps_its_words_and_is_sent_whole(
    world: World, settings: Settings, recorder: Recorder
) -> None:
    """``Postmark.build=False`` (the simulation's scratch outbox): the row has its subject,
    texts and calendar file but no message; delivery builds it when it sends it."""
    aid = add_assignment(world, "3.1.2", "loiro")
    mailer = Mailer.of(settings)
    unsent = replace(mailer, postmark=replace(mailer.postmark, build=False))
    with world.transaction() as s:
        a = s.get(Assignment, aid)
        assert a is not None
        row = unsent.assignment_issued(s, a, now=NOW)
        assert row is not None and row.status == "pending"
        row_id = row.id
    with world.transaction() as s:
        content = s.get(OutboxContent, row_id)
        assert content is not None and content.raw is None
        assert "3.1.2" in content.body_text and content.attachments[0]["filename"].endswith(".ics")
    assert deliver(world, settings).sent == 1
    [message] = recorder.messages()
    assert message["Subject"] == row.subject
    assert [part.get_filename() for part in message.iter_attachments()] == [f"assignment-{aid}.ics"]
