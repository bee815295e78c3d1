"""Obligations: the schedulable parts of an activity (the whole of it, or one phase)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kontrol.models.base import Base, intpk, json_list
from kontrol.models.roadmap import Item
from kontrol.roadmap.keys import obligation_key


class Obligation(Base):
    __tablename__ = "obligations"
    __table_args__ = (UniqueConstraint("item_id", "phase_index"),)

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    phase_index: Mapped[int]
    label: Mapped[str | None]
    kind: Mapped[str] = mapped_column(String(16))  # once | recurring | ongoing | on_demand
    frequency: Mapped[str | None] = mapped_column(String(32))
    flags: Mapped[json_list]
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[Item] = relationship()

    @property
    def key(self) -> str:
        """Stable across re-imports: the item number, plus the phase for phased activities."""
        return obligation_key(self.item.number, self.phase_index, self.label)
