"""The transactional outbox: every e-mail is a row written with the change that causes it.

``key`` names the event (e.g. ``issued:42``, ``reminder-5:42:2021-01-29``); its unique
constraint makes a second mail for the same event impossible. Delivery claims a row by an
atomic update (pending → sending with a lease) so two workers never send the same row.

What a mail says lives in ``outbox_content``, written once and never changed; the ``outbox`` row
holds only the state that delivery changes. A state change then rewrites a row of some hundred
bytes instead of the whole message (on SQLite an UPDATE rewrites the record, overflow pages
included: moving the ~10 KB of content out made claiming and recording 1,000 mails ~30× cheaper).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kontrol.models.base import Base, intpk, json_list, text

OUTBOX_STATES = ("pending", "sending", "sent", "failed")


class OutboxMessage(Base):
    __tablename__ = "outbox"
    # a claim's order (``kontrol.mail.claims``): due rows by time, then id
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at", "id"),)

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
    roadmap_id: Mapped[int | None] = mapped_column(ForeignKey("roadmaps.id"))
    recipient_body_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"))
    to_addrs: Mapped[json_list]
    cc_addrs: Mapped[json_list]
    reply_to: Mapped[str | None]
    subject: Mapped[text]
    message_id: Mapped[str] = mapped_column(index=True)  # bounces and replies name it
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    next_attempt_at: Mapped[dt.datetime]
    lease_until: Mapped[dt.datetime | None]
    # the delivery run holding the row in "sending": only that run may record its outcome or
    # renew its lease, so a late run can never overwrite the state another run has set
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[dt.datetime | None]

    # joined: a row read whole is read to be shown or built; lists of states skip it
    content: Mapped[OutboxContent] = relationship(back_populates="message", lazy="joined")

    # what the mail says, read through the row: templates' tests and build_message use these
    @property
    def body_text(self) -> str:
        return self.content.body_text

    @property
    def body_html(self) -> str:
        return self.content.body_html

    @property
    def attachments(self) -> list[dict[str, object]]:
        return self.content.attachments

    @property
    def raw(self) -> bytes | None:
        return self.content.raw


class OutboxContent(Base):
    """The words and bytes of one outbox mail: written with the row, never updated but for
    ``raw``, which is filled in the same transaction."""

    __tablename__ = "outbox_content"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True
    )
    body_text: Mapped[text]
    body_html: Mapped[text]
    attachments: Mapped[json_list]  # [{"filename", "content_type", "content" (text or base64)}]
    # the whole message, built when the row is written (same bytes on every retry); rows
    # written without it are built at delivery
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="content")
