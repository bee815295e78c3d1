"""SQLAlchemy 2.x typed models of kontrol; the schema is owned by Alembic migrations."""

from models.assignment import Assignment, AuditEvent, LadderStep
from models.base import Base
from models.body import Body, GroupMember
from models.event import EventRecord
from models.obligation import Obligation
from models.outbox import OutboxContent, OutboxMessage
from models.report import Attachment, ExtensionRequest, Report
from models.roadmap import Curator, Item, ItemExecutor, Roadmap

__all__ = [
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
    "Obligation",
    "OutboxContent",
    "OutboxMessage",
    "Report",
    "Roadmap",
]
