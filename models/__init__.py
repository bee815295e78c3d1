"""SQLAlchemy 2.x typed models of kontrol; the schema is owned by Alembic migrations."""

from kontrol.models.assignment import Assignment, AuditEvent, LadderStep
from kontrol.models.base import Base
from kontrol.models.body import Body, GroupMember
from kontrol.models.event import EventRecord
from kontrol.models.obligation import Obligation
from kontrol.models.outbox import OutboxContent, OutboxMessage
from kontrol.models.reply import MailReply
from kontrol.models.report import Attachment, ExtensionRequest, Report
from kontrol.models.roadmap import Amendment, AmendmentChange, Curator, Item, ItemExecutor, Roadmap

__all__ = [
    "Amendment",
    "AmendmentChange",
    "Assignment",
    "Attachment",
    "AuditEvent",
    "Base",
    "Body",
    "Curator",
    "EventRecord",
    "ExtensionRequest",
    "GroupMember",
    "Item",
    "ItemExecutor",
    "LadderStep",
    "MailReply",
    "Obligation",
    "OutboxContent",
    "OutboxMessage",
    "Report",
    "Roadmap",
]
