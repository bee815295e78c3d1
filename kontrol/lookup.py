"""Finding roadmaps and obligations by the names people and parameters use."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.errors import NotFound
from kontrol.models import Item, Obligation, Roadmap


def roadmap_by_number(session: Session, number: str | None = None) -> Roadmap:
    query = select(Roadmap).order_by(Roadmap.updated_at.desc(), Roadmap.id.desc())
    if number:
        query = query.where(Roadmap.number == number)
    roadmap = session.scalars(query).first()
    if roadmap is None:
        if number:
            raise NotFound(f"no roadmap № {number} imported")
        raise NotFound("no roadmap imported yet: run `kontrol import FILE --directory FILE`")
    return roadmap


def obligations_of(session: Session, roadmap: Roadmap) -> list[Obligation]:
    rows = session.scalars(
        select(Obligation)
        .join(Item)
        .where(Item.roadmap_id == roadmap.id, Obligation.withdrawn.is_(False))
        .order_by(Item.position, Obligation.phase_index)
    )
    return list(rows)


def obligation_by_key(
    session: Session, roadmap: Roadmap, key: str, phase: str | None = None
) -> Obligation:
    """``key`` is an item number («1.3») or an obligation key («3.1.4/2»); ``phase`` a label."""
    number, _, index = key.partition("/")
    candidates = [o for o in obligations_of(session, roadmap) if o.item.number == number]
    if not candidates:
        raise NotFound(f"roadmap № {roadmap.number} has no scheduled item {number}")
    if index:
        found = [o for o in candidates if str(o.phase_index + 1) == index]
    elif phase:
        found = [o for o in candidates if (o.label or "").casefold() == phase.casefold()]
    else:
        found = candidates if len(candidates) == 1 else []
    if not found:
        labels = ", ".join(f"{o.key} ({o.label})" for o in candidates)
        raise NotFound(f"item {number} has several phases; name one of: {labels}")
    return found[0]


def active_items(roadmap: Roadmap) -> list[Item]:
    """The roadmap's items still in force (an updated decree may have withdrawn some)."""
    return [i for i in roadmap.items if not i.withdrawn]


def check_item(roadmap: Roadmap, number: str | None) -> None:
    """``--item N`` names an item of the roadmap (or a section with sub-items): an unknown one
    is one line, not an empty table that reads as «nothing due»."""
    if number is None:
        return
    numbers = [i.number for i in active_items(roadmap)]
    if not any(n == number or n.startswith(number + ".") for n in numbers):
        raise NotFound(f"roadmap № {roadmap.number} has no item {number}")
