"""The transactional outbox: every mail is written, built whole, with the change that causes it.

``enqueue`` (``enqueue_many`` for several) is the one way a mail becomes a row. It inserts
inside the caller's transaction with ``INSERT … ON CONFLICT (key) DO NOTHING``, so the same
event enqueued twice — a re-run, two workers, two threads — is one row; and it builds the
message's bytes there and then (``raw``: sender and Date from the ``Postmark``), so delivery
only sends stored bytes and every retry sends exactly the same message. Rows go pending →
sending → sent, or back to pending with a backoff and the reason, or failed with the reason; a
row is never deleted, so nothing is lost without a trace. Claiming is ``kontrol.mail.claims``,
the state changes after a claim ``kontrol.mail.states``.

Times are UTC (the columns' type, ``UtcDateTime``, sees to it on both databases).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from kontrol.config import mail_zone
from kontrol.mail.message import build_message, list_id_for, message_id_for, parse_address
from kontrol.mail.render import Rendered, one_line
from kontrol.mail.states import backoff
from kontrol.models import OutboxContent, OutboxMessage, Roadmap
from kontrol.models.base import table_of, utc
from kontrol.models.db import insert_for, insert_rows
from kontrol.settings import Settings


@dataclass(frozen=True)
class Postmark:
    """What turns a letter into a message besides its words: the sender
    (``KONTROL_MAIL_FROM``) and the policy's time zone for its Date (the time its readers live
    by). Read from the settings once, at an entry point."""

    sender: str
    zone: dt.tzinfo
    # False: the rows keep their words but not their message's bytes, for mails nobody will
    # send (``kontrol simulate``'s scratch outbox, which only counts them); delivery would build
    # such a row when it sends it, as it builds one that could not be built when written
    build: bool = True

    @classmethod
    def of(cls, settings: Settings) -> Postmark:
        return cls(settings.mail_from, mail_zone(settings))


@dataclass(frozen=True)
class Letter:
    """One mail as the outbox writes it: its key (the event it reports), its kind (the
    registry's template stem, ``kontrol.mail.kinds``), who gets it, what it says, and the rows
    it is about."""

    key: str
    kind: str
    to: Sequence[str]
    rendered: Rendered
    cc: Sequence[str] = ()
    reply_to: str | None = None
    attachments: Sequence[Mapping[str, Any]] = ()
    assignment_id: int | None = None
    roadmap_id: int | None = None
    recipient_body_id: str | None = None


def enqueue(
    session: Session, letter: Letter, *, postmark: Postmark, now: dt.datetime
) -> OutboxMessage | None:
    """Insert one mail, built whole, in the caller's transaction; None when its key is
    already there.

    A mail without any address is still written, as failed with the reason, so that a body
    missing from the directory's e-mails shows up in ``kontrol mail list --status failed``.
    """
    return enqueue_many(session, [letter], postmark=postmark, now=now)[0]


def enqueue_many(
    session: Session, letters: Sequence[Letter], *, postmark: Postmark, now: dt.datetime
) -> list[OutboxMessage | None]:
    """``enqueue`` for many mails (a sweep's batch, an occurrence's recipients) in two
    executions: the rows as one insert (``kontrol.models.db.insert_rows``), their contents as
    one executemany. On PostgreSQL, two round trips a mail were a tenth of the sweep. One result
    per letter, in their order; a key already there, or twice among ``letters``, gives None
    (after the first)."""
    if not letters:
        return []
    at = utc(now)
    rows = [_row(session, letter, postmark=postmark, at=at) for letter in letters]
    # Core inserts, then the objects join the session as if loaded: the ORM's own insert path
    # cost more than everything else a sweep does for a mail
    outbox, content = (table_of(m) for m in (OutboxMessage, OutboxContent))
    fields = [values for values, _ in rows]
    inserted = insert_rows(session, outbox, fields, outbox.c.id, outbox.c.key, on=("key",))
    new = {key: new_id for new_id, key in inserted}
    written: list[OutboxMessage | None] = []
    for values, row in rows:
        new_id = new.pop(values["key"], None)  # popped: a key twice gets the row once
        if new_id is not None:
            row.id = row.content.message_id = new_id
        written.append(row if new_id is not None else None)
    new_rows = [row for row in written if row is not None]
    if new_rows:
        columns = ("message_id", "body_text", "body_html", "attachments", "raw")
        session.execute(
            insert(content), [{c: getattr(r.content, c) for c in columns} for r in new_rows]
        )
    for r in new_rows:
        make_transient_to_detached(r.content)
        make_transient_to_detached(r)
        session.add(r)
    return written


def _row(
    session: Session, letter: Letter, *, postmark: Postmark, at: dt.datetime
) -> tuple[dict[str, Any], OutboxMessage]:
    """A letter as the values of its outbox row and that row, its message built."""
    values: dict[str, Any] = {
        "key": letter.key,
        "kind": letter.kind,
        "assignment_id": letter.assignment_id,
        "roadmap_id": letter.roadmap_id,
        "recipient_body_id": letter.recipient_body_id,
        "to_addrs": list(letter.to),
        "cc_addrs": list(letter.cc),
        "reply_to": letter.reply_to,
        "subject": one_line(letter.rendered.subject),
        "message_id": message_id_for(letter.key),
        "status": "pending" if letter.to else "failed",
        "attempts": 0,
        "last_error": None if letter.to else "no e-mail address for the recipient",
        "created_at": at,
        "next_attempt_at": at,
    }
    row = OutboxMessage(**values, lease_until=None, claim_token=None, sent_at=None)
    row.content = OutboxContent(
        body_text=letter.rendered.text,
        body_html=letter.rendered.html,
        attachments=[dict(a) for a in letter.attachments],
        raw=None,  # set by _build; None stays when the message cannot be built
    )
    if postmark.build:
        _build(session, row, postmark=postmark, date=at)
    values.update(status=row.status, last_error=row.last_error)
    return values, row


def _build(session: Session, row: OutboxMessage, *, postmark: Postmark, date: dt.datetime) -> None:
    """Put the message's bytes on the row's content: exactly what delivery sends.

    A row that cannot become a message (an address the directory let through that is none)
    is failed at once with the reason delivery would give, and keeps no bytes: ``kontrol
    mail retry`` after the fix has delivery build it (``delivery.load_batch``)."""
    # by its key: no query while the session holds the roadmap
    roadmap = session.get(Roadmap, row.roadmap_id) if row.roadmap_id else None
    number = roadmap.number if roadmap is not None else None
    try:
        raw = build_message(
            row,
            mail_from=postmark.sender,
            date=date,
            zone=postmark.zone,
            list_id=list_id_for(number) if number else None,
        )
    except (ValueError, TypeError, KeyError) as exc:
        if row.status == "pending":
            row.status, row.last_error = "failed", f"cannot build the message: {exc}"
        return
    row.content.raw = raw


def redeliver_to(
    session: Session,
    parent_id: int,
    address: str,
    *,
    code: int,
    reason: str,
    now: dt.datetime,
) -> OutboxMessage | None:
    """A row of its own for one recipient the server refused while it took the others: the
    same message (same bytes, same Message-ID) to that address alone. After a 4xx it waits for
    its backoff like any retry, after a 5xx it is failed with the reason, so a bad address in
    the directory shows up in ``kontrol mail list --status failed`` instead of vanishing under
    a "sent". None if that row exists already."""
    parent = session.get(OutboxMessage, parent_id)
    if parent is None:
        return None
    temporary = 400 <= code < 500
    at = utc(now)
    stored = next(
        (e for e in [*parent.to_addrs, *parent.cc_addrs] if parse_address(e).addr_spec == address),
        address,
    )
    stmt: Any = insert_for(session)(OutboxMessage)
    stmt = (
        stmt.values(
            key=f"{parent.key}>{address}"[:200],
            kind=parent.kind,
            assignment_id=parent.assignment_id,
            roadmap_id=parent.roadmap_id,
            recipient_body_id=parent.recipient_body_id,
            to_addrs=[stored],
            cc_addrs=[],
            reply_to=parent.reply_to,
            subject=parent.subject,
            message_id=parent.message_id,
            status="pending" if temporary else "failed",
            attempts=1,
            last_error=reason,
            created_at=at,
            next_attempt_at=at + backoff(1) if temporary else at,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is None:
        return None
    row = session.get(OutboxMessage, new_id)
    assert row is not None
    words = parent.content
    row.content = OutboxContent(
        message_id=new_id,
        body_text=words.body_text,
        body_html=words.body_html,
        attachments=list(words.attachments),
        raw=words.raw,
    )
    return row


def requeue_failed(
    session: Session, *, now: dt.datetime, ids: Sequence[int] | None = None
) -> list[int]:
    """Failed rows back to pending with a fresh count of attempts (after the address or the
    setting that failed them has been fixed); the ids requeued. ``ids`` None: every failed
    row."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == "failed")
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(list(ids)))
    result = session.execute(
        stmt.values(
            status="pending",
            attempts=0,
            next_attempt_at=utc(now),
            lease_until=None,
            claim_token=None,  # none on a failed row; never one outside "sending"
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(int(i) for i in result.scalars())


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {status: int(n) for status, n in rows}
