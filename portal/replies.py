"""A reply by mail is the portal's report or extension request, made through the same actions.

An executor answers an assignment mail: the signed reply address (``mail.reply_address``) names
the assignment, as unforgeable as the link in the same mail; ``In-Reply-To``/``References``
are the second check (they must not name a mail about another assignment) and, for a client
that dropped the plus-address, the way to find it. The sender must be one of the body's
addresses in the directory. Then the reply is what the page would have been sent: its note and
files go to ``service.submit_report`` (files through ``uploads.check``: typed by content, size
limits, stored by hash), or, when it asks for a later date, to ``service.request_extension`` —
the same audit, the same mails to the curator.

Nothing changes for: a bounce (it fails our outbox row instead, ``mail.bounces``), an
auto-reply, a sender that is not the body's, a forged or altered reply address, a closed
assignment, an unreadable ``winmail.dat``, files the portal would refuse. Each is ``Refused``
with its reason; a short answer (``reply_answer``) goes only to an address of the directory,
never to an auto-reply or a bounce (no mail loop, no answers to forged senders).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.config import Rules
from kontrol.mail.bounces import fail_bounced
from kontrol.mail.mailer import Mailer
from kontrol.mail.reply_address import ReplyAddresses
from kontrol.mail.reply_message import Incoming, all_addresses
from kontrol.mail.reply_text import asks_extension, extension_date
from kontrol.models import Assignment, Body, OutboxMessage
from kontrol.portal import service, tokens, uploads
from kontrol.portal.pages import PortalSettings
from kontrol.settings import Settings

APPLIED = ("done", "extension_requested", "bounce")  # moved to «processed»; the rest «rejected»
USE_LINK = "Ответьте на последнее письмо по поручению или воспользуйтесь ссылкой из него."


class Refused(Exception):
    """A reply that changes nothing: why (for the committee and the sender), and whether the
    sender gets an answer."""

    def __init__(self, reason: str, advice: str = USE_LINK, *, answer: bool = True) -> None:
        super().__init__(reason)
        self.reason, self.advice, self.answer = reason, advice, answer


@dataclass
class Verdict:
    outcome: str  # done, extension_requested, bounce, rejected, ignored
    reason: str | None = None
    assignment_id: int | None = None
    answer: tuple[str, str] | None = None  # (reason, advice) of the answer to the sender
    events: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Desk:
    """What handling replies needs, bound once per fetch."""

    settings: Settings
    rules: Rules
    config: PortalSettings
    replies: ReplyAddresses
    mailer: Mailer
    known: frozenset[str]  # every address of the directory: the only ones answered

    @classmethod
    def of(cls, session: Session, settings: Settings, rules: Rules) -> Desk:
        mailer = Mailer.of(settings)
        assert mailer.replies is not None, "KONTROL_IMAP_HOST is checked before"
        known = {str(e).lower() for emails in session.scalars(select(Body.emails)) for e in emails}
        return cls(
            settings, rules, PortalSettings.of(settings), mailer.replies, mailer, frozenset(known)
        )

    @property
    def upload_dir(self) -> Path:
        return Path(self.settings.upload_dir).resolve()


def handle(session: Session, desk: Desk, msg: Incoming, *, now: dt.datetime) -> Verdict:
    """What the reply does, in the caller's transaction; a refusal changes nothing but its
    answer (written by the caller, ``answer``)."""
    if msg.bounce is not None:
        row = fail_bounced(session, msg.bounce)
        if row is None:
            return Verdict(
                "ignored", f"возврат без последствий ({msg.bounce.status or 'без статуса'})"
            )
        return Verdict("bounce", row.last_error, row.assignment_id)
    if msg.auto is not None:
        return Verdict("ignored", f"автоответ ({msg.auto})")
    if msg.sender in all_addresses([desk.settings.mail_from]):
        return Verdict("ignored", "письмо самого kontrol")
    a: Assignment | None = None
    try:
        a, via = find_assignment(session, desk, msg)
        check_sender(a, msg)
        if not a.is_open:
            raise Refused(f"поручение уже закрыто ({service_words(a)})", "Отчёт по нему не нужен.")
        ctx = service.Context(
            desk.settings,
            desk.rules,
            now,
            tokens.Grant(a.id, a.body_id, via),
            acceptance=desk.config.report_acceptance,
        )
        with session.begin_nested():
            return act(session, desk, ctx, a, msg)
    except Refused as refused:
        answer = refused.answer and msg.sender in desk.known
        return Verdict(
            "rejected",
            refused.reason,
            a.id if a is not None else None,
            (refused.reason, refused.advice) if answer else None,
        )


def service_words(a: Assignment) -> str:
    return {"done": "выполнено", "cancelled": "отменено"}.get(a.status, a.status)


def find_assignment(session: Session, desk: Desk, msg: Incoming) -> tuple[Assignment, str]:
    """The assignment the reply answers and the name of its proof (for the audit trail)."""
    tag = desk.replies.find(msg.addresses)
    answered = _answered(session, msg.answers)
    if tag is not None:
        a = session.get(Assignment, tag.assignment_id)
        if a is None or not desk.replies.valid(tag, a.body_id):
            raise Refused("адрес ответа изменён или подделан", answer=True)
        if answered is not None and answered != a.id:
            raise Refused("письмо отвечает на письмо о другом поручении")
        proof = f"{tag.assignment_id}.{tag.signature}"
    elif answered is not None:
        a = session.get(Assignment, answered)
        assert a is not None
        proof = f"in-reply-to:{msg.answers[0]}"
    else:
        raise Refused("не удалось понять, на какое поручение это ответ")
    return a, "mail:" + hashlib.sha256(proof.encode()).hexdigest()[:16]


def _answered(session: Session, ids: Sequence[str]) -> int | None:
    """The assignment of the nearest of our mails the reply names, if any."""
    for message_id in ids:
        found = session.scalar(
            select(OutboxMessage.assignment_id)
            .where(OutboxMessage.message_id == message_id, OutboxMessage.assignment_id.is_not(None))
            .limit(1)
        )
        if found is not None:
            return int(found)
    return None


def check_sender(a: Assignment, msg: Incoming) -> None:
    if msg.sender not in {str(e).lower() for e in a.body.emails}:
        raise Refused(
            f"адрес отправителя {msg.sender} не указан в справочнике для исполнителя поручения",
            "Ответ по поручению принимается только с адреса исполнителя, на который пришло "
            "поручение. Если адрес изменился, сообщите об этом куратору.",
        )


def act(
    session: Session, desk: Desk, ctx: service.Context, a: Assignment, msg: Incoming
) -> Verdict:
    """The report or the extension request, through the portal's own actions."""
    if msg.unreadable:
        raise Refused(
            f"вложение {', '.join(msg.unreadable)} (формат Outlook RTF/TNEF) прочитать нельзя",
            "Отправьте файлы ещё раз обычными вложениями (в Outlook выберите формат письма HTML "
            "или «Обычный текст») или через ссылку из письма с поручением.",
        )
    note = msg.note.replace("\x00", "")
    try:
        if asks_extension(note):
            return _extension(session, ctx, a, note)
        return _report(session, desk, ctx, a, msg, note)
    except (service.Invalid, service.Conflict) as exc:
        raise Refused(exc.message.rstrip(".").lower()[:1] + exc.message.rstrip(".")[1:]) from exc
    except uploads.UploadError as exc:
        raise Refused(exc.message.rstrip("."), "Приложите файлы в допустимом формате.") from exc


def _extension(session: Session, ctx: service.Context, a: Assignment, note: str) -> Verdict:
    to = extension_date(note, ctx.today)
    if to is None:
        raise Refused(
            "в просьбе о переносе срока не указана новая дата",
            "Напишите, например: «Прошу продлить срок до 15.03.2025» и причину.",
        )
    service.request_extension(session, ctx, to.isoformat(), note[: service.REASON_LIMIT])
    return Verdict("extension_requested", f"просьба перенести срок на {to:%d.%m.%Y}", a.id)


def _report(
    session: Session,
    desk: Desk,
    ctx: service.Context,
    a: Assignment,
    msg: Incoming,
    note: str,
) -> Verdict:
    if len(note.encode()) > uploads.FIELD_LIMIT:
        raise Refused("текст письма слишком длинный", "Приложите отчёт файлом.")
    files = _incoming_files(desk, msg)
    try:
        uploads.check(files)
        outcome = service.submit_report(session, ctx, note, files, upload_dir=desk.upload_dir)
    finally:
        for f in files:
            with contextlib.suppress(FileNotFoundError):
                f.path.unlink()
    return Verdict("done", f"отчёт, файлов: {len(files)}", a.id, events=outcome.events)


def _incoming_files(desk: Desk, msg: Incoming) -> list[uploads.IncomingFile]:
    """The mail's files as the portal's upload gives them: temporary files, hashed, bounded."""
    if len(msg.files) > uploads.MAX_FILES:
        raise Refused(
            f"больше {uploads.MAX_FILES} файлов в одном письме", "Пришлите меньше файлов."
        )
    if sum(len(f.data) for f in msg.files) > desk.config.max_upload_bytes:
        raise Refused(
            f"файлы больше {desk.config.max_upload_mb:g} МБ",
            "Пришлите файлы меньшего размера или через ссылку из письма.",
        )
    tmp = desk.upload_dir / ".incoming"
    tmp.mkdir(parents=True, exist_ok=True)
    files: list[uploads.IncomingFile] = []
    for f in msg.files:
        digest = hashlib.sha256(f.data).hexdigest()
        path = tmp / f"mail-{digest}-{len(files)}"
        path.write_bytes(f.data)
        name = uploads.display_name(f.name)
        files.append(uploads.IncomingFile("files", name, path, len(f.data), digest))
    return files
