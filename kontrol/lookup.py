"""Finding roadmaps and obligations by the names people and parameters use, in the database
through the models; the rules of choosing are ``kontrol.choosing``'s."""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from kontrol.choosing import (
    choose,
    one_among,
    parse_ref,
    ref_words,
)
from kontrol.errors import NotFound
from kontrol.models import Item, Obligation, Roadmap

_TWINS: weakref.WeakKeyDictionary[Roadmap, bool] = weakref.WeakKeyDictionary()


def roadmap_ref(roadmap: Roadmap) -> str:
    """``kontrol.choosing.ref_words``, the twin looked up in the roadmap's session."""
    return ref_words(roadmap, _has_twin(roadmap))


def _has_twin(roadmap: Roadmap) -> bool:
    known = _TWINS.get(roadmap)
    if known is None:
        session = object_session(roadmap)
        if session is None:
            return False
        with session.no_autoflush:
            twin = session.scalar(
                select(Roadmap.id).where(
                    Roadmap.number == roadmap.number,
                    Roadmap.adopted_on == roadmap.adopted_on,
                    Roadmap.id != roadmap.id,
                )
            )
        known = _TWINS[roadmap] = twin is not None
    return known


def all_roadmaps(session: Session) -> list[Roadmap]:
    return list(session.scalars(select(Roadmap).order_by(Roadmap.adopted_on, Roadmap.id)))


def _one(session: Session, ref: str) -> Roadmap:
    number, _, _ = parse_ref(ref)
    query = select(Roadmap).where(Roadmap.number == number).order_by(Roadmap.adopted_on, Roadmap.id)
    return one_among(list(session.scalars(query)), ref, roadmap_ref)


def select_roadmaps(
    session: Session, refs: Sequence[str] = (), *, on: dt.date | None = None
) -> list[Roadmap]:
    """The roadmaps a reading command covers (``kontrol.choosing.choose``)."""
    return choose(all_roadmaps(session), refs, on, roadmap_ref)


def roadmap_by_number(
    session: Session, number: str | None = None, *, on: dt.date | None = None
) -> Roadmap:
    """The one roadmap a changing command works on: the one named, else the only one in force
    (several in force is one line asking for --roadmap)."""
    if number:
        return _one(session, number)
    active = select_roadmaps(session, on=on)
    if len(active) > 1:
        raise NotFound(
            f"{len(active)} roadmaps are in force: name one with --roadmap ("
            + ", ".join(f"«{roadmap_ref(r)}»" for r in active)
            + ")"
        )
    return active[0]


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
