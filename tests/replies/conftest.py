"""Replies by mail against a real Dovecot (``scripts/imap.sh``) and a real SMTP sink.

Each test gets a mailbox of its own (a fresh user name: the test server takes any name with
its one password), the seed imported with item 3.1.2 issued (``tests.portal.conftest``), and
settings whose mails carry the signed reply address. Without ``KONTROL_TEST_IMAP_URL`` the
tests are skipped — unless ``KONTROL_REQUIRE_IMAP=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from kontrol.mail.delivery import deliver_pending
from kontrol.mail.mailbox import open_mailbox
from kontrol.mail.sink import SinkHandle, start_sink
from kontrol.models import Assignment, MailReply, OutboxMessage
from kontrol.models.db import session_factory
from kontrol.portal.reply_fetch import Handled, fetch_replies
from kontrol.settings import Settings
from tests.mail.conftest import Recorder
from tests.portal.conftest import RULES, TODAY, build_world, settings_for

IMAP_URL = os.environ.get("KONTROL_TEST_IMAP_URL")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def imap_settings(user: str) -> dict[str, Any]:
    if not IMAP_URL:
        if os.environ.get("KONTROL_REQUIRE_IMAP") == "1":
            pytest.fail("KONTROL_REQUIRE_IMAP=1 but KONTROL_TEST_IMAP_URL is not set")
        pytest.skip("no IMAP server: set KONTROL_TEST_IMAP_URL (scripts/test starts Dovecot)")
    url = urlsplit(IMAP_URL)
    return {
        "imap_host": url.hostname,
        "imap_port": url.port,
        "imap_tls": "none",
        "imap_username": user,
        "imap_password": url.password,
    }


@dataclass
class Desk:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    recorder: Recorder
    smtp: SinkHandle
    lead: int
    co: int
    now: dt.datetime = TODAY

    def issued(self, assignment_id: int) -> OutboxMessage:
        with self.sessions() as s:
            row = s.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.assignment_id == assignment_id,
                    OutboxMessage.kind == "assignment_issued",
                )
            )
            assert row is not None
            return row

    def assignment(self, assignment_id: int) -> Assignment:
        with self.sessions() as s:
            a = s.get(Assignment, assignment_id)
            assert a is not None
            _ = a.body.emails
            s.expunge_all()
            return a

    def reply(
        self,
        assignment_id: int,
        text: str,
        *,
        files: Sequence[tuple[str, str, bytes]] = (),
        sender: str | None = None,
        to: str | None = None,
        headers: dict[str, str] | None = None,
        html: str | None = None,
    ) -> EmailMessage:
        """An executor's «Ответить» to the assignment mail: To its Reply-To, the mail quoted."""
        issued = self.issued(assignment_id)
        a = self.assignment(assignment_id)
        msg = EmailMessage()
        msg["From"] = sender or str(a.body.emails[0])
        msg["To"] = to or str(issued.reply_to)
        msg["Subject"] = f"Re: {issued.subject}"
        msg["Message-ID"] = make_msgid(domain="school.example.org")
        msg["In-Reply-To"] = issued.message_id
        msg["References"] = issued.message_id
        for name, value in (headers or {}).items():
            msg[name] = value
        quoted = "\n".join(f"> {line}" for line in issued.body_text.splitlines()[:5])
        if html is None:
            msg.set_content(f"{text}\n\n1 февраля 2021 г., kontrol написал:\n{quoted}\n")
        else:
            msg.set_content(html, subtype="html")
        for name, ctype, data in files:
            maintype, _, subtype = ctype.partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        return msg

    def deliver(self, *messages: EmailMessage | bytes) -> None:
        with open_mailbox(self.settings) as box:
            for m in messages:
                box.append(m if isinstance(m, bytes) else m.as_bytes())

    def fetch(self) -> list[Handled]:
        return fetch_replies(self.sessions, self.settings, RULES, now=self.now)

    def folders(self) -> dict[str, int]:
        with open_mailbox(self.settings) as box:
            out = {}
            for name in ("INBOX", "processed", "rejected"):
                box.box.folder.set(name)
                out[name] = len(box.box.uids("ALL"))
            return out

    def replies(self) -> list[MailReply]:
        with self.sessions() as s:
            return list(s.scalars(select(MailReply).order_by(MailReply.id)))

    def outbox(self, kind: str | None = None) -> list[OutboxMessage]:
        with self.sessions() as s:
            q = select(OutboxMessage).order_by(OutboxMessage.id)
            if kind:
                q = q.where(OutboxMessage.kind == kind)
            return list(s.scalars(q))

    def send_outbox(self) -> None:
        import asyncio

        asyncio.run(deliver_pending(self.sessions, self.settings, now=self.now))


@pytest.fixture
def desk(db_url: str, tmp_path: Path) -> Iterator[Desk]:
    recorder = Recorder()
    smtp = start_sink("127.0.0.1", 0, handler=recorder)
    extra = imap_settings(f"t{uuid.uuid4().hex[:12]}")
    extra |= {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_tls": "none"}
    settings = settings_for(db_url, tmp_path / "uploads", **extra)
    engine, lead, co = build_world(db_url, settings)
    yield Desk(settings, engine, session_factory(engine), recorder, smtp, lead, co)
    smtp.stop()
    engine.dispose()


def dsn(original: OutboxMessage, recipient: str, status: str = "5.1.1") -> bytes:
    """A bounce as a recipient's server sends it later (RFC 3464), for one of our mails."""
    return (
        "From: MAILER-DAEMON@mx.example.org\r\n"
        "To: kontrol@edu.lenobl.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce-{uuid.uuid4().hex}@mx.example.org>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: User unknown\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original.message_id}\r\nSubject: x\r\n"
        "--b1--\r\n"
    ).encode()


def snapshot(desk: Desk) -> tuple[Any, ...]:
    """What a reply could change (answers to the sender aside)."""
    from sqlalchemy import func

    from kontrol.models import AuditEvent
    from kontrol.models.report import Attachment, ExtensionRequest, Report

    with desk.sessions() as s:
        counts = tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (AuditEvent, Report, Attachment, ExtensionRequest)
        )
        outbox = tuple(
            s.execute(
                select(OutboxMessage.id, OutboxMessage.status)
                .where(OutboxMessage.kind != "reply_answer")
                .order_by(OutboxMessage.id)
            ).all()
        )
        states = tuple(
            s.execute(
                select(Assignment.id, Assignment.status, Assignment.due_on).order_by(Assignment.id)
            ).all()
        )
    files = tuple(sorted(str(p) for p in Path(desk.settings.upload_dir).rglob("*") if p.is_file()))
    return counts, outbox, states, files
