"""The sweep's mail, as a thin adapter over ``kontrol.mail.outbox`` (written by the mail issue).

The outbox module has one function per kind; what the sweep needs beyond it lives here:

- a weekly summary for a supervisor, keyed per recipient and ISO week (the daily digest's key
  is per recipient and day), rendered with the same ``escalation_digest`` templates;
- a daily digest that cannot be lost to a key clash: if two sweeps ran at once and each
  claimed different escalations, the second digest gets a key of its own (the first step id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.mail import outbox
from kontrol.mail import render as r
from kontrol.mail.links import Links, make_link_for
from kontrol.settings import Settings
from models import Assignment, Body, OutboxMessage

DigestEntry = r.DigestEntry


@dataclass(frozen=True)
class Mailer:
    """What rendering needs, bound once per sweep (a signer per mail would be wasted work)."""

    settings: Settings
    link_for: Links  # also signs the digests' supervisor links (``oversee``)

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
        entries: Sequence[DigestEntry],
        *,
        level: str,
        as_of: dt.date,
        first_step_id: int,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """What newly reached ``recipient`` in this sweep: one mail."""
        row = outbox.enqueue_escalation_digest(
            session,
            recipient,
            entries,
            level=level,
            as_of=as_of,
            settings=self.settings,
            now=now,
            link_for=self.link_for,
        )
        if row is None and entries:
            key = f"digest-{level}:{recipient.id}:{as_of}:{first_step_id}"
            row = self._digest(
                session, recipient, entries, level=level, as_of=as_of, key=key, now=now
            )
        return row

    def weekly(
        self,
        session: Session,
        recipient: Body,
        entries: Sequence[DigestEntry],
        *,
        level: str,
        as_of: dt.date,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """Everything still overdue that reached ``recipient``: once per ISO week."""
        return self._digest(
            session,
            recipient,
            entries,
            level=level,
            as_of=as_of,
            key=weekly_key(level, recipient.id, as_of),
            now=now,
        )

    def _digest(
        self,
        session: Session,
        recipient: Body,
        entries: Sequence[DigestEntry],
        *,
        level: str,
        as_of: dt.date,
        key: str,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        if not entries:
            return None
        context = r.digest_context(
            recipient,
            entries,
            level=level,
            as_of=as_of,
            portal_base_url=self.settings.portal_base_url,
            link_for=self.link_for,
            oversee_link_for=self.link_for.oversee,
        )
        rendered = r.render("escalation_digest", context)
        roadmap_ids = {e.assignment.obligation.item.roadmap_id for e in entries}
        return outbox.enqueue(
            session,
            key=key,
            kind="escalation_digest",
            to=outbox.body_addresses(recipient),
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            roadmap_id=roadmap_ids.pop() if len(roadmap_ids) == 1 else None,
            recipient_body_id=recipient.id,
            now=now,
        )


def weekly_key(level: str, recipient_id: str, as_of: dt.date) -> str:
    year, week, _ = as_of.isocalendar()
    return f"weekly-{level}:{recipient_id}:{year}-W{week:02d}"


def key_exists(session: Session, key: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None
