"""Writing the mails about assignments: rows turned into plain values, composed, enqueued.

This is the edge between the rows and the mail: ``Mailer`` reads what a mail says from the
models (``render.assignment_data``), signs its links, picks its addresses and key, composes it
(``kontrol.mail.compose``) and writes it (``outbox.enqueue``, built whole). It is bound once at
an entry point (``Mailer.of(settings)``: the postmark, the portal's address and the link
signer — one signer for a sweep's many links), and issuing, the sweep, the portal and the
commands all write through it. The annual report, which carries no link, is written by
``kontrol.reporting.mailing`` with the postmark alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from kontrol import oversight
from kontrol.mail import compose
from kontrol.mail.digest import Line
from kontrol.mail.links import Links, executor_url, make_link_for, overview_url, signing_keys
from kontrol.mail.message import assignment_ics, format_address
from kontrol.mail.outbox import Letter, Postmark, enqueue, enqueue_many
from kontrol.mail.render import (
    Rendered,
    assignment_data,
    body_name,
    phrase_time,
    roadmap_data,
    roadmap_fields,
)
from kontrol.mail.reply_address import ReplyAddresses
from kontrol.models import Assignment, Body, OutboxMessage, Roadmap
from kontrol.settings import Settings

REPLY_TO_MAX = 255  # the outbox column


def body_addresses(body: Body) -> list[str]:
    name = body.short_name or body.name
    return [format_address(str(e), name) for e in body.emails]


def first_address(body: Body) -> str | None:
    """Reply-To of a mail to the curator: the executor's first address."""
    addresses = body_addresses(body)
    return addresses[0] if addresses else None


def curator_address(body: Body) -> str | None:
    """Reply-To of a mail to the executor: the first e-mail of the body it escalates to."""
    up = body.escalates_to
    if up is None or not up.emails:
        return None
    return format_address(str(up.emails[0]), up.short_name or up.name)


def digest_key(recipient_id: str, as_of: dt.date) -> str:
    """A supervisor's one mail of a sweep day: a re-run or a second sweep that day adds none."""
    return f"digest:{recipient_id}:{as_of}"


def digest_written(session: Session, recipient_id: str, as_of: dt.date) -> bool:
    """Whether ``recipient_id`` already has its mail of the sweep day ``as_of``."""
    key = digest_key(recipient_id, as_of)
    return session.scalar(_select_by_key(), {"key": key}) is not None


@cache
def _select_by_key() -> Select[int]:
    return select(OutboxMessage.id).where(OutboxMessage.key == bindparam("key"))


@dataclass(frozen=True)
class Mailer:
    """What the mails need from the settings, bound once (see the module docstring)."""

    postmark: Postmark
    portal_base_url: str
    links: Links  # the executor's token; also signs the digests' overview links
    # with a mailbox to read (KONTROL_IMAP_HOST): the signed reply address of the executor's
    # mails (issue 21); None: replies go to the curator alone, as before
    replies: ReplyAddresses | None = None

    @classmethod
    def of(cls, settings: Settings) -> Mailer:
        replies = None
        if settings.imap_host:
            replies = ReplyAddresses(settings.mail_from, signing_keys(settings))
        return cls(
            Postmark.of(settings), settings.portal_base_url, make_link_for(settings), replies
        )

    def reply_to(self, a: Assignment) -> str | None:
        """Reply-To of a mail to the executor: kontrol's signed address for this assignment
        (when it reads replies) and the curator, so that «Ответить» reaches both."""
        curator = curator_address(a.body)
        if self.replies is None:
            return curator
        mine = format_address(self.replies.address(a.id, a.body_id), "kontrol")
        if curator is None:
            return mine
        both = f"{mine}, {curator}"
        bare = str(a.body.escalates_to.emails[0]) if a.body.escalates_to else ""
        return both if len(both) <= REPLY_TO_MAX else f"{mine}, {bare}"

    def about(self, a: Assignment) -> compose.AboutAssignment:
        return compose.AboutAssignment(
            roadmap=roadmap_data(a),
            a=assignment_data(a),
            portal_base_url=self.portal_base_url,
            executor_token=self.links(a.id, a.body_id),
            reply_by_mail=self.replies is not None,
        )

    def _write(self, session: Session, letter: Letter, now: dt.datetime) -> OutboxMessage | None:
        return enqueue(session, letter, postmark=self.postmark, now=now)

    def write_many(
        self, session: Session, letters: Sequence[Letter], now: dt.datetime
    ) -> list[OutboxMessage | None]:
        """Letters composed beforehand, written together (``outbox.enqueue_many``)."""
        return enqueue_many(session, letters, postmark=self.postmark, now=now)

    def _letter(
        self,
        a: Assignment,
        rendered: Rendered,
        *,
        key: str,
        kind: str,
        attachments: Sequence[Mapping[str, Any]] = (),
    ) -> Letter:
        """One mail about one assignment to its body; replies go to its curator."""
        return Letter(
            key=key,
            kind=kind,
            to=body_addresses(a.body),
            reply_to=self.reply_to(a),
            rendered=rendered,
            attachments=attachments,
            assignment_id=a.id,
            roadmap_id=a.obligation.item.roadmap_id,
            recipient_body_id=a.body_id,
        )

    def to_curator(
        self,
        session: Session,
        a: Assignment,
        curator: Body | None,
        rendered: Rendered,
        *,
        key: str,
        kind: str,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """One mail about one assignment to its curator (none: a failed row says so);
        replies go to the executor. The portal composes these itself: they carry its signed
        decision links (``portal.action_context.Context.decision_url``)."""
        letter = Letter(
            key=key,
            kind=kind,
            to=body_addresses(curator) if curator is not None else [],
            reply_to=first_address(a.body),
            rendered=rendered,
            assignment_id=a.id,
            roadmap_id=a.obligation.item.roadmap_id,
            recipient_body_id=curator.id if curator is not None else None,
        )
        return self._write(session, letter, now)

    def _ics(
        self, a: Assignment, about: compose.AboutAssignment, *, now: dt.datetime, sequence: int
    ) -> dict[str, Any]:
        """The due date as a calendar event; a later ``sequence`` updates the same event."""
        item = a.obligation.item
        at = phrase_time(a.obligation)
        return assignment_ics(
            assignment_id=a.id,
            due_on=a.due_on,
            summary=f"Срок: п. {item.number} {item.title}",
            period=about.a["period"],
            title=item.title,
            url=executor_url(self.portal_base_url, about.executor_token),
            now=now,
            sequence=sequence,
            at=None if at is None else dt.datetime.combine(a.period_end, at, self.postmark.zone),
        )

    def assignment_issued(
        self, session: Session, a: Assignment, *, now: dt.datetime
    ) -> OutboxMessage | None:
        return self._write(session, self.issued_letter(a, now=now), now)

    def issued_letter(self, a: Assignment, *, now: dt.datetime) -> Letter:
        """The assignment itself, with an .ics of its due date; key ``issued:{id}``."""
        about = self.about(a)
        return self._letter(
            a,
            compose.assignment_issued(about),
            key=f"issued:{a.id}",
            kind="assignment_issued",
            attachments=[self._ics(a, about, now=now, sequence=0)],
        )

    def reminder(
        self, session: Session, a: Assignment, *, days_left: int, now: dt.datetime
    ) -> OutboxMessage | None:
        return self._write(session, self.reminder_letter(a, days_left=days_left), now)

    def reminder_letter(self, a: Assignment, *, days_left: int) -> Letter:
        """A reminder ``days_left`` working days before due; one per step and due date."""
        return self._letter(
            a,
            compose.reminder(self.about(a), days_left=days_left),
            key=f"reminder-{days_left}:{a.id}:{a.due_on}",
            kind="reminder",
        )

    def overdue_notice(
        self, session: Session, a: Assignment, *, days_overdue: int, now: dt.datetime
    ) -> OutboxMessage | None:
        return self._write(session, self.overdue_letter(a, days_overdue=days_overdue), now)

    def overdue_letter(self, a: Assignment, *, days_overdue: int) -> Letter:
        """The notice the working day after due, to the executor alone. It names the body the
        executor escalates to, which hears of it in its one mail of the day (``kontrol.sweep``):
        a copy per notice flooded supervisors (205 mails in one sweep), and never carries the
        executor's link."""
        informed = oversight.informed(a)
        rendered = compose.overdue_notice(
            self.about(a),
            days_overdue=days_overdue,
            informed=body_name(informed) if informed is not None else None,
        )
        key = f"overdue:{a.id}:{a.due_on}"
        return self._letter(a, rendered, key=key, kind="overdue_notice")

    def extension_decision(
        self,
        session: Session,
        a: Assignment,
        *,
        approved: bool,
        old_due_on: dt.date,
        decision_key: str,
        now: dt.datetime,
        comment: str | None = None,
    ) -> OutboxMessage | None:
        """Approved (``a.due_on`` is already the new date; an updated .ics goes with it) or
        refused. ``decision_key`` names the decision, e.g. the extension request's id."""
        about = self.about(a)
        attachments = []
        if approved:
            earlier = session.scalar(
                select(func.count()).where(
                    OutboxMessage.assignment_id == a.id,
                    OutboxMessage.kind == "extension_decision",
                )
            )
            sequence = int(earlier or 0) + 1
            attachments.append(self._ics(a, about, now=now, sequence=sequence))
        rendered = compose.extension_decision(
            about, approved=approved, old_due_on=old_due_on, comment=comment
        )
        letter = self._letter(
            a,
            rendered,
            key=f"extension:{a.id}:{decision_key}",
            kind="extension_decision",
            attachments=attachments,
        )
        return self._write(session, letter, now)

    def extension(
        self,
        session: Session,
        a: Assignment,
        *,
        old_due_on: dt.date,
        comment: str,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """A due date moved by command (``kontrol.assignments.extend``): an approved decision
        keyed by the new date."""
        return self.extension_decision(
            session,
            a,
            approved=True,
            old_due_on=old_due_on,
            decision_key=f"to-{a.due_on}",
            comment=comment,
            now=now,
        )

    def digest(
        self,
        session: Session,
        recipient: Body,
        *,
        as_of: dt.date,
        lines: Sequence[Line],
        news: Sequence[Line],
        weekly: bool,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """A supervisor's one mail of the sweep day ``as_of`` (weekly: the week's summary);
        None when there is nothing to tell or that day's was already written."""
        if not lines:
            return None
        roadmap_ids = sorted({ln.roadmap_id for ln in lines})
        roadmaps = [session.get(Roadmap, i) for i in roadmap_ids]
        facts = compose.DigestFacts(
            recipient={
                "id": recipient.id,
                "name": body_name(recipient),
                "person": recipient.person,
            },
            as_of=as_of,
            lines=lines,
            news=news,
            weekly=weekly,
            roadmaps=[roadmap_fields(rm) for rm in roadmaps if rm is not None],
            overview_url=overview_url(self.portal_base_url, self.links.overview(recipient.id)),
        )
        letter = Letter(
            key=digest_key(recipient.id, as_of),
            kind="supervisor_digest",
            to=body_addresses(recipient),
            rendered=compose.supervisor_digest(facts),
            roadmap_id=roadmap_ids[0] if len(roadmap_ids) == 1 else None,
            recipient_body_id=recipient.id,
        )
        return self._write(session, letter, now)

    def report_returned(
        self,
        session: Session,
        a: Assignment,
        *,
        report_id: int,
        comment: str,
        status_words: str,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """To the executor: the curator returned the report, the assignment is open again."""
        rendered = compose.report_returned(
            self.about(a), comment=comment, status_words=status_words
        )
        key = f"report-returned:{report_id}"
        return self._write(session, self._letter(a, rendered, key=key, kind="report_returned"), now)

    def reply_answer(
        self,
        session: Session,
        *,
        to: str,
        key: str,
        rendered: Rendered,
        a: Assignment | None,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """The short answer to a reply kontrol could not take; one per message (``key``)."""
        letter = Letter(
            key=key,
            kind="reply_answer",
            to=[to],
            rendered=rendered,
            assignment_id=a.id if a is not None else None,
            roadmap_id=a.obligation.item.roadmap_id if a is not None else None,
        )
        return self._write(session, letter, now)
