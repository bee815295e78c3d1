"""The transactional outbox: every e-mail is a row written with the change that causes it.

``key`` names the event (e.g. ``issued:42``, ``reminder-5:42:2021-01-29``); its unique
constraint makes a second mail for the same event impossible. Delivery claims a row by an
atomic update (pending → sending with a lease) so two workers never send the same row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, intpk, json_list, text, timestamp

OUTBOX_STATES = ("pending", "sending", "sent", "failed")


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

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
    body_text: Mapped[text]
    body_html: Mapped[text]
    attachments: Mapped[json_list]  # [{"filename", "content_type", "content" (text or base64)}]
    message_id: Mapped[str]
    # the whole message, built when the row is written (same bytes on every retry); rows
    # written without it are built at delivery
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[timestamp]
    next_attempt_at: Mapped[timestamp]
    lease_until: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
