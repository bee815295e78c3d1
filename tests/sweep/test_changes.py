"""Done, cancel and extend write their row as one Core statement (``kontrol.assignments.
_change``): the object in the session says what the row says, straight away, and a savepoint
rolled back takes the change back in the session as in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kontrol.assignments import cancel, extend, mark_done
from kontrol.mail.mailer import Mailer
from kontrol.models import Assignment, AuditEvent, OutboxContent, OutboxMessage
from tests.mail.factory import NOW, World, add_assignment, settings_for
from tests.sweep.conftest import RULES


def _row(world: World, aid: int, *names: str) -> tuple[object, ...]:
    """The row as a new session reads it."""
    with world.transaction() as s:
        a = s.get(Assignment, aid)
        assert a is not None
        return tuple(getattr(a, name) for name in names)


def test_the_object_says_what_the_row_says_after_done_cancel_and_extend(world: World) -> None:
    done, cancelled, moved = (add_assignment(world, "3.1.2", "loiro") for _ in range(3))
    later = dt.date(2021, 4, 14)  # a Wednesday, after the due date of 31.03.2021
    with world.transaction() as s:
        a, changed = mark_done(s, done, note="Сделано", now=NOW, actor="test")
        assert changed and (a.status, a.completed_at, a.completion_note) == (
            "done",
            NOW,
            "Сделано",
        )
        b, changed = cancel(s, cancelled, reason="Отменено решением", now=NOW, actor="test")
        assert changed and (b.status, b.cancel_reason) == ("cancelled", "Отменено решением")
        mailer = Mailer.of(settings_for(25))
        c, old = extend(
            s, moved, to=later, reason="Просьба", rules=RULES, mailer=mailer, now=NOW, actor="t"
        )
        assert (old, c.due_on, c.status) == (dt.date(2021, 3, 31), later, "issued")
        audit = s.scalars(
            select(AuditEvent).where(
                AuditEvent.assignment_id == moved, AuditEvent.action == "extended"
            )
        ).one()
        assert audit.details["to_due_on"] == "2021-04-14" and audit.details["to_status"] == "issued"
        [calendar] = s.scalars(
            select(OutboxContent.attachments)
            .join(OutboxMessage, OutboxMessage.id == OutboxContent.message_id)
            .where(OutboxMessage.assignment_id == moved)
        ).one()
        assert "DTSTART;VALUE=DATE:20210414" in calendar["content"]
    assert _row(world, done, "status", "completed_at") == ("done", NOW)
    assert _row(world, cancelled, "status", "cancel_reason") == ("cancelled", "Отменено решением")
    assert _row(world, moved, "status", "due_on") == ("issued", later)


def test_a_savepoint_rolled_back_takes_done_back_in_the_session_too(world: World) -> None:
    before, inside = (add_assignment(world, "3.1.2", "loiro") for _ in range(2))
    with world.transaction() as s:
        first, _ = mark_done(s, before, note=None, now=NOW, actor="test")
        with pytest.raises(RuntimeError), s.begin_nested():
            second, _ = mark_done(s, inside, note=None, now=NOW, actor="test")
            assert second.status == "done"
            raise RuntimeError("refused after the report")
        assert (second.status, second.completed_at) == ("issued", None)
        assert first.status == "done"  # done before the savepoint: still done
    assert _row(world, inside, "status", "completed_at") == ("issued", None)
    assert _row(world, before, "status") == ("done",)


def test_a_savepoint_around_a_savepoint_rolled_back_takes_done_back_too(world: World) -> None:
    """Done in an outer savepoint, an inner one rolled back (the object is read again, still
    done), then the outer one rolled back: the session says what the row says, not done."""
    aid = add_assignment(world, "3.1.2", "loiro")
    with world.transaction() as s:
        with pytest.raises(RuntimeError, match="outer"), s.begin_nested():
            a, _ = mark_done(s, aid, note=None, now=NOW, actor="test")
            with pytest.raises(RuntimeError, match="inner"), s.begin_nested():
                raise RuntimeError("inner")
            assert a.status == "done"
            raise RuntimeError("outer")
        assert (a.status, a.completed_at) == ("issued", None)
    assert _row(world, aid, "status", "completed_at") == ("issued", None)
