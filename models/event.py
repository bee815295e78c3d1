"""Events from outside (a contract signed, a request received): the audit trail of each one
accepted, the same sender reference recorded once, and where its forwarding to Prefect stands."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kontrol.models.base import Base, intpk, json_dict


class EventRecord(Base):
    """One accepted event (audit trail); reported twice under the same reference = one row."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("sender", "sender_ref"),)

    id: Mapped[intpk]
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # the Prefect event's UUID
    event: Mapped[str] = mapped_column(String(64), index=True)  # catalogue id
    sender: Mapped[str] = mapped_column(String(64))
    sender_ref: Mapped[str] = mapped_column(String(200))
    body_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"))
    occurred_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[json_dict]
    forwarded_at: Mapped[dt.datetime | None]
    # while not forwarded: the attempts so far and the last one's reason (shown to people), and
    # the lease of the forwarder holding the row, so two forwarders never send it at once
    forward_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    forward_error: Mapped[str | None] = mapped_column(Text)
    forward_lease_until: Mapped[dt.datetime | None]
