"""Replies read from kontrol's mailbox: one row per message, written in the transaction that
acts on it.

The unique ``message_id`` is the claim: a fetch inserts it (``ON CONFLICT DO NOTHING``) before
acting, so a message is acted on once even when two fetches run at once or one is killed
between its commit and the IMAP move (the next run finds the row and only moves the message).
``uid`` and ``uidvalidity`` name the message in its folder as the server numbered it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kontrol.models.base import Base, intpk

OUTCOMES = ("done", "extension_requested", "rejected", "ignored", "bounce")


class MailReply(Base):
    __tablename__ = "mail_replies"

    id: Mapped[intpk]
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    folder: Mapped[str] = mapped_column(String(100))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[dt.datetime]
