"""The roadmaps and their items as `kontrol status` and `kontrol items` read them, through the
driver (``kontrol.plain_db``) and without the models: the same columns, chosen by the same
rules (``kontrol.choosing``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kontrol.choosing import choose, ref_words
from kontrol.plain_db import PlainDB, day, moment
from kontrol.roadmap.datewindow import DateWindow, date_window, hull


@dataclass(frozen=True)
class ExecutorRow:
    body_id: str
    name: str
    role: str


@dataclass
class ItemRow:
    id: int
    number: str
    kind: str
    parent_id: int | None
    title: str
    schedule_text: str
    source_lines: list[Any]
    withdrawn: bool
    executors: list[ExecutorRow] = field(default_factory=list)


@dataclass
class RoadmapRow:
    id: int
    number: str
    adopted_on: dt.date
    authority: str
    title: str
    plan_title: str
    horizon_year: int | None
    retired_on: dt.date | None
    retirement_applied_at: dt.datetime | None
    items: list[ItemRow] = field(default_factory=list)

    def in_force(self, on: dt.date) -> bool:
        return self.retired_on is None or on < self.retired_on


def roadmaps_of(db: PlainDB, *, executors: bool = False) -> list[RoadmapRow]:
    """Every imported roadmap, by adoption, with its items by position (and their executors)."""
    found = [
        RoadmapRow(rid, number, day(adopted), authority, title, plan, horizon,
                   day(retired) if retired else None, moment(applied))
        for rid, number, adopted, authority, title, plan, horizon, retired, applied in db.rows(
            "SELECT id, number, adopted_on, authority, title, plan_title, horizon_year,"
            " retired_on, retirement_applied_at FROM roadmaps ORDER BY adopted_on, id"
        )
    ]  # fmt: skip
    by_id = {r.id: r for r in found}
    items: dict[int, ItemRow] = {}
    for rid, iid, number, kind, parent, title, schedule, lines, withdrawn in db.rows(
        "SELECT roadmap_id, id, number, kind, parent_id, title, schedule_text, source_lines,"
        " withdrawn FROM items ORDER BY roadmap_id, position"
    ):
        item = ItemRow(iid, number, kind, parent, title, schedule, _json(lines), bool(withdrawn))
        items[item.id] = item
        by_id[rid].items.append(item)
    if executors:
        for item_id, body_id, name, role in db.rows(
            "SELECT e.item_id, e.body_id, b.name, e.role FROM item_executors e"
            " JOIN bodies b ON b.id = e.body_id ORDER BY e.item_id, e.position"
        ):
            items[item_id].executors.append(ExecutorRow(body_id, name, role))
    return found


def ref_among(roadmap: RoadmapRow, every: list[RoadmapRow]) -> str:
    """``kontrol.lookup.roadmap_ref`` over roadmaps already read: the twin is among them."""
    twin = any(
        r.id != roadmap.id and r.number == roadmap.number and r.adopted_on == roadmap.adopted_on
        for r in every
    )
    return ref_words(roadmap, twin)


def choose_among(every: list[RoadmapRow], refs: Sequence[str], on: dt.date) -> list[RoadmapRow]:
    """``kontrol.choosing.choose`` over roadmaps already read, named as ``ref_among`` names them."""
    return choose(every, refs, on, lambda r: ref_among(r, every))


def scheduled_item_ids(db: PlainDB) -> set[int]:
    """The items whose schedule became obligations (was understood), of every roadmap."""
    return {
        item_id
        for (item_id,) in db.rows(
            "SELECT DISTINCT item_id FROM obligations WHERE withdrawn = :no", no=False
        )
    }


def imported_window(every: list[RoadmapRow]) -> DateWindow | None:
    """``kontrol.windows.imported_window`` of roadmaps already read."""
    return hull(date_window(r.adopted_on, r.horizon_year) for r in every)


def _json(value: object) -> list[Any]:
    """A JSON column: SQLite gives the text SQLAlchemy wrote, psycopg the value."""
    return json.loads(value) if isinstance(value, str) else list(value or [])  # type: ignore[call-overload]
