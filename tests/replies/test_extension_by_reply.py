"""«Прошу продлить срок до …» in a reply is the portal's extension request: pending, audited,
and the curator gets the request mail with its decision links."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kontrol.models.report import ExtensionRequest, Report
from tests.replies.conftest import Desk


@pytest.mark.parametrize(
    "words",
    [
        "Прошу продлить срок исполнения до 15.04.2021 в связи с отсутствием данных.",
        "Просим перенести срок на 15 апреля 2021 г.: данные муниципалитетов ещё не собраны.",
        "Please extend the deadline to 2021-04-15, the figures are late.",
    ],
)
def test_an_extension_asked_by_reply_reaches_the_curator(desk: Desk, words: str):
    desk.deliver(desk.reply(desk.lead, words))

    [handled] = desk.fetch()

    assert (handled.outcome, handled.folder) == ("extension_requested", "processed")
    with desk.sessions() as s:
        request = s.scalars(select(ExtensionRequest)).one()
        assert s.scalars(select(Report)).all() == []
    assert request.requested_due_on == dt.date(2021, 4, 15)
    assert request.status == "pending" and request.reason == words
    assert desk.assignment(desk.lead).status == "issued"
    desk.send_outbox()
    asks = [m for m in desk.recorder.messages() if m["X-Kontrol-Kind"] == "extension_request"]
    assert len(asks) == 1 and "/c/approve/" in asks[0].get_body(("plain",)).get_content()


def test_an_extension_without_a_date_is_answered_and_changes_nothing(desk: Desk):
    desk.deliver(desk.reply(desk.lead, "Прошу продлить срок, не успеваем."))

    [handled] = desk.fetch()

    assert (handled.outcome, handled.folder) == ("rejected", "rejected")
    [answer] = desk.outbox("reply_answer")
    assert "не указана новая дата" in answer.body_text and answer.to_addrs == [
        str(desk.assignment(desk.lead).body.emails[0])
    ]
