"""The directory of bodies as the database holds it (synced from the committee's YAML)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kontrol.models.base import Base, json_list, str_id, text


class Body(Base):
    __tablename__ = "bodies"

    id: Mapped[str_id] = mapped_column(primary_key=True)
    name: Mapped[text]
    short_name: Mapped[str | None]
    kind: Mapped[str]
    aliases: Mapped[json_list]
    emails: Mapped[json_list]
    escalates_to_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"))
    role: Mapped[str | None]
    person: Mapped[str | None]
    example: Mapped[bool] = mapped_column(Boolean, default=False)

    escalates_to: Mapped[Body | None] = relationship(remote_side="Body.id")
    members: Mapped[list[GroupMember]] = relationship(
        foreign_keys="GroupMember.group_id",
        order_by="GroupMember.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_group(self) -> bool:
        return self.kind == "group"


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[str_id] = mapped_column(
        ForeignKey("bodies.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[str_id] = mapped_column(ForeignKey("bodies.id"), primary_key=True)
    position: Mapped[int]
