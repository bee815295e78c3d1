"""The imported decree: roadmap, its items, curators, and who executes each item."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kontrol.models.base import Base, intpk, json_dict, json_list, str_id, text


class Roadmap(Base):
    __tablename__ = "roadmaps"
    # decree numbers repeat across issuers: the issuer is part of a roadmap's identity
    __table_args__ = (UniqueConstraint("authority", "number", "adopted_on"),)

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    adopted_on: Mapped[dt.date]
    authority: Mapped[text]
    title: Mapped[text]
    plan_title: Mapped[text]
    horizon_year: Mapped[int | None]
    source_name: Mapped[str]
    source_sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(32))
    controller_position: Mapped[str | None]
    controller_person: Mapped[str | None]
    controller_body_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"))
    imported_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    # declared void («утратило силу») from this day; the open work is cancelled once, when the
    # day has come (``retirement_applied_at``), by `kontrol retire` or the daily sweep
    retired_on: Mapped[dt.date | None]
    retired_reason: Mapped[str | None] = mapped_column(Text)
    retirement_applied_at: Mapped[dt.datetime | None]

    items: Mapped[list[Item]] = relationship(
        back_populates="roadmap", order_by="Item.position", cascade="all, delete-orphan"
    )
    curators: Mapped[list[Curator]] = relationship(
        back_populates="roadmap", order_by="Curator.position", cascade="all, delete-orphan"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="roadmap", order_by="Amendment.id", cascade="all, delete-orphan"
    )

    def in_force(self, on: dt.date) -> bool:
        return self.retired_on is None or on < self.retired_on

    def state(self, on: dt.date) -> str:
        """The words of the registers: действует / изменено / утратило силу."""
        if not self.in_force(on):
            return "утратило силу"
        return "изменено" if self.amendments else "действует"


class Curator(Base):
    __tablename__ = "curators"
    __table_args__ = (UniqueConstraint("roadmap_id", "position"),)

    id: Mapped[intpk]
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    position: Mapped[int]
    unit_text: Mapped[text]
    person: Mapped[str | None]
    body_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"))

    roadmap: Mapped[Roadmap] = relationship(back_populates="curators")


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("roadmap_id", "number"),)

    id: Mapped[intpk]
    roadmap_id: Mapped[int] = mapped_column(
        ForeignKey("roadmaps.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    number: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # section | activity
    title: Mapped[text]
    schedule_text: Mapped[text]
    executors_text: Mapped[text]
    source_lines: Mapped[json_list]
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)

    roadmap: Mapped[Roadmap] = relationship(back_populates="items")
    parent: Mapped[Item | None] = relationship(remote_side="Item.id")
    executors: Mapped[list[ItemExecutor]] = relationship(
        back_populates="item", order_by="ItemExecutor.position", cascade="all, delete-orphan"
    )


class ItemExecutor(Base):
    """Lead = position 0, co-executors = the rest, in the order the decree names them."""

    __tablename__ = "item_executors"
    __table_args__ = (UniqueConstraint("item_id", "body_id"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[str_id] = mapped_column(ForeignKey("bodies.id"))
    role: Mapped[str] = mapped_column(String(16))  # lead | co_executor

    item: Mapped[Item] = relationship(back_populates="executors")
    body: Mapped["Body"] = relationship()  # noqa: UP037


class Amendment(Base):
    """A decree that changed this roadmap («О внесении изменений в распоряжение … № 1302-б»)."""

    __tablename__ = "amendments"
    __table_args__ = (UniqueConstraint("roadmap_id", "authority", "number", "adopted_on"),)

    id: Mapped[intpk]
    roadmap_id: Mapped[int] = mapped_column(
        ForeignKey("roadmaps.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    adopted_on: Mapped[dt.date]
    authority: Mapped[text]
    title: Mapped[text]
    source_name: Mapped[str]
    source_sha256: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[dt.datetime]

    roadmap: Mapped[Roadmap] = relationship(back_populates="amendments")
    changes: Mapped[list[AmendmentChange]] = relationship(
        back_populates="amendment",
        order_by="AmendmentChange.position",
        cascade="all, delete-orphan",
    )


class AmendmentChange(Base):
    """One item the amendment changed, added or withdrew, with the fields before and after."""

    __tablename__ = "amendment_changes"
    __table_args__ = (UniqueConstraint("amendment_id", "position"),)

    id: Mapped[intpk]
    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    item_number: Mapped[str] = mapped_column(String(32))
    change: Mapped[str] = mapped_column(String(16))  # changed | added | withdrawn
    fields: Mapped[json_dict]  # name -> [before, after]

    amendment: Mapped[Amendment] = relationship(back_populates="changes")


from kontrol.models.body import Body  # noqa: E402
