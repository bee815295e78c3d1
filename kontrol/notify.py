"""The sweep's mail, as a thin adapter over ``kontrol.mail.outbox`` (written by the mail issue).

The outbox module has one function per kind; the sweep binds the settings and the link signer
once here, and asks whether a supervisor's mail of the day is already written (a supervisor
gets at most one per sweep day, keyed by recipient and day: see ``kontrol.sweep``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.mail import outbox
from kontrol.mail.digest import Line
from kontrol.mail.links import Links, make_link_for
from kontrol.models import Assignment, Body, OutboxMessage
from kontrol.settings import Settings


@dataclass(frozen=True)
class Mailer:
    """What rendering needs, bound once per sweep (a signer per mail would be wasted work)."""

    settings: Settings
    link_for: Links  # also signs the digests' overview links (``overview``)

    @classmethod
    def of(cls, settings: Settings) -> Mailer:
        return cls(settings, make_link_for(settings))

    def reminder(
        self, session: Session, a: Assignment, *, days_left: int, now: dt.datetime
    ) -> OutboxMessage | None:
        return outbox.enqueue_reminder(
            session, a, days_left=days_left, settings=self.settings, now=now, link_for=self.link_for
        )

    def overdue_notice(
        self, session: Session, a: Assignment, *, days_overdue: int, now: dt.datetime
    ) -> OutboxMessage | None:
        return outbox.enqueue_overdue_notice(
            session,
            a,
            days_overdue=days_overdue,
            settings=self.settings,
            now=now,
            link_for=self.link_for,
        )

    def extension(
        self,
        session: Session,
        a: Assignment,
        *,
        old_due_on: dt.date,
        comment: str,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        return outbox.enqueue_extension_decision(
            session,
            a,
            approved=True,
            old_due_on=old_due_on,
            decision_key=f"to-{a.due_on}",
            comment=comment,
            settings=self.settings,
            now=now,
            link_for=self.link_for,
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
        """The supervisor's one mail of the sweep day; None if that day's was already written."""
        if not lines:
            return None
        return outbox.enqueue_supervisor_digest(
            session,
            recipient,
            as_of=as_of,
            lines=lines,
            news=news,
            weekly=weekly,
            settings=self.settings,
            now=now,
            link_for=self.link_for,
        )


def digest_written(session: Session, recipient_id: str, as_of: dt.date) -> bool:
    """Whether ``recipient_id`` already has its mail of the sweep day ``as_of``."""
    key = outbox.digest_key(recipient_id, as_of)
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None
