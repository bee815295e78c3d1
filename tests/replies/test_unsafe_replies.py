"""Replies that must change nothing: each is put in «rejected» (or handled as a bounce), and
gets a short answer only when its sender is an address of the directory and it is no
automatic mail (no answer to auto-replies and bounces: no mail loop)."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from kontrol.models import OutboxMessage
from tests.replies.conftest import PDF, Desk, dsn, snapshot

Make = Callable[[Desk], EmailMessage | bytes]


def _forged(desk: Desk) -> EmailMessage:
    to = f"kontrol+a{desk.lead}.{'a' * 26}@edu.lenobl.example"
    return desk.reply(desk.lead, "Исполнено.", to=to)


def _pointed_elsewhere(desk: Desk) -> EmailMessage:
    """The lead's signature on the co-executor's assignment number."""
    lead_tag = str(desk.issued(desk.lead).reply_to).split("+a", 1)[1].split("@")[0]
    to = f"kontrol+a{desk.co}.{lead_tag.split('.')[1]}@edu.lenobl.example"
    return desk.reply(
        desk.co, "Исполнено.", to=to, sender=str(desk.assignment(desk.co).body.emails[0])
    )


def _other_body(desk: Desk) -> EmailMessage:
    return desk.reply(desk.lead, "Исполнено.", sender=str(desk.assignment(desk.co).body.emails[0]))


CASES: dict[str, tuple[Make, str, bool]] = {
    # name: (the message, the words of its reason, whether its sender is answered)
    "stranger": (
        lambda d: d.reply(d.lead, "Исполнено.", sender="someone@example.com"),
        "не указан в справочнике",
        False,
    ),
    "another body's address": (_other_body, "не указан в справочнике", True),
    "forged address": (_forged, "подделан", True),
    "address pointed at another assignment": (_pointed_elsewhere, "подделан", True),
    "Auto-Submitted": (
        lambda d: d.reply(d.lead, "Исполнено.", headers={"Auto-Submitted": "auto-replied"}),
        "автоответ",
        False,
    ),
    "X-Autoreply": (
        lambda d: d.reply(d.lead, "Исполнено.", headers={"X-Autoreply": "yes"}),
        "автоответ",
        False,
    ),
    "Я в отпуске": (
        lambda d: d.reply(d.lead, "Я в отпуске до 15 февраля, по срочным вопросам звоните."),
        "автоответ",
        False,
    ),
    "winmail.dat": (
        lambda d: d.reply(
            d.lead, "Отчёт во вложении.", files=[("winmail.dat", "application/ms-tnef", b"x\x9f>")]
        ),
        "winmail.dat",
        True,
    ),
    "a program named .pdf": (
        lambda d: d.reply(
            d.lead, "Отчёт.", files=[("отчёт.pdf", "application/pdf", b"MZ\x90\x00" * 64)]
        ),
        "не принят",
        True,
    ),
    "a bounce of nothing of ours": (
        lambda d: dsn(OutboxMessage(message_id="<other@example.org>"), "x@example.org"),
        "возврат",
        False,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_unsafe_reply_changes_nothing(desk: Desk, case: str):
    make, words, answered = CASES[case]
    before = snapshot(desk)
    desk.deliver(make(desk))

    [handled] = desk.fetch()

    assert snapshot(desk) == before
    assert handled.outcome in ("rejected", "ignored") and handled.folder == "rejected"
    assert words in (handled.reason or ""), handled.reason
    assert desk.folders() == {"INBOX": 0, "processed": 0, "rejected": 1}
    answers = desk.outbox("reply_answer")
    assert len(answers) == (1 if answered else 0)
    if answered:
        assert answers[0].to_addrs == [handled.sender]


def test_a_reply_to_a_closed_assignment_is_answered_and_changes_nothing(desk: Desk):
    desk.deliver(desk.reply(desk.lead, "Исполнено.", files=[("a.pdf", "application/pdf", PDF)]))
    desk.fetch()
    before = snapshot(desk)
    desk.deliver(desk.reply(desk.lead, "Ещё раз: исполнено."))

    [handled] = desk.fetch()

    assert snapshot(desk) == before
    assert (handled.outcome, handled.folder) == ("rejected", "rejected")
    assert "уже закрыто" in (handled.reason or "")
    [answer] = desk.outbox("reply_answer")
    assert "Ничего в поручении не изменилось" in answer.body_text


def test_a_bounce_of_our_own_mail_fails_its_row_with_the_reason(desk: Desk):
    issued = desk.issued(desk.lead)
    address = str(desk.assignment(desk.lead).body.emails[0])
    desk.deliver(dsn(issued, address))

    [handled] = desk.fetch()

    assert (handled.outcome, handled.folder) == ("bounce", "processed")
    with desk.sessions() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.id == issued.id)).one()
    assert row.status == "failed"
    assert "5.1.1" in (row.last_error or "") and address in (row.last_error or "")
    assert "справочнике" in (row.last_error or "")
    assert desk.outbox("reply_answer") == []


def test_a_delayed_notice_changes_nothing(desk: Desk):
    issued = desk.issued(desk.lead)
    desk.deliver(dsn(issued, str(desk.assignment(desk.lead).body.emails[0]), status="4.4.1"))
    before = snapshot(desk)

    [handled] = desk.fetch()

    assert snapshot(desk) == before and handled.outcome == "ignored"


def test_in_reply_to_naming_a_mail_about_another_assignment_changes_nothing(desk: Desk):
    other = desk.issued(desk.co).message_id
    before = snapshot(desk)
    msg = desk.reply(desk.lead, "Исполнено.")
    msg.replace_header("In-Reply-To", other)
    msg.replace_header("References", other)
    desk.deliver(msg)

    [handled] = desk.fetch()

    assert snapshot(desk) == before and handled.folder == "rejected"
    assert "другом поручении" in (handled.reason or "")
