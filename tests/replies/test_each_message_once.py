"""A fetch killed midway and run again acts on each message once: killed before its commit,
the message is handled by the next run; killed after its commit and before the move, the next
run finds its row and only moves it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kontrol.mail.mailbox import Mailbox
from kontrol.models import MailReply
from kontrol.models.report import Report
from kontrol.portal import reply_fetch
from tests.replies.conftest import PDF, Desk


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (not an ``Exception``)."""


def _replies(desk: Desk) -> None:
    desk.deliver(
        desk.reply(desk.lead, "Исполнено.", files=[("a.pdf", "application/pdf", PDF)]),
        desk.reply(desk.co, "Наша часть исполнена."),
    )


def _counts(desk: Desk) -> tuple[int, int, int]:
    with desk.sessions() as s:
        reports = int(s.scalar(select(func.count()).select_from(Report)) or 0)
        rows = int(s.scalar(select(func.count()).select_from(MailReply)) or 0)
    return reports, rows, len(desk.outbox("report_review"))


def test_killed_after_the_commit_before_the_move(desk: Desk, monkeypatch: pytest.MonkeyPatch):
    _replies(desk)
    real = Mailbox.move

    def move_then_die(self: Mailbox, uids: list[int], folder: str) -> None:
        raise Killed

    monkeypatch.setattr(Mailbox, "move", move_then_die)
    with pytest.raises(Killed):
        desk.fetch()
    assert _counts(desk) == (2, 2, 2)  # both replies committed, neither moved
    monkeypatch.setattr(Mailbox, "move", real)

    handled = desk.fetch()

    assert [(h.outcome, h.again) for h in handled] == [("done", True), ("done", True)]
    assert _counts(desk) == (2, 2, 2)
    assert desk.fetch() == []
    assert desk.folders() == {"INBOX": 0, "processed": 2, "rejected": 0}


def test_killed_before_the_commit(desk: Desk, monkeypatch: pytest.MonkeyPatch):
    _replies(desk)
    real = reply_fetch._record

    def die(*args: object, **kwargs: object) -> object:
        raise Killed

    monkeypatch.setattr(reply_fetch, "_record", die)
    with pytest.raises(Killed):
        desk.fetch()
    assert _counts(desk) == (0, 0, 0)  # rolled back whole
    monkeypatch.setattr(reply_fetch, "_record", real)

    handled = desk.fetch()

    assert [(h.outcome, h.again) for h in handled] == [("done", False), ("done", False)]
    assert _counts(desk) == (2, 2, 2)
    assert desk.fetch() == []


def test_two_fetches_at_once_act_on_each_message_once(desk: Desk):
    """The flow's schedule and a person's `kontrol mail fetch` may overlap: both see the same
    messages; each is acted on by one of them."""
    import threading

    _replies(desk)
    results: list[object] = []
    start = threading.Barrier(2)

    def fetch() -> None:
        start.wait()
        try:
            results.append(desk.fetch())
        except Exception as exc:  # the test reports it below, with its type
            results.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert _counts(desk) == (2, 2, 2)
    assert desk.fetch() == []
    assert desk.folders() == {"INBOX": 0, "processed": 2, "rejected": 0}
