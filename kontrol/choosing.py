"""Choosing roadmaps among those imported, by the names people and parameters use: the rules,
over roadmaps loaded either way (the models, or ``kontrol.plain_reads`` without SQLAlchemy).

A roadmap here is anything with the columns these rules read: ``id``, ``number``,
``adopted_on``, ``authority``, ``retirement_applied_at``, ``in_force(on)``, and its ``items``
(each with ``number`` and ``withdrawn``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from kontrol.errors import NotFound

RefOf = Callable[[Any], str]

REF = re.compile(
    r"^\s*(?:№\s*)?(?P<number>.+?)"
    r"(?:\s+от\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})(?:\s*г(?:ода|\.)?)?|@(?P<iso>\d{4}-\d{2}-\d{2}))?"
    r"(?:\s*,\s*(?P<issuer>\S.*?))?\s*$"
)


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


def in_force(roadmap: Any, on: dt.date | None) -> bool:
    """Not declared void by ``on``; without a day, not yet retired by `retire` or the sweep."""
    if on is None:
        return roadmap.retirement_applied_at is None
    return roadmap.in_force(on)


def ref_words(roadmap: Any, twin: bool) -> str:
    """What names a roadmap in parameters, tags and `--roadmap`: «1302-б от 27.07.2020»; with
    its issuer («306 от 12.05.2011, Администрация …») when another imported decree has the same
    number and date (``twin``) — a decree is its issuer, number and date."""
    ref = f"{roadmap.number} от {roadmap.adopted_on:%d.%m.%Y}"
    return f"{ref}, {issuer_words(roadmap)}" if twin else ref


def matching_among(every: Sequence[Any], ref: str) -> list[Any]:
    """The roadmaps ``ref`` names, in the order of ``every`` (by adoption)."""
    number, day, issuer = parse_ref(ref)
    found = [r for r in every if r.number == number and (day is None or r.adopted_on == day)]
    if issuer:
        part = " ".join(issuer.split()).casefold()
        found = [r for r in found if part in " ".join(r.authority.split()).casefold()]
    return found


def one_among(every: Sequence[Any], ref: str, ref_of: RefOf) -> Any:
    found = matching_among(every, ref)
    if not found:
        raise NotFound(f"no roadmap № {ref} imported")
    if len(found) > 1:
        raise NotFound(
            f"№ {ref} names {len(found)} roadmaps: say which — "
            + "; ".join(f"«{ref_of(r)}» ({issuer_words(r)})" for r in found)
        )
    return found[0]


def issuer_words(roadmap: Any) -> str:
    return " ".join(roadmap.authority.split())[:80] or "issuer unknown"


def choose(
    every: Sequence[Any], refs: Sequence[str], on: dt.date | None, ref_of: RefOf
) -> list[Any]:
    """The roadmaps a reading command covers: those named (each unambiguously), else every
    roadmap in force on ``on``; ``every`` is all imported, by adoption."""
    if refs:
        chosen = {r.id: r for r in (one_among(every, ref, ref_of) for ref in refs)}
        return list(chosen.values())
    if not every:
        raise NotFound(NOTHING_IMPORTED)
    active = [r for r in every if in_force(r, on)]
    if not active:
        raise NotFound(
            "every imported roadmap has been declared void: name one with --roadmap "
            f'(e.g. --roadmap "{ref_of(every[-1])}")'
        )
    return active


NOTHING_IMPORTED = "no roadmap imported yet: run `kontrol import FILE --directory FILE`"


def active_items(roadmap: Any) -> list[Any]:
    """The roadmap's items still in force (an updated decree may have withdrawn some)."""
    return [i for i in roadmap.items if not i.withdrawn]


def check_item(roadmaps: Sequence[Any], number: str | None) -> None:
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
