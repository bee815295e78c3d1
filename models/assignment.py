"""Assignments (one occurrence given to one body), their ladder steps and the audit trail.

Uniqueness is the database's job: one assignment per (obligation, occurrence, body), one ladder
step per (assignment, step, due date in force) — so a re-run, a second worker or a restart
after a crash cannot create a second one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kontrol.models.base import Base, intpk, json_dict, str_id
from kontrol.models.body import Body
from kontrol.models.obligation import Obligation

STATUSES = ("issued", "done", "overdue", "cancelled")
OPEN_STATUSES = ("issued", "overdue")


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("obligation_id", "occurrence_key", "body_id"),
        Index("ix_assignments_open_due", "status", "due_on"),
    )

    id: Mapped[intpk]
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    occurrence_key: Mapped[str] = mapped_column(String(32))
    body_id: Mapped[str_id] = mapped_column(ForeignKey("bodies.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # lead | co_executor
    via_group_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    issue_on: Mapped[dt.date]
    original_due_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_at: Mapped[dt.datetime]
    issued_by: Mapped[str]
    completed_at: Mapped[dt.datetime | None]
    completion_note: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None]

    obligation: Mapped[Obligation] = relationship()
    body: Mapped[Body] = relationship(foreign_keys=[body_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class LadderStep(Base):
    """One step of the escalation ladder taken for an assignment (reminder, notice, escalation)."""

    __tablename__ = "ladder_steps"
    __table_args__ = (UniqueConstraint("assignment_id", "step", "due_on"),)

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[dt.date]
    taken_on: Mapped[dt.date]
    at: Mapped[dt.datetime]
    by: Mapped[str]


class AuditEvent(Base):
    """Every change of state: when, what, by whom (a person, a flow run, a portal link)."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    at: Mapped[dt.datetime]
    actor: Mapped[str]
    action: Mapped[str] = mapped_column(String(64))
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    details: Mapped[json_dict]
