"""Finding roadmaps and obligations by the names people and parameters use."""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from kontrol.errors import NotFound
from kontrol.models import Item, Obligation, Roadmap

REF = re.compile(
    r"^\s*(?:№\s*)?(?P<number>.+?)"
    r"(?:\s+от\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})(?:\s*г(?:ода|\.)?)?|@(?P<iso>\d{4}-\d{2}-\d{2}))?"
    r"(?:\s*,\s*(?P<issuer>\S.*?))?\s*$"
)
_TWINS: weakref.WeakKeyDictionary[Roadmap, bool] = weakref.WeakKeyDictionary()


def roadmap_ref(roadmap: Roadmap) -> str:
    """What names a roadmap in parameters, tags and `--roadmap`: «1302-б от 27.07.2020»; with
    its issuer («306 от 12.05.2011, Администрация …») when another imported decree has the same
    number and date — a decree is its issuer, number and date."""
    ref = f"{roadmap.number} от {roadmap.adopted_on:%d.%m.%Y}"
    return f"{ref}, {_issuer(roadmap)}" if _has_twin(roadmap) else ref


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


def parse_ref(ref: str) -> tuple[str, dt.date | None, str | None]:
    """«1302-б», «№ 1302-б от 27.07.2020», «1302-б@2020-07-27», each with «, ISSUER» (a part
    of its name) where two decrees share number and date → number, date and issuer."""
    m = REF.match(ref)
    if m is None or not m["number"].strip():
        raise NotFound(f"«{ref}» does not name a roadmap: give its number, e.g. 1302-б")
    issuer = m["issuer"]
    try:
        if m["date"]:
            day, month, year = (int(p) for p in m["date"].split("."))
            return m["number"].strip(), dt.date(year, month, day), issuer
        if m["iso"]:
            return m["number"].strip(), dt.date.fromisoformat(m["iso"]), issuer
    except ValueError:
        raise NotFound(f"«{ref}»: the date is not a calendar date") from None
    return m["number"].strip(), None, issuer


def in_force(roadmap: Roadmap, on: dt.date | None) -> bool:
    """Not declared void by ``on``; without a day, not yet retired by `retire` or the sweep."""
    if on is None:
        return roadmap.retirement_applied_at is None
    return roadmap.in_force(on)


def all_roadmaps(session: Session) -> list[Roadmap]:
    return list(session.scalars(select(Roadmap).order_by(Roadmap.adopted_on, Roadmap.id)))


def matching(session: Session, ref: str) -> list[Roadmap]:
    number, day, issuer = parse_ref(ref)
    query = select(Roadmap).where(Roadmap.number == number).order_by(Roadmap.adopted_on)
    if day is not None:
        query = query.where(Roadmap.adopted_on == day)
    found = list(session.scalars(query))
    if issuer:
        part = " ".join(issuer.split()).casefold()
        found = [r for r in found if part in " ".join(r.authority.split()).casefold()]
    return found


def _one(session: Session, ref: str) -> Roadmap:
    found = matching(session, ref)
    if not found:
        raise NotFound(f"no roadmap № {ref} imported")
    if len(found) > 1:
        raise NotFound(
            f"№ {ref} names {len(found)} roadmaps: say which — "
            + "; ".join(f"«{roadmap_ref(r)}» ({_issuer(r)})" for r in found)
        )
    return found[0]


def _issuer(roadmap: Roadmap) -> str:
    return " ".join(roadmap.authority.split())[:80] or "issuer unknown"


def select_roadmaps(
    session: Session, refs: Sequence[str] = (), *, on: dt.date | None = None
) -> list[Roadmap]:
    """The roadmaps a reading command covers: those named (each unambiguously), else every
    roadmap in force on ``on``."""
    if refs:
        chosen = {r.id: r for r in (_one(session, ref) for ref in refs)}
        return list(chosen.values())
    every = all_roadmaps(session)
    if not every:
        raise NotFound(NOTHING_IMPORTED)
    active = [r for r in every if in_force(r, on)]
    if not active:
        raise NotFound(
            "every imported roadmap has been declared void: name one with --roadmap "
            f'(e.g. --roadmap "{roadmap_ref(every[-1])}")'
        )
    return active


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


NOTHING_IMPORTED = "no roadmap imported yet: run `kontrol import FILE --directory FILE`"


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


def scheduled_item_ids(session: Session, roadmap: Roadmap) -> set[int]:
    """The items of ``roadmap`` whose schedule became obligations (was understood)."""
    return set(
        session.scalars(
            select(Obligation.item_id)
            .join(Item)
            .where(Item.roadmap_id == roadmap.id, Obligation.withdrawn.is_(False))
        )
    )


def check_item(roadmaps: Sequence[Roadmap], number: str | None) -> None:
    """``--item N`` names an item of the one roadmap covered (or a section with sub-items): an
    unknown one, or several roadmaps, is one line, not an empty table that reads as «nothing
    due»."""
    if number is None:
        return
    if len(roadmaps) > 1:
        raise NotFound(
            f"--item {number}: {len(roadmaps)} roadmaps are covered; name one with --roadmap"
        )
    roadmap = roadmaps[0]
    numbers = [i.number for i in active_items(roadmap)]
    if not any(n == number or n.startswith(number + ".") for n in numbers):
        raise NotFound(f"roadmap № {roadmap.number} has no item {number}")
