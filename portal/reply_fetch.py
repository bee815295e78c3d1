"""One pass over kontrol's mailbox: every waiting message read, handled once, moved.

For each message, one transaction claims its Message-ID (``MailReply``, ``INSERT … ON CONFLICT
DO NOTHING``), acts on it (``portal.replies.handle``) and writes its answer to the outbox, then
commits; only after the commit is the message moved to «processed» or «rejected». A run killed
anywhere leaves either nothing done (the message is handled by the next run) or the claim
committed (the next run finds it and only moves the message): each message is acted on once,
also with two runs at once. A message that breaks the code is recorded as rejected with the
error and moved aside, so one bad mail cannot stop the mailbox.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from kontrol.config import Rules
from kontrol.mail import compose
from kontrol.mail.fetch_lock import one_fetch_at_a_time
from kontrol.mail.mailbox import BULK, PROCESSED, REJECTED, Fetched, Mailbox, open_mailbox
from kontrol.mail.render import one_line
from kontrol.mail.reply_message import Incoming, read_message
from kontrol.models import Assignment, MailReply
from kontrol.models.db import insert_for
from kontrol.portal.replies import APPLIED, Desk, Verdict, handle
from kontrol.settings import Settings

log = logging.getLogger(__name__)
Emit = Callable[..., None]


@dataclass(frozen=True)
class Handled:
    """One message of the pass, as the committee's artifact lists it."""

    uid: int
    message_id: str
    sender: str
    subject: str
    outcome: str
    reason: str | None
    assignment_id: int | None
    folder: str
    again: bool = False  # handled by an earlier run (only moved now)


def fetch_replies(
    sessions: sessionmaker[Session],
    settings: Settings,
    rules: Rules,
    *,
    now: dt.datetime,
    emit: Emit | None = None,
) -> list[Handled]:
    """Handle every message waiting in the mailbox's folder; what was done with each. One
    fetch of a mailbox at a time (:mod:`kontrol.mail.fetch_lock`): a second waits."""
    done: list[Handled] = []
    bind = sessions.kw["bind"]
    assert isinstance(bind, Engine)
    where = (
        f"{settings.imap_username}@{settings.imap_host}:{settings.imap_port}/{settings.imap_folder}"
    )
    with one_fetch_at_a_time(bind, where), open_mailbox(settings) as box:
        with sessions() as session:
            desk = Desk.of(session, settings, rules)
        for fetched in box.fetch(box.uids()):
            done.append(handle_one(sessions, desk, box, fetched, now=now, emit=emit))
            if len(done) % BULK == 0:
                _move(box, done[-BULK:])
        _move(box, done[len(done) - len(done) % BULK :])
    return done


def _move(box: Mailbox, handled: list[Handled]) -> None:
    """Move handled messages to their folders, one MOVE per folder (each is committed: a run
    killed before the move only moves them next time)."""
    for folder in (PROCESSED, REJECTED):
        box.move([h.uid for h in handled if h.folder == folder], folder)


def handle_one(
    sessions: sessionmaker[Session],
    desk: Desk,
    box: Mailbox,
    fetched: Fetched,
    *,
    now: dt.datetime,
    emit: Emit | None = None,
) -> Handled:
    try:
        msg = read_message(fetched.raw)
    except Exception as exc:  # a message the parser cannot take is put aside, not retried
        log.exception("cannot read message uid %s", fetched.uid)
        msg = Incoming(f"<uid-{box.uidvalidity}-{fetched.uid}@unreadable>", "", "", [], [], "")
        return _record_error(sessions, box, fetched, msg, now, exc)
    try:
        with sessions() as session, session.begin():
            earlier = _claim(session, box, fetched, msg, now)
            if earlier is not None:
                return _handled(fetched, msg, earlier, again=True)
            verdict = handle(session, desk, msg, now=now)
            row = _record(session, msg, verdict)
            write_answer(session, desk, msg, verdict, now)
    except Exception as exc:
        log.exception("cannot handle message %s", msg.message_id)
        return _record_error(sessions, box, fetched, msg, now, exc)
    if emit is not None:
        for event in verdict.events:
            emit(*event)
    return _handled(fetched, msg, row)


def _claim(
    session: Session, box: Mailbox, fetched: Fetched, msg: Incoming, now: dt.datetime
) -> MailReply | None:
    """Claim the message for this run; the earlier run's row when it was handled already."""
    values: dict[str, Any] = {
        "message_id": msg.message_id,
        "folder": box.folder[:100],
        "uidvalidity": box.uidvalidity,
        "uid": fetched.uid,
        "sender": msg.sender[:255],
        "subject": one_line(msg.subject)[:255],
        "outcome": "claimed",
        "processed_at": now,
    }
    stmt: Any = insert_for(session)(MailReply).values(**values)
    stmt = stmt.on_conflict_do_nothing(index_elements=["message_id"]).returning(MailReply.id)
    if session.execute(stmt).scalar_one_or_none() is not None:
        return None
    return session.scalar(select(MailReply).where(MailReply.message_id == msg.message_id))


def _record(session: Session, msg: Incoming, verdict: Verdict) -> MailReply:
    row = session.scalar(select(MailReply).where(MailReply.message_id == msg.message_id))
    assert row is not None
    row.outcome, row.reason, row.assignment_id = (
        verdict.outcome,
        verdict.reason,
        verdict.assignment_id,
    )
    session.flush()
    return row


def write_answer(
    session: Session, desk: Desk, msg: Incoming, verdict: Verdict, now: dt.datetime
) -> None:
    """The short answer to the sender, when the verdict has one: once per message (its key)."""
    if verdict.answer is None:
        return
    a = session.get(Assignment, verdict.assignment_id) if verdict.assignment_id else None
    zone = desk.rules.policy.zone
    rendered = compose.reply_answer(
        subject=msg.subject,
        received=f"{now.astimezone(zone):%d.%m.%Y %H:%M}",
        reason=verdict.answer[0],
        advice=verdict.answer[1],
        roadmaps=[desk.mailer.about(a).roadmap] if a is not None else [],
    )
    key = f"reply-answer:{msg.message_id}"[:200]
    desk.mailer.reply_answer(session, to=msg.sender, key=key, rendered=rendered, a=a, now=now)


def _record_error(
    sessions: sessionmaker[Session],
    box: Mailbox,
    fetched: Fetched,
    msg: Incoming,
    now: dt.datetime,
    exc: Exception,
) -> Handled:
    reason = f"ошибка обработки: {type(exc).__name__}: {exc}"[:2000]
    with sessions() as session, session.begin():
        _claim(session, box, fetched, msg, now)
        row = session.scalar(select(MailReply).where(MailReply.message_id == msg.message_id))
        assert row is not None
        if row.outcome == "claimed":
            row.outcome, row.reason = "rejected", reason
        return _handled(fetched, msg, row)


def _handled(fetched: Fetched, msg: Incoming, row: MailReply, *, again: bool = False) -> Handled:
    folder = PROCESSED if row.outcome in APPLIED else REJECTED
    return Handled(
        fetched.uid,
        msg.message_id,
        msg.sender,
        msg.subject,
        row.outcome,
        row.reason,
        row.assignment_id,
        folder,
        again,
    )
