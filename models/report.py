"""What executors send through their page: reports, their files, requests for more time.

- ``reports``: one per «done» submitted through the page (a returned report stays, the next one
  is a new row), with the curator's review (accepted / returned) on the same row;
- ``attachments``: the files of a report, stored by content hash under ``settings.upload_dir``;
- ``extension_requests``: an executor's request for a later due date and the curator's decision.

Decisions are claimed by an atomic ``UPDATE … WHERE status = 'pending'`` (see ``portal.service``),
so a double click or two curators at once decide once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kontrol.models.base import Base, intpk

REVIEW_STATES = ("pending", "accepted", "returned", "not_required")
REQUEST_STATES = ("pending", "approved", "rejected")


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    body_id: Mapped[str] = mapped_column(String(64), ForeignKey("bodies.id"))
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime]
    submitted_via: Mapped[str] = mapped_column(String(32))  # link id (hash), never the token
    review_status: Mapped[str] = mapped_column(String(16), default="pending")
    reviewer_body_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("bodies.id"))
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_via: Mapped[str | None] = mapped_column(String(32))
    review_comment: Mapped[str | None] = mapped_column(Text)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))  # for display only
    stored_path: Mapped[str] = mapped_column(String(255))  # relative to upload_dir
    uploaded_at: Mapped[dt.datetime]
    uploaded_by: Mapped[str] = mapped_column(String(64))  # body id


class ExtensionRequest(Base):
    __tablename__ = "extension_requests"

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    body_id: Mapped[str] = mapped_column(String(64), ForeignKey("bodies.id"))
    current_due_on: Mapped[dt.date]
    requested_due_on: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[dt.datetime]
    requested_via: Mapped[str] = mapped_column(String(32))
    curator_body_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("bodies.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_at: Mapped[dt.datetime | None]
    decided_via: Mapped[str | None] = mapped_column(String(32))
    decision_comment: Mapped[str | None] = mapped_column(Text)
